"""A round's results (app.challenge.results): rows in final order from the rows in the database,
one column per juror, and the formula-safe, BOM-prefixed CSV. On SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, timedelta, timezone

import pytest

import app.api  # noqa: F401  (first: app.challenge.serializers and app.api import each other)
from app import clock
from app.challenge import results, show
from app.challenge.models import JuryScore, Vote
from app.extensions import db
from app.staff import services
from app.tickets.models import Registration, Ticket
from tests.builders import make_round, make_story


def make_ticket() -> Ticket:
    now = clock.now()
    registration = Registration(name="Visitor", email=None, locale="en", created_at=now)
    ticket = Ticket(registration=registration, code=secrets.token_hex(16), holder_name="Visitor", created_at=now)
    db.session.add_all([registration, ticket])
    db.session.commit()
    return ticket


def give_votes(story, count: int) -> None:
    for _ in range(count):
        db.session.add(Vote(round_id=story.round_id, story_id=story.id, ticket_id=make_ticket().id,
                            created_at=clock.now()))
    db.session.commit()


def give_marks(juror, scored, **marks: int) -> None:
    db.session.add(JuryScore(story_id=scored.id, juror_id=juror.id, scores=marks, updated_at=clock.now()))
    db.session.commit()


def parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def contest(app):
    """A round with three approved stories (one titled like a formula), a pending one, two jurors."""
    challenge_round = make_round()
    start = challenge_round.starts_at
    first = make_story(challenge_round, status="approved", title="Lightcone", created_at=start + timedelta(minutes=5))
    formula = make_story(challenge_round, status="approved", title="=1+1", created_at=start + timedelta(minutes=7))
    quiet = make_story(challenge_round, status="approved", title="光锥 Quiet", created_at=start + timedelta(minutes=9))
    make_story(challenge_round, status="pending", title="Waiting")
    chair = services.add_staff("chair@example.org", "jury", name="Chair Wang").member
    juror = services.add_staff("juror@example.org", "jury", name="Juror Li").member
    give_votes(first, 3)
    give_votes(formula, 1)
    give_marks(chair, first, story=9, emotion=8, use_of_ai=9, craft=8)
    give_marks(juror, first, story=7, emotion=7, use_of_ai=8, craft=6)
    give_marks(chair, formula, story=4, emotion=5, use_of_ai=6, craft=5)
    return {"round": challenge_round, "first": first, "formula": formula, "quiet": quiet,
            "chair": chair, "juror": juror}


def test_rows_follow_the_live_ranking_with_each_jurors_mean(contest):
    outcome = results.round_results(contest["round"])
    assert outcome.source == "live"
    assert [row.story_id for row in outcome.rows] == [contest["first"].id, contest["formula"].id,
                                                      contest["quiet"].id]  # the pending story is not in
    assert [row.rank for row in outcome.rows] == [1, 2, 3]
    top = outcome.rows[0]
    assert top.title == "Lightcone" and top.author == contest["first"].author and top.votes == 3
    assert top.juror_means == {contest["chair"].id: 8.5, contest["juror"].id: 7.0}
    assert top.jury == 7.75
    assert top.marks[contest["chair"].id] == {"story": 9, "emotion": 8, "use_of_ai": 9, "craft": 8}
    assert outcome.rows[2].juror_means == {} and outcome.rows[2].jury is None and outcome.rows[2].votes == 0
    # Stored in UTC, shown on the Shanghai clock.
    assert top.submitted_at == contest["first"].created_at
    assert results.local_stamp(datetime(2026, 6, 14, 2, 35, tzinfo=timezone.utc)) == "2026-06-14 10:35"


def test_once_the_reveal_began_its_ranking_is_the_final_order(contest):
    board = contest["round"]
    show.reveal(board, actor=None)  # fixes the ranking the reveal walks up
    # Votes after the reveal began move the live ranking, not the results.
    give_votes(contest["quiet"], 10)
    outcome = results.round_results(board)
    assert outcome.source == "reveal"
    assert [row.story_id for row in outcome.rows] == [contest["first"].id, contest["formula"].id,
                                                      contest["quiet"].id]
    assert outcome.rows[2].votes == 0
    show.reset_reveal(board, actor=None)
    live = results.round_results(board)
    assert live.source == "live"
    assert [row.story_id for row in live.rows] == [contest["first"].id, contest["quiet"].id, contest["formula"].id]


def test_csv_has_a_bom_one_column_per_juror_and_formula_safe_cells(contest):
    body = results.results_csv(contest["round"])
    assert body.startswith("\ufeff".encode("utf-8"))
    header, *rows = parse(body)
    assert header == ["Rank", "Story id", "Title", "Author", "Submitted at (Shanghai)", "Votes",
                      "Chair Wang: mean", "Juror Li: mean", "Jury mean", "Score"]
    assert [row[2] for row in rows] == ["Lightcone", "'=1+1", "光锥 Quiet"]  # a formula stays text
    first, formula, quiet = rows
    assert first[:2] == ["1", str(contest["first"].id)]
    assert first[4] == results.local_stamp(contest["first"].created_at)
    assert first[4].startswith("2026-06-14 10:")
    assert first[5:] == ["3", "8.5", "7", "7.75", first[9]] and float(first[9]) > float(formula[9])
    assert formula[6:9] == ["5", "", "5"]
    assert quiet[5:9] == ["0", "", "", ""]


def test_csv_with_marks_adds_each_criterion_per_juror(contest):
    header, first, *_ = parse(results.results_csv(contest["round"], with_marks=True))
    assert header[6:11] == ["Chair Wang: mean", "Chair Wang: Story", "Chair Wang: Emotion",
                            "Chair Wang: Use of AI", "Chair Wang: Craft"]
    assert header[11] == "Juror Li: mean" and header[-2:] == ["Jury mean", "Score"]
    assert first[6:11] == ["8.5", "9", "8", "9", "8"]
    assert first[11:16] == ["7", "7", "7", "8", "6"]


def test_a_round_without_stories_has_a_header_only(app):
    header, *rows = parse(results.results_csv(make_round()))
    assert header[0] == "Rank" and rows == []
