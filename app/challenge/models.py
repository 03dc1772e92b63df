"""My Story: challenge rounds, the stories visitors write at the kiosks, and the screens.

A round is open from `starts_at` to `ends_at`; rounds never overlap, so at most one
is open at a time and a story joins the round open when it is sent. Every story
starts `pending`; only `approved` stories reach the public display.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import LocalizedText, UTCDateTime
from app.extensions import db

STORY_STATUSES = ("pending", "approved", "rejected")
DISPLAY_MODES = ("feed", "spotlight", "schedule", "attract", "leaderboard")


class ChallengeRound(db.Model):
    """One My Story round: a theme, a time window, and how many beats a story has."""

    __tablename__ = "challenge_round"
    __table_args__ = (CheckConstraint("beat_count BETWEEN 3 AND 6", name="round_beat_count"),
                      CheckConstraint("ends_at > starts_at", name="round_window"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme's challenge session this round runs in (null for an extra round).
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id", ondelete="SET NULL"), unique=True)
    #: Stable key from seed/ (null for rounds staff added).
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[dict] = mapped_column(LocalizedText)
    #: The prompt visitors write to, e.g. "a machine that learns to dream".
    theme: Mapped[dict] = mapped_column(LocalizedText)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_count: Mapped[int] = mapped_column(default=3)

    def status_at(self, now: datetime) -> str:
        if now < self.starts_at:
            return "scheduled"
        return "open" if now < self.ends_at else "closed"


class Story(db.Model):
    """A visitor's very short film story, sent from a kiosk."""

    __table_args__ = (CheckConstraint(f"status IN {STORY_STATUSES}", name="story_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("challenge_round.id"), index=True)
    #: Made by the kiosk for this entry: a re-send with the same nonce returns the first answer.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    #: The visitor's ticket, if they scanned or typed it (for voting and being told they won).
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    locale: Mapped[str] = mapped_column(String(2))
    author: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    logline: Mapped[str] = mapped_column(String(1000))
    #: The story beats in order, as typed.
    beats: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    #: Terms the automatic screen found; a flagged story goes to the top of the queue.
    flagged_terms: Mapped[list] = mapped_column(JSON, default=list)
    frame_count: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it first reached the display (approved), kept if it is later withdrawn.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The 201 body the kiosk got, returned again for the same nonce.
    answer: Mapped[dict] = mapped_column(JSON)

    round: Mapped[ChallengeRound] = relationship()
    frames: Mapped[list[StoryFrame]] = relationship(order_by="StoryFrame.beat", cascade="all, delete-orphan")

    @property
    def flagged(self) -> bool:
        return bool(self.flagged_terms)


class StoryFrame(db.Model):
    """A storyboard frame drawn with a finger for one beat: a size-capped PNG."""

    __tablename__ = "story_frame"

    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    #: 0-based index of the beat the frame illustrates.
    beat: Mapped[int] = mapped_column(primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]


class ChallengeSettings(db.Model):
    """The one row of switches staff flip during the day."""

    __tablename__ = "challenge_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Approve unflagged stories without drawings at once (drawings always need a person).
    auto_approve: Mapped[bool] = mapped_column(default=False)
    #: What displays show unless staff set a display of its own.
    mode: Mapped[str] = mapped_column(String(12), default="feed")
    spotlight_story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="SET NULL"))


class DisplayScreen(db.Model):
    """A public display that named itself (`?display=<name>`); it may follow the default mode."""

    __tablename__ = "display_screen"
    __table_args__ = (CheckConstraint(f"mode IS NULL OR mode IN {DISPLAY_MODES}", name="display_mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    #: Null: follows ChallengeSettings.mode.
    mode: Mapped[str | None] = mapped_column(String(12))
    spotlight_story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KioskState(db.Model):
    """A kiosk device's pause switch and when it was last connected."""

    __tablename__ = "kiosk_state"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"), primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    #: Shown on the paused kiosk, e.g. "Back at 14:00".
    message: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk = relationship("StaffMember")
