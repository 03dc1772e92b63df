"""Attendance as staff read it: plain queries over Presence and Scan, no HTTP.

- checked in today: unique tickets with an entrance Presence for the day;
- inside now: ExhibitionDay.inside_now, against max_inside when it is set;
- per gate per 10 minutes: ok entry scans from the Scan log;
- per session: Presence rows per session against its capacity.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, or_, select

from app import clock
from app.checkin.models import DAY_ENTRY, Presence, Scan
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.tickets.models import DayEntry, Registration, Ticket

BUCKET_MINUTES = 10


def day_on(on: date | None = None) -> ExhibitionDay | None:
    """The exhibition day on a date (default: today), or None."""
    on = on or clock.today()
    return db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == on)).first()


def checked_in(day: ExhibitionDay) -> int:
    """Unique tickets that came in through the entrance on this day (undone check-ins excluded)."""
    return db.session.scalar(select(func.count(func.distinct(Presence.ticket_id)))
                             .where(Presence.day_id == day.id, Presence.slot_id == DAY_ENTRY)) or 0


@dataclass(frozen=True)
class Occupancy:
    inside: int
    limit: int | None

    @property
    def full(self) -> bool:
        return self.limit is not None and self.inside >= self.limit


def inside_now(day: ExhibitionDay) -> Occupancy:
    """How many are inside the exhibition now, and the most allowed (None: no limit)."""
    db.session.refresh(day, ["inside_now", "max_inside"])
    return Occupancy(day.inside_now, day.max_inside)


@dataclass
class GateTraffic:
    """Ok entry scans per gate per bucket of BUCKET_MINUTES (local time)."""

    gates: list[str] = field(default_factory=list)
    #: [(bucket start, local), {gate: count}] in time order.
    rows: list[tuple[datetime, dict[str, int]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for _, counts in self.rows)


def _bucket(moment: datetime, minutes: int) -> datetime:
    local = clock.local(moment)
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


def gate_traffic(day: ExhibitionDay, *, minutes: int = BUCKET_MINUTES, slot_id: int | None = DAY_ENTRY
                 ) -> GateTraffic:
    """Ok entry scans on this day per gate per `minutes`; slot_id DAY_ENTRY is the entrance,
    a session id that session, None every place."""
    query = select(Scan.scanned_at, Scan.gate).where(Scan.day_id == day.id, Scan.result == "ok",
                                                     Scan.direction == "in")
    if slot_id == DAY_ENTRY:
        query = query.where(Scan.slot_id.is_(None))
    elif slot_id is not None:
        query = query.where(Scan.slot_id == slot_id)
    counts: dict[datetime, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    gates = set()
    for scanned_at, gate in db.session.execute(query):
        counts[_bucket(scanned_at, minutes)][gate] += 1
        gates.add(gate)
    return GateTraffic(gates=sorted(gates), rows=[(start, dict(counts[start])) for start in sorted(counts)])


@dataclass(frozen=True)
class SessionAttendance:
    slot: Slot
    checked_in: int
    inside: int
    capacity: int | None


def sessions(day: ExhibitionDay) -> list[SessionAttendance]:
    """Each session of the day: tickets checked in (Presence rows), inside now, and its capacity."""
    slots = list(db.session.scalars(select(Slot).where(Slot.day_id == day.id)
                                    .order_by(Slot.starts_at, Slot.id)))
    totals = {slot_id: (count, inside or 0) for slot_id, count, inside in db.session.execute(
        select(Presence.slot_id, func.count(Presence.id),
               func.sum(case((Presence.inside.is_(True), 1), else_=0)))
        .where(Presence.day_id == day.id, Presence.slot_id != DAY_ENTRY).group_by(Presence.slot_id))}
    return [SessionAttendance(slot, *totals.get(slot.id, (0, 0)), slot.capacity) for slot in slots]


def recent(day: ExhibitionDay, *, limit: int = 20) -> list[Presence]:
    """The latest check-ins of the day (entrance and sessions), newest first: what undo acts on."""
    return list(db.session.scalars(select(Presence).where(Presence.day_id == day.id)
                                   .order_by(Presence.last_in_at.desc(), Presence.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Summary:
    day: ExhibitionDay
    checked_in: int
    occupancy: Occupancy
    traffic: GateTraffic
    sessions: list[SessionAttendance]


def summary(on: date | None = None) -> Summary | None:
    """Everything the attendance screens show for a day (default: today); None off-exhibition."""
    day = day_on(on)
    if day is None:
        return None
    return Summary(day, checked_in(day), inside_now(day), gate_traffic(day), sessions(day))


def find_tickets(text: str, *, day: ExhibitionDay | None = None, limit: int = 20) -> list[Ticket]:
    """Tickets whose holder or registrant name, or registration email, contains `text`
    (case-insensitive); only tickets for `day` when given."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    pattern = f"%{text.lower().replace('%', '').replace('_', '')}%"
    query = (select(Ticket).join(Registration)
             .where(or_(func.lower(Ticket.holder_name).like(pattern), func.lower(Registration.name).like(pattern),
                        func.lower(Registration.email).like(pattern), Ticket.code == text))
             .order_by(Ticket.holder_name, Ticket.id).limit(limit))
    if day is not None:
        query = query.join(DayEntry, (DayEntry.ticket_id == Ticket.id) & (DayEntry.day_id == day.id))
    return list(db.session.scalars(query))


def presences(ticket: Ticket, day: ExhibitionDay) -> list[Presence]:
    """Where this ticket has checked in on this day (entrance first)."""
    return list(db.session.scalars(select(Presence).where(Presence.ticket_id == ticket.id,
                                                          Presence.day_id == day.id)
                                   .order_by(Presence.slot_id)))
