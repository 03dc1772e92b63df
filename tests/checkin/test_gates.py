"""The gates' rules at check-in, on SQLite and PostgreSQL: opening hours, session windows, a
scanned_at too far ahead, and pausing entry at a gate or the whole venue."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import gates
from app.checkin.models import GatePause, Scan
from app.checkin.scanner import offline_pack
from app.checkin.services import ScanRequest, check_in
from app.clock import at_local
from app.errors import ValidationFailed
from app.extensions import db
from app.staff.models import AuditEntry, StaffMember
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot

DAY = date(2026, 6, 14)
AT = at_local(DAY, time(10, 30))


def register(email="li@example.org", sessions=()):
    return tickets.register(RegistrationRequest(name="Li Lei", email=email, days=[DAY], session_ids=list(sessions),
                                                locale="en", consent=True), now=AT).tickets[0]


def scan(code, at=AT, gate="North door", **more):
    """A scan made at `at`, answered at `at` (as by a phone online at that moment)."""
    return check_in(ScanRequest(scan=code, gate=gate, scanned_at=at, **more), now=at)


def audit_count(action):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


@pytest.fixture
def admin(app):
    return add_staff("admin@example.org", "admin").member


def test_day_entry_keeps_to_the_opening_hours_and_exits_never_do(app):
    make_day(DAY)  # 10:00 to 18:00
    ticket = register()

    early = scan(ticket.code, at=at_local(DAY, time(7)))
    assert early["result"] == "too_early" and early["attendee"] == {"name": "Li Lei"}
    assert scan(ticket.code, at=at_local(DAY, time(9, 59)))["result"] == "too_early"
    assert scan(ticket.code, at=at_local(DAY, time(10)))["result"] == "ok"
    assert scan(ticket.code, at=at_local(DAY, time(23, 30)), direction="out")["result"] == "ok"  # leaves late
    assert scan(ticket.code, at=at_local(DAY, time(18)))["result"] == "closed"
    assert scan(ticket.code, at=at_local(DAY, time(23, 59)))["result"] == "closed"
    # 00:01 on the 15th is another day, for which this ticket has no entry.
    assert scan(ticket.code, at=at_local(date(2026, 6, 15), time(0, 1)))["result"] == "wrong_day"
    logged = list(db.session.scalars(select(Scan.result).order_by(Scan.id)))
    assert logged == ["too_early", "too_early", "ok", "ok", "closed", "closed", "wrong_day"]


def test_a_session_admits_from_its_set_time_before_the_start_to_its_end(app):
    make_day(DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=5)  # window 13:30 to 15:00
    premiere = make_slot(start=time(19), end=time(21), checkin_opens_minutes=60)  # past the day's closing
    ticket = register(sessions=[workshop.id])

    assert scan(ticket.code, at=at_local(DAY, time(13, 29)), session_id=workshop.id)["result"] == "too_early"
    assert scan(ticket.code, at=at_local(DAY, time(13, 30)), session_id=workshop.id)["result"] == "ok"
    assert scan(ticket.code, at=at_local(DAY, time(21)), session_id=workshop.id,
                direction="out")["result"] == "ok"
    assert scan(ticket.code, at=at_local(DAY, time(21)), session_id=workshop.id)["result"] == "closed"  # six hours on
    assert scan(ticket.code, at=at_local(DAY, time(17, 59)), session_id=premiere.id)["result"] == "too_early"
    assert scan(ticket.code, at=at_local(DAY, time(20, 30)), session_id=premiere.id)["result"] == "ok"


def test_the_order_of_the_refusals(app, admin):
    make_day(DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=1)
    seated = register("a@example.org", sessions=[workshop.id])
    waiting = register("b@example.org", sessions=[workshop.id])
    cancelled = register("c@example.org")
    tickets.cancel_ticket(cancelled)
    gates.pause("North door", admin, now=AT)
    early = at_local(DAY, time(8))

    assert scan("NoSuchTicketCode123456", at=early)["result"] == "unknown_ticket"
    assert scan(cancelled.code, at=early)["result"] == "cancelled"          # before the pause
    assert scan(seated.code, at=early)["result"] == "entry_paused"          # before the hours
    assert scan(seated.code, at=early, gate="South door")["result"] == "too_early"
    assert scan(waiting.code, session_id=workshop.id, gate="South door")["result"] == "too_early"  # before the seat
    inside = at_local(DAY, time(14, 10))
    assert scan(waiting.code, at=inside, session_id=workshop.id, gate="South door")["result"] == "not_registered"


def test_a_scanned_at_too_far_ahead_is_refused_on_its_field(app):
    make_day(DAY)
    ticket = register()
    with pytest.raises(ValidationFailed) as refused:
        check_in(ScanRequest(scan=ticket.code, gate="North door", scanned_at=AT + timedelta(minutes=6)), now=AT)
    assert set(refused.value.fields) == {"scanned_at"}
    assert check_in(ScanRequest(scan=ticket.code, gate="North door", scanned_at=AT + timedelta(minutes=4)),
                    now=AT)["result"] == "ok"
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1  # the refused one is not logged


def test_a_paused_gate_refuses_entries_lets_people_out_and_resumes(app, admin):
    make_day(DAY)
    li, wang = register("li@example.org"), register("wang@example.org")
    assert scan(li.code)["result"] == "ok"

    state = gates.pause(" North door ", admin, reason="Queue to the street", now=AT)
    assert (state.gate, state.pause.reason, state.pause.paused_by, state.venue_paused) == (
        "North door", "Queue to the street", admin.name, False)
    assert scan(wang.code)["result"] == "entry_paused"
    assert scan(wang.code, gate="South door")["result"] == "ok"
    assert scan(li.code, direction="out")["result"] == "ok"                 # exits go on

    gates.pause("North door", admin, reason="again", now=AT)                # repeating is harmless
    assert [pause.reason for pause in gates.paused_gates()] == ["Queue to the street"]
    assert gates.resume("North door", admin).pause is None
    assert gates.resume("North door", admin).pause is None
    assert scan(li.code)["result"] == "ok"
    assert (audit_count("gate.pause"), audit_count("gate.resume")) == (1, 1)


def test_a_gate_is_the_same_gate_whatever_its_case_and_spaces(app, admin):
    """One phone's keyboard capitalises, another's does not: a pause holds at every spelling."""
    make_day(DAY)
    li = register("li@example.org")
    gates.pause("North door", admin, reason="Queue to the street", now=AT)
    assert scan(li.code, gate=" north  DOOR ")["result"] == "entry_paused"
    assert scan(li.code, gate="North doors")["result"] == "ok"              # another gate
    assert scan(li.code, gate="North doors", direction="out")["result"] == "ok"

    again = gates.pause("NORTH DOOR", admin, reason="again", now=AT)         # the same gate: nothing new
    assert again.pause.gate == "North door" and again.pause.reason == "Queue to the street"
    assert [pause.gate for pause in gates.paused_gates()] == ["North door"]
    assert gates.state("north door").pause is not None
    assert gates.resume("north door", admin).pause is None
    assert scan(li.code, gate="North door")["result"] == "ok"
    assert (audit_count("gate.pause"), audit_count("gate.resume")) == (1, 1)


def test_pausing_the_whole_venue_pauses_every_gate(app, admin):
    make_day(DAY)
    li, wang = register("li@example.org"), register("wang@example.org")
    gates.pause("East door", admin, now=AT)
    state = gates.pause(None, admin, reason="Fire drill", now=AT)
    assert state.gate is None and state.venue_paused and state.pause.reason == "Fire drill"
    assert [pause.gate for pause in gates.paused_gates()] == [None, "East door"]  # the venue first
    for gate in ("North door", "South door", "Desk: Ann"):
        assert scan(li.code, gate=gate)["result"] == "entry_paused"

    gates.resume(None, admin)
    assert scan(li.code, gate="North door")["result"] == "ok"
    assert scan(wang.code, gate="East door")["result"] == "entry_paused"     # its own pause stays
    assert gates.pauses_json()["venue_paused"] is False


def test_bad_gate_names_and_reasons(app, admin):
    for name in ("", "   ", "*", "x" * 61):
        with pytest.raises(ValidationFailed) as refused:
            gates.pause(name, admin)
        assert "gate" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        gates.pause("North door", admin, reason="x" * 201)
    assert "reason" in refused.value.fields
    assert gates.paused_gates() == []


def test_a_gate_paused_from_many_consoles_at_once_has_one_pause_and_one_audit_entry(app, admin):
    start = threading.Barrier(8)

    def pause_it(index):
        with app.app_context():
            start.wait()
            spelling = ("North door", "north door", " NORTH  DOOR")[index % 3]
            gates.pause(spelling, db.session.get(StaffMember, admin.id), reason="Rush")
            db.session.remove()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(pause_it, range(8)))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GatePause)) == 1
    assert audit_count("gate.pause") == 1


def test_the_offline_pack_carries_the_hours_the_windows_and_the_pauses(app, admin):
    make_day(DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=5, checkin_opens_minutes=45)
    talk = make_slot(start=time(16), end=time(17))
    gates.pause("North door", admin, reason="Rush", now=AT)

    pack = offline_pack(DAY)
    assert pack["hours"] == {"opens_at": "2026-06-14T10:00:00+08:00", "closes_at": "2026-06-14T18:00:00+08:00"}
    assert pack["windows"] == {
        str(workshop.id): {"opens_at": "2026-06-14T13:15:00+08:00", "closes_at": "2026-06-14T15:00:00+08:00"},
        str(talk.id): {"opens_at": "2026-06-14T15:30:00+08:00", "closes_at": "2026-06-14T17:00:00+08:00"}}
    assert pack["paused"]["venue_paused"] is False
    assert [(pause["gate"], pause["reason"]) for pause in pack["paused"]["gates"]] == [("North door", "Rush")]
    assert offline_pack(date(2026, 6, 20))["hours"] is None
