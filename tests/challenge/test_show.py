"""The show's controls: idempotent and logged once, the frozen board holds, the reveal walks up,
and the winners are told once."""
from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.challenge import leaderboard, show, votes
from app.checkin.services import ScanRequest, check_in
from app.clock import at_local
from app.extensions import db
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.models import OutboxMail
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_round, make_story

DAY = date(2026, 6, 14)


@pytest.fixture
def moderator(app):
    return add_staff("moderator@example.org", "moderator").member


def registered(email: str, locale: str = "en"):
    make_day(DAY)
    ticket = tickets.register(RegistrationRequest(name="Li Lei", email=email, days=[DAY], session_ids=[],
                                                  locale=locale, consent=True)).tickets[0]
    check_in(ScanRequest(scan=ticket.code, gate="North"), now=at_local(DAY, time(10, 5)))
    return ticket


def logged(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


@pytest.fixture
def board(app):
    """Four approved stories; the first three authors left a ticket at the kiosk."""
    challenge_round = make_round(start=time(10), end=time(12))
    authors = [registered("a@example.org", "zh"), registered("b@example.org"), registered("c@example.org")]
    stories = [make_story(challenge_round, status="approved", ticket_id=ticket.id) for ticket in authors]
    stories.append(make_story(challenge_round, status="approved"))
    voters = [registered(f"voter{n}@example.org").code for n in range(3)]
    for place, story in enumerate(stories[:3]):  # story 0 gets 3 votes, story 1 two, story 2 one
        for code in voters[:3 - place]:
            votes.cast(code, story.id)
    return challenge_round, stories, voters


@pytest.mark.parametrize(("control", "action"), [
    (show.open_voting, "voting.open"), (show.close_voting, "voting.close"), (show.freeze, "leaderboard.freeze")])
def test_each_control_is_harmless_twice_and_logged_once(board, moderator, control, action):
    challenge_round, _, _ = board
    control(challenge_round, actor=moderator)
    control(challenge_round, actor=moderator)
    assert logged(action) == 1


def test_the_frozen_board_holds_while_the_count_goes_on(board, moderator):
    challenge_round, stories, _ = board
    show.freeze(challenge_round, actor=moderator)
    frozen = leaderboard.public_board(challenge_round)
    late = registered("late@example.org").code
    votes.cast(late, stories[3].id)
    assert leaderboard.public_board(challenge_round) == frozen and frozen["frozen"] is True
    live = {entry["story_id"]: entry["votes"] for entry in leaderboard.live_board(challenge_round)["entries"]}
    assert live[stories[3].id] == 1
    show.unfreeze(challenge_round, actor=moderator)
    show.unfreeze(challenge_round, actor=moderator)
    assert logged("leaderboard.unfreeze") == 1
    assert leaderboard.public_board(challenge_round)["entries"] == leaderboard.live_entries(challenge_round)


def test_the_reveal_walks_up_from_the_last_place_and_tells_the_winners_once(board, moderator):
    challenge_round, stories, _ = board
    order = [entry["story_id"] for entry in leaderboard.live_entries(challenge_round)]
    assert order[:3] == [stories[0].id, stories[1].id, stories[2].id]
    shown = []
    for step in range(1, 5):
        show.reveal(challenge_round, actor=moderator)
        body = leaderboard.public_board(challenge_round)
        shown.append([entry["story_id"] for entry in body["entries"]])
        assert body["revealed"] == step
    assert shown == [order[3:], order[2:], order[1:], order]
    show.reveal(challenge_round, actor=moderator, places=4)  # a re-sent last step: nothing more
    show.reveal(challenge_round, actor=moderator)
    assert logged("leaderboard.reveal") == 4
    mails = list(db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "story_won").order_by(OutboxMail.to)))
    assert [mail.to for mail in mails] == ["a@example.org", "b@example.org", "c@example.org"]
    assert "第一名" in mails[0].subject
    assert mails[1].subject.endswith("your story came 2nd") and mails[2].subject.endswith("your story came 3rd")
    assert "came 2nd in the My Story round" in mails[1].text_body
    show.reset_reveal(challenge_round, actor=moderator)
    assert leaderboard.public_board(challenge_round)["revealed"] is None
    for _ in range(4):
        show.reveal(challenge_round, actor=moderator)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "story_won")) == 3
