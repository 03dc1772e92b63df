"""Who registered: the staff console's lists, search, counts and CSV exports (read only)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.errors import DomainError
from app.extensions import db
from app.i18n import localized
from app.schedule.formatting import day_short, hm
from app.schedule.models import ExhibitionDay, Slot
from app.tickets.formatting import seat_status
from app.tickets.models import TICKET_STATUSES, DayEntry, Registration, Seat, Ticket

PAGE_SIZE = 50
#: The places a session filter can ask for; none asked means both.
BOOKED = ("confirmed", "waitlisted")
CHANNEL_LABELS = {"online": _l("Online"), "walk_in": _l("Walk-in")}
#: A cell starting with one of these is a formula to Excel and LibreOffice (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TICKET_LOADS = (joinedload(Ticket.registration),
                 selectinload(Ticket.entries).joinedload(DayEntry.day),
                 selectinload(Ticket.seats).joinedload(Seat.slot))


@dataclass(frozen=True)
class AttendeeFilters:
    """What the attendee list is narrowed to; empty values filter nothing."""

    text: str = ""
    day: date | None = None
    session_id: int | None = None
    status: str | None = None
    seat_status: str | None = None

    @classmethod
    def from_args(cls, args: Mapping) -> AttendeeFilters:
        """From a query string; values that make no sense are dropped rather than refused."""
        try:
            on = date.fromisoformat(args.get("day") or "")
        except ValueError:
            on = None
        session = args.get("session") or ""
        return cls(text=(args.get("q") or "").strip()[:200], day=on,
                   session_id=int(session) if session.isdigit() else None,
                   status=args.get("status") if args.get("status") in TICKET_STATUSES else None,
                   seat_status=args.get("seat") if args.get("seat") in BOOKED else None)

    def as_args(self) -> dict:
        """The query string that gives these filters back (for links and the CSV export)."""
        args = {"q": self.text, "day": self.day.isoformat() if self.day else None,
                "session": self.session_id, "status": self.status, "seat": self.seat_status}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class Page:
    tickets: list[Ticket]
    total: int
    number: int
    count: int


def _tickets(filters: AttendeeFilters):
    query = select(Ticket).join(Ticket.registration)
    if filters.text:
        # A pasted ticket URL finds its ticket as well as the bare code does.
        code = filters.text.rsplit("/t/", 1)[-1]
        query = query.where(or_(Ticket.holder_name.icontains(filters.text, autoescape=True),
                                Registration.name.icontains(filters.text, autoescape=True),
                                Registration.email.icontains(filters.text, autoescape=True),
                                Ticket.code == code))
    if filters.day is not None:
        query = query.where(Ticket.entries.any(DayEntry.day.has(ExhibitionDay.date == filters.day)))
    if filters.session_id is not None or filters.seat_status is not None:
        statuses = [filters.seat_status] if filters.seat_status else list(BOOKED)
        seat = Seat.status.in_(statuses)
        if filters.session_id is not None:
            seat = seat & (Seat.slot_id == filters.session_id)
        query = query.where(Ticket.seats.any(seat))
    if filters.status is not None:
        query = query.where(Ticket.status == filters.status)
    return query


def search_tickets(filters: AttendeeFilters, *, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """One page of tickets, newest first, with the number of all that match."""
    total = db.session.scalar(select(func.count()).select_from(_tickets(filters).subquery()))
    count = max(1, -(-total // size))
    page = min(max(page, 1), count)
    tickets = db.session.scalars(_tickets(filters).options(*_TICKET_LOADS)
                                 .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                 .limit(size).offset((page - 1) * size))
    return Page(list(tickets), total, page, count)


def booked_seats(slot_id: int) -> list[Seat]:
    """A session's confirmed seats, then its waiting list in order (first = next in line)."""
    return list(db.session.scalars(
        select(Seat).where(Seat.slot_id == slot_id, Seat.status.in_(BOOKED))
        .options(joinedload(Seat.ticket).joinedload(Ticket.registration))
        .order_by(case((Seat.status == "confirmed", 0), else_=1), Seat.id)))


def released_seats(slot_id: int) -> list[Seat]:
    """A session's seats taken back from those who had not come (app.tickets.no_show)."""
    return list(db.session.scalars(
        select(Seat).where(Seat.slot_id == slot_id, Seat.released_at.is_not(None))
        .options(joinedload(Seat.ticket).joinedload(Ticket.registration)).order_by(Seat.id)))


def waiting_counts(slots: Iterable[Slot]) -> dict[int, int]:
    """How many wait for each of these sessions (absent: nobody)."""
    ids = [slot.id for slot in slots]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Seat.slot_id, func.count()).where(Seat.slot_id.in_(ids), Seat.status == "waitlisted")
        .group_by(Seat.slot_id)).all())


def day_on(on: date) -> ExhibitionDay | None:
    return db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == on)).first()


def registration_sessions() -> list[Slot]:
    """Sessions that take registrations, for the attendee filters."""
    return list(db.session.scalars(select(Slot).where(Slot.requires_registration)
                                   .order_by(Slot.starts_at, Slot.id)))


def session_label(slot: Slot) -> str:
    """"14 Jun 14:00 Storyboard workshop": a session named in one line."""
    return f"{day_short(slot.starts_at)} {hm(slot.starts_at)} {localized(slot.title)}"


def csv_cell(value) -> str:
    """Text for a spreadsheet cell; what would start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def to_csv(header: list, rows: Iterable[list]) -> bytes:
    """UTF-8 with a byte order mark, so Excel shows Chinese names as they were typed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _stamp(moment: datetime) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M")


def attendees_csv(filters: AttendeeFilters) -> bytes:
    """Every ticket that matches, one row each (ticket codes stay out: they open the tickets)."""
    tickets = db.session.scalars(_tickets(filters).options(*_TICKET_LOADS)
                                 .order_by(Ticket.created_at, Ticket.id))
    header = [_("Holder"), _("Registered by"), _("Email"), _("Language"), _("Channel"), _("Status"),
              _("Days"), _("Sessions"), _("Created")]
    rows = ([ticket.holder_name, ticket.registration.name, ticket.registration.email or "",
             ticket.registration.locale, str(CHANNEL_LABELS[ticket.registration.channel]),
             _("Cancelled") if ticket.status == "cancelled" else _("Active"),
             " ".join(entry.day.date.isoformat() for entry in ticket.entries),
             "; ".join(f"{session_label(seat.slot)}: {seat_status(seat)}" for seat in ticket.seats),
             _stamp(ticket.created_at)] for ticket in tickets)
    return to_csv(header, rows)


def session_csv(slot: Slot) -> bytes:
    """Confirmed visitors, then the waiting list in order with each one's position."""
    header = [_("Status"), _("Waiting list position"), _("Holder"), _("Registered by"), _("Email"),
              _("Channel"), _("Booked")]
    rows = []
    position = 0
    for seat in booked_seats(slot.id):
        waiting = seat.status == "waitlisted"
        position += waiting
        registration = seat.ticket.registration
        rows.append([_("Waiting list") if waiting else _("Confirmed"), position if waiting else "",
                     seat.ticket.holder_name, registration.name, registration.email or "",
                     str(CHANNEL_LABELS[registration.channel]), _stamp(seat.created_at)])
    return to_csv(header, rows)


def walk_in_registration(registration_id: int) -> Registration:
    """A registration made at the walk-in desk (the desk shows no one else's tickets)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.channel != "walk_in":
        raise DomainError("registration_not_found", _l("There is no walk-in registration with this number."),
                          status=404)
    return registration
