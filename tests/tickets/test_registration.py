"""Registration rules through the services and the API: limits, waiting lists, cancellations."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.tickets import services
from app.tickets.models import OutboxMail, Registration, Seat, Ticket
from app.tickets.rules import RegistrationRequest
from tests.api import assert_valid
from tests.builders import make_day, make_slot

DAY = date(2026, 6, 14)


def reread() -> None:
    """Other threads wrote: end this session's snapshot and forget the rows it holds."""
    db.session.rollback()
    db.session.expire_all()


def ask(name="Li Lei", email="li@example.org", days=(DAY,), sessions=(), companions=(), **more):
    return RegistrationRequest(name=name, email=email, days=list(days), session_ids=list(sessions),
                               locale=more.pop("locale", "zh"), consent=more.pop("consent", True),
                               companions=list(companions), **more)


def body(name="Li Lei", email="li@example.org", days=("2026-06-14",), sessions=(), **more) -> dict:
    return {"name": name, "email": email, "days": list(days), "sessions": list(sessions),
            "locale": "en", "consent": True, **more}


def test_register_gives_each_person_a_ticket_and_a_seat(app):
    workshop = make_slot(start=time(14), end=time(15), capacity=10)

    registration = services.register(ask(sessions=[workshop.id], companions=["Han Meimei", "王小明"]))

    assert [t.holder_name for t in registration.tickets] == ["Li Lei", "Han Meimei", "王小明"]
    assert len({t.code for t in registration.tickets}) == 3
    assert all(len(t.code) >= 22 for t in registration.tickets)
    assert db.session.get(Slot, workshop.id).seats_taken == 3
    assert db.session.get(ExhibitionDay, workshop.day_id).entries_taken == 3
    assert [m.kind for m in db.session.scalars(select(OutboxMail))] == ["confirmation"]


def test_a_full_session_waitlists_in_order_and_a_cancellation_promotes(app):
    workshop = make_slot(start=time(14), end=time(15), capacity=1)
    first = services.register(ask(email="a@example.org", sessions=[workshop.id])).tickets[0]
    second = services.register(ask(email="b@example.org", sessions=[workshop.id])).tickets[0]
    third = services.register(ask(email="c@example.org", sessions=[workshop.id])).tickets[0]

    assert [services.waitlist_position(t.seats[0]) for t in (first, second, third)] == [None, 1, 2]

    services.cancel_seat(first, workshop.id)

    db.session.expire_all()
    assert [t.seats[0].status for t in (first, second, third)] == ["cancelled", "confirmed", "waitlisted"]
    assert services.waitlist_position(third.seats[0]) == 1
    assert db.session.get(Slot, workshop.id).seats_taken == 1
    assert "promotion" in [m.kind for m in db.session.scalars(select(OutboxMail))]


def test_cancel_ticket_returns_day_and_session_places(app):
    workshop = make_slot(start=time(14), end=time(15), capacity=5)
    ticket = services.register(ask(sessions=[workshop.id])).tickets[0]

    services.cancel_ticket(ticket)
    services.cancel_ticket(ticket)  # repeating is harmless

    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "cancelled"
    assert db.session.get(Slot, workshop.id).seats_taken == 0
    assert db.session.get(ExhibitionDay, workshop.day_id).entries_taken == 0


def test_a_full_day_refuses_and_writes_nothing(app):
    make_day(DAY, capacity=2)
    with pytest.raises(DomainError) as refused:
        services.register(ask(companions=["A", "B"]))
    assert refused.value.code == "day_full"
    assert db.session.scalars(select(Registration)).all() == []
    assert db.session.scalars(select(Ticket)).all() == []


def test_one_email_holds_at_most_six_tickets_a_day(app):
    make_day(DAY, capacity=100)
    services.register(ask(companions=["A", "B", "C"]))
    services.register(ask(companions=["D"]))
    with pytest.raises(DomainError) as refused:
        services.register(ask(email="LI@example.org", companions=["E"]))
    assert refused.value.code == "too_many_tickets"
    assert db.session.query(Ticket).count() == 6


@pytest.mark.parametrize("request_,field", [
    (dict(name=""), "name"),
    (dict(name="x" * 10_000), "name"),
    (dict(email="not-an-email"), "email"),
    (dict(email=None), "email"),
    (dict(days=()), "days"),
    (dict(consent=False), "consent"),
    (dict(companions=["A"] * 6), "companions"),
    (dict(companions=["A", ""]), "companions.1.name"),
])
def test_bad_input_is_refused_by_field_and_nothing_is_written(app, request_, field):
    make_day(DAY)
    with pytest.raises(ValidationFailed) as refused:
        services.register(ask(**request_))
    assert field in refused.value.fields
    assert db.session.query(Registration).count() == 0


def test_sessions_must_be_bookable_on_a_chosen_day(app):
    make_day(date(2026, 6, 15))
    other_day = make_slot(on=date(2026, 6, 15), capacity=5)
    open_to_all = make_slot(start=time(16), end=time(17))
    started = make_slot(start=time(10), end=time(11, 30), capacity=5)  # the demo clock says 10:30
    with pytest.raises(ValidationFailed) as refused:
        services.register(ask(sessions=[other_day.id, open_to_all.id, started.id, 9999]))
    assert set(refused.value.fields) == {"sessions.0", "sessions.1", "sessions.2", "sessions.3"}


def test_api_registration_round_trip(app, client):
    workshop = make_slot(start=time(14), end=time(15), capacity=1)
    response = client.post("/api/v1/registrations", json=body(
        name="<script>alert(1)</script> 李雷 🎬", sessions=[workshop.id], companions=[{"name": "韩梅梅"}]))

    assert response.status_code == 201
    data = response.get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    assert_valid(document, "Registration", data)
    assert data["sessions"] == [{"id": workshop.id, "status": "confirmed", "position": None}]
    assert data["ticket"]["url"] == f"http://localhost/t/{data['ticket']['code']}"
    assert data["ticket"]["days"] == ["2026-06-14"] and data["ticket"]["status"] == "active"
    [companion] = data["companions"]
    fetched = client.get(f"/api/v1/tickets/{companion['code']}").get_json()
    assert_valid(document, "TicketWithSessions", fetched)
    assert fetched["sessions"] == [{"id": workshop.id, "status": "waitlisted", "position": 1}]
    assert db.session.scalars(select(Registration)).one().name == "<script>alert(1)</script> 李雷 🎬"

    key = {"X-Manage-Key": data["ticket"]["manage_key"]}
    assert client.delete(f"/api/v1/tickets/{data['ticket']['code']}/sessions/{workshop.id}",
                         headers=key).status_code == 204
    promoted = client.get(f"/api/v1/tickets/{companion['code']}").get_json()
    assert promoted["sessions"][0] == {"id": workshop.id, "status": "confirmed", "position": None}
    assert client.delete(f"/api/v1/tickets/{data['ticket']['code']}", headers=key).status_code == 204
    assert client.get(f"/api/v1/tickets/{data['ticket']['code']}").get_json()["ticket"]["status"] == "cancelled"


def test_api_cancelling_needs_the_tickets_management_key(app, client):
    workshop = make_slot(start=time(14), end=time(15), capacity=5)
    answer = client.post("/api/v1/registrations", json=body(sessions=[workshop.id], companions=[{"name": "韩梅梅"}]))
    data = answer.get_json()
    primary, [companion] = data["ticket"], data["companions"]
    document = client.get("/api/v1/openapi.json").get_json()
    # Each person's own key and management link; neither is in what the code alone shows.
    for ticket in (primary, companion):
        assert ticket["manage_url"] == f"{ticket['url']}?key={ticket['manage_key']}"
        shown = client.get(f"/api/v1/tickets/{ticket['code']}")
        assert ticket["manage_key"] not in shown.get_data(as_text=True)
        assert_valid(document, "TicketWithSessions", shown.get_json())
    assert primary["manage_key"] != companion["manage_key"]
    paths = (f"/api/v1/tickets/{primary['code']}/sessions/{workshop.id}", f"/api/v1/tickets/{primary['code']}")

    for headers in ({}, {"X-Manage-Key": companion["manage_key"]}, {"X-Manage-Key": ""}):
        for path in paths:
            refused = client.delete(path, headers={"Accept-Language": "en", **headers})
            assert refused.status_code == 403
            assert_valid(document, "Error", refused.get_json())
            assert refused.get_json()["error"]["code"] == "manage_key_required"
    zh = client.delete(paths[1], headers={"Accept-Language": "zh"}).get_json()["error"]["message"]
    assert zh.startswith("取消或更改这张门票需要它的管理密钥")
    db.session.expire_all()
    assert db.session.get(Slot, workshop.id).seats_taken == 2
    assert [ticket.status for ticket in db.session.scalars(select(Ticket))] == ["active", "active"]
    assert client.delete(paths[1], headers={"X-Manage-Key": primary["manage_key"]}).status_code == 204
    unknown = client.delete("/api/v1/tickets/unknown", headers={"X-Manage-Key": primary["manage_key"]})
    assert unknown.status_code == 404


@pytest.mark.parametrize("payload,field", [
    ({**body(), "days": "2026-06-14"}, "days"),
    (body(days=["14 June"]), "days.0"),
    (body(sessions=["1"]), "sessions.0"),
    (body(name=42), "name"),
    (body(companions=[{"nom": "x"}]), "companions.0.name"),
    (body(consent="yes"), "consent"),
])
def test_api_wrong_types_are_422_with_dotted_fields(app, client, payload, field):
    make_day(DAY)
    response = client.post("/api/v1/registrations", json=payload, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_api_errors(app, client):
    make_day(DAY, capacity=1)
    assert client.post("/api/v1/registrations", data="nope").status_code == 400
    assert client.get("/api/v1/tickets/unknown").status_code == 404
    assert client.delete("/api/v1/tickets/unknown").status_code == 404  # an unknown code, whatever the key
    full = client.post("/api/v1/registrations", json=body(companions=[{"name": "B"}]))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "day_full"


def test_fifty_concurrent_registrations_never_oversell_ten_places(app):
    """50 visitors at once for 10 places: exactly 10 confirmed, 40 in one ordered waiting list."""
    workshop = make_slot(start=time(14), end=time(15), capacity=10)
    make_day(DAY, capacity=1000)

    def register(index: int) -> int:
        with app.test_client() as visitor:
            return visitor.post("/api/v1/registrations", json=body(
                name=f"Visitor {index}", email=f"v{index}@example.org", sessions=[workshop.id])).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(register, range(50)))

    assert codes == [201] * 50
    reread()
    seats = db.session.scalars(select(Seat).where(Seat.slot_id == workshop.id)).all()
    assert sorted(seat.status for seat in seats).count("confirmed") == 10
    assert db.session.get(Slot, workshop.id).seats_taken == 10
    waiting = sorted((seat for seat in seats if seat.status == "waitlisted"), key=lambda s: s.id)
    assert [services.waitlist_position(seat) for seat in waiting] == list(range(1, 41))
    assert db.session.get(ExhibitionDay, workshop.day_id).entries_taken == 50


def test_concurrent_registrations_never_oversell_a_day(app):
    make_day(DAY, capacity=10)

    def register(index: int) -> int:
        with app.test_client() as visitor:
            return visitor.post("/api/v1/registrations", json=body(
                name=f"Visitor {index}", email=f"d{index}@example.org")).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(register, range(30)))

    assert sorted(codes) == [201] * 10 + [409] * 20
    reread()
    assert db.session.get(ExhibitionDay, 1).entries_taken == 10
    assert db.session.query(Ticket).count() == 10


def test_concurrent_cancellations_promote_different_people(app):
    workshop = make_slot(start=time(14), end=time(15), capacity=4)
    holders = [services.register(ask(email=f"h{i}@example.org", sessions=[workshop.id])).tickets[0]
               for i in range(8)]

    def cancel(ticket) -> None:
        with app.app_context():
            services.cancel_seat(services.get_ticket(ticket.code), workshop.id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(cancel, holders[:4]))

    reread()
    statuses = [db.session.get(Seat, t.seats[0].id).status for t in holders]
    assert statuses == ["cancelled"] * 4 + ["confirmed"] * 4
    assert db.session.get(Slot, workshop.id).seats_taken == 4


def test_no_promotion_into_a_cancelled_or_started_session(app):
    cancelled = make_slot(start=time(14), end=time(15), capacity=1, title="Cancelled later")
    started = make_slot(start=time(10), end=time(12), capacity=1, title="Started")
    first = services.register(ask(email="a@example.org", sessions=[cancelled.id])).tickets[0]
    waiting = services.register(ask(email="b@example.org", sessions=[cancelled.id])).tickets[0]
    cancelled.status = "cancelled"
    db.session.commit()

    services.cancel_seat(first, cancelled.id)

    reread()
    assert db.session.get(Seat, waiting.seats[0].id).status == "waitlisted"
    holder = services.register(ask(email="c@example.org", days=(DAY,))).tickets[0]
    seat = Seat(ticket=holder, slot_id=started.id, status="confirmed", created_at=started.starts_at,
                updated_at=started.starts_at)
    db.session.add(seat)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.cancel_seat(holder, started.id)
    assert refused.value.code == "session_started"
