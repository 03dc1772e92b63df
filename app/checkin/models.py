"""Presence (who is in, per ticket and place) and the log of every scan.

"Exactly one ok per entry" is the database's job: a Presence row is unique per
ticket and place, and flipping it from outside to inside is one conditional
UPDATE, so two gates scanning the same ticket at the same moment get one `ok`
and one `already_checked_in`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime
from app.extensions import db
from app.tickets.models import Ticket

RESULTS = ("ok", "already_checked_in", "unknown_ticket", "wrong_day", "not_registered", "cancelled",
           "capacity_reached", "not_inside", "too_early", "closed", "entry_paused")
DIRECTIONS = ("in", "out")
#: Presence.slot_id for the exhibition entrance (day entry), which has no session.
DAY_ENTRY = 0
#: GatePause.gate of a pause of the whole venue (every gate at once).
WHOLE_VENUE = "*"


class Presence(db.Model):
    """Whether a ticket is inside a place (the day's entrance, or one session) on a day."""

    __table_args__ = (UniqueConstraint("ticket_id", "day_id", "slot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    day_id: Mapped[int] = mapped_column(ForeignKey("exhibition_day.id"), index=True)
    #: The session, or DAY_ENTRY (0) for the entrance; 0 rather than NULL so the unique
    #: constraint holds (NULLs never collide).
    slot_id: Mapped[int] = mapped_column(default=DAY_ENTRY, index=True)
    inside: Mapped[bool] = mapped_column(default=True)
    first_checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_gate: Mapped[str] = mapped_column(String(60))
    last_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()


class Scan(db.Model):
    """Every scan as it was answered: the attendance figures and the audit of the gates."""

    __table_args__ = (
        CheckConstraint(f"result IN {RESULTS}", name="scan_result"),
        CheckConstraint(f"direction IN {DIRECTIONS}", name="scan_direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Client-made; a re-sent scan with the same nonce gets the first answer and counts once.
    nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    day_id: Mapped[int | None] = mapped_column(ForeignKey("exhibition_day.id"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id"), index=True)
    gate: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(3))
    result: Mapped[str] = mapped_column(String(20))
    #: When the scanner saw the ticket (offline scans keep their time); decides day and order.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    #: The answer given, returned again as it was for a repeated nonce.
    answer: Mapped[dict] = mapped_column(JSON)


class GatePause(db.Model):
    """Entry paused at one gate (or, with gate WHOLE_VENUE, at every gate): the row exists while
    the pause lasts. Exits go on; entries there answer `entry_paused`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The gate as staff named it when they paused it.
    gate: Mapped[str] = mapped_column(String(60))
    #: What decides which gate it is (app.checkin.rules.gate_key): one pause per gate, whatever the case.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
