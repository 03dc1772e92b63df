"""Changing the programme from the staff console: sessions, venues and days.

Each function is one unit of work that validates, writes, records who did it in
the audit log, queues the mails that tell booked visitors, commits, and only then
sends the mails and announces the change to live screens.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import null, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.i18n import localized
from app.realtime import publish
from app.schedule import rules
from app.schedule.models import ExhibitionDay, Slot, Venue
from app.schedule.services import get_exhibition, list_days
from app.staff import audit
from app.staff.models import StaffMember
from app.tickets import notify, outbox, queries, services as tickets

_SLOT_FIELDS = ("kind", "title", "description", "venue_id", "starts_at", "ends_at", "capacity",
                "requires_registration", "film_id", "checkin_opens_minutes", "booking_opens_at",
                "booking_closes_at", "waitlist_closes_at", "no_show_release_minutes")
#: A change of these is news for whoever booked the session or waits for it.
_MOVE_FIELDS = ("starts_at", "ends_at", "venue_id")


def _snapshot(row, fields) -> dict:
    return {field: getattr(row, field) for field in fields}


def _check_slot(draft: rules.SlotDraft, *, slot_id: int | None = None) -> ExhibitionDay:
    """Validate a draft inside the unit of work; return the exhibition day it falls on."""
    days = {day.date: day for day in list_days()}
    errors = rules.slot_errors(draft, days)
    if db.session.get(Venue, draft.venue_id) is None:
        errors["venue_id"] = _l("Choose a venue.")
    if errors:
        raise ValidationFailed(errors)
    # Lock the venue row, so two staff placing sessions in one room at once cannot both
    # pass the overlap check (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).
    db.session.execute(select(Venue.id).where(Venue.id == draft.venue_id).with_for_update())
    same_venue = db.session.scalars(select(Slot).where(Slot.venue_id == draft.venue_id))
    clash = rules.find_clash(draft, same_venue, slot_id=slot_id)
    if clash is not None:
        start, end = clock.local(clash.starts_at), clock.local(clash.ends_at)
        # gettext, not lazy: a lazy string counts as safe markup in Jinja, and this one
        # carries staff-entered text.
        raise DomainError(
            "venue_clash",
            gettext("%(venue)s is taken by \u201c%(title)s\u201d from %(start)s to %(end)s.",
               venue=localized(clash.venue.name), title=localized(clash.title),
               start=start.strftime("%H:%M"), end=end.strftime("%H:%M")),
            status=409, fields={"starts_at": _l("Overlaps another session in this venue.")})
    return days[clock.today(draft.starts_at)]


def _apply(slot: Slot, draft: rules.SlotDraft, day: ExhibitionDay) -> None:
    slot.day = day
    for field in _SLOT_FIELDS:
        setattr(slot, field, getattr(draft, field))
    if draft.no_show_release_minutes is None:
        # "Never": the ORM leaves a None out of the INSERT and the column's default (10) would fire.
        slot.no_show_release_minutes = null()


def _tell_booked(slot: Slot, *, cancelled: bool, restored: bool = False, was: dict | None = None) -> None:
    """Queue a mail to the confirmed and waiting visitors of the session (inside the unit of work):
    one per registration, however many of its people hold a seat. `was`: where and when it was."""
    # A move sets venue_id, and the venue loaded before would still name the old place.
    db.session.expire(slot, ["venue"])
    by_registration: dict[int, list] = {}
    for seat in queries.booked_seats(slot.id):
        by_registration.setdefault(seat.ticket.registration_id, []).append(seat)
    for seats in by_registration.values():
        notify.schedule_change(seats, cancelled=cancelled, restored=restored, was=was)


def _below_taken(field: str) -> DomainError:
    """The database refuses a capacity below the places already taken (a check constraint)."""
    return DomainError("capacity_below_taken",
                       _l("The capacity cannot be lower than the places already taken."),
                       status=409, fields={field: _l("Lower than the places already taken.")})


def create_slot(draft: rules.SlotDraft, *, actor: StaffMember | None,
                now: datetime | None = None) -> Slot:
    with unit_of_work():
        day = _check_slot(draft)
        slot = Slot(status="scheduled", seats_taken=0)
        _apply(slot, draft, day)
        db.session.add(slot)
        db.session.flush()
        audit.record(actor, "slot.create", slot, audit.said("Added session \u201c%(title)s\u201d", title=slot.title),
                     details=audit.changes({}, _snapshot(slot, _SLOT_FIELDS)), now=now)
    publish.schedule_changed(slot)
    return slot


def update_slot(slot: Slot, draft: rules.SlotDraft, *, actor: StaffMember | None,
                now: datetime | None = None) -> Slot:
    """Edit or move a session (new times or venue); the same rules as a new one.

    Booked and waiting visitors are told of a move; a capacity raised gives the new
    places to the waiting list, in order.
    """
    before = _snapshot(slot, _SLOT_FIELDS)
    try:
        with unit_of_work():
            day = _check_slot(draft, slot_id=slot.id)
            _apply(slot, draft, day)
            db.session.add(slot)
            db.session.flush()
            if any(before[field] != getattr(slot, field) for field in _MOVE_FIELDS):
                was = {"starts_at": before["starts_at"], "ends_at": before["ends_at"],
                       "venue": db.session.get(Venue, before["venue_id"])}
                _tell_booked(slot, cancelled=False, was=was)
            if not slot.is_cancelled and (slot.capacity or 0) > (before["capacity"] or 0):
                tickets.fill_from_waitlist(slot, now=now)
            audit.record(actor, "slot.update", slot,
                         audit.said("Changed session \u201c%(title)s\u201d", title=slot.title),
                         details=audit.changes(before, _snapshot(slot, _SLOT_FIELDS)), now=now)
    except IntegrityError:
        raise _below_taken("capacity") from None
    outbox.deliver_soon()
    publish.schedule_changed(slot)
    return slot


def set_slot_cancelled(slot: Slot, cancelled: bool, *, actor: StaffMember | None,
                       now: datetime | None = None) -> Slot:
    """Cancel a session (it stays listed, struck through) or put it back on the programme; either
    way its confirmed and waiting visitors (whose places a cancellation keeps) are told."""
    status = "cancelled" if cancelled else "scheduled"
    if slot.status == status:
        return slot
    with unit_of_work():
        if not cancelled:
            _check_slot(_draft_of(slot), slot_id=slot.id)
        _tell_booked(slot, cancelled=cancelled, restored=not cancelled)
        slot.status = status
        db.session.add(slot)
        audit.record(actor, "slot.cancel" if cancelled else "slot.restore", slot,
                     audit.said("Cancelled \u201c%(title)s\u201d", title=slot.title) if cancelled
                     else audit.said("Restored \u201c%(title)s\u201d", title=slot.title), now=now)
    outbox.deliver_soon()
    publish.schedule_changed(slot)
    return slot


def _draft_of(slot: Slot) -> rules.SlotDraft:
    return rules.SlotDraft(**{field: getattr(slot, field) for field in _SLOT_FIELDS
                              if field != "requires_registration"})


_VENUE_FIELDS = ("name", "site", "description", "position")


def save_venue(venue: Venue | None, *, name: dict, site: dict, description: dict, position: int,
               actor: StaffMember | None, now: datetime | None = None) -> Venue:
    """Create a venue (venue=None) or edit one."""
    errors = {**rules.text_errors("name", name, rules.TITLE_MAX, required=True),
              **rules.text_errors("site", site, rules.TITLE_MAX, required=False),
              **rules.text_errors("description", description, rules.DESCRIPTION_MAX, required=False)}
    if errors:
        raise ValidationFailed(errors)
    creating = venue is None
    venue = venue or Venue()
    before = {} if creating else _snapshot(venue, _VENUE_FIELDS)
    with unit_of_work():
        venue.name, venue.site, venue.description, venue.position = name, site, description, position
        db.session.add(venue)
        db.session.flush()
        audit.record(actor, "venue.create" if creating else "venue.update", venue,
                     audit.said("Added venue \u201c%(name)s\u201d", name=name) if creating
                     else audit.said("Changed venue \u201c%(name)s\u201d", name=name),
                     details=audit.changes(before, _snapshot(venue, _VENUE_FIELDS)), now=now)
    publish.schedule_changed(None)
    return venue


_DAY_FIELDS = ("date", "opens_at", "closes_at", "entry_capacity", "max_inside")
#: save_day(max_inside=KEEP) leaves the day's maximum inside as it is.
KEEP = object()


def save_day(day: ExhibitionDay | None, *, on: date, opens_at: datetime, closes_at: datetime,
             entry_capacity: int, actor: StaffMember | None, now: datetime | None = None,
             max_inside: int | None = KEEP) -> ExhibitionDay:
    """Create an exhibition day (day=None) or change its hours, entry capacity and the most
    allowed inside at once (max_inside: None for no limit; KEEP, the default, leaves it)."""
    errors = {}
    if max_inside is not KEEP and max_inside is not None and not 1 <= max_inside <= 1_000_000:
        errors["max_inside"] = _l("Between 1 and 1,000,000, or empty for no limit.")
    if closes_at <= opens_at:
        errors["closes_at"] = _l("Closing must be after opening.")
    if not 1 <= entry_capacity <= 1_000_000:
        errors["entry_capacity"] = _l("Between 1 and 1,000,000.")
    if errors:
        raise ValidationFailed(errors)
    creating = day is None
    before = {} if creating else _snapshot(day, _DAY_FIELDS)
    try:
        with unit_of_work():
            day = day or ExhibitionDay(exhibition=get_exhibition(), entries_taken=0)
            day.date, day.opens_at, day.closes_at, day.entry_capacity = on, opens_at, closes_at, entry_capacity
            if max_inside is not KEEP:
                day.max_inside = max_inside
            db.session.add(day)
            db.session.flush()
            audit.record(actor, "day.create" if creating else "day.update", day,
                         audit.said("Added day %(day)s", day=on) if creating
                         else audit.said("Changed day %(day)s", day=on),
                         details=audit.changes(before, _snapshot(day, _DAY_FIELDS)), now=now)
    except IntegrityError as error:
        if "entries_within_capacity" in str(error.orig):
            raise _below_taken("entry_capacity") from None
        raise DomainError("day_exists", _l("This day is already in the programme."), status=409,
                          fields={"date": _l("Already in the programme.")}) from None
    publish.schedule_changed(None)
    return day
