"""A round's results: every approved story in its final place, with votes and every juror's marks.

The final order is the reveal's ranking once a reveal has begun (the one the displays walk
up, fixed when it began), else the live ranking of now. Each juror account of the jury
(app.challenge.jury.jurors) has a column of its own with its mean over the criteria, and
optionally one column per criterion. The CSV goes through the project's formula-safe,
BOM-prefixed writer (app.tickets.queries.to_csv): titles and names come from visitors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.challenge import jury, leaderboard
from app.challenge.models import ChallengeRound, Story
from app.extensions import db
from app.i18n import localized
from app.staff.models import StaffMember
from app.tickets.queries import to_csv


@dataclass(frozen=True)
class ResultRow:
    rank: int
    story_id: int
    title: str
    author: str
    #: When the kiosk sent the story (UTC; shown on the exhibition's clock), None if the story is gone.
    submitted_at: datetime | None
    votes: int
    #: {juror account id: that juror's mean over the criteria}, for the jurors who scored the story.
    juror_means: dict[int, float] = field(default_factory=dict)
    #: {juror account id: {criterion key: mark}}.
    marks: dict[int, dict[str, int]] = field(default_factory=dict)
    #: The jury mean (the mean of the jurors' means), None while no juror scored the story.
    jury: float | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Results:
    challenge_round: ChallengeRound
    #: "reveal" (the ranking the reveal walks up) or "live" (the ranking now).
    source: str
    jurors: list[StaffMember]
    criteria: list[dict]
    rows: list[ResultRow]


def final_ranking(challenge_round: ChallengeRound) -> tuple[list[dict], str]:
    """(entries best first, "reveal" | "live"): the reveal's ranking if a reveal has begun, else live."""
    if challenge_round.reveal_board is not None:
        return sorted(challenge_round.reveal_board, key=lambda entry: entry["rank"]), "reveal"
    return leaderboard.live_entries(challenge_round), "live"


def round_results(challenge_round: ChallengeRound) -> Results:
    entries, source = final_ranking(challenge_round)
    ids = [entry["story_id"] for entry in entries]
    submitted = dict(db.session.execute(select(Story.id, Story.created_at).where(Story.id.in_(ids))).all()) \
        if ids else {}
    means: dict[int, dict[int, float]] = {}
    marks: dict[int, dict[int, dict[str, int]]] = {}
    for score in jury.round_scores(challenge_round.id):
        means.setdefault(score.story_id, {})[score.juror_id] = round(jury.juror_mean(score.scores), 2)
        marks.setdefault(score.story_id, {})[score.juror_id] = dict(score.scores)
    rows = [ResultRow(rank=entry["rank"], story_id=entry["story_id"], title=entry["title"],
                      author=entry["author"], submitted_at=submitted.get(entry["story_id"]),
                      votes=entry["votes"], juror_means=means.get(entry["story_id"], {}),
                      marks=marks.get(entry["story_id"], {}), jury=entry["jury"], score=entry["score"])
            for entry in entries]
    return Results(challenge_round=challenge_round, source=source, jurors=jury.jurors(),
                   criteria=jury.criteria(), rows=rows)


def local_stamp(moment: datetime | None) -> str:
    """A moment on the exhibition's clock (Asia/Shanghai), as a spreadsheet sorts it."""
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def criterion_label(criterion: dict) -> str:
    return localized(criterion.get("label")) or criterion["key"]


def header(results: Results, *, with_marks: bool = False) -> list[str]:
    columns = [_("Rank"), _("Story id"), _("Title"), _("Author"), _("Submitted at (Shanghai)"), _("Votes")]
    for juror in results.jurors:
        columns.append(_("%(juror)s: mean", juror=juror.name))
        if with_marks:
            columns.extend(f"{juror.name}: {criterion_label(criterion)}" for criterion in results.criteria)
    columns.extend([_("Jury mean"), _("Score")])
    return columns


def cells(results: Results, row: ResultRow, *, with_marks: bool = False) -> list:
    values: list = [row.rank, row.story_id, row.title, row.author, local_stamp(row.submitted_at), row.votes]
    for juror in results.jurors:
        values.append(_number(row.juror_means.get(juror.id)))
        if with_marks:
            given = row.marks.get(juror.id, {})
            values.extend(given.get(criterion["key"], "") for criterion in results.criteria)
    values.extend([_number(row.jury), _number(row.score)])
    return values


def results_csv(challenge_round: ChallengeRound, *, with_marks: bool = False) -> bytes:
    """The results as a spreadsheet that opens in Excel with Chinese titles intact."""
    results = round_results(challenge_round)
    return to_csv(header(results, with_marks=with_marks),
                  (cells(results, row, with_marks=with_marks) for row in results.rows))
