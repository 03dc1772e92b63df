"""Schedule models.

A programme session is a `Slot` (not "Session", which clashes with db.session and
Flask's session). Text visitors read is a LocalizedText {"zh", "en"}. Rows that
come from seed/ carry a stable `key`, so a re-run of the seed updates them in place.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import LocalizedText, UTCDateTime
from app.extensions import db

SLOT_KINDS = ("premiere", "open_set", "workshop", "ai_demo", "challenge", "talk")
SLOT_STATUSES = ("scheduled", "cancelled")
MATERIAL_KINDS = ("footage", "storyboard", "ai_prompt", "review_note")


class Exhibition(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(LocalizedText)
    #: IANA zone every wall-clock time of the programme is read in.
    timezone: Mapped[str] = mapped_column(String(64))
    site: Mapped[dict] = mapped_column(LocalizedText)
    description: Mapped[dict] = mapped_column(LocalizedText)
    #: What the jury scores: [{"key", "label": {"zh", "en"}}]; null for the default criteria.
    jury_criteria: Mapped[list | None] = mapped_column(JSON)

    days: Mapped[list[ExhibitionDay]] = relationship(
        back_populates="exhibition", order_by="ExhibitionDay.date"
    )


class ExhibitionDay(db.Model):
    __table_args__ = (
        CheckConstraint("entries_taken >= 0 AND entries_taken <= entry_capacity",
                        name="entries_within_capacity"),
        CheckConstraint("inside_now >= 0", name="inside_not_negative"),
        CheckConstraint("closes_at > opens_at", name="day_closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibition_id: Mapped[int] = mapped_column(ForeignKey("exhibition.id"))
    date: Mapped[date] = mapped_column(unique=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_capacity: Mapped[int]
    #: Entry places handed out; only ever moved by a conditional UPDATE, never read-then-write.
    entries_taken: Mapped[int] = mapped_column(default=0)
    #: People inside the exhibition now (the fire-safety number), moved by entry and exit scans.
    inside_now: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The most allowed inside at once; null for no limit beyond the entry capacity.
    max_inside: Mapped[int | None]

    exhibition: Mapped[Exhibition] = relationship(back_populates="days")

    @property
    def entries_remaining(self) -> int:
        return self.entry_capacity - self.entries_taken


class Venue(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(LocalizedText)
    #: The building: most venues are in the Shanghai Film Art Center, the premiere is not.
    site: Mapped[dict] = mapped_column(LocalizedText)
    description: Mapped[dict] = mapped_column(LocalizedText)
    position: Mapped[int] = mapped_column(default=0)

    slots: Mapped[list[Slot]] = relationship(back_populates="venue")


class Team(db.Model):
    """A "1+1" creative team: a film professional paired with an AIGC creator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(LocalizedText)
    description: Mapped[dict] = mapped_column(LocalizedText)
    position: Mapped[int] = mapped_column(default=0)

    film: Mapped[Film | None] = relationship(back_populates="team")


class Film(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), unique=True)
    title: Mapped[dict] = mapped_column(LocalizedText)
    logline: Mapped[dict] = mapped_column(LocalizedText)
    synopsis: Mapped[dict] = mapped_column(LocalizedText)
    runtime_minutes: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    team: Mapped[Team] = relationship(back_populates="film")
    materials: Mapped[list[ProcessMaterial]] = relationship(
        back_populates="film", order_by="ProcessMaterial.position"
    )
    slots: Mapped[list[Slot]] = relationship(back_populates="film", order_by="Slot.starts_at")


class ProcessMaterial(db.Model):
    """What a team shows of its making: footage notes, storyboards, AI prompts, reviews."""

    __table_args__ = (
        CheckConstraint(f"kind IN {MATERIAL_KINDS}", name="material_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("film.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict] = mapped_column(LocalizedText)
    body: Mapped[dict] = mapped_column(LocalizedText)
    position: Mapped[int] = mapped_column(default=0)

    film: Mapped[Film] = relationship(back_populates="materials")


class Slot(db.Model):
    """A programme session: a premiere, open set, workshop, AI demo, challenge round or talk."""

    __table_args__ = (
        CheckConstraint(f"kind IN {SLOT_KINDS}", name="slot_kind"),
        CheckConstraint(f"status IN {SLOT_STATUSES}", name="slot_status"),
        CheckConstraint("ends_at > starts_at", name="slot_ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="slot_capacity_positive"),
        CheckConstraint(
            "seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)",
            name="seats_within_capacity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Seed identity; null for sessions staff create in the console.
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("exhibition_day.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id"), index=True)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("film.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict] = mapped_column(LocalizedText)
    description: Mapped[dict] = mapped_column(LocalizedText)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requires_registration: Mapped[bool] = mapped_column(default=False)
    #: Places for registered visitors; null where the session is open to all.
    capacity: Mapped[int | None]
    #: Places handed out; only ever moved by a conditional UPDATE, never read-then-write.
    seats_taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    #: Gates admit ticket holders from this many minutes before the start until the end.
    checkin_opens_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    #: Booking opens at (null: it is open already) and closes at (null: at the start).
    booking_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this a full session takes nobody on its waiting list (null: when booking closes).
    waitlist_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Confirmed seats not checked in this many minutes after the start are released to the
    #: waiting list or walk-ins (null: never).
    no_show_release_minutes: Mapped[int | None] = mapped_column(default=10, server_default="10")
    #: When the no-show release ran for this session (it runs once).
    no_shows_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    day: Mapped[ExhibitionDay] = relationship()
    venue: Mapped[Venue] = relationship(back_populates="slots")
    film: Mapped[Film | None] = relationship(back_populates="slots")

    @property
    def seats_remaining(self) -> int | None:
        if self.capacity is None:
            return None
        return self.capacity - self.seats_taken

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"


class JuryMember(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(LocalizedText)
    role: Mapped[dict] = mapped_column(LocalizedText)
    is_chair: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
