"""The jury: what it scores, each juror's own marks, and the means the score uses.

A juror (a `jury` account tied to a JuryMember of the programme) gives every
approved story of a round a mark from 1 to 10 on each criterion, with an optional
comment, and can change it until the round's reveal begins. Jurors see only their
own marks; everyone's are in the results once the round is revealed.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import fmean

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.challenge import rules
from app.challenge.models import ChallengeRound, JuryScore, Story
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.schedule.models import Exhibition
from app.staff.models import StaffMember

MARK_MIN, MARK_MAX = 1, 10
COMMENT_MAX = 1000

#: Used unless the exhibition sets its own (Exhibition.jury_criteria).
DEFAULT_CRITERIA = (
    {"key": "story", "label": {"en": "Story", "zh": "故事"}},
    {"key": "emotion", "label": {"en": "Emotion", "zh": "情感"}},
    {"key": "use_of_ai", "label": {"en": "Use of AI", "zh": "AI 运用"}},
    {"key": "craft", "label": {"en": "Craft", "zh": "制作"}},
)


def criteria() -> list[dict]:
    """[{"key", "label": {"zh", "en"}}] in the order the jury sees them."""
    custom = db.session.scalars(select(Exhibition.jury_criteria)).first()
    return [dict(item) for item in (custom or DEFAULT_CRITERIA)]


def parse_marks(body: dict) -> tuple[dict[str, int], str | None]:
    """{"scores": {criterion: 1..10} for every criterion, "comment"} → (marks, comment), or 422."""
    keys = [item["key"] for item in criteria()]
    scores = body.get("scores")
    fields = {}
    marks: dict[str, int] = {}
    if not isinstance(scores, dict):
        fields["scores"] = _l("Give a mark for each criterion: {\"story\": 8, ...}.")
    else:
        for key in scores:
            if key not in keys:
                fields[f"scores.{key}"] = _l("Not one of the criteria.")
        for key in keys:
            value = scores.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or not MARK_MIN <= value <= MARK_MAX:
                fields[f"scores.{key}"] = _l("A whole number from %(low)d to %(high)d.", low=MARK_MIN, high=MARK_MAX)
            else:
                marks[key] = value
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        fields["comment"] = _l("Must be text.")
    elif isinstance(comment, str):
        comment = rules.clean_line(comment)
        if rules.length(comment) > COMMENT_MAX:
            fields["comment"] = _l("At most %(limit)d characters.", limit=COMMENT_MAX)
        comment = comment or None
    if fields:
        raise ValidationFailed(fields)
    return marks, comment


def _scorable(story: Story) -> ChallengeRound:
    if story.status != "approved":
        raise DomainError("story_not_scorable", _l("Only approved stories are scored."), status=409)
    if story.round.revealed is not None:
        raise DomainError("round_revealed", _l("This round's results are being revealed: scores are final."),
                          status=409)
    return story.round


def save_score(juror: StaffMember, story: Story, body: dict, *, now: datetime | None = None) -> JuryScore:
    """A juror's marks for a story, new or changed (the last one sent counts)."""
    now = now or clock.now()
    marks, comment = parse_marks(body)
    for attempt in (1, 2):
        try:
            with unit_of_work():
                db.session.refresh(story)
                _scorable(story)
                score = db.session.scalars(select(JuryScore).where(JuryScore.story_id == story.id,
                                                                   JuryScore.juror_id == juror.id)).first()
                if score is None:
                    score = JuryScore(story_id=story.id, juror_id=juror.id)
                    db.session.add(score)
                score.scores, score.comment, score.updated_at = marks, comment, now
            break
        except IntegrityError:
            # The same juror saved from two devices at once: the second becomes an update.
            if attempt == 2:
                raise
    publish.leaderboard_changed(story.round_id)
    return score


def own_scores(juror: StaffMember, round_id: int) -> list[JuryScore]:
    return list(db.session.scalars(
        select(JuryScore).join(Story, Story.id == JuryScore.story_id)
        .where(JuryScore.juror_id == juror.id, Story.round_id == round_id).order_by(Story.id)))


def progress(juror: StaffMember, round_id: int) -> tuple[int, int]:
    """(stories this juror scored, approved stories) in the round."""
    approved = db.session.scalar(select(func.count()).select_from(Story)
                                 .where(Story.round_id == round_id, Story.status == "approved"))
    scored = db.session.scalar(select(func.count()).select_from(JuryScore).join(Story, Story.id == JuryScore.story_id)
                               .where(JuryScore.juror_id == juror.id, Story.round_id == round_id,
                                      Story.status == "approved"))
    return scored, approved


def juror_mean(marks: dict) -> float:
    return fmean(marks.values())


def round_scores(round_id: int) -> list[JuryScore]:
    """Every juror's marks for the round's stories (for the score and the results)."""
    return list(db.session.scalars(select(JuryScore).join(Story, Story.id == JuryScore.story_id)
                                   .where(Story.round_id == round_id).order_by(JuryScore.juror_id)))


def juror_means(round_id: int) -> dict[int, tuple[float, ...]]:
    """{story_id: (each juror's mean, ...)}."""
    means: dict[int, list[float]] = defaultdict(list)
    for score in round_scores(round_id):
        means[score.story_id].append(juror_mean(score.scores))
    return {story_id: tuple(values) for story_id, values in means.items()}


def jurors() -> list[StaffMember]:
    """The jury accounts, chair first, in the programme's order."""
    from app.schedule.models import JuryMember

    return list(db.session.scalars(
        select(StaffMember).outerjoin(JuryMember, JuryMember.id == StaffMember.jury_member_id)
        .where(StaffMember.role == "jury")
        .order_by(JuryMember.is_chair.desc(), JuryMember.position, StaffMember.id)))
