"""Pausing entry over HTTP (/api/v1/gates) and from the attendance console, and the new scan
answers of POST /api/v1/checkins (too_early, closed, entry_paused, 422 on scanned_at)."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.checkin.models import GatePause
from app.clock import at_local, timestamp
from app.extensions import db
from app.staff.models import AuditEntry, StaffMember
from app.staff.services import add_staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.api import assert_valid
from tests.api.test_staff_api import bearer
from tests.builders import make_day, make_slot
from tests.conftest import DEMO_CLOCK
from tests.staff.conftest import page_csrf, sign_in

DAY = date(2026, 6, 14)


@pytest.fixture
def tokens(app):
    return {role: bearer(add_staff(f"{role}@example.org", role).token) for role in ("admin", "gate", "moderator")}


def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def register(email="li@example.org", sessions=()):
    return tickets.register(RegistrationRequest(name="Li Lei", email=email, days=[DAY], session_ids=list(sessions),
                                                locale="en", consent=True)).tickets[0]


@pytest.mark.parametrize("path", ["/gates/pause", "/gates/resume", "/gates/North%20door/pause",
                                  "/gates/North%20door/resume"])
def test_only_admins_pause_and_resume(client, tokens, path):
    assert client.post(f"/api/v1{path}").status_code == 401
    assert client.post(f"/api/v1{path}", headers=tokens["gate"]).status_code == 403
    assert client.post(f"/api/v1{path}", headers=tokens["moderator"]).status_code == 403
    answer = client.post(f"/api/v1{path}", headers=tokens["admin"])
    assert answer.status_code == 200
    assert_valid(document(client), "GateState", answer.get_json())


def test_gate_staff_and_admins_list_the_pauses(client, tokens):
    assert client.get("/api/v1/gates").status_code == 401
    assert client.get("/api/v1/gates", headers=tokens["moderator"]).status_code == 403
    assert client.get("/api/v1/gates", headers=tokens["gate"]).get_json() == {
        "venue_paused": False, "venue": None, "gates": []}


def test_pause_and_resume_a_gate_and_the_venue(client, tokens):
    admin = tokens["admin"]
    paused = client.post("/api/v1/gates/North%20door/pause", json={"reason": "Queue"}, headers=admin).get_json()
    row = db.session.scalars(select(GatePause)).one()
    assert paused == {"gate": "North door", "paused": True, "paused_at": timestamp(row.paused_at), "reason": "Queue",
                      "paused_by": db.session.get(StaffMember, row.paused_by_id).name, "venue_paused": False}
    again = client.post("/api/v1/gates/North%20door/pause", json={"reason": "Other"}, headers=admin).get_json()
    assert again == paused  # repeating is harmless: the first pause stands

    venue = client.post("/api/v1/gates/pause", headers=admin).get_json()
    assert venue["gate"] is None and venue["paused"] and venue["venue_paused"]
    listed = client.get("/api/v1/gates", headers=tokens["gate"]).get_json()
    assert_valid(document(client), "GatePauses", listed)
    assert listed["venue_paused"] and [pause["gate"] for pause in listed["gates"]] == ["North door"]

    assert client.post("/api/v1/gates/resume", headers=admin).get_json()["venue_paused"] is False
    resumed = client.post("/api/v1/gates/North%20door/resume", headers=admin).get_json()
    assert (resumed["paused"], resumed["paused_at"], resumed["reason"]) == (False, None, None)
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith("gate."))
                                      .order_by(AuditEntry.id)))
    assert actions == ["gate.pause", "gate.pause", "gate.resume", "gate.resume"]


def test_a_gate_whose_name_holds_a_slash_is_paused_and_resumed_too(client, tokens):
    admin = tokens["admin"]
    paused = client.post("/api/v1/gates/Hall%201%2FEast/pause", headers=admin)
    assert paused.status_code == 200 and paused.get_json()["gate"] == "Hall 1/East"
    listed = client.get("/api/v1/gates", headers=tokens["gate"]).get_json()
    assert [pause["gate"] for pause in listed["gates"]] == ["Hall 1/East"]
    resumed = client.post("/api/v1/gates/hall 1/east/resume", headers=admin)  # any spelling of it
    assert resumed.status_code == 200 and resumed.get_json()["paused"] is False
    assert client.get("/api/v1/gates", headers=tokens["gate"]).get_json()["gates"] == []


def test_bad_pause_requests(client, tokens):
    admin = {**tokens["admin"], "Accept-Language": "zh"}
    star = client.post("/api/v1/gates/*/pause", headers=admin)
    assert star.status_code == 422 and "gate" in star.get_json()["error"]["fields"]
    long = client.post(f"/api/v1/gates/{'x' * 61}/pause", headers=admin)
    assert long.status_code == 422
    reason = client.post("/api/v1/gates/North/pause", json={"reason": 5}, headers=admin)
    assert reason.status_code == 422 and "reason" in reason.get_json()["error"]["fields"]
    not_json = client.post("/api/v1/gates/North/pause", data="[1", content_type="application/json", headers=admin)
    assert not_json.status_code == 400


def test_each_new_scan_answer_over_http(client, tokens):
    make_day(DAY)
    workshop = make_slot(start=time(14), end=time(15), capacity=5)
    ticket = register(sessions=[workshop.id])
    gate = tokens["gate"]

    def post(**body):
        return client.post("/api/v1/checkins", headers=gate,
                           json={"scan": ticket.code, "gate": "North door", "session_id": None, **body})

    assert post(scanned_at=at_local(DAY, time(7)).isoformat()).get_json()["result"] == "too_early"
    assert post(session_id=workshop.id).get_json()["result"] == "too_early"  # 10:30: opens at 13:30
    client.post("/api/v1/gates/North%20door/pause", headers=tokens["admin"])
    paused = post()
    assert paused.status_code == 200 and paused.get_json()["result"] == "entry_paused"
    assert paused.get_json()["attendee"] == {"name": "Li Lei"}
    assert_valid(document(client), "ScanAnswer", paused.get_json())
    assert post(gate="South door").get_json()["result"] == "ok"
    assert post(gate="South door", direction="out").get_json()["result"] == "ok"

    ahead = (DEMO_CLOCK + timedelta(hours=3)).isoformat()
    for language, word in (("en", "minutes"), ("zh", "分钟")):
        refused = client.post("/api/v1/checkins", headers={**gate, "Accept-Language": language},
                              json={"scan": ticket.code, "gate": "North door", "scanned_at": ahead})
        assert refused.status_code == 422
        assert word in refused.get_json()["error"]["fields"]["scanned_at"]


def test_admins_pause_and_resume_from_the_console_and_everyone_there_sees_it(app, client):
    make_day(DAY)
    sign_in(client, "admin")
    token = page_csrf(client, "/staff/attendance")
    assert client.post("/staff/gates/pause", data={"gate": "North door", "reason": "Queue <b>",
                                                   "csrf_token": token}).status_code == 302
    assert client.post("/staff/gates/pause", data={"venue": "1", "csrf_token": token}).status_code == 302
    page = client.get("/staff/attendance", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "North door" in page and "Queue &lt;b&gt;" in page and "Every gate (the whole venue)" in page
    assert client.post("/staff/gates/pause", data={"gate": "South door"}).status_code in (302, 400)  # no CSRF
    assert [pause.gate for pause in db.session.scalars(select(GatePause).order_by(GatePause.gate))] == ["*", "North door"]

    assert client.post("/staff/gates/resume", data={"gate": "", "csrf_token": token}).status_code == 302
    fragment = client.get("/staff/fragments/gates", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "North door" in fragment and "whole venue" not in fragment


def test_gate_staff_see_the_pauses_but_cannot_pause(app, client):
    make_day(DAY)
    sign_in(client, "gate")
    page = client.get("/staff/attendance", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Entry is open at every gate." in page and 'data-testid="pause-form"' not in page
    token = page_csrf(client, "/staff/attendance")
    assert client.post("/staff/gates/pause", data={"gate": "North", "csrf_token": token}).status_code == 403
