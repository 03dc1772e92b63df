"""The My Story score: one pure function from votes and jury marks to a ranking.

Nothing here reads the database or the clock, so the rule is tested as a table
(tests/challenge/test_scoring.py) and the leaderboard, the reveal and the results
export all rank with the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import fmean


@dataclass(frozen=True)
class Candidate:
    """An approved story as the score sees it."""

    story_id: int
    created_at: datetime
    votes: int
    #: Each juror's mean over the criteria (1-10), one per juror who scored it.
    juror_means: tuple[float, ...] = ()


@dataclass(frozen=True)
class Ranked:
    story_id: int
    rank: int
    votes: int
    #: Share of the votes, normalised to the top story: 0-1.
    audience: float
    #: The jury's mean on the 1-10 scale, or None while no juror has scored the story.
    jury: float | None
    #: 0-100.
    score: float


def rank(candidates: list[Candidate], *, audience_weight: float = 50, jury_weight: float = 50) -> list[Ranked]:
    """Rank a round's stories, best first; `rank` runs 1, 2, 3, ... with no shared places.

    - Audience part: the story's votes divided by the most votes any story of the
      round has (so the top story has 1); 0 for all while nobody has voted.
    - Jury part: the mean of the jurors' means, over 10 (so 0.1-1). A story no
      juror has scored yet has no jury part (`jury` is None) and scores as if it
      were 0: it is shown as "not scored", never divided by zero.
    - Score: 100 * (audience_weight * audience + jury_weight * jury part)
      / (audience_weight + jury_weight), rounded to one decimal.
    - Ties (on the unrounded score) go to the higher jury part, then to the
      earlier submission, then to the lower story id.
    """
    total_weight = audience_weight + jury_weight
    if audience_weight < 0 or jury_weight < 0 or total_weight <= 0:
        raise ValueError("weights must be non-negative and not both zero")
    top_votes = max((candidate.votes for candidate in candidates), default=0)
    scored = []
    for candidate in candidates:
        audience = candidate.votes / top_votes if top_votes else 0.0
        jury = fmean(candidate.juror_means) if candidate.juror_means else None
        jury_part = jury / 10 if jury is not None else 0.0
        score = 100 * (audience_weight * audience + jury_weight * jury_part) / total_weight
        scored.append((score, jury_part, candidate, audience, jury))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].created_at, item[2].story_id))
    return [Ranked(story_id=candidate.story_id, rank=place, votes=candidate.votes, audience=audience,
                   jury=None if jury is None else round(jury, 2), score=round(score, 1))
            for place, (score, _, candidate, audience, jury) in enumerate(scored, start=1)]
