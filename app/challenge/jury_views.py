"""/jury: a juror scores the round's approved stories on a tablet or phone.

The page and its story list are rendered here (Jinja escapes every visitor's text); the
marks go through the jury API (PUT /api/v1/jury/scores/<id>, app/api/voting.py) with the
session and its CSRF token, from static/js/jury.js. The list is fetched again as a fragment
(`/jury/rounds/<id>/stories`) when the /staff namespace says the round's stories or its show
changed (`jury_stories`: a story approved or withdrawn, the reveal begun or undone), when the
round changes, and every half minute. Jurors get neither the moderation queue nor the ranking.

A juror sees only their own marks. Once the round's reveal has begun, the scores are final:
the page shows them read-only, with the places revealed so far (the public board).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.challenge import jury, leaderboard, rounds
from app.challenge.models import ChallengeRound, JuryScore, Story
from app.challenge.serializers import frame_url
from app.challenge.stories import FRAMES_WITHOUT_PNG
from app.extensions import db
from app.ids import parse_id
from app.staff.auth import roles_required

bp = Blueprint("jury", __name__, url_prefix="/jury")

#: Who scores.
JURY_ROLES = ("jury",)


@dataclass(frozen=True)
class Card:
    """One approved story as the juror sees it, with the juror's own marks (None: not scored)."""

    story: Story
    frames: list[str | None]
    score: JuryScore | None
    #: Place in the round's order of submission (the list's order within scored / unscored).
    order: int


def all_rounds() -> list[ChallengeRound]:
    return list(db.session.scalars(select(ChallengeRound).order_by(ChallengeRound.starts_at, ChallengeRound.id)))


def chosen_round(round_id: int | None = None) -> ChallengeRound | None:
    """The round asked for (?round_id=), else the one the leaderboard shows by default, else the
    round open now or next, else the first."""
    if round_id is not None:
        found = db.session.get(ChallengeRound, round_id)
        if found is not None:
            return found
    found = leaderboard.board_round()
    if found is not None:
        return found
    now = clock.now()
    return rounds.open_round(now) or rounds.next_round(now) or next(iter(all_rounds()), None)


def cards(challenge_round: ChallengeRound) -> list[Card]:
    """The round's approved stories, not yet scored first, each in the order they were sent."""
    approved = list(db.session.scalars(
        select(Story).options(FRAMES_WITHOUT_PNG)
        .where(Story.round_id == challenge_round.id, Story.status == "approved")
        .order_by(Story.created_at, Story.id)))
    mine = {score.story_id: score for score in jury.own_scores(current_user, challenge_round.id)}
    found = []
    for order, story in enumerate(approved):
        drawn = {frame.beat for frame in story.frames}
        found.append(Card(story=story, score=mine.get(story.id), order=order,
                          frames=[frame_url(story.id, beat) if beat in drawn else None
                                  for beat in range(len(story.beats))]))
    return sorted(found, key=lambda card: (card.score is not None, card.order))


def _context(challenge_round: ChallengeRound) -> dict:
    listed = cards(challenge_round)
    revealed = challenge_round.revealed is not None
    return {"challenge_round": challenge_round, "cards": listed, "criteria": jury.criteria(),
            "marks": range(jury.MARK_MIN, jury.MARK_MAX + 1), "comment_max": jury.COMMENT_MAX,
            "revealed": revealed, "scored": sum(card.score is not None for card in listed),
            "results": leaderboard.public_board(challenge_round)["entries"] if revealed else []}


@bp.get("", strict_slashes=False)
@roles_required(*JURY_ROLES)
def scoring_page():
    """The round picker, the juror's progress, the filters and the story cards."""
    challenge_round = chosen_round(request.args.get("round_id", type=parse_id))
    context = _context(challenge_round) if challenge_round is not None else {"challenge_round": None}
    return render_template("jury/scoring.html", rounds=all_rounds(), juror=current_user, **context)


@bp.get("/rounds/<int:round_id>/stories")
@roles_required(*JURY_ROLES)
def stories_fragment(round_id: int):
    """The list again (static/js/jury.js swaps it in, keeping marks being given)."""
    response = render_template("jury/stories.html", **_context(rounds.get_round(round_id)))
    return response, 200, {"Cache-Control": "no-store"}


def landing():
    """Where a juror landing on /staff goes: the scoring page.

    A 302 to /jury whose body is a small page of its own (the console's layout with a link
    to scoring), for a client that does not follow redirects.
    """
    response = redirect(url_for("jury.scoring_page"))
    response.set_data(render_template("jury/landing.html"))
    return response
