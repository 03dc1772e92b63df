"""My Story: challenge rounds, the stories visitors write at the kiosks, and the screens.

A round is open from `starts_at` to `ends_at`; rounds never overlap, so at most one
is open at a time and a story joins the round open when it is sent. Every story
starts `pending`; only `approved` stories reach the public display.

Visitors vote for approved stories (Vote, counted against a Ballot per ticket and
round) and jurors score them (JuryScore); the round keeps the state of its show:
voting open or closed, the board frozen at a moment, and how far the reveal came.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import LocalizedText, UTCDateTime
from app.extensions import db

STORY_STATUSES = ("pending", "approved", "rejected")
DISPLAY_MODES = ("feed", "spotlight", "schedule", "attract", "leaderboard")
#: auto: voting is open while the round takes stories; open/closed: staff decided.
VOTING_STATES = ("auto", "open", "closed")


class ChallengeRound(db.Model):
    """One My Story round: a theme, a time window, and how many beats a story has."""

    __tablename__ = "challenge_round"
    __table_args__ = (CheckConstraint("beat_count BETWEEN 3 AND 6", name="round_beat_count"),
                      CheckConstraint("ends_at > starts_at", name="round_window"),
                      CheckConstraint("votes_per_ticket BETWEEN 1 AND 20", name="round_votes_per_ticket"),
                      CheckConstraint("audience_weight >= 0 AND jury_weight >= 0 "
                                      "AND audience_weight + jury_weight > 0", name="round_weights"),
                      CheckConstraint(f"voting IN {VOTING_STATES}", name="round_voting"),
                      CheckConstraint("revealed IS NULL OR revealed >= 0", name="round_revealed"))

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
    #: Votes each checked-in ticket has in this round, at most one per story.
    votes_per_ticket: Mapped[int] = mapped_column(default=3)
    #: How the audience's and the jury's parts weigh in the score (any two non-negative numbers).
    audience_weight: Mapped[int] = mapped_column(default=50)
    jury_weight: Mapped[int] = mapped_column(default=50)
    #: VOTING_STATES; only ever changed by a conditional UPDATE (app.challenge.show).
    voting: Mapped[str] = mapped_column(String(6), default="auto")
    #: When staff closed voting (the leaderboard shows the round that closed last).
    voting_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The public board's entries as they were at the freeze; null while not frozen.
    frozen_board: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    #: The full ranking the reveal walks up, fixed at its first step; null before a reveal.
    reveal_board: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    #: Places revealed so far, from the last place up; null when no reveal has begun.
    revealed: Mapped[int | None]
    #: When the winners were told by mail (once, when the reveal reached the first place).
    winners_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def status_at(self, now: datetime) -> str:
        if now < self.starts_at:
            return "scheduled"
        return "open" if now < self.ends_at else "closed"

    def voting_open_at(self, now: datetime) -> bool:
        """Voting follows the round (open while it takes stories) unless staff opened or closed it."""
        if self.voting == "auto":
            return self.status_at(now) == "open"
        return self.voting == "open"

    def voting_ended_at(self, now: datetime) -> datetime | None:
        """When voting on this round ended, or None while it is open or has not begun."""
        if self.voting_open_at(now):
            return None
        if self.voting == "closed":
            return self.voting_closed_at
        return self.ends_at if self.status_at(now) == "closed" else None

    @property
    def weights(self) -> dict:
        return {"audience": self.audience_weight, "jury": self.jury_weight}


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


class Ballot(db.Model):
    """How many of its votes a ticket has used in a round.

    The limit is the database's: a vote moves `used` up by one conditional UPDATE
    (`used < votes_per_ticket`), which the row lock serialises, so twenty taps at
    once from one phone give exactly `votes_per_ticket` votes.
    """

    __table_args__ = (UniqueConstraint("round_id", "ticket_id"),
                      CheckConstraint("used >= 0", name="ballot_used"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("challenge_round.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    used: Mapped[int] = mapped_column(default=0)


class Vote(db.Model):
    """One ticket's vote for one story (at most one per story: the unique constraint)."""

    __table_args__ = (UniqueConstraint("ticket_id", "story_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("challenge_round.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JuryScore(db.Model):
    """One juror's marks for one story: {criterion: 1..10} and an optional comment."""

    __tablename__ = "jury_score"
    __table_args__ = (UniqueConstraint("story_id", "juror_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    #: The juror's staff account (role jury).
    juror_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id", ondelete="CASCADE"), index=True)
    scores: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    juror = relationship("StaffMember")
