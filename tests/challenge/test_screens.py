"""The switches of My Story's screens: auto-approve, display modes, kiosk pauses and sightings."""
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from app.challenge import screens
from app.challenge.models import ChallengeSettings, DisplayScreen, KioskState
from app.clock import at_local
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from tests.builders import make_story

DAY = date(2026, 6, 14)


def at(hh: int, mm: int = 0) -> datetime:
    return at_local(DAY, time(hh, mm))


@pytest.fixture
def moderator(app):
    return add_staff("moderator@example.org", "moderator").member


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action != "staff.add")
                                   .order_by(AuditEntry.id)))


def test_settings_default_to_feed_without_auto_approve_before_anyone_changes_them(app):
    row = screens.settings()
    assert (row.auto_approve, row.mode, row.spotlight_story_id) == (False, "feed", None)
    assert db.session.get(ChallengeSettings, 1) is None  # reading writes nothing


def test_set_auto_approve_is_stored_and_audited(app, moderator):
    screens.set_auto_approve(True, actor=moderator)
    db.session.expire_all()
    assert screens.settings().auto_approve is True
    screens.set_auto_approve(False, actor=moderator)
    assert screens.settings().auto_approve is False
    assert actions() == ["challenge.auto_approve"] * 2


# --- Display modes ---

def test_set_mode_refuses_bad_choices(app, moderator):
    pending, rejected = make_story(), make_story(status="rejected")
    for mode, story_id, field in (
        ("disco", None, "mode"),
        (None, None, "mode"),                  # all displays must show something
        ("spotlight", None, "story_id"),       # spotlight needs a story
        ("spotlight", pending.id, "story_id"),
        ("spotlight", rejected.id, "story_id"),
        ("spotlight", 999, "story_id"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            screens.set_mode(mode, story_id=story_id, actor=moderator)
        assert set(refused.value.fields) == {field}, (mode, story_id)

    assert actions() == []


def test_spotlight_on_an_approved_story(app, moderator):
    story = make_story(status="approved")

    assert screens.set_mode("spotlight", story_id=story.id, actor=moderator) == (None, "spotlight", story.id)

    db.session.expire_all()
    assert screens.screen_mode(None) == ("spotlight", story.id)
    assert actions() == ["display.mode"]


def test_a_story_id_is_dropped_for_other_modes(app, moderator):
    story = make_story(status="approved")
    assert screens.set_mode("schedule", story_id=story.id, actor=moderator) == (None, "schedule", None)


def test_one_display_overrides_the_default_and_then_follows_it_again(app, moderator):
    hall_a = screens.note_display("hall-a")
    hall_b = screens.note_display("hall-b")
    story = make_story(status="approved")

    assert screens.set_mode("spotlight", display="hall-a", story_id=story.id, actor=moderator) == \
        ("hall-a", "spotlight", story.id)
    screens.set_mode("attract", actor=moderator)

    db.session.expire_all()
    assert screens.screen_mode(db.session.get(DisplayScreen, hall_a.id)) == ("spotlight", story.id)
    assert screens.screen_mode(db.session.get(DisplayScreen, hall_b.id)) == ("attract", None)

    # mode None: back to the default, which it now shows.
    assert screens.set_mode(None, display="hall-a", actor=moderator) == ("hall-a", "attract", None)
    db.session.expire_all()
    assert screens.screen_mode(db.session.get(DisplayScreen, hall_a.id)) == ("attract", None)
    assert actions() == ["display.mode"] * 3


def test_a_display_that_never_connected_cannot_be_set(app, moderator):
    with pytest.raises(DomainError) as refused:
        screens.set_mode("feed", display="nowhere", actor=moderator)
    assert (refused.value.code, refused.value.status) == ("display_not_found", 404)


@pytest.mark.parametrize("raw,name", [
    ("hall-a", "hall-a"), (" Hall A.2 ", "Hall A.2"), (None, "main"), ("", "main"),
    ("-leading-dash", "main"), ("x" * 41, "main"), ("<script>", "main"), ("大厅", "main"),
])
def test_display_name(raw, name):
    assert screens.display_name(raw) == name


def test_note_display_is_idempotent_and_stamps_the_last_sighting(app):
    first = screens.note_display("hall-a", now=at(10))
    again = screens.note_display("hall-a", now=at(11))

    assert first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(DisplayScreen)) == 1
    db.session.expire_all()
    assert db.session.get(DisplayScreen, first.id).last_seen_at == at(11)


# --- Kiosks ---

def test_note_kiosk_is_idempotent_and_stamps_the_last_sighting(app):
    kiosk = add_staff("kiosk-1@devices.local", "kiosk").member

    screens.note_kiosk(kiosk, now=at(10))
    screens.note_kiosk(kiosk, now=at(11))

    assert db.session.scalar(select(func.count()).select_from(KioskState)) == 1
    db.session.expire_all()
    state = db.session.get(KioskState, kiosk.id)
    assert (state.last_seen_at, state.paused) == (at(11), False)


def test_pause_and_resume_a_kiosk(app, moderator):
    kiosk = add_staff("kiosk-1@devices.local", "kiosk").member

    paused = screens.set_paused(kiosk.id, True, message="  Back at\n14:00 ", actor=moderator)
    assert (paused.paused, paused.message) == (True, "Back at 14:00")
    resumed = screens.set_paused(kiosk.id, False, message="ignored", actor=moderator)
    assert (resumed.paused, resumed.message) == (False, None)

    assert actions() == ["kiosk.pause", "kiosk.resume"]
    assert [kiosk for kiosk, state in screens.list_kiosks() if state] == [kiosk]


def test_only_a_kiosk_can_be_paused(app, moderator):
    display = add_staff("display-1@devices.local", "display").member
    for target in (moderator.id, display.id, 999):
        with pytest.raises(DomainError) as refused:
            screens.set_paused(target, True, actor=moderator)
        assert (refused.value.code, refused.value.status) == ("kiosk_not_found", 404), target

    assert db.session.scalar(select(func.count()).select_from(KioskState)) == 0


def test_a_pause_message_has_a_limit(app, moderator):
    kiosk = add_staff("kiosk-1@devices.local", "kiosk").member
    with pytest.raises(ValidationFailed) as refused:
        screens.set_paused(kiosk.id, True, message="光" * (screens.MESSAGE_MAX + 1), actor=moderator)
    assert set(refused.value.fields) == {"message"}
    assert db.session.get(KioskState, kiosk.id) is None
