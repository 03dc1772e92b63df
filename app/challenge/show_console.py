"""/staff/show: the person by the stage runs voting, the freeze and the reveal; results export.

The page is made for a phone held in one hand: big buttons call the show's JSON API
(app/api/voting.py) with the session and its CSRF token, and static/js/show.js keeps the
page in step with the `leaderboard` events of the /staff namespace (the public board and
the live ranking side by side). The results (app.challenge.results) download as CSV and
print from their own page.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, Response
from sqlalchemy import select

from app import clock
from app.challenge import leaderboard, results, rounds, show
from app.challenge.models import ChallengeRound
from app.extensions import db
from app.ids import parse_id
from app.staff.auth import roles_required

bp = Blueprint("show_console", __name__, url_prefix="/staff/show")

#: Who runs the show.
SHOW_ROLES = ("moderator", "admin")


def _all_rounds() -> list[ChallengeRound]:
    return list(db.session.scalars(select(ChallengeRound).order_by(ChallengeRound.starts_at, ChallengeRound.id)))


def _chosen_round() -> ChallengeRound | None:
    """?round_id= if it names a round, else the one the leaderboard shows by default."""
    round_id = request.args.get("round_id", type=parse_id)
    if round_id is not None:
        found = db.session.get(ChallengeRound, round_id)
        if found is not None:
            return found
    return leaderboard.board_round()


def state_json(challenge_round: ChallengeRound) -> dict:
    """What the page shows, as the /staff `leaderboard` event carries it: {round_id, show, public, live}."""
    now = clock.now()
    live = leaderboard.live_entries(challenge_round)
    return {"round_id": challenge_round.id, "show": show.show_json(challenge_round, now),
            "public": leaderboard.public_board(challenge_round, now, live=live),
            "live": leaderboard.live_board(challenge_round, now, live=live)}


@bp.get("", strict_slashes=False)
@roles_required(*SHOW_ROLES)
def show_page():
    challenge_round = _chosen_round()
    state = state_json(challenge_round) if challenge_round is not None else None
    return render_template("staff/show/show.html", challenge_round=challenge_round, state=state,
                           rounds=_all_rounds(), now=clock.now())


@bp.get("/<int:round_id>/state")
@roles_required(*SHOW_ROLES)
def show_state(round_id: int):
    """The page's state again (after a reconnect, or a change of the round's clock)."""
    response = jsonify(state_json(rounds.get_round(round_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_marks() -> bool:
    return request.args.get("marks") in ("1", "true")


@bp.get("/<int:round_id>/results.csv")
@roles_required(*SHOW_ROLES)
def results_csv(round_id: int):
    """?marks=1 adds each juror's mark on each criterion."""
    challenge_round = rounds.get_round(round_id)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    name = f"results-round-{challenge_round.id}{'-marks' if _with_marks() else ''}-{stamp}.csv"
    return Response(results.results_csv(challenge_round, with_marks=_with_marks()),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/<int:round_id>/results")
@roles_required(*SHOW_ROLES)
def results_page(round_id: int):
    """The results on a sheet of paper (?marks=1: with each criterion)."""
    challenge_round = rounds.get_round(round_id)
    return render_template("staff/show/results.html", results=results.round_results(challenge_round),
                           challenge_round=challenge_round, with_marks=_with_marks(),
                           local_stamp=results.local_stamp, criterion_label=results.criterion_label,
                           printed_at=clock.now())
