"""How My Story shows itself in JSON: to screens (public) and to moderators (everything)."""
from __future__ import annotations

from datetime import datetime

from app import clock
from app.clock import timestamp
from app.challenge.models import ChallengeRound, DisplayScreen, KioskState, Story


def frame_url(story_id: int, beat: int) -> str:
    return f"/stories/{story_id}/frames/{beat}.png"


def story_json(story: Story) -> dict:
    """A story as a public screen shows it (text is plain: screens must escape it)."""
    drawn = {frame.beat for frame in story.frames}
    return {
        "id": story.id,
        "round_id": story.round_id,
        "status": story.status,
        "title": story.title,
        "logline": story.logline,
        "beats": list(story.beats),
        "author": story.author,
        "locale": story.locale,
        "frames": [frame_url(story.id, beat) if beat in drawn else None for beat in range(len(story.beats))],
        "created_at": timestamp(story.created_at),
        "approved_at": timestamp(story.approved_at) if story.approved_at else None,
    }


def staff_story_json(story: Story) -> dict:
    """A story with what moderators need: why it was flagged, who decided, and the ticket link."""
    return {
        **story_json(story),
        "flagged": story.flagged,
        "flagged_terms": list(story.flagged_terms),
        "reason": story.reason,
        "has_ticket": story.ticket_id is not None,
        "kiosk_id": story.kiosk_id,
        "moderated_by_id": story.moderated_by_id,
        "moderated_at": timestamp(story.moderated_at) if story.moderated_at else None,
    }


def round_json(challenge_round: ChallengeRound | None, now: datetime | None = None) -> dict | None:
    if challenge_round is None:
        return None
    return {
        "id": challenge_round.id,
        "title": challenge_round.title,
        "theme": challenge_round.theme,
        "status": challenge_round.status_at(now or clock.now()),
        "starts_at": timestamp(challenge_round.starts_at),
        "ends_at": timestamp(challenge_round.ends_at),
        "beat_count": challenge_round.beat_count,
        "session_id": challenge_round.slot_id,
        "votes_per_ticket": challenge_round.votes_per_ticket,
        "weights": challenge_round.weights,
        "voting": "open" if challenge_round.voting_open_at(now or clock.now()) else "closed",
    }


def display_json(screen: DisplayScreen, default_mode: str) -> dict:
    return {"name": screen.name, "mode": screen.mode or default_mode, "follows_default": screen.mode is None,
            "spotlight_story_id": screen.spotlight_story_id,
            "last_seen_at": timestamp(screen.last_seen_at) if screen.last_seen_at else None}


def kiosk_json(state: KioskState) -> dict:
    return {"id": state.kiosk_id, "name": state.kiosk.name or state.kiosk.email, "paused": state.paused,
            "message": state.message,
            "last_seen_at": timestamp(state.last_seen_at) if state.last_seen_at else None}
