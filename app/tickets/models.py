"""Registrations, tickets, day entries, session places, and the mail outbox.

One registration brings one to six people (the registrant and up to five
companions); each person holds a Ticket of their own, with their own QR code.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import LocalizedText, UTCDateTime
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot

TICKET_STATUSES = ("active", "cancelled")
SEAT_STATUSES = ("confirmed", "waitlisted", "cancelled")
CHANNELS = ("online", "walk_in")
NOTICE_SCOPES = ("session", "day", "exhibition")


class Registration(db.Model):
    """One booking act: who registered, in which language, with what consent."""

    __table_args__ = (CheckConstraint(f"channel IN {CHANNELS}", name="registration_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Lower-cased; null for a walk-in without email.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    locale: Mapped[str] = mapped_column(String(2))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(8), default="online")
    #: The staff member at the walk-in desk, if any.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tickets: Mapped[list[Ticket]] = relationship(back_populates="registration", order_by="Ticket.id")


class Ticket(db.Model):
    """One person's ticket; its code is the QR's secret, so it is random, never an id."""

    __table_args__ = (CheckConstraint(f"status IN {TICKET_STATUSES}", name="ticket_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    #: 128 random bits, URL-safe; the QR encodes the absolute URL of /t/<code>.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(100))
    #: The registrant's own ticket (companions' are not).
    is_primary: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the management key (app.tickets.manage_keys), never the key itself. Empty for a
    #: row made without issuing one (bulk inserts): no key's hash is empty, so none manages it
    #: until "find my ticket" issues a key.
    manage_key_hash: Mapped[str] = mapped_column(String(64), server_default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="tickets")
    entries: Mapped[list[DayEntry]] = relationship(back_populates="ticket", order_by="DayEntry.day_id")
    seats: Mapped[list[Seat]] = relationship(back_populates="ticket", order_by="Seat.id")

    #: The plain management key, only on the object that issued it (see app.tickets.manage_keys).
    manage_key = None

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class DayEntry(db.Model):
    """A ticket's right to enter on one exhibition day (counted in ExhibitionDay.entries_taken)."""

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("exhibition_day.id"), primary_key=True, index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="entries")
    day: Mapped[ExhibitionDay] = relationship()


class Seat(db.Model):
    """A ticket's place in a capacity-limited session, or its place in the waiting list.

    Confirmed seats are counted in Slot.seats_taken. The waiting list is ordered by
    `id`: whoever asked first is first.
    """

    __table_args__ = (
        UniqueConstraint("ticket_id", "slot_id"),
        CheckConstraint(f"status IN {SEAT_STATUSES}", name="seat_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when a confirmed seat was taken back because its holder had not come (no-show release).
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="seats")
    slot: Mapped[Slot] = relationship()


class OutboxMail(db.Model):
    """A mail to send. Written in the same transaction as what it reports, sent after,
    retried until it goes: a mail failure never loses a registration."""

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    #: What it is about: confirmation, promotion, schedule_change, cancellation, ticket_links.
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: The QR images inline with the HTML: {code: ticket URL}, the URL fixed when the mail was
    #: written (in the request), since it is sent in the background where no request tells it.
    qr_codes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))


class Notice(db.Model):
    """One message from staff (zh and en) to everyone registered for a session, a day or the
    whole exhibition; each recipient gets it in their own language through the outbox."""

    __table_args__ = (CheckConstraint(f"scope IN {NOTICE_SCOPES}", name="notice_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id"))
    day_id: Mapped[int | None] = mapped_column(ForeignKey("exhibition_day.id"))
    subject: Mapped[dict] = mapped_column(LocalizedText)
    body: Mapped[dict] = mapped_column(LocalizedText)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Null until sent; then how many mails went to the outbox.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Made when staff previewed it: a repeated send (a double click, a resubmitted form) with the
    #: same nonce returns this notice and mails nobody again.
    nonce: Mapped[str | None] = mapped_column(String(64), unique=True)

    slot: Mapped[Slot | None] = relationship()
    day: Mapped[ExhibitionDay | None] = relationship()
