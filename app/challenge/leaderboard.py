"""The leaderboard: a round's live ranking, and the public board the displays show.

The public board is the live ranking, except while the show holds it: frozen, it
is the ranking as it was at the freeze (the count goes on underneath); during a
reveal it is the places revealed so far, from the last place up, out of the
ranking fixed when the reveal began. Staff can always see the live one.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import clock
from app.challenge import jury, scoring
from app.challenge.models import ChallengeRound, Story, Vote
from app.challenge.serializers import frame_url
from app.challenge.stories import FRAMES_WITHOUT_PNG
from app.challenge.votes import voting_round
from app.errors import DomainError
from app.extensions import db


def board_round(now: datetime | None = None) -> ChallengeRound | None:
    """The round the leaderboard shows by default: the one open for voting, else the one
    whose voting ended last."""
    now = now or clock.now()
    open_now = voting_round(now)
    if open_now is not None:
        return open_now
    ended = [(item.voting_ended_at(now), item.id, item)
             for item in db.session.scalars(select(ChallengeRound).where(ChallengeRound.starts_at <= now))]
    ended = [entry for entry in ended if entry[0] is not None]
    return max(ended, key=lambda entry: entry[:2])[2] if ended else None


def round_for(round_id: int | None, now: datetime | None = None) -> ChallengeRound:
    """The round asked for, or the default one; 404 when there is none."""
    found = db.session.get(ChallengeRound, round_id) if round_id is not None else board_round(now)
    if found is None:
        raise DomainError("round_not_found", _l("There is no round to show yet."), status=404)
    return found


def vote_counts(round_id: int) -> Counter:
    return Counter(dict(db.session.execute(select(Vote.story_id, func.count()).where(Vote.round_id == round_id)
                                           .group_by(Vote.story_id)).all()))


def live_entries(challenge_round: ChallengeRound) -> list[dict]:
    """The round's approved stories ranked now, best first (app.challenge.scoring.rank)."""
    approved = {story.id: story for story in db.session.scalars(
        select(Story).options(FRAMES_WITHOUT_PNG)
        .where(Story.round_id == challenge_round.id, Story.status == "approved"))}
    votes = vote_counts(challenge_round.id)
    means = jury.juror_means(challenge_round.id)
    ranked = scoring.rank([scoring.Candidate(story_id=story.id, created_at=story.created_at,
                                             votes=votes.get(story.id, 0), juror_means=means.get(story.id, ()))
                           for story in approved.values()],
                          audience_weight=challenge_round.audience_weight, jury_weight=challenge_round.jury_weight)
    return [entry_json(approved[place.story_id], place) for place in ranked]


def entry_json(story: Story, place: scoring.Ranked) -> dict:
    """One place as every board shows it (plain text: screens escape it)."""
    first_frame = min((frame.beat for frame in story.frames), default=None)
    return {"story_id": story.id, "title": story.title, "author": story.author, "logline": story.logline,
            "frame": frame_url(story.id, first_frame) if first_frame is not None else None,
            "votes": place.votes, "jury": place.jury, "score": place.score, "rank": place.rank}


def revealed_entries(challenge_round: ChallengeRound) -> list[dict]:
    """The places shown so far: the last `revealed` of the ranking fixed at the reveal, best first."""
    ranking = sorted(challenge_round.reveal_board or [], key=lambda entry: entry["rank"])
    shown = challenge_round.revealed or 0
    return ranking[len(ranking) - shown:] if shown else []


def _head(challenge_round: ChallengeRound, now: datetime) -> dict:
    return {"round": {"id": challenge_round.id, "title": challenge_round.title,
                      "status": challenge_round.status_at(now)},
            "voting": "open" if challenge_round.voting_open_at(now) else "closed",
            "frozen": challenge_round.frozen_board is not None,
            "revealed": challenge_round.revealed}


def public_board(challenge_round: ChallengeRound, now: datetime | None = None, *,
                 live: list[dict] | None = None) -> dict:
    """GET /api/v1/leaderboard's body: what displays and phones show (`live`: the live
    entries, when the caller has them already)."""
    now = now or clock.now()
    if challenge_round.revealed is not None:
        entries = revealed_entries(challenge_round)
    elif challenge_round.frozen_board is not None:
        entries = challenge_round.frozen_board
    else:
        entries = live if live is not None else live_entries(challenge_round)
    return {**_head(challenge_round, now), "entries": entries}


def live_board(challenge_round: ChallengeRound, now: datetime | None = None, *,
               live: list[dict] | None = None) -> dict:
    """The same body with the live ranking, whatever the displays show (staff only)."""
    entries = live if live is not None else live_entries(challenge_round)
    return {**_head(challenge_round, now or clock.now()), "entries": entries}
