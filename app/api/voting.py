"""My Story's vote and show over HTTP: phones vote, jurors score, staff run the show.

Votes carry the ticket code as their credential (no sign-in on a phone); they are
limited per ticket, never per address, so a hall behind one Wi-Fi address votes freely.
"""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.challenge import MODERATORS
from app.challenge import jury, leaderboard, rounds, show, stories, votes
from app.checkin.rules import ticket_code as read_ticket_code
from app.clock import timestamp
from app.errors import ValidationFailed
from app.extensions import limiter
from app.i18n import current_locale
from app.ids import is_id, parse_id
from app.inputs import json_object, optional_json_object
from app.staff.auth import api_roles, require_api_role, public

#: Per ticket: a phone voting, withdrawing and changing its mind never meets it; a script does.
VOTE_LIMIT = "30 per minute"


def _per_ticket() -> str:
    body = request.get_json(silent=True)
    code = body.get("ticket_code") if isinstance(body, dict) else request.args.get("ticket_code")
    return f"votes:{read_ticket_code(code) if isinstance(code, str) else None}"


#: One budget per ticket across casting, withdrawing and reading its ballot.
per_ticket_limit = limiter.shared_limit(VOTE_LIMIT, scope="votes", key_func=_per_ticket)


def _vote_body() -> tuple[str, int]:
    body = json_object()
    fields = {}
    if not isinstance(body.get("ticket_code"), str) or not body["ticket_code"].strip():
        fields["ticket_code"] = _l("Give the code of your ticket.")
    story_id = body.get("story_id")
    if not is_id(story_id):
        fields["story_id"] = _l("Must be a story id (a whole number).")
    if fields:
        raise ValidationFailed(fields)
    return body["ticket_code"], story_id


@bp.post("/votes")
@public
@per_ticket_limit
def cast_vote():
    """{"ticket_code", "story_id"} → 201 with the ticket's ballot after the vote."""
    code, story_id = _vote_body()
    return jsonify(votes.cast(code, story_id).as_json()), 201


@bp.delete("/votes")
@public
@per_ticket_limit
def withdraw_vote():
    code, story_id = _vote_body()
    votes.withdraw(code, story_id)
    return "", 204


@bp.get("/votes")
@public
@per_ticket_limit
def ballot():
    """?ticket_code=: the ticket's votes in the round open for voting now."""
    code = request.args.get("ticket_code")
    if not code:
        raise ValidationFailed({"ticket_code": _l("Give the code of your ticket.")})
    return jsonify(votes.ballot(code).as_json())


@bp.get("/leaderboard")
@public
def leaderboard_board():
    """?round_id= (default: the round open for voting, else the one that closed last); ?live=1 (staff)."""
    live = request.args.get("live") in ("1", "true")
    if live:  # the credential first: no look-up answers a caller who may not ask
        require_api_role(*MODERATORS)
    challenge_round = leaderboard.round_for(request.args.get("round_id", type=parse_id))
    if live:
        return jsonify(leaderboard.live_board(challenge_round))
    return jsonify(leaderboard.public_board(challenge_round))


def _show_answer(challenge_round):
    return jsonify({**show.show_json(challenge_round), "leaderboard": leaderboard.public_board(challenge_round)})


@bp.post("/rounds/<int:round_id>/voting/open")
@api_roles(*MODERATORS)
def open_voting(round_id: int):
    return _show_answer(show.open_voting(rounds.get_round(round_id), actor=g.staff))


@bp.post("/rounds/<int:round_id>/voting/close")
@api_roles(*MODERATORS)
def close_voting(round_id: int):
    return _show_answer(show.close_voting(rounds.get_round(round_id), actor=g.staff))


@bp.post("/rounds/<int:round_id>/freeze")
@api_roles(*MODERATORS)
def freeze_board(round_id: int):
    return _show_answer(show.freeze(rounds.get_round(round_id), actor=g.staff))


@bp.post("/rounds/<int:round_id>/unfreeze")
@api_roles(*MODERATORS)
def unfreeze_board(round_id: int):
    return _show_answer(show.unfreeze(rounds.get_round(round_id), actor=g.staff))


@bp.post("/rounds/<int:round_id>/reveal")
@api_roles(*MODERATORS)
def reveal_place(round_id: int):
    """One more place; {"places": N} shows N places unless more are shown (safe to re-send)."""
    places = optional_json_object().get("places")
    if places is not None and (isinstance(places, bool) or not isinstance(places, int) or places < 0):
        raise ValidationFailed({"places": _l("Must be a whole number of places.")})
    challenge_round = show.reveal(rounds.get_round(round_id), actor=g.staff, places=places)
    return jsonify(leaderboard.public_board(challenge_round))


@bp.post("/rounds/<int:round_id>/reveal/reset")
@api_roles(*MODERATORS)
def reset_reveal(round_id: int):
    return _show_answer(show.reset_reveal(rounds.get_round(round_id), actor=g.staff))


@bp.get("/jury/criteria")
@api_roles("jury", *MODERATORS)
def jury_criteria():
    locale = current_locale()
    return jsonify({"criteria": [{**item, "name": item["label"].get(locale) or item["label"]["en"]}
                                 for item in jury.criteria()],
                    "min": jury.MARK_MIN, "max": jury.MARK_MAX})


def score_json(score) -> dict:
    return {"story_id": score.story_id, "scores": score.scores, "comment": score.comment,
            "mean": round(jury.juror_mean(score.scores), 2), "updated_at": timestamp(score.updated_at)}


@bp.put("/jury/scores/<int:story_id>")
@api_roles("jury")
def save_jury_score(story_id: int):
    """{"scores": {criterion: 1..10}, "comment"}: this juror's marks for the story."""
    score = jury.save_score(g.staff, stories.get_story(story_id), json_object())
    return jsonify(score_json(score))


@bp.get("/jury/scores")
@api_roles("jury")
def own_jury_scores():
    """?round_id= (default: the round the leaderboard shows): this juror's own marks, and progress."""
    challenge_round = leaderboard.round_for(request.args.get("round_id", type=parse_id))
    scored, approved = jury.progress(g.staff, challenge_round.id)
    return jsonify({"round_id": challenge_round.id, "scored": scored, "stories": approved,
                    "scores": [score_json(score) for score in jury.own_scores(g.staff, challenge_round.id)]})
