"""The dashboard's operating rules at a glance: the rule functions decide, the page shows them."""
from datetime import date, datetime, time, timezone
from types import SimpleNamespace

from app.checkin import gates
from app.clock import at_local
from app.staff.glance import at_a_glance
from tests.builders import make_day, make_slot
from tests.staff.conftest import sign_in

DAY = date(2026, 6, 14)


def local(hour: int, minute: int = 0, on: date = DAY) -> datetime:
    return at_local(on, time(hour, minute))


def session(start: datetime, end: datetime, **fields):
    values = {"id": 1, "status": "scheduled", "starts_at": start, "ends_at": end, "checkin_opens_minutes": 30,
              "requires_registration": False, "seats_remaining": None, "booking_opens_at": None,
              "booking_closes_at": None, "waitlist_closes_at": None} | fields
    return SimpleNamespace(**values)


DAY_ROW = SimpleNamespace(opens_at=local(10), closes_at=local(20))


def test_the_entrance_follows_the_opening_hours_on_the_shanghai_clock():
    assert at_a_glance(DAY_ROW, [], [], local(9, 59)).entrance == "too_early"
    assert at_a_glance(DAY_ROW, [], [], local(10)).entrance is None
    assert at_a_glance(DAY_ROW, [], [], local(19, 59)).entrance is None
    assert at_a_glance(DAY_ROW, [], [], local(20)).entrance == "closed"
    # 01:00 UTC on the 14th is 09:00 in Shanghai: still too early, not the evening before.
    assert at_a_glance(DAY_ROW, [], [], datetime(2026, 6, 14, 1, tzinfo=timezone.utc)).entrance == "too_early"
    off = at_a_glance(None, [], [], local(12))
    assert not off.has_day and off.entrance is None and off.checking_in == []


def test_sessions_admit_from_their_window_to_their_end():
    workshop = session(local(11), local(12))
    assert at_a_glance(DAY_ROW, [workshop], [], local(10, 29)).checking_in == []
    assert at_a_glance(DAY_ROW, [workshop], [], local(10, 30)).checking_in == [workshop]
    assert at_a_glance(DAY_ROW, [workshop], [], local(11, 59)).checking_in == [workshop]
    assert at_a_glance(DAY_ROW, [workshop], [], local(12)).checking_in == []
    cancelled = session(local(11), local(12), status="cancelled")
    assert at_a_glance(DAY_ROW, [cancelled], [], local(11)).checking_in == []


def test_bookings_closed_say_why():
    later = session(local(15), local(16), id=2, requires_registration=True, seats_remaining=5,
                    booking_opens_at=local(12))
    full = session(local(15), local(16), id=3, requires_registration=True, seats_remaining=0,
                   waitlist_closes_at=local(11))
    started = session(local(10, 15), local(16), id=4, requires_registration=True, seats_remaining=5)
    bookable = session(local(17), local(18), id=5, requires_registration=True, seats_remaining=5)
    glance = at_a_glance(DAY_ROW, [later, full, started, bookable], [], local(11, 30))
    assert [(b.slot.id, b.refusal) for b in glance.bookings_closed] == [
        (2, "not_open"), (3, "waitlist_closed"), (4, "closed")]
    assert len(glance.bookings) == 4
    # A session over is no longer listed.
    assert [b.slot.id for b in at_a_glance(DAY_ROW, [started], [], local(16)).bookings] == []


def test_a_whole_venue_pause_is_told_apart_from_a_gate_pause():
    gate_pause = SimpleNamespace(gate="North", reason="", paused_at=local(11), paused_by=None)
    venue_pause = SimpleNamespace(gate=None, reason="", paused_at=local(11), paused_by=None)
    assert not at_a_glance(DAY_ROW, [], [gate_pause], local(11)).venue_paused
    assert at_a_glance(DAY_ROW, [], [gate_pause, venue_pause], local(11)).venue_paused


def test_the_dashboard_shows_the_rules_in_force(app, client):
    """At the demo clock (14 June, 10:30): the entrance is open, an 11:00 workshop admits, a
    booking that opens at 12:00 is closed, and a paused gate is listed, with who paused it."""
    make_day(DAY)
    make_slot(start=time(11), end=time(12), title="Storyboard lab")
    make_slot(start=time(15), end=time(16), title="Late booking", capacity=10,
              booking_opens_at=local(12))
    credentials = sign_in(client, "admin")
    gates.pause("North door", credentials.member, reason="crowding")
    page = client.get("/staff?lang=en").get_data(as_text=True)
    assert 'data-testid="operating-rules"' in page
    fragment = client.get("/staff/fragments/rules?lang=en").get_data(as_text=True)
    for shown in ("Open until 18:00", "11:00 Storyboard lab", "15:00 Late booking", "opens 12:00",
                  "North door", "crowding"):
        assert shown in fragment, shown
    gates.resume("North door", credentials.member)
    assert "North door" not in client.get("/staff/fragments/rules?lang=en").get_data(as_text=True)
    assert "None: every gate admits." in client.get("/staff/fragments/rules?lang=en").get_data(as_text=True)


def test_the_rules_block_is_for_those_who_run_the_doors(app, client):
    sign_in(client, "moderator")
    assert 'data-testid="operating-rules"' not in client.get("/staff").get_data(as_text=True)
    assert client.get("/staff/fragments/rules").status_code == 403
