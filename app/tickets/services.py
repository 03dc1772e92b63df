"""Registering visitors, and giving places back: the rules that must never oversell.

Capacity is taken with conditional UPDATEs (`... SET taken = taken + n WHERE taken
+ n <= capacity`) and the row count decides; nothing is read first and written
after. A seat given back goes straight to the first on the waiting list. The
UPDATEs synchronise with "fetch", so counters already loaded in the session are
refreshed rather than left stale.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app import clock
from app.checkin.models import DAY_ENTRY, Presence
from app.db import serialize_on, unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.schedule.models import ExhibitionDay, Slot
from app.staff import audit
from app.tickets import manage_keys, notify, outbox, rules
from app.tickets.models import DayEntry, Registration, Seat, Ticket


def new_code() -> str:
    """128 random bits, URL-safe (22 characters): no id, nothing guessable."""
    return secrets.token_urlsafe(16)


def _sessions_for(req: rules.RegistrationRequest, days: dict, now: datetime) -> list[Slot]:
    """The asked-for sessions, checked against the chosen days; 422 naming each bad one."""
    if not req.session_ids:
        return []
    slots = {slot.id: slot for slot in db.session.scalars(select(Slot).where(Slot.id.in_(req.session_ids)))}
    errors = {}
    for index, slot_id in enumerate(req.session_ids):
        slot = slots.get(slot_id)
        if slot is None or slot.is_cancelled:
            errors[f"sessions.{index}"] = _l("This session does not exist or was cancelled.")
        elif not slot.requires_registration:
            errors[f"sessions.{index}"] = _l("This session is open to all: no booking needed.")
        elif slot.day.date not in days:
            errors[f"sessions.{index}"] = _l("This session is on a day you have not chosen.")
        elif (refusal := rules.booking_refusal(slot, now, waitlisting=False, desk=_at_desk(req))) is not None:
            errors[f"sessions.{index}"] = rules.refusal_message(refusal, slot)
    if errors:
        raise ValidationFailed(errors)
    return [slots[slot_id] for slot_id in req.session_ids]


def _at_desk(req: rules.RegistrationRequest) -> bool:
    return req.channel == "walk_in"


def _days_for(req: rules.RegistrationRequest, now: datetime) -> dict:
    found = {day.date: day for day in db.session.scalars(
        select(ExhibitionDay).where(ExhibitionDay.date.in_(req.days)))}
    for chosen in req.days:
        if chosen not in found:
            raise ValidationFailed({"days": _l("The exhibition does not run on %(day)s.", day=chosen.isoformat())})
        if found[chosen].closes_at <= now:
            raise ValidationFailed({"days": _l("This day is over.")})
    return found


def _check_email_limit(email: str, days: list[ExhibitionDay], people: int) -> None:
    held = dict(db.session.execute(
        select(DayEntry.day_id, func.count())
        .join(Ticket, Ticket.id == DayEntry.ticket_id)
        .join(Registration, Registration.id == Ticket.registration_id)
        .where(Registration.email == email, Ticket.status == "active",
               DayEntry.day_id.in_([day.id for day in days]))
        .group_by(DayEntry.day_id)).all())
    limit = rules.MAX_TICKETS_PER_EMAIL_PER_DAY
    if any(held.get(day.id, 0) + people > limit for day in days):
        raise DomainError("too_many_tickets",
                          _l("One email can hold at most %(limit)d tickets per day, companions included.",
                             limit=limit), status=409, fields={"email": _l("Limit reached for this email.")})


def _take_entries(day: ExhibitionDay, people: int) -> None:
    # The capacity check and the increment are one statement: two registrations at once can
    # never both take the last places.
    taken = db.session.execute(
        update(ExhibitionDay)
        .where(ExhibitionDay.id == day.id, ExhibitionDay.entries_taken + people <= ExhibitionDay.entry_capacity)
        .values(entries_taken=ExhibitionDay.entries_taken + people)
        .execution_options(synchronize_session="fetch")).rowcount
    if taken != 1:
        raise DomainError("day_full", _l("Entry on %(day)s is fully booked.", day=day.date.isoformat()),
                          status=409)


def _take_seat(slot: Slot, ticket: Ticket, now: datetime, *, field: str, desk: bool) -> Seat:
    """A confirmed seat if one is left (atomic), else a place at the end of the waiting list;
    past the waiting list's cut-off, 422 on `field` (the caller's transaction then writes nothing)."""
    taken = db.session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.status == "scheduled", Slot.seats_taken < Slot.capacity)
        .values(seats_taken=Slot.seats_taken + 1)
        .execution_options(synchronize_session="fetch")).rowcount
    if taken != 1 and (refusal := rules.booking_refusal(slot, now, waitlisting=True, desk=desk)) is not None:
        raise ValidationFailed({field: rules.refusal_message(refusal, slot)})
    seat = Seat(ticket=ticket, slot_id=slot.id, status="confirmed" if taken == 1 else "waitlisted",
                created_at=now, updated_at=now)
    db.session.add(seat)
    return seat


def register(req: rules.RegistrationRequest, *, actor=None, now: datetime | None = None) -> Registration:
    """Register a visitor and companions: tickets, day entries, seats or waiting-list places.

    One transaction: a full day or any bad value leaves nothing behind. A full session
    is not an error: that person goes on its waiting list, unless its booking window
    (app.tickets.rules.booking_refusal) closed that list. Each ticket gets its management
    key, on `ticket.manage_key` for the answer (and in the confirmation mail). A registration by staff
    (`actor`) is audit-logged as ticket.<channel> in the same transaction.
    """
    now = now or clock.now()
    req = rules.cleaned(req)
    errors = rules.request_errors(req, email_required=req.channel == "online")
    if errors:
        raise ValidationFailed(errors)
    people = 1 + len(req.companions)
    with unit_of_work():
        days = _days_for(req, now)
        slots = _sessions_for(req, days, now)
        if req.email:
            serialize_on(f"registration-email:{req.email}")
            _check_email_limit(req.email, list(days.values()), people)
        # Always in id order, so concurrent registrations lock rows in the same order.
        for day in sorted(days.values(), key=lambda d: d.id):
            _take_entries(day, people)
        registration = Registration(name=req.name, email=req.email, locale=req.locale,
                                    consent_at=now if req.consent else None, channel=req.channel,
                                    created_by_id=getattr(actor, "id", None), created_at=now)
        db.session.add(registration)
        holders = [(req.name, True)] + [(name, False) for name in req.companions]
        # Collections given at creation are known to be complete: reading them later (the answer,
        # the mail) costs no query.
        tickets = [Ticket(registration=registration, code=new_code(), holder_name=name, is_primary=primary,
                          status="active", created_at=now, seats=[],
                          entries=[DayEntry(day_id=day.id) for day in days.values()])
                   for name, primary in holders]
        for ticket in tickets:
            manage_keys.issue(ticket)
        db.session.add_all(tickets)
        for slot in sorted(slots, key=lambda s: s.id):
            for ticket in tickets:
                _take_seat(slot, ticket, now, field=f"sessions.{req.session_ids.index(slot.id)}",
                           desk=_at_desk(req))
        db.session.flush()
        if req.email:
            notify.confirmation(registration)
        if actor is not None:
            # Staff registered someone (the walk-in desk): the audit log says who, in this transaction.
            audit.record(actor, f"ticket.{req.channel}", registration,
                         audit.said("Registered \u201c%(name)s\u201d, tickets: %(tickets)d", name=req.name,
                                    tickets=people),
                         details={"days": [day.isoformat() for day in req.days], "sessions": req.session_ids,
                                  "tickets": [ticket.holder_name for ticket in tickets]}, now=now)
    outbox.deliver_soon()
    publish.places_changed()
    return registration


def get_ticket(code: str) -> Ticket:
    ticket = db.session.scalars(select(Ticket).where(Ticket.code == code)).first() if code else None
    if ticket is None:
        raise DomainError("ticket_not_found", _l("There is no ticket with this code."), status=404)
    return ticket


def managed_ticket(code: str, key: str | None) -> Ticket:
    """The ticket, for acting against it: unknown code 404, else 403 unless `key` manages it."""
    ticket = get_ticket(code)
    manage_keys.require(ticket, key)
    return ticket


def waitlist_position(seat: Seat) -> int | None:
    """1 for the next in line; None unless the seat is waitlisted."""
    if seat.status != "waitlisted":
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Seat).where(
        Seat.slot_id == seat.slot_id, Seat.status == "waitlisted", Seat.id < seat.id))
    return ahead + 1


def pass_on_seat(slot_id: int, now: datetime, *, present_on: int | None = None) -> Seat | None:
    """A confirmed seat was given back: hand it to the first waiting, or free it.

    `present_on` (a day id): only someone waiting who is inside the exhibition now, that day,
    may take it (the no-show release: the session has begun).
    """
    waiting = select(Seat).where(Seat.slot_id == slot_id, Seat.status == "waitlisted")
    if present_on is not None:
        waiting = waiting.join(Presence, (Presence.ticket_id == Seat.ticket_id) & (Presence.day_id == present_on)
                               & (Presence.slot_id == DAY_ENTRY) & Presence.inside)
    first = db.session.scalars(
        waiting.order_by(Seat.id).limit(1)
        # Two cancellations at once must promote two different people: the second skips
        # the row the first holds (PostgreSQL; SQLite serialises writers anyway).
        .with_for_update(skip_locked=True, of=Seat)).first()
    if first is not None:
        first.status, first.updated_at = "confirmed", now
        notify.promotion(first)
        return first
    db.session.execute(update(Slot).where(Slot.id == slot_id, Slot.seats_taken > 0)
                       .values(seats_taken=Slot.seats_taken - 1)
                       .execution_options(synchronize_session="fetch"))
    return None


def _cancel_seat(seat: Seat, now: datetime) -> None:
    """A place handed back goes to the waiting list only while the session is still to come."""
    was_confirmed = seat.status == "confirmed"
    seat.status, seat.updated_at = "cancelled", now
    db.session.flush()
    if was_confirmed and not seat.slot.is_cancelled and seat.slot.starts_at > now:
        pass_on_seat(seat.slot_id, now)


def cancel_seat(ticket: Ticket, slot_id: int, *, now: datetime | None = None) -> Seat:
    """Give back one session place (or leave its waiting list); repeating is harmless."""
    now = now or clock.now()
    seat = next((seat for seat in ticket.seats if seat.slot_id == slot_id), None)
    if seat is None:
        raise DomainError("seat_not_found", _l("This ticket has no place in this session."), status=404)
    if seat.status != "cancelled" and seat.slot.starts_at <= now:
        raise DomainError("session_started", _l("This session has already started."), status=409)
    with unit_of_work():
        seat = _locked(Seat, seat.id)
        if seat.status != "cancelled":
            _cancel_seat(seat, now)
    outbox.deliver_soon()
    publish.places_changed()
    return seat


def _locked(model, row_id: int):
    """Re-read a row under a lock, so two cancellations at once give one place back once."""
    return db.session.scalars(select(model).where(model.id == row_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def cancel_ticket(ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    """Cancel a whole ticket: its sessions go to the waiting lists, its day places back to the pool."""
    now = now or clock.now()
    with unit_of_work():
        ticket = _locked(Ticket, ticket.id)
        if not ticket.is_active:
            return ticket
        for seat in ticket.seats:
            if seat.status != "cancelled":
                _cancel_seat(seat, now)
        for entry in list(ticket.entries):
            db.session.execute(update(ExhibitionDay).where(ExhibitionDay.id == entry.day_id)
                               .values(entries_taken=ExhibitionDay.entries_taken - 1)
                               .execution_options(synchronize_session="fetch"))
            db.session.delete(entry)
        ticket.status, ticket.cancelled_at = "cancelled", now
        if ticket.registration.email:
            notify.cancellation(ticket)
    outbox.deliver_soon()
    publish.places_changed()
    return ticket


def fill_from_waitlist(slot: Slot, *, now: datetime | None = None) -> list[Seat]:
    """After a capacity rise: confirm waiting people while places are free (inside a unit of work)."""
    now = now or clock.now()
    promoted = []
    while True:
        first = db.session.scalars(select(Seat).where(Seat.slot_id == slot.id, Seat.status == "waitlisted")
                                   .order_by(Seat.id).limit(1).with_for_update(skip_locked=True)).first()
        if first is None:
            return promoted
        taken = db.session.execute(
            update(Slot).where(Slot.id == slot.id, Slot.seats_taken < Slot.capacity)
            .values(seats_taken=Slot.seats_taken + 1).execution_options(synchronize_session="fetch")).rowcount
        if taken != 1:
            return promoted
        first.status, first.updated_at = "confirmed", now
        notify.promotion(first)
        promoted.append(first)
