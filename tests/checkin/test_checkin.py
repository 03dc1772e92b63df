"""Check-in scans: results, entry and exit, nonces, and one ok however many gates scan at once."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest

from app.checkin.rules import ticket_code
from app.checkin.services import ScanRequest, check_in
from app.clock import at_local
from app.extensions import db
from app.schedule.models import ExhibitionDay
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.api import assert_valid
from tests.builders import make_day, make_slot

DAY = date(2026, 6, 14)
CODE = "AbCdEfGhIjKlMnOpQrStUv"


@pytest.mark.parametrize("scan,code", [
    (CODE, CODE),
    (f"  {CODE}\n", CODE),
    (f"https://backlot.example/t/{CODE}", CODE),
    (f"http://127.0.0.1:5000/t/{CODE}/", CODE),
    (f"https://x.example/t/{CODE}?utm=qr", CODE),
    ("https://x.example/schedule/3", None),
    ("hello world", None),
    ("", None),
])
def test_ticket_code_reads_urls_and_bare_codes(scan, code):
    assert ticket_code(scan) == code


def register(email="li@example.org", sessions=(), days=(DAY,)):
    return tickets.register(RegistrationRequest(name="Li Lei", email=email, days=list(days),
                                                session_ids=list(sessions), locale="en", consent=True))


def scan(code, **more):
    return check_in(ScanRequest(scan=code, gate=more.pop("gate", "North door"), **more))


def test_entry_then_already_checked_in_with_when_and_where(app):
    make_day(DAY)
    ticket = register().tickets[0]

    first = scan(ticket.code)
    second = scan(f"https://elsewhere.example/t/{ticket.code}", gate="South door")

    assert first["result"] == "ok" and first["attendee"] == {"name": "Li Lei"}
    assert second["result"] == "already_checked_in"
    assert second["first_gate"] == "North door"
    assert second["first_checked_in_at"] == first["checked_in_at"]


def test_exit_allows_re_entry_and_counts_who_is_inside(app):
    make_day(DAY)
    ticket = register().tickets[0]

    assert scan(ticket.code, direction="out")["result"] == "not_inside"
    assert scan(ticket.code)["result"] == "ok"
    assert db.session.get(ExhibitionDay, 1).inside_now == 1
    assert scan(ticket.code, direction="out")["result"] == "ok"
    db.session.expire_all()
    assert db.session.get(ExhibitionDay, 1).inside_now == 0
    assert scan(ticket.code)["result"] == "ok"



def test_a_ticket_cancelled_while_its_holder_is_inside_still_lets_them_out(app):
    """Found by tests/test_properties.py: the exit was refused as `cancelled`, so the holder was
    counted inside all day and the venue filled up with people who had gone."""
    make_day(DAY)
    workshop = make_slot(start=time(11), end=time(12), capacity=5)  # its gate opens at 10:30
    ticket = register(sessions=[workshop.id]).tickets[0]
    never_came = register(email="b@example.org").tickets[0]
    assert scan(ticket.code)["result"] == "ok"
    assert scan(ticket.code, session_id=workshop.id)["result"] == "ok"

    tickets.cancel_ticket(ticket)
    tickets.cancel_ticket(never_came)

    assert scan(ticket.code, session_id=workshop.id, direction="out")["result"] == "ok"
    assert scan(ticket.code, direction="out")["result"] == "ok"
    db.session.expire_all()
    assert db.session.get(ExhibitionDay, 1).inside_now == 0
    assert scan(ticket.code)["result"] == "cancelled"  # out, and not in again
    assert scan(never_came.code, direction="out")["result"] == "not_inside"

def test_maximum_inside_answers_capacity_reached_until_someone_leaves(app):
    day = make_day(DAY)
    day.max_inside = 1
    db.session.commit()
    first = register(email="a@example.org").tickets[0]
    second = register(email="b@example.org").tickets[0]

    assert scan(first.code)["result"] == "ok"
    assert scan(second.code)["result"] == "capacity_reached"
    assert scan(first.code, direction="out")["result"] == "ok"
    assert scan(second.code)["result"] == "ok"


def test_refusals(app):
    make_day(DAY)
    make_day(date(2026, 6, 15))
    workshop = make_slot(start=time(11), end=time(12), capacity=1)  # its gate opens at 10:30
    holder = register(email="a@example.org", sessions=[workshop.id]).tickets[0]
    waiting = register(email="b@example.org", sessions=[workshop.id]).tickets[0]
    other_day = register(email="c@example.org", days=(date(2026, 6, 15),)).tickets[0]
    cancelled = register(email="d@example.org").tickets[0]
    tickets.cancel_ticket(cancelled)

    assert scan("NoSuchTicketCode123456")["result"] == "unknown_ticket"
    assert scan("not a ticket")["result"] == "unknown_ticket"
    assert scan(cancelled.code)["result"] == "cancelled"
    assert scan(other_day.code)["result"] == "wrong_day"
    assert scan(waiting.code, session_id=workshop.id)["result"] == "not_registered"
    assert scan(holder.code, session_id=workshop.id)["result"] == "ok"
    late = at_local(date(2026, 6, 15), time(11))
    assert check_in(ScanRequest(scan=holder.code, gate="North door", scanned_at=late), now=late)["result"] == "wrong_day"


def test_a_repeated_nonce_returns_the_first_answer_and_counts_once(app):
    make_day(DAY)
    ticket = register().tickets[0]
    first = scan(ticket.code, nonce="phone-1-0001")
    again = scan(ticket.code, nonce="phone-1-0001")
    assert first == again and first["result"] == "ok"
    assert scan(ticket.code, nonce="phone-1-0002")["result"] == "already_checked_in"


def test_api_needs_a_gate_or_admin_token(app, client):
    make_day(DAY)
    ticket = register().tickets[0]
    gate = add_staff("gate@example.org", "gate")
    kiosk = add_staff("kiosk@devices.local", "kiosk")
    body = {"scan": ticket.code, "gate": "North door", "session_id": None}

    assert client.post("/api/v1/checkins", json=body).status_code == 401
    assert client.post("/api/v1/checkins", json=body,
                       headers={"Authorization": f"Bearer {kiosk.token}"}).status_code == 403
    answer = client.post("/api/v1/checkins", json=body, headers={"Authorization": f"Bearer {gate.token}"})
    assert answer.status_code == 200 and answer.get_json()["result"] == "ok"
    assert_valid(client.get("/api/v1/openapi.json").get_json(), "ScanAnswer", answer.get_json())
    bad = client.post("/api/v1/checkins", json={**body, "scanned_at": "yesterday"},
                      headers={"Authorization": f"Bearer {gate.token}"})
    assert bad.status_code == 422 and "scanned_at" in bad.get_json()["error"]["fields"]


def test_twenty_gates_scanning_one_ticket_at_once_get_exactly_one_ok(app):
    make_day(DAY)
    ticket = register().tickets[0]
    gate = add_staff("gate@example.org", "gate")

    def scan_at(index: int) -> str:
        with app.test_client() as phone:
            return phone.post("/api/v1/checkins", headers={"Authorization": f"Bearer {gate.token}"},
                              json={"scan": ticket.code, "gate": f"Gate {index}", "session_id": None}
                              ).get_json()["result"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(scan_at, range(20)))

    assert sorted(results) == ["already_checked_in"] * 19 + ["ok"]
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ExhibitionDay, 1).inside_now == 1
