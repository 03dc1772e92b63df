"""A moved, cancelled or enlarged session tells its visitors: mails queued with the change itself."""
from datetime import date, time

import pytest
from sqlalchemy import select

from app.clock import at_local
from app.errors import DomainError
from app.extensions import db
from app.schedule import editing
from app.schedule.models import Slot
from app.schedule.rules import SlotDraft
from app.staff.services import add_staff
from app.tickets import services, walk_in
from app.tickets.links import ticket_url
from app.tickets.models import OutboxMail, Seat
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot, make_venue
from tests.staff.conftest import page_csrf, sign_in

DAY = date(2026, 6, 14)


def register(email, slot, *, name="Visitor"):
    return services.register(RegistrationRequest(
        name=name, email=email, days=[DAY], session_ids=[slot.id], locale="en", consent=True)).tickets[0]


def draft_of(slot: Slot, **changes) -> SlotDraft:
    values = dict(kind=slot.kind, title=slot.title, description=slot.description, venue_id=slot.venue_id,
                  starts_at=slot.starts_at, ends_at=slot.ends_at, capacity=slot.capacity, film_id=slot.film_id)
    return SlotDraft(**{**values, **changes})


def mails(kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, recipient) of the outbox, confirmations left out unless asked for."""
    query = select(OutboxMail).order_by(OutboxMail.id)
    return [(mail.kind, mail.to) for mail in db.session.scalars(query)
            if (mail.kind == kind if kind else mail.kind != "confirmation")]


@pytest.fixture
def booked(app):
    """A two-place workshop: two confirmed, two waiting, one who left, one walk-in without email."""
    make_day(DAY)
    slot = make_slot(start=time(14), end=time(15), capacity=3, title="Storyboards")
    register("a@example.org", slot)
    register("b@example.org", slot)
    admin = add_staff("admin@example.org", "admin").member
    walk_in.register_walk_in(name="No Mail", day=DAY, session_ids=[slot.id], people=1, companions=[],
                             locale="en", actor=admin)
    register("c@example.org", slot)
    left = register("gone@example.org", slot)
    services.cancel_seat(left, slot.id)
    register("d@example.org", slot)
    db.session.expire_all()
    return {"slot": db.session.get(Slot, slot.id), "admin": admin}


def test_a_moved_session_mails_its_confirmed_and_waiting_visitors(booked):
    slot = booked["slot"]
    moved = draft_of(slot, starts_at=at_local(DAY, time(16)), ends_at=at_local(DAY, time(17)))

    editing.update_slot(slot, moved, actor=booked["admin"])

    assert mails() == [("schedule_change", "a@example.org"), ("schedule_change", "b@example.org"),
                       ("schedule_change", "c@example.org"), ("schedule_change", "d@example.org")]
    mail = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "schedule_change")).first()
    assert mail.subject == "New time or place: Storyboards"
    venue = slot.venue.name["en"]
    for body in (mail.text_body, mail.html_body):
        assert f"Before: Sun 14 June 14:00–15:00 · {venue}" in body  # what they had planned for
        assert f"Now: Sun 14 June 16:00–17:00 · {venue}" in body


def test_one_mail_per_registration_names_each_of_its_people(app):
    make_day(DAY)
    slot = make_slot(start=time(14), end=time(15), capacity=3, title="Storyboards")
    group = services.register(RegistrationRequest(name="Li Lei", email="li@example.org", days=[DAY],
                                                  session_ids=[slot.id], companions=["Han Meimei", "Wei"],
                                                  locale="en", consent=True))
    admin = add_staff("admin@example.org", "admin").member

    editing.set_slot_cancelled(db.session.get(Slot, slot.id), True, actor=admin)
    editing.set_slot_cancelled(db.session.get(Slot, slot.id), False, actor=admin)

    assert mails() == [("schedule_change", "li@example.org")] * 2
    restored = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "schedule_change")
                                  .order_by(OutboxMail.id.desc())).first()
    assert restored.text_body.startswith("Hello Li Lei,")
    for ticket in group.tickets:
        assert f"{ticket.holder_name} · Confirmed" in restored.text_body
        assert ticket_url(ticket.code) in restored.text_body and ticket_url(ticket.code) in restored.html_body


def test_another_venue_is_news_too_but_a_new_description_is_not(booked):
    slot = booked["slot"]
    editing.update_slot(slot, draft_of(slot, description={"en": "New words", "zh": "新"}), actor=booked["admin"])
    assert mails() == []
    editing.update_slot(slot, draft_of(slot, venue_id=make_venue("Studio 9").id), actor=booked["admin"])
    assert len(mails("schedule_change")) == 4


def test_a_cancelled_session_mails_its_confirmed_and_waiting_visitors(booked):
    editing.set_slot_cancelled(booked["slot"], True, actor=booked["admin"])

    assert sorted(to for kind, to in mails()) == ["a@example.org", "b@example.org", "c@example.org",
                                                  "d@example.org"]
    assert {mail.subject for mail in db.session.scalars(select(OutboxMail).where(
        OutboxMail.kind == "schedule_change"))} == {"Cancelled: Storyboards"}
    editing.set_slot_cancelled(booked["slot"], True, actor=booked["admin"])  # repeating sends nothing
    assert len(mails()) == 4


def test_cancelling_from_the_console_queues_the_mails(booked, client):
    sign_in(client, "admin", "other-admin@example.org")
    token = page_csrf(client, "/staff/schedule")
    response = client.post(f"/staff/schedule/{booked['slot'].id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    assert len(mails("schedule_change")) == 4


def test_a_refused_move_queues_nothing(booked):
    slot = booked["slot"]
    make_slot(venue=slot.venue, start=time(16), end=time(17), title="In the way")
    with pytest.raises(DomainError):
        editing.update_slot(slot, draft_of(slot, starts_at=at_local(DAY, time(16)),
                                           ends_at=at_local(DAY, time(17))), actor=booked["admin"])
    assert mails() == []


def test_a_capacity_raise_promotes_the_first_waiting_in_order(booked):
    slot = booked["slot"]

    editing.update_slot(slot, draft_of(slot, capacity=4), actor=booked["admin"])

    db.session.expire_all()
    seats = db.session.scalars(select(Seat).where(Seat.slot_id == slot.id).order_by(Seat.id)).all()
    assert [(seat.ticket.registration.email, seat.status) for seat in seats] == [
        ("a@example.org", "confirmed"), ("b@example.org", "confirmed"), (None, "confirmed"),
        ("c@example.org", "confirmed"), ("gone@example.org", "cancelled"), ("d@example.org", "waitlisted")]
    assert db.session.get(Slot, slot.id).seats_taken == 4
    assert services.waitlist_position(seats[-1]) == 1
    assert mails() == [("promotion", "c@example.org")]


def test_a_capacity_below_the_places_taken_is_still_refused(booked):
    slot = booked["slot"]
    with pytest.raises(DomainError) as refused:
        editing.update_slot(slot, draft_of(slot, capacity=2), actor=booked["admin"])
    assert refused.value.code == "capacity_below_taken"
    assert mails() == []
