"""Attendance counts, undoing a check-in, looking visitors up and checking them in by hand."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.checkin import attendance
from app.checkin.models import DAY_ENTRY, Presence
from app.checkin.services import ScanRequest, check_in, manual_check_in, undo_check_in
from app.clock import at_local
from app.errors import DomainError
from app.extensions import db
from app.schedule import editing
from app.schedule.models import ExhibitionDay
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.staff.conftest import page_csrf, sign_in

DAY = date(2026, 6, 14)
AT = at_local(DAY, time(10, 30))


def register(name="Li Lei", email="li@example.org", sessions=()):
    return tickets.register(RegistrationRequest(name=name, email=email, days=[DAY], session_ids=list(sessions),
                                                locale="en", consent=True)).tickets[0]


def scan(code, at=AT, **more):
    return check_in(ScanRequest(scan=code, gate=more.pop("gate", "North door"), scanned_at=at, **more),
                    now=at)["result"]


def audit_entries(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_counts_after_entries_exits_and_sessions(app):
    make_day(DAY)
    workshop = make_slot(capacity=10, title="Storyboards", start=time(11), end=time(12))
    open_set = make_slot(title="Open set", start=time(10, 45), end=time(12))  # its gate is open at 10:30
    li, wang, zhao = (register("Li Lei", "li@example.org", [workshop.id]),
                      register("Wang Fang", "wang@example.org"), register("Zhao Min", "zhao@example.org"))

    assert scan(li.code) == "ok"
    assert scan(wang.code, gate="South door", at=AT + timedelta(minutes=12)) == "ok"
    assert scan(zhao.code, at=AT + timedelta(minutes=3)) == "ok"
    assert scan(li.code) == "already_checked_in"           # not counted twice
    assert scan(zhao.code, direction="out") == "ok"         # left: still checked in today, not inside
    assert scan("NoSuchTicketCode00000000") == "unknown_ticket"
    assert scan(li.code, session_id=workshop.id) == "ok"
    assert scan(wang.code, session_id=open_set.id) == "ok"
    assert scan(wang.code, session_id=workshop.id) == "not_registered"

    summary = attendance.summary(DAY)
    assert summary.checked_in == 3
    assert summary.occupancy.inside == 2 and summary.occupancy.limit is None
    # Ok entrance entries per gate per 10 minutes (local time): 10:30 North 2, 10:40 South 1.
    assert [(start.strftime("%H:%M"), counts) for start, counts in summary.traffic.rows] == [
        ("10:30", {"North door": 2}), ("10:40", {"South door": 1})]
    assert summary.traffic.gates == ["North door", "South door"]
    rows = {row.slot.id: (row.checked_in, row.inside, row.capacity) for row in summary.sessions}
    assert rows == {workshop.id: (1, 1, 10), open_set.id: (1, 1, None)}
    assert attendance.summary(date(2026, 6, 20)) is None


def test_inside_now_reads_the_limit(app):
    day = make_day(DAY)
    day.max_inside = 1
    db.session.commit()
    assert scan(register().code) == "ok"
    occupancy = attendance.inside_now(day)
    assert (occupancy.inside, occupancy.limit, occupancy.full) == (1, 1, True)


def test_undo_removes_the_presence_and_the_ticket_scans_again(app):
    day = make_day(DAY)
    actor = add_staff("gate@example.org", "gate").member
    ticket = register()
    assert scan(ticket.code) == "ok"

    undo_check_in(ticket, day, DAY_ENTRY, actor, now=AT)

    db.session.expire_all()
    assert db.session.get(ExhibitionDay, day.id).inside_now == 0
    assert attendance.checked_in(day) == 0
    [entry] = audit_entries("checkin.undo")
    assert entry.actor_id == actor.id and entry.target_id == ticket.id
    assert entry.details["first_gate"] == "North door" and entry.details["inside"] is True
    assert scan(ticket.code) == "ok"
    with pytest.raises(DomainError) as refused:
        undo_check_in(ticket, day, 999, actor)
    assert refused.value.code == "not_checked_in"


def test_undo_after_an_exit_leaves_inside_now_alone(app):
    day = make_day(DAY)
    actor = add_staff("gate@example.org", "gate").member
    leaving, staying = register(), register("Wang Fang", "wang@example.org")
    assert scan(leaving.code) == "ok" and scan(staying.code) == "ok"
    assert scan(leaving.code, direction="out") == "ok"

    undo_check_in(leaving, day, DAY_ENTRY, actor)

    db.session.expire_all()
    assert db.session.get(ExhibitionDay, day.id).inside_now == 1
    assert attendance.checked_in(day) == 1


def test_lookup_and_manual_check_in(app):
    day = make_day(DAY)
    actor = add_staff("desk@example.org", "gate", name="Chen Jing").member
    ticket = register("Li Lei", "li.lei@example.org")
    register("Wang Fang", "wang@example.org")

    assert [t.id for t in attendance.find_tickets("lei", day=day)] == [ticket.id]
    assert [t.id for t in attendance.find_tickets("LI.LEI@EXAMPLE", day=day)] == [ticket.id]
    assert attendance.find_tickets("l") == []
    assert attendance.find_tickets("lei", day=make_day(date(2026, 6, 15))) == []

    answer = manual_check_in(ticket, actor)
    assert answer["result"] == "ok" and answer["first_gate"] == "Desk: Chen Jing"
    assert manual_check_in(ticket, actor)["result"] == "already_checked_in"
    [entry] = audit_entries("checkin.manual")
    assert entry.actor_id == actor.id and entry.details["gate"] == "Desk: Chen Jing"
    assert attendance.checked_in(day) == 1


def test_save_day_sets_and_keeps_maximum_inside(app):
    day = make_day(DAY)
    hours = dict(on=DAY, opens_at=day.opens_at, closes_at=day.closes_at, entry_capacity=100, actor=None)
    editing.save_day(day, max_inside=50, **hours)
    assert day.max_inside == 50
    editing.save_day(day, **hours)
    assert day.max_inside == 50
    editing.save_day(day, max_inside=None, **hours)
    assert day.max_inside is None
    with pytest.raises(DomainError):
        editing.save_day(day, max_inside=0, **hours)
    changes = [entry.details for entry in audit_entries("day.update")]
    assert {"max_inside": [None, 50]} in changes and {"max_inside": [50, None]} in changes


# --- pages ---------------------------------------------------------------------------------

def test_dashboard_fragment_shows_inside_now(app, client):
    day = make_day(DAY)
    day.max_inside = 80
    db.session.commit()
    assert scan(register().code) == "ok"
    sign_in(client, "gate")

    html = client.get("/staff/fragments/today").get_data(as_text=True)
    assert 'data-testid="inside-now">1 / 80<' in html
    assert 'data-testid="checked-in">1<' in html
    page = client.get("/staff/attendance").get_data(as_text=True)
    assert 'data-testid="inside-now">1 / 80<' in page and "North door" in page
    assert 'data-testid="inside-now">1 / 80<' in client.get("/staff/fragments/attendance").get_data(as_text=True)


def test_other_roles_see_no_attendance_on_the_dashboard(app, client):
    make_day(DAY)
    sign_in(client, "moderator")
    assert "inside-now" not in client.get("/staff/fragments/today").get_data(as_text=True)
    assert client.get("/staff/attendance").status_code == 403


def test_lookup_check_in_and_undo_through_the_page(app, client):
    day = make_day(DAY)
    ticket = register("Li Lei", "li@example.org")
    sign_in(client, "admin")
    token = page_csrf(client, "/staff/attendance")

    found = client.get("/staff/attendance?q=li%20lei").get_data(as_text=True)
    assert 'data-testid="lookup-results"' in found and "li@example.org" in found

    response = client.post(f"/staff/attendance/tickets/{ticket.id}/check-in", data={"csrf_token": token, "q": "li"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302 and "q=li" in response.headers["Location"]
    assert attendance.checked_in(day) == 1
    assert "Checked in." in client.get("/staff/attendance").get_data(as_text=True)

    response = client.post(f"/staff/attendance/tickets/{ticket.id}/undo/{DAY_ENTRY}", data={"csrf_token": token})
    assert response.status_code == 302
    assert attendance.checked_in(day) == 0
    assert db.session.scalars(select(Presence)).first() is None
    assert len(audit_entries("checkin.undo")) == 1 and len(audit_entries("checkin.manual")) == 1

    # Without the CSRF token nothing happens.
    client.post(f"/staff/attendance/tickets/{ticket.id}/check-in", data={})
    assert attendance.checked_in(day) == 0


def test_day_form_saves_maximum_inside(app, client):
    day = make_day(DAY)
    sign_in(client, "admin")
    token = page_csrf(client, f"/staff/days/{day.id}/edit")
    form = {"csrf_token": token, "date": "2026-06-14", "opens": "10:00", "closes": "18:00",
            "entry_capacity": "100", "max_inside": "40"}
    assert client.post(f"/staff/days/{day.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExhibitionDay, day.id).max_inside == 40
    assert client.post(f"/staff/days/{day.id}/edit", data={**form, "max_inside": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExhibitionDay, day.id).max_inside is None
