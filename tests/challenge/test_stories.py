"""Stories: sent from a kiosk, screened, moderated; one story per nonce however many re-sends."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, inspect, select

from app.challenge import screens, stories
from app.challenge.models import Story, StoryFrame
from app.clock import at_local
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime.namespaces import staff_snapshot
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.builders import data_url, make_day, make_round, make_story, png

DAY = date(2026, 6, 14)


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return at_local(day, time(hh, mm))


def reread() -> None:
    """Other threads wrote: end this session's snapshot and forget the rows it holds."""
    db.session.rollback()
    db.session.expire_all()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def approvals_logged() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "story.approve"))


def body(nonce: str = "kiosk-1-0001", **changes) -> dict:
    values = {"author": "Xiao Li", "title": "Tomorrow Calls", "logline": "A phone rings with tomorrow's news.",
              "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": nonce, "locale": "en"}
    return {**values, **changes}


@pytest.fixture
def kiosk(app):
    return add_staff("kiosk-1@devices.local", "kiosk")


@pytest.fixture
def moderator(app):
    return add_staff("moderator@example.org", "moderator")


@pytest.fixture
def open_round(app):
    """Open from 10:00 to 12:00: the demo clock (10:30) is inside it."""
    return make_round(start=time(10), end=time(12), beat_count=3)


def auto_approve(moderator) -> None:
    screens.set_auto_approve(True, actor=moderator.member)


def ticket(email: str = "li@example.org"):
    make_day(DAY)
    return tickets.register(RegistrationRequest(name="Li Lei", email=email, days=[DAY], session_ids=[],
                                                locale="en", consent=True)).tickets[0]


# --- Sending ---

def test_a_story_joins_the_open_round_as_pending(open_round, kiosk):
    answer, created = stories.submit(body(title=" Tomorrow\u200b Calls "), kiosk=kiosk.member)

    assert created
    story = db.session.get(Story, answer["id"])
    assert answer == {"id": story.id, "round_id": open_round.id, "status": "pending"}
    assert (story.status, story.title, story.kiosk_id, story.approved_at) == \
        ("pending", "Tomorrow Calls", kiosk.member.id, None)
    assert story.beats == ["It rings.", "She answers.", "It is her own voice."]


def test_frames_are_stored_per_beat(open_round, kiosk):
    drawing = png(800, 450)
    answer, _ = stories.submit(body(frames=[None, None, data_url(drawing)]), kiosk=kiosk.member)

    frames = db.session.scalars(select(StoryFrame).where(StoryFrame.story_id == answer["id"])).all()
    assert [(frame.beat, frame.png, frame.width, frame.height) for frame in frames] == [(2, drawing, 800, 450)]
    assert db.session.get(Story, answer["id"]).frame_count == 1


def test_without_auto_approve_even_a_clean_story_waits(open_round, kiosk):
    assert stories.submit(body(), kiosk=kiosk.member)[0]["status"] == "pending"


def test_auto_approve_takes_a_clean_story_without_drawings(open_round, kiosk, moderator):
    auto_approve(moderator)

    answer, _ = stories.submit(body(), kiosk=kiosk.member)

    story = db.session.get(Story, answer["id"])
    assert answer["status"] == story.status == "approved"
    assert story.approved_at is not None


def test_auto_approve_leaves_flagged_stories_and_drawings_to_a_person(open_round, kiosk, moderator):
    auto_approve(moderator)
    for number, (changes, flagged) in enumerate((
        ({"beats": ["It rings.", "What an asshole.", "It is her own voice."]}, True),
        ({"author": "asshole"}, True),
        ({"frames": [data_url(png())]}, False),
    )):
        answer, _ = stories.submit(body(f"kiosk-1-{number:04d}", **changes), kiosk=kiosk.member)

        story = db.session.get(Story, answer["id"])
        assert answer["status"] == story.status == "pending", changes
        assert story.approved_at is None
        assert story.flagged is flagged


def test_no_open_round_is_409_round_closed(app, kiosk):
    make_round(start=time(8), end=time(10))     # closed at 10:30
    make_round(start=time(11), end=time(12))    # not open yet

    with pytest.raises(DomainError) as refused:
        stories.submit(body(), kiosk=kiosk.member)

    assert (refused.value.code, refused.value.status) == ("round_closed", 409)
    assert count(Story) == 0


def test_the_round_decides_the_number_of_beats(app, kiosk):
    make_round(beat_count=5)
    with pytest.raises(ValidationFailed) as refused:
        stories.submit(body(), kiosk=kiosk.member)
    assert set(refused.value.fields) == {"beats"}


def test_an_unknown_ticket_code_is_422_at_ticket_code(open_round, kiosk):
    for code in ("AbCdEfGhIjKlMnOpQrStUv", "not a code", "https://x.example/schedule/3"):
        with pytest.raises(ValidationFailed) as refused:
            stories.submit(body(ticket_code=code), kiosk=kiosk.member)
        assert set(refused.value.fields) == {"ticket_code"}, code
    assert count(Story) == 0


def test_a_cancelled_ticket_is_422_at_ticket_code(open_round, kiosk):
    cancelled = ticket()
    tickets.cancel_ticket(cancelled)

    with pytest.raises(ValidationFailed) as refused:
        stories.submit(body(ticket_code=cancelled.code), kiosk=kiosk.member)

    assert set(refused.value.fields) == {"ticket_code"}


def test_a_ticket_is_taken_as_its_code_or_its_url(open_round, kiosk):
    holder = ticket()
    for number, as_sent in enumerate((holder.code, f" {holder.code} ", f"https://backlot.example/t/{holder.code}")):
        answer, _ = stories.submit(body(f"kiosk-1-{number:04d}", ticket_code=as_sent), kiosk=kiosk.member)
        assert db.session.get(Story, answer["id"]).ticket_id == holder.id, as_sent


def test_the_same_nonce_twice_makes_one_story_with_one_answer(open_round, kiosk):
    first, created = stories.submit(body(), kiosk=kiosk.member)
    again, created_again = stories.submit(body(title="Edited after the lost answer"), kiosk=kiosk.member)

    assert (created, created_again) == (True, False)
    assert again == first
    assert count(Story) == 1


def test_a_re_send_after_the_round_closed_still_gets_the_first_answer(open_round, kiosk):
    first, _ = stories.submit(body(), kiosk=kiosk.member, now=at(11, 59))
    again, created = stories.submit(body(), kiosk=kiosk.member, now=at(12, 1))
    assert (again, created) == (first, False)


def test_a_bad_frame_leaves_nothing_behind(open_round, kiosk):
    with pytest.raises(ValidationFailed) as refused:
        stories.submit(body(frames=[data_url(png()), "data:image/png;base64,AAAA"]), kiosk=kiosk.member)

    assert set(refused.value.fields) == {"frames.1"}
    assert (count(Story), count(StoryFrame)) == (0, 0)
    # The nonce is still free: the corrected story goes in.
    assert stories.submit(body(frames=[data_url(png()), None]), kiosk=kiosk.member)[1] is True


def test_twenty_re_sends_at_once_make_one_story_and_twenty_identical_answers(app, open_round, kiosk):
    def send(_index: int) -> tuple[int, dict]:
        with app.test_client() as device:
            answer = device.post("/api/v1/stories", json=body("kiosk-1-race"),
                                 headers={"Authorization": f"Bearer {kiosk.token}"})
            return answer.status_code, answer.get_json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))

    assert sorted(status for status, _ in results) == [200] * 19 + [201]
    answers = [answer for _, answer in results]
    assert all(answer == answers[0] for answer in answers)
    reread()
    assert count(Story) == 1
    assert answers[0]["id"] == db.session.scalar(select(Story.id))


# --- Moderating ---

def test_approve_then_reject_keeps_when_it_was_first_shown(open_round, moderator):
    story = make_story(open_round)

    stories.approve(story, actor=moderator.member, now=at(10, 40))
    stories.reject(story, actor=moderator.member, reason="  Off topic\u202e ", now=at(10, 50))

    db.session.expire_all()
    story = db.session.get(Story, story.id)
    assert (story.status, story.approved_at, story.reason) == ("rejected", at(10, 40), "Off topic")
    assert (story.moderated_by_id, story.moderated_at) == (moderator.member.id, at(10, 50))
    assert [entry.action for entry in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.startswith("story.")).order_by(AuditEntry.id))] == ["story.approve", "story.reject"]


def test_approving_again_changes_nothing_and_writes_no_second_entry(open_round, moderator):
    story = make_story(open_round)
    stories.approve(story, actor=moderator.member, now=at(10, 40))
    stories.approve(story, actor=moderator.member, now=at(10, 45))

    assert story.approved_at == at(10, 40)
    assert approvals_logged() == 1


def test_ten_moderators_approving_at_once_approve_once(app, open_round, moderator):
    story = make_story(open_round)

    def approve(_index: int) -> tuple[int, str]:
        with app.test_client() as phone:
            answer = phone.post(f"/api/v1/stories/{story.id}/approve",
                                headers={"Authorization": f"Bearer {moderator.token}"})
            return answer.status_code, answer.get_json()["status"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(approve, range(10)))

    assert results == [(200, "approved")] * 10
    reread()
    assert db.session.get(Story, story.id).status == "approved"
    assert approvals_logged() == 1


def test_get_story_of_an_unknown_id_is_404(app):
    with pytest.raises(DomainError) as refused:
        stories.get_story(404)
    assert (refused.value.code, refused.value.status) == ("story_not_found", 404)


# --- What moderators and screens see ---

def test_the_queue_puts_flagged_first_then_oldest(open_round):
    start = open_round.starts_at
    newer = make_story(open_round, title="newer", created_at=start + timedelta(minutes=20))
    flagged_newer = make_story(open_round, title="flagged newer", flagged_terms=("ass",),
                               created_at=start + timedelta(minutes=15))
    older = make_story(open_round, title="older", created_at=start + timedelta(minutes=5))
    flagged_older = make_story(open_round, title="flagged older", flagged_terms=("ass",),
                               created_at=start + timedelta(minutes=10))
    make_story(open_round, status="approved")
    make_story(open_round, status="rejected")

    assert stories.queue() == [flagged_older, flagged_newer, older, newer]


def test_the_limit_applies_after_flagged_first(open_round):
    start = open_round.starts_at
    older = [make_story(open_round, created_at=start + timedelta(minutes=n)) for n in range(3)]
    flagged = make_story(open_round, flagged_terms=("ass",), created_at=start + timedelta(minutes=9))

    assert stories.queue(limit=2) == [flagged, older[0]]


def test_the_staff_console_counts_every_pending_story(open_round):
    for minute in range(5):
        make_story(open_round, flagged_terms=("ass",) if minute % 2 else (),
                   created_at=open_round.starts_at + timedelta(minutes=minute))
    make_story(open_round, status="approved", flagged_terms=("ass",))

    assert staff_snapshot()["moderation"] == {"pending": 5, "flagged": 2, "auto_approve": False}


def test_story_lists_leave_the_drawings_bytes_in_the_database(open_round):
    make_story(open_round, status="approved", frames={0: png()})
    make_story(open_round, frames={1: png()})
    db.session.expire_all()

    listed = stories.recent_approved() + stories.queue()

    frames = [frame for story in listed for frame in story.frames]
    assert len(frames) == 2 and all("png" in inspect(frame).unloaded for frame in frames)


def test_the_queue_filters_by_status_and_round(app):
    first, second = make_round(start=time(8), end=time(9)), make_round(start=time(10), end=time(12))
    approved_first = make_story(first, status="approved")
    rejected_second = make_story(second, status="rejected", created_at=at(10, 10))
    pending_second = make_story(second, created_at=at(10, 20))

    assert stories.queue(status="approved") == [approved_first]
    assert stories.queue(status=None, round_id=second.id) == [pending_second, rejected_second]
    assert stories.queue(status="pending", round_id=first.id) == []
    with pytest.raises(ValidationFailed) as refused:
        stories.queue(status="everything")
    assert set(refused.value.fields) == {"status"}


def test_recent_approved_shows_todays_approved_stories_newest_first(app):
    yesterday = make_round(on=date(2026, 6, 13))
    today = make_round()
    make_story(yesterday, status="approved", title="yesterday")
    make_story(today, status="pending")
    make_story(today, status="rejected")
    withdrawn = make_story(today, status="rejected", approved_at=at(10, 10))  # approved, then taken off
    first = make_story(today, status="approved", approved_at=at(10, 5))
    second = make_story(today, status="approved", approved_at=at(10, 20))

    assert stories.recent_approved(now=at(10, 30)) == [second, first]
    assert withdrawn not in stories.recent_approved(now=at(10, 30))
    assert stories.recent_approved(now=at(10, 30), limit=1) == [second]
    # The next morning the displays start empty.
    assert stories.recent_approved(now=at(9, day=date(2026, 6, 15))) == []
