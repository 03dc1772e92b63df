"""Booking windows: the pure rules across Shanghai's day boundaries, then registration (services, API,
the register page) on SQLite and PostgreSQL, the schedule JSON and the staff session form."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.clock import at_local
from app.errors import ValidationFailed
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.schedule.rules import SlotDraft, operating_errors
from app.staff import audit
from app.tickets import rules, services
from app.tickets.models import OutboxMail, Registration, Seat, Ticket
from app.tickets.rules import CLOSED, NOT_OPEN, WAITLIST_CLOSED, booking_refusal, booking_window
from tests.api import assert_valid
from tests.builders import make_day, make_slot, make_venue, text
from tests.staff.conftest import page_csrf, sign_in
from tests.tickets.test_registration import ask, body

DAY = date(2026, 6, 14)
SECOND = timedelta(seconds=1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return at_local(day, time(hour, minute))


@dataclass
class Session:
    """A slot-like for the pure rules."""

    starts_at: datetime
    ends_at: datetime
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    waitlist_closes_at: datetime | None = None


# Midnight in Shanghai is 16:00 UTC the day before: the boundaries below sit on both sides of it.
MIDNIGHT = local(date(2026, 6, 13), 0)


def test_the_window_by_default_is_open_now_and_closes_at_the_start():
    start = local(DAY, 14)
    assert booking_window(start, None, None) == (None, start)
    assert booking_window(start, MIDNIGHT, local(DAY, 12)) == (MIDNIGHT, local(DAY, 12))
    # A close set after the start is the start: visitors never book a session that has begun.
    assert booking_window(start, None, local(DAY, 15)) == (None, start)


def test_opens_at_shanghai_midnight_to_the_second():
    session = Session(local(DAY, 14), local(DAY, 15), booking_opens_at=MIDNIGHT)
    assert MIDNIGHT == datetime(2026, 6, 12, 16, tzinfo=timezone.utc)
    assert booking_refusal(session, MIDNIGHT - SECOND, waitlisting=False) == NOT_OPEN
    assert booking_refusal(session, MIDNIGHT, waitlisting=False) is None
    assert booking_refusal(session, MIDNIGHT, waitlisting=True) is None


def test_closes_at_the_start_by_default_and_at_a_set_time_across_midnight():
    # A session just after midnight (15 June, 00:30) whose booking closes at 23:30 the evening before.
    start = local(date(2026, 6, 15), 0, 30)
    default = Session(start, start + timedelta(hours=1))
    assert booking_refusal(default, start - SECOND, waitlisting=False) is None
    assert booking_refusal(default, start, waitlisting=False) == CLOSED
    evening = Session(start, start + timedelta(hours=1), booking_closes_at=local(DAY, 23, 30))
    assert booking_refusal(evening, local(DAY, 23, 30) - SECOND, waitlisting=True) is None
    assert booking_refusal(evening, local(DAY, 23, 30), waitlisting=False) == CLOSED
    assert booking_refusal(evening, local(date(2026, 6, 15), 0, 10), waitlisting=False) == CLOSED


def test_the_waiting_list_cut_off_applies_only_to_those_who_would_wait():
    session = Session(local(DAY, 14), local(DAY, 15), booking_closes_at=local(DAY, 12),
                      waitlist_closes_at=local(DAY, 9))
    assert booking_refusal(session, local(DAY, 9) - SECOND, waitlisting=True) is None
    assert booking_refusal(session, local(DAY, 9), waitlisting=True) == WAITLIST_CLOSED
    assert booking_refusal(session, local(DAY, 9), waitlisting=False) is None
    assert booking_refusal(session, local(DAY, 12), waitlisting=False) == CLOSED
    # By default the waiting list closes with booking; a cut-off after the close is the close.
    assert rules.waitlist_cutoff(Session(local(DAY, 14), local(DAY, 15))) == local(DAY, 14)
    late = Session(local(DAY, 14), local(DAY, 15), booking_closes_at=local(DAY, 12),
                   waitlist_closes_at=local(DAY, 13))
    assert rules.waitlist_cutoff(late) == local(DAY, 12)


def test_the_desk_fills_free_places_of_a_session_that_has_begun_until_it_ends():
    session = Session(local(DAY, 14), local(DAY, 15), booking_opens_at=MIDNIGHT)
    assert booking_refusal(session, local(DAY, 14), waitlisting=False, desk=True) is None
    assert booking_refusal(session, local(DAY, 14), waitlisting=True, desk=True) == WAITLIST_CLOSED
    assert booking_refusal(session, local(DAY, 15) - SECOND, waitlisting=False, desk=True) is None
    assert booking_refusal(session, local(DAY, 15), waitlisting=False, desk=True) == CLOSED
    assert booking_refusal(session, MIDNIGHT - SECOND, waitlisting=False, desk=True) == NOT_OPEN
    # Online, the same session is closed from its start.
    assert booking_refusal(session, local(DAY, 14), waitlisting=False) == CLOSED


def draft(**fields) -> SlotDraft:
    values = dict(kind="workshop", title=text("W"), description=text(""), venue_id=1,
                  starts_at=local(DAY, 14), ends_at=local(DAY, 15), capacity=10)
    return SlotDraft(**{**values, **fields})


@pytest.mark.parametrize("fields,problem", [
    (dict(booking_closes_at=local(DAY, 14, 1)), "booking_closes_at"),
    (dict(booking_opens_at=local(DAY, 12), booking_closes_at=local(DAY, 12)), "booking_closes_at"),
    (dict(booking_opens_at=local(DAY, 14)), "booking_closes_at"),
    (dict(waitlist_closes_at=local(DAY, 14, 1)), "waitlist_closes_at"),
    (dict(booking_closes_at=local(DAY, 12), waitlist_closes_at=local(DAY, 12, 1)), "waitlist_closes_at"),
    (dict(checkin_opens_minutes=-1), "checkin_opens_minutes"),
    (dict(checkin_opens_minutes=241), "checkin_opens_minutes"),
    (dict(no_show_release_minutes=241), "no_show_release_minutes"),
    (dict(no_show_release_minutes=-1), "no_show_release_minutes"),
])
def test_staff_settings_that_make_no_sense_are_refused_by_field(fields, problem):
    assert set(operating_errors(draft(**fields))) == {problem}


def test_staff_settings_at_their_limits_are_fine():
    assert operating_errors(draft(booking_opens_at=MIDNIGHT, booking_closes_at=local(DAY, 14),
                                  waitlist_closes_at=local(DAY, 14), checkin_opens_minutes=0,
                                  no_show_release_minutes=None)) == {}
    assert operating_errors(draft(checkin_opens_minutes=240, no_show_release_minutes=0)) == {}


@pytest.mark.parametrize("locale,opens,closed", [
    ("en", "Booking for this session opens on Sat 13 June at 00:00.", "Booking for this session has closed."),
    ("zh", "本场预约将于6月13日 周六 00:00 开放。", "本场预约已截止。"),
])
def test_refusals_in_the_visitors_language_with_shanghai_times(app, locale, opens, closed):
    session = Session(local(DAY, 14), local(DAY, 15), booking_opens_at=MIDNIGHT)
    with app.test_request_context(), force_locale(locale):
        assert str(rules.refusal_message(NOT_OPEN, session)) == opens
        assert str(rules.refusal_message(CLOSED, session)) == closed


# --- Registration on SQLite and PostgreSQL (the demo clock reads 10:30 on 14 June) ---

def nothing_written(*slots: Slot) -> None:
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalars(select(Registration)).all() == []
    assert db.session.scalars(select(Ticket)).all() == []
    assert db.session.scalars(select(Seat)).all() == []
    assert db.session.scalars(select(OutboxMail)).all() == []
    assert all(db.session.get(ExhibitionDay, day.id).entries_taken == 0 for day in db.session.scalars(
        select(ExhibitionDay)))
    assert [db.session.get(Slot, slot.id).seats_taken for slot in slots] == [slot.seats_taken for slot in slots]


def test_a_session_not_open_yet_or_closed_is_refused_on_its_index_and_nothing_is_written(app):
    fine = make_slot(start=time(14), end=time(15), capacity=5, title="Fine")
    later = make_slot(start=time(16), end=time(17), capacity=5, title="Later",
                      booking_opens_at=local(DAY, 12))
    closed = make_slot(start=time(16), end=time(17), capacity=5, title="Closed",
                       booking_closes_at=local(DAY, 10))

    with pytest.raises(ValidationFailed) as refused:
        services.register(ask(sessions=[fine.id, later.id, closed.id], companions=["Han"]))

    assert set(refused.value.fields) == {"sessions.1", "sessions.2"}
    with force_locale("en"):
        assert str(refused.value.fields["sessions.1"]) == "Booking for this session opens on Sun 14 June at 12:00."
        assert str(refused.value.fields["sessions.2"]) == "Booking for this session has closed."
    nothing_written(fine, later, closed)
    # From the moment it opens, it books.
    registration = services.register(ask(sessions=[later.id]), now=local(DAY, 12))
    assert registration.tickets[0].seats[0].status == "confirmed"


def test_past_the_waiting_list_cut_off_a_full_session_refuses_the_whole_registration(app):
    workshop = make_slot(start=time(14), end=time(15), capacity=2, title="Almost full",
                         waitlist_closes_at=local(DAY, 10))
    other = make_slot(start=time(16), end=time(17), capacity=5, title="Other")
    # One place left: one person still gets it (the cut-off is about waiting, not booking)...
    services.register(ask(email="first@example.org", sessions=[workshop.id]))
    before = db.session.get(Slot, workshop.id).seats_taken
    assert before == 1

    # ...but two people would put the second on the waiting list: the whole registration fails.
    with pytest.raises(ValidationFailed) as refused:
        services.register(ask(email="pair@example.org", sessions=[other.id, workshop.id], companions=["Han"]))
    assert set(refused.value.fields) == {"sessions.1"}
    with force_locale("en"):
        assert str(refused.value.fields["sessions.1"]) == "The waiting list for this session is closed."
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Slot, workshop.id).seats_taken == 1
    assert db.session.get(Slot, other.id).seats_taken == 0
    assert db.session.query(Registration).count() == 1
    assert db.session.query(OutboxMail).count() == 1

    # Before the cut-off the same request waitlists the second person.
    db.session.get(Slot, workshop.id).waitlist_closes_at = None
    db.session.commit()
    registration = services.register(ask(email="pair@example.org", sessions=[workshop.id], companions=["Han"]))
    assert [t.seats[0].status for t in registration.tickets] == ["confirmed", "waitlisted"]


@pytest.mark.parametrize("locale,message", [
    ("en", "Booking for this session opens on Sun 14 June at 12:00."),
    ("zh", "本场预约将于6月14日 周日 12:00 开放。"),
])
def test_api_refuses_outside_the_window_with_422_on_sessions_n(app, client, locale, message):
    fine = make_slot(start=time(14), end=time(15), capacity=5)
    later = make_slot(start=time(16), end=time(17), capacity=5, booking_opens_at=local(DAY, 12))

    response = client.post("/api/v1/registrations", json=body(sessions=[fine.id, later.id]),
                           headers={"Accept-Language": locale})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == {"sessions.1": message}
    assert_valid(client.get("/api/v1/openapi.json").get_json(), "Error", response.get_json())
    nothing_written(fine, later)


def test_api_refuses_past_the_waiting_list_cut_off_in_chinese(app, client):
    full = make_slot(start=time(14), end=time(15), capacity=1, seats_taken=1, waitlist_closes_at=local(DAY, 9))
    response = client.post("/api/v1/registrations", json=body(sessions=[full.id]), headers={"Accept-Language": "zh"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"sessions.0": "本场候补名单已关闭。"}
    nothing_written(full)


def test_schedule_json_tells_when_each_session_can_be_booked(app, client):
    open_now = make_slot(start=time(14), end=time(15), capacity=5)
    later = make_slot(start=time(16), end=time(17), capacity=5, booking_opens_at=local(DAY, 12),
                      booking_closes_at=local(DAY, 15))
    full_no_waiting = make_slot(start=time(16), end=time(17), capacity=1, seats_taken=1,
                                waitlist_closes_at=local(DAY, 9))
    open_to_all = make_slot(start=time(12), end=time(13))

    answer = client.get("/api/v1/schedule").get_json()

    assert_valid(client.get("/api/v1/openapi.json").get_json(), "Schedule", answer)
    sessions = {session["id"]: session for session in answer["sessions"]}
    assert sessions[open_now.id].items() >= {"booking_opens_at": None, "bookable": True,
                                             "booking_closes_at": "2026-06-14T14:00:00+08:00"}.items()
    assert sessions[later.id]["booking_opens_at"] == "2026-06-14T12:00:00+08:00"
    assert sessions[later.id]["booking_closes_at"] == "2026-06-14T15:00:00+08:00"
    assert sessions[later.id]["bookable"] is False
    assert sessions[full_no_waiting.id]["bookable"] is False
    assert sessions[full_no_waiting.id]["waitlist_closes_at"] == "2026-06-14T09:00:00+08:00"
    assert sessions[open_to_all.id]["bookable"] is False and sessions[open_to_all.id]["booking_closes_at"] is None


def test_register_page_greys_out_sessions_not_bookable_now_and_says_when_they_open(app, client):
    fine = make_slot(start=time(14), end=time(15), capacity=5, title="Fine")
    later = make_slot(start=time(16), end=time(17), capacity=5, title="Later", booking_opens_at=local(DAY, 12))

    page = client.get("/register?lang=en").get_data(as_text=True)

    box = re.search(rf'<input type="checkbox" name="sessions" value="{later.id}"[^>]*>', page).group(0)
    assert "disabled" in box and "data-not-bookable" in box
    assert "disabled" not in re.search(rf'<input type="checkbox" name="sessions" value="{fine.id}"[^>]*>',
                                       page).group(0)
    assert "Booking for this session opens on Sun 14 June at 12:00." in page

    # A forged or stale form still meets the service's refusal, beside that session.
    token = page_csrf(client, "/register?lang=en")
    refused = client.post("/register?lang=en", data={
        "csrf_token": token, "name": "Li Lei", "email": "li@example.org", "days": ["2026-06-14"],
        "sessions": [str(later.id)], "consent": "y"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(rf'id="session-{later.id}-error"[^>]*>Booking for this session opens', html)
    nothing_written(fine, later)


# --- The staff session form ---

def slot_form(client, slot: Slot, **fields) -> dict:
    values = {"csrf_token": page_csrf(client, f"/staff/schedule/{slot.id}/edit"), "kind": slot.kind,
              "title_zh": slot.title["zh"], "title_en": slot.title["en"], "description_zh": "", "description_en": "",
              "venue_id": str(slot.venue_id), "day": "2026-06-14", "starts": "14:00", "ends": "15:00",
              "capacity": "10", "film_id": "0", "booking_opens": "", "booking_closes": "", "waitlist_closes": "",
              "checkin_opens_minutes": "30", "no_show_release_minutes": "10"}
    return {**values, **fields}


def test_staff_set_the_booking_window_check_in_and_no_show_minutes_and_it_is_audited(app, client):
    slot = make_slot(start=time(14), end=time(15), capacity=10, venue=make_venue("Studio"))
    sign_in(client, "admin")

    form = client.get(f"/staff/schedule/{slot.id}/edit?lang=en").get_data(as_text=True)
    assert 'name="no_show_release_minutes"' in form and 'value="10"' in form

    saved = client.post(f"/staff/schedule/{slot.id}/edit?lang=en", data=slot_form(
        client, slot, booking_opens="2026-06-13T00:00", booking_closes="2026-06-14T12:00",
        waitlist_closes="2026-06-14T11:00", checkin_opens_minutes="45", no_show_release_minutes=""))

    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    slot = db.session.get(Slot, slot.id)
    assert (slot.booking_opens_at, slot.booking_closes_at, slot.waitlist_closes_at) == (
        MIDNIGHT, local(DAY, 12), local(DAY, 11))
    assert (slot.checkin_opens_minutes, slot.no_show_release_minutes) == (45, None)
    [entry] = audit.search(action="slot.update")
    assert entry.details["no_show_release_minutes"] == [10, None]
    assert entry.details["checkin_opens_minutes"] == [30, 45]
    assert entry.details["booking_opens_at"] == [None, MIDNIGHT.isoformat()]

    again = client.get(f"/staff/schedule/{slot.id}/edit?lang=en").get_data(as_text=True)
    assert 'value="2026-06-13T00:00"' in again and 'value="45"' in again


def test_the_staff_form_explains_a_window_that_makes_no_sense(app, client):
    slot = make_slot(start=time(14), end=time(15), capacity=10, venue=make_venue("Studio"))
    sign_in(client, "admin")

    refused = client.post(f"/staff/schedule/{slot.id}/edit?lang=en", data=slot_form(
        client, slot, booking_opens="2026-06-14T12:00", booking_closes="2026-06-14T11:00",
        waitlist_closes="2026-06-14T13:00"))

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Booking must close after it opens." in html
    assert "The waiting list closes when booking closes at the latest." in html
    too_long = client.post(f"/staff/schedule/{slot.id}/edit?lang=en",
                           data=slot_form(client, slot, no_show_release_minutes="300"))
    assert too_long.status_code == 422 and "Number must be between 0 and 240." in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).booking_opens_at is None
    assert db.session.get(Slot, slot.id).no_show_release_minutes == 10


def test_a_new_session_set_to_never_release_keeps_it(app, client):
    """The column defaults to 10 minutes: "never" (empty) must still be written as never."""
    venue = make_venue("Studio")
    make_day(DAY)
    sign_in(client, "admin")
    form = {"csrf_token": page_csrf(client, "/staff/schedule/new"), "kind": "workshop", "title_zh": "新",
            "title_en": "New", "description_zh": "", "description_en": "", "venue_id": str(venue.id),
            "day": "2026-06-14", "starts": "14:00", "ends": "15:00", "capacity": "10", "film_id": "0",
            "checkin_opens_minutes": "0", "no_show_release_minutes": ""}
    assert client.post("/staff/schedule/new", data=form).status_code == 302
    db.session.expire_all()
    slot = db.session.scalars(select(Slot)).one()
    assert (slot.no_show_release_minutes, slot.checkin_opens_minutes) == (None, 0)
    [entry] = audit.search(action="slot.create")
    assert entry.details["checkin_opens_minutes"] == [None, 0] and "no_show_release_minutes" not in entry.details
