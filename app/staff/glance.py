"""The day's operating rules at a glance, for the staff dashboard: is the entrance open, which
sessions admit people now, which bookings are closed, which gates are paused.

`at_a_glance` is a plain function of what it is given (the day, its sessions, the pauses and
`now`), so the dashboard says exactly what the gates and the booking rules decide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.checkin import rules as gate_rules
from app.tickets import rules as booking_rules


@dataclass(frozen=True)
class Booking:
    """A session that needs booking, and why it cannot be booked now (None: it can)."""

    slot: object
    refusal: str | None


@dataclass(frozen=True)
class Glance:
    #: False off-exhibition (no day today): nothing below but the pauses.
    has_day: bool
    #: Day entry now: None (the entrance admits), "too_early" or "closed".
    entrance: str | None
    day: object | None
    #: Sessions whose check-in window is open now.
    checking_in: list = field(default_factory=list)
    #: Sessions that need booking, still to end, with their booking state now.
    bookings: list[Booking] = field(default_factory=list)
    pauses: list = field(default_factory=list)

    @property
    def venue_paused(self) -> bool:
        return any(pause.gate is None for pause in self.pauses)

    @property
    def bookings_closed(self) -> list[Booking]:
        return [booking for booking in self.bookings if booking.refusal is not None]


def at_a_glance(day, slots, pauses, now: datetime) -> Glance:
    """The rules in force at `now` on `day` (an ExhibitionDay or None) for its `slots`."""
    if day is None:
        return Glance(has_day=False, entrance=None, day=None, pauses=list(pauses))
    running = [slot for slot in slots if slot.status != "cancelled"]
    checking_in = [slot for slot in running if gate_rules.session_entry_refusal(
        slot.starts_at, slot.ends_at, slot.checkin_opens_minutes, now) is None]
    bookings = [Booking(slot, booking_rules.booking_refusal(slot, now, waitlisting=slot.seats_remaining == 0))
                for slot in running if slot.requires_registration and slot.ends_at > now]
    return Glance(has_day=True, entrance=gate_rules.day_entry_refusal(day.opens_at, day.closes_at, now),
                  day=day, checking_in=checking_in, bookings=bookings, pauses=list(pauses))


def today(now: datetime | None = None) -> Glance:
    """The glance for the exhibition day of `now` (default: the app's clock)."""
    from app import clock
    from app.checkin import gates
    from app.schedule import services as schedule
    from app.tickets import queries

    now = now or clock.now()
    day = queries.day_on(clock.today(now))
    slots = schedule.list_slots(day=day.date, include_cancelled=False) if day is not None else []
    return at_a_glance(day, slots, gates.paused_gates(), now)
