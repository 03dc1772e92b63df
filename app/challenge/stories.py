"""Stories: sent from a kiosk, screened, moderated, and shown once approved.

A story is committed before anyone hears of it; its nonce is unique, so a kiosk
re-sending after a lost answer gets the first answer back and never makes two.
"""
from __future__ import annotations

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import clock
from app.challenge import rounds, rules, screening, screens
from app.challenge.models import STORY_STATUSES, Story, StoryFrame
from app.checkin.rules import ticket_code as read_ticket_code
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.staff import audit
from app.tickets.models import Ticket

RECENT_LIMIT = 30
#: Lists show which beats have a drawing, not the drawings: their bytes stay in the database.
FRAMES_WITHOUT_PNG = selectinload(Story.frames).defer(StoryFrame.png)


def _earlier_answer(nonce) -> dict | None:
    if not isinstance(nonce, str):
        return None
    return db.session.scalars(select(Story.answer).where(Story.nonce == nonce)).first()


def _ticket_for(code_text: str | None) -> Ticket | None:
    if code_text is None:
        return None
    code = read_ticket_code(code_text)
    ticket = db.session.scalars(select(Ticket).where(Ticket.code == code)).first() if code else None
    if ticket is None or not ticket.is_active:
        raise ValidationFailed({"ticket_code": _l("We do not know this ticket code. Check it, or leave it out.")})
    return ticket


def submit(body: dict, *, kiosk=None, now: datetime | None = None) -> tuple[dict, bool]:
    """Take a story from a kiosk into the open round: (the 201 answer, whether it is new)."""
    earlier = _earlier_answer(body.get("nonce"))
    if earlier is not None:
        return earlier, False
    now = now or clock.now()
    challenge_round = rounds.open_round(now)
    if challenge_round is None:
        raise DomainError("round_closed", _l("No round is open for stories right now."), status=409)
    draft, fields = rules.parse_story(body, challenge_round.beat_count)
    if fields:
        raise ValidationFailed(fields)
    ticket = _ticket_for(draft.ticket_code)
    flagged = screening.screen(draft.author, draft.title, draft.logline, *draft.beats)
    drawn = [(index, frame) for index, frame in enumerate(draft.frames) if frame is not None]
    auto = screens.settings().auto_approve and not rules.needs_person(flagged, len(drawn))
    story = Story(round_id=challenge_round.id, nonce=draft.nonce, kiosk_id=getattr(kiosk, "id", None),
                  ticket_id=ticket.id if ticket else None, locale=draft.locale, author=draft.author,
                  title=draft.title, logline=draft.logline, beats=draft.beats, flagged_terms=flagged,
                  frame_count=len(drawn), status="approved" if auto else "pending",
                  approved_at=now if auto else None, created_at=now, answer={})
    for index, (png, width, height) in drawn:
        story.frames.append(StoryFrame(beat=index, png=png, width=width, height=height))
    try:
        with unit_of_work():
            db.session.add(story)
            db.session.flush()
            story.answer = {"id": story.id, "round_id": challenge_round.id, "status": story.status}
    except IntegrityError:
        # The same nonce arrived twice at once: the first one's answer stands.
        earlier = _earlier_answer(draft.nonce)
        if earlier is None:
            raise
        return earlier, False
    publish.story_submitted(story)
    if story.status == "approved":
        publish.story_approved(story)
    return story.answer, True


def get_story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        raise DomainError("story_not_found", _l("This story does not exist."), status=404)
    return story


def _moderate(story: Story, status: str, actor, reason: str | None, now: datetime | None) -> Story:
    """Set a story's status; only the request that changes it announces it (repeats are harmless)."""
    now = now or clock.now()
    if reason is not None:
        reason = rules.clean_line(str(reason))[:rules.REASON_MAX] or None
    was_approved = story.approved_at is not None and story.status == "approved"
    with unit_of_work():
        values = {"status": status, "moderated_by_id": getattr(actor, "id", None), "moderated_at": now,
                  "reason": reason}
        if status == "approved":
            values["approved_at"] = story.approved_at or now
        # Conditional on the status: of two moderators tapping at once, one changes it.
        changed = db.session.execute(update(Story).where(Story.id == story.id, Story.status != status)
                                     .values(**values).execution_options(synchronize_session="fetch")).rowcount
        if changed:
            audit.record(actor, f"story.{'approve' if status == 'approved' else 'reject'}", story,
                         audit.said("Approved the story \u201c%(title)s\u201d", title=story.title)
                         if status == "approved" else
                         audit.said("Rejected the story \u201c%(title)s\u201d", title=story.title),
                         details={"reason": reason} if reason else None, now=now)
    db.session.refresh(story)
    if changed:
        publish.story_moderated(story)
        if status == "approved":
            publish.story_approved(story)
        elif was_approved:
            publish.story_removed(story)
    return story


def approve(story: Story, *, actor, reason: str | None = None, now: datetime | None = None) -> Story:
    return _moderate(story, "approved", actor, reason, now)


def reject(story: Story, *, actor, reason: str | None = None, now: datetime | None = None) -> Story:
    """Reject a story; one already on the displays is taken off them."""
    return _moderate(story, "rejected", actor, reason, now)


def queue(*, status: str | None = "pending", round_id: int | None = None, limit: int = 200) -> list[Story]:
    """Stories for moderators: flagged first, then oldest first (pending), or newest first."""
    if status is not None and status not in STORY_STATUSES:
        raise ValidationFailed({"status": _l("Use pending, approved or rejected.")})
    query = select(Story).options(FRAMES_WITHOUT_PNG)
    if status is not None:
        query = query.where(Story.status == status)
    if round_id is not None:
        query = query.where(Story.round_id == round_id)
    if status == "pending":
        # Flagged first is decided here, so the limit applies after it (a flagged story newer
        # than `limit` others must still lead the queue).
        found = list(db.session.scalars(query.order_by(Story.created_at)))
        return sorted(found, key=lambda story: not story.flagged)[:limit]
    return list(db.session.scalars(query.order_by(Story.created_at.desc()).limit(limit)))


def recent_approved(*, limit: int = RECENT_LIMIT, now: datetime | None = None) -> list[Story]:
    """What screens show: the latest approved stories of today, newest first."""
    now = now or clock.now()
    since = clock.at_local(clock.today(now), time(0))
    return list(db.session.scalars(
        select(Story).options(FRAMES_WITHOUT_PNG)
        .where(Story.status == "approved", Story.approved_at >= since)
        .order_by(Story.approved_at.desc(), Story.id.desc()).limit(limit)))


def frame_png(story: Story, beat: int) -> bytes:
    frame = db.session.get(StoryFrame, (story.id, beat))
    if frame is None:
        raise DomainError("frame_not_found", _l("This drawing does not exist."), status=404)
    return frame.png
