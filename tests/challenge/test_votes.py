"""Votes: who may vote, the limits the database keeps, and concurrent taps on both databases."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.challenge import leaderboard, show, votes
from app.challenge.models import Ballot, Vote
from app.checkin.services import ScanRequest, check_in
from app.clock import at_local
from app.errors import DomainError
from app.extensions import db
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.models import Ticket
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_round, make_story

DAY = date(2026, 6, 14)
_emails = iter(range(10_000))


def ticket(*, checked_in: bool = True, day: date = DAY):
    make_day(day)
    registered = tickets.register(RegistrationRequest(name="Li Lei", email=f"voter{next(_emails)}@example.org",
                                                      days=[day], session_ids=[], locale="en", consent=True))
    code = registered.tickets[0].code
    if checked_in:
        assert check_in(ScanRequest(scan=code, gate="North"), now=at_local(day, time(10, 15)))["result"] == "ok"
    return code


def counted() -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Vote)),
            db.session.scalar(select(func.coalesce(func.sum(Ballot.used), 0))))


def refused(code: str, story_id, expected: str, status: int) -> None:
    before = counted()
    with pytest.raises(DomainError) as caught:
        votes.cast(code, story_id)
    assert (caught.value.code, caught.value.status) == (expected, status)
    assert counted() == before  # nothing of the refused vote is left


@pytest.fixture
def voting(app):
    """The round open (and taking votes) at the demo clock, with three approved stories."""
    challenge_round = make_round(start=time(10), end=time(12))
    return challenge_round, [make_story(challenge_round, status="approved") for _ in range(3)]


@pytest.fixture
def moderator(app):
    return add_staff("moderator@example.org", "moderator").member


def test_a_checked_in_ticket_votes_up_to_its_limit_once_per_story(voting):
    challenge_round, (one, two, three) = voting
    code = ticket()
    assert votes.cast(code, one.id).as_json() == {"round_id": challenge_round.id, "votes_per_ticket": 3, "left": 2,
                                                  "story_ids": [one.id], "checked_in": True}
    refused(code, one.id, "already_voted", 409)
    votes.cast(code, two.id)
    assert votes.cast(code, three.id).left == 0
    extra = make_story(challenge_round, status="approved")
    refused(code, extra.id, "no_votes_left", 409)
    assert counted() == (3, 3)


def test_each_refusal_has_its_own_code_and_changes_nothing(voting, moderator):
    challenge_round, (one, _, _) = voting
    refused("NOT-A-TICKET", one.id, "ticket_not_found", 404)
    refused(ticket(), 999_999, "story_not_found", 404)
    refused(ticket(checked_in=False), one.id, "not_checked_in", 403)
    refused(ticket(day=date(2026, 6, 15)), one.id, "not_checked_in", 403)  # not checked in *today*
    code = ticket()
    for status in ("pending", "rejected"):
        refused(code, make_story(challenge_round, status=status).id, "story_not_votable", 409)
    other_round = make_round(start=time(8), end=time(9))
    refused(code, make_story(other_round, status="approved").id, "story_not_votable", 409)
    show.close_voting(challenge_round, actor=moderator)
    refused(code, one.id, "voting_closed", 409)


def test_a_cancelled_ticket_cannot_vote(voting):
    _, (one, _, _) = voting
    code = ticket()
    tickets.cancel_ticket(db.session.scalars(select(Ticket).where(Ticket.code == code)).one())
    refused(code, one.id, "ticket_cancelled", 403)


def test_voting_follows_the_round_unless_staff_keep_it_open(app, moderator):
    past = make_round(start=time(8), end=time(9))
    story = make_story(past, status="approved")
    code = ticket()
    refused(code, story.id, "voting_closed", 409)  # the round ended: voting ended with it
    show.open_voting(past, actor=moderator)
    assert votes.cast(code, story.id).round_id == past.id
    assert votes.voting_round().id == past.id


def test_withdrawing_frees_a_vote_and_is_harmless_twice(voting):
    _, (one, two, _) = voting
    code = ticket()
    votes.cast(code, one.id)
    votes.cast(code, two.id)
    votes.withdraw(code, one.id)
    votes.withdraw(code, one.id)
    assert votes.ballot(code).as_json()["story_ids"] == [two.id]
    assert counted() == (1, 1)


def test_votes_per_ticket_is_the_rounds(voting):
    challenge_round, stories = voting
    challenge_round.votes_per_ticket = 5
    db.session.commit()
    stories += [make_story(challenge_round, status="approved") for _ in range(3)]
    code = ticket()
    for story in stories[:5]:
        votes.cast(code, story.id)
    refused(code, stories[5].id, "no_votes_left", 409)


def _post_votes(app, pairs, workers):
    def send(pair):
        code, story_id = pair
        with app.test_client() as phone:
            answer = phone.post("/api/v1/votes", json={"ticket_code": code, "story_id": story_id})
            return answer.status_code, (answer.get_json() or {}).get("error", {}).get("code")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(send, pairs))


def test_twenty_taps_at_once_for_twenty_stories_give_exactly_votes_per_ticket(app, voting):
    challenge_round, stories = voting
    stories += [make_story(challenge_round, status="approved") for _ in range(17)]
    code = ticket()
    results = _post_votes(app, [(code, story.id) for story in stories], workers=20)
    assert sorted(results, key=str) == sorted([(201, None)] * 3 + [(409, "no_votes_left")] * 17, key=str)
    assert counted() == (3, 3)


def test_twenty_taps_at_once_for_one_story_give_one_vote(app, voting):
    _, (one, _, _) = voting
    code = ticket()
    results = _post_votes(app, [(code, one.id)] * 20, workers=20)
    assert sorted(results, key=str) == sorted([(201, None)] + [(409, "already_voted")] * 19, key=str)
    assert counted() == (1, 1)


def test_a_burst_of_two_hundred_tickets_is_counted_exactly(app, voting):
    challenge_round, (one, _, _) = voting
    make_day(DAY, capacity=300)
    codes = [ticket() for _ in range(200)]
    results = _post_votes(app, [(code, one.id) for code in codes], workers=16)
    assert results == [(201, None)] * 200
    db.session.rollback()
    board = {entry["story_id"]: entry["votes"] for entry in leaderboard.live_entries(challenge_round)}
    assert board[one.id] == 200
    assert counted() == (200, 200)
