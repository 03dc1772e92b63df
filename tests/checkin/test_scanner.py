"""The /scan page and the offline pack: who may open them, and that codes never leave in clear."""
import hashlib
from datetime import date

from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.staff.conftest import sign_in

DAY = date(2026, 6, 14)
OTHER_DAY = date(2026, 6, 15)


def register(email, days=(DAY,), sessions=()):
    return tickets.register(RegistrationRequest(name="Li Lei", email=email, days=list(days),
                                                session_ids=list(sessions), locale="en", consent=True))


def test_scan_page_is_for_gate_and_admin(app, client):
    assert client.get("/scan").status_code == 302
    assert "/staff/login" in client.get("/scan").headers["Location"]
    sign_in(client, "moderator")
    assert client.get("/scan").status_code == 403


def test_gate_gets_the_scanner_with_today_sessions(app, client):
    make_slot(title="Clay workshop", capacity=10)
    sign_in(client, "gate")
    page = client.get("/scan", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Entrance" in html and "Clay workshop" in html
    assert "vendor/jsqr/jsQR.js" in html and "<script>" not in html
    assert 'name="csrf-token"' in html


def test_offline_pack_holds_hashes_of_valid_tickets_only(app, client):
    make_day(DAY)
    make_day(OTHER_DAY)
    slot = make_slot(title="Clay workshop", capacity=10)
    valid = register("a@example.org", sessions=[slot.id]).tickets[0]
    cancelled = register("b@example.org").tickets[0]
    tickets.cancel_ticket(cancelled)
    other_day = register("c@example.org", days=(OTHER_DAY,)).tickets[0]
    sign_in(client, "gate")

    response = client.get("/api/v1/checkins/offline?day=2026-06-14")
    body = response.get_json()
    assert response.status_code == 200
    salt = body["salt"]
    digest = lambda code: hashlib.sha256((salt + code).encode()).hexdigest()  # noqa: E731
    assert body["day"] == "2026-06-14" and len(salt) >= 16
    assert digest(valid.code) in body["entries"]
    assert digest(other_day.code) not in body["entries"]
    assert body["sessions"] == {str(slot.id): [digest(valid.code)]}
    text = response.get_data(as_text=True)
    assert digest(cancelled.code) not in body["entries"]
    for code in (valid.code, cancelled.code, other_day.code):
        assert code not in text
    # Deterministic per day, different between days.
    assert client.get("/api/v1/checkins/offline?day=2026-06-14").get_json()["salt"] == salt
    assert client.get("/api/v1/checkins/offline?day=2026-06-15").get_json()["salt"] != salt


def test_offline_pack_leaves_out_cancelled_tickets(app, client):
    make_day(DAY)
    ticket = register("d@example.org").tickets[0]
    assert client.delete(f"/api/v1/tickets/{ticket.code}", headers={"X-Manage-Key": ticket.manage_key}).status_code == 204
    sign_in(client, "gate")
    body = client.get("/api/v1/checkins/offline?day=2026-06-14").get_json()
    assert hashlib.sha256((body["salt"] + ticket.code).encode()).hexdigest() not in body["entries"]
    assert body["entries"] == []


def test_offline_pack_wants_a_date_and_a_gate_role(app, client):
    assert client.get("/api/v1/checkins/offline?day=2026-06-14").status_code == 401
    sign_in(client, "moderator")
    assert client.get("/api/v1/checkins/offline?day=2026-06-14").status_code == 403


def test_offline_pack_bad_day_is_422(app, client):
    sign_in(client, "admin")
    for day in ("", "14-06-2026", "2026-13-01"):
        response = client.get(f"/api/v1/checkins/offline?day={day}")
        assert response.status_code == 422
        assert "day" in response.get_json()["error"]["fields"]
