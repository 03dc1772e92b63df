"""My Story over HTTP: kiosks send stories and ask the co-writer; staff moderate and run the screens."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l

from app import clock
from app.api import bp
from app.challenge import cowriter, rounds, screens, stories
from app.challenge.serializers import display_json, kiosk_json, round_json, staff_story_json
from app.errors import ValidationFailed
from app.extensions import limiter
from app.i18n import localized
from app.ids import is_id, parse_id
from app.inputs import json_object, optional_json_object
from app.staff.auth import api_roles, public

MODERATORS = ("moderator", "admin")


@bp.post("/stories")
@api_roles("kiosk")
def submit_story():
    answer, created = stories.submit(json_object(), kiosk=g.staff)
    return jsonify(answer), 201 if created else 200


@bp.get("/stories")
@api_roles(*MODERATORS)
def story_queue():
    """?status=pending (default; flagged first, then oldest) | approved | rejected | all; ?round_id=."""
    status = request.args.get("status", "pending")
    round_id = request.args.get("round_id", type=parse_id)
    found = stories.queue(status=None if status == "all" else status, round_id=round_id)
    return jsonify({"stories": [staff_story_json(story) for story in found]})


@bp.get("/stories/<int:story_id>")
@api_roles(*MODERATORS)
def story_detail(story_id: int):
    return jsonify(staff_story_json(stories.get_story(story_id)))


def _reason() -> str | None:
    reason = optional_json_object().get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed({"reason": _l("Must be text.")})
    return reason


@bp.post("/stories/<int:story_id>/approve")
@api_roles(*MODERATORS)
def approve_story(story_id: int):
    story = stories.approve(stories.get_story(story_id), actor=g.staff, reason=_reason())
    return jsonify(staff_story_json(story))


@bp.post("/stories/<int:story_id>/reject")
@api_roles(*MODERATORS)
def reject_story(story_id: int):
    story = stories.reject(stories.get_story(story_id), actor=g.staff, reason=_reason())
    return jsonify(staff_story_json(story))


@bp.get("/challenge/settings")
@api_roles(*MODERATORS)
def challenge_settings():
    return jsonify({"auto_approve": screens.settings().auto_approve})


@bp.put("/challenge/settings")
@api_roles(*MODERATORS)
def change_challenge_settings():
    body = json_object()
    if not isinstance(body.get("auto_approve"), bool):
        raise ValidationFailed({"auto_approve": _l("Use true or false.")})
    row = screens.set_auto_approve(body["auto_approve"], actor=g.staff)
    return jsonify({"auto_approve": row.auto_approve})


@bp.get("/rounds")
@public
def list_rounds():
    """Public: the rounds of the challenge, and which is open now."""
    now = clock.now()
    open_now = rounds.open_round(now)
    return jsonify({"now": clock.local(now).isoformat(), "open_round_id": open_now.id if open_now else None,
                    "rounds": [round_json(item, now) for item in rounds.list_rounds()]})


def _moment(fields: dict, body: dict, key: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(body[key])
        # The API writes times on the exhibition's clock with a +HH:MM offset: one it cannot write
        # so (centuries away, where the zone's offset has seconds) or hold is no time for a round.
        if moment.tzinfo is None or clock.local(moment).utcoffset().seconds % 60:
            raise ValueError
        return moment
    except (KeyError, TypeError, ValueError, OverflowError):
        fields[key] = _l("Use an ISO 8601 time with its offset, e.g. 2026-06-14T10:30:00+08:00.")
        return None


def _whole(fields: dict, body: dict, key: str, message) -> None:
    if key in body and (isinstance(body[key], bool) or not isinstance(body[key], int)):
        fields[key] = message


def _round_form(body: dict, current: rounds.RoundForm | None = None) -> rounds.RoundForm:
    """A round from a request body; for a change (`current`), what the body leaves out stays."""
    if current is not None:
        keep = {"title": current.title, "theme": current.theme, "beat_count": current.beat_count,
                "session_id": current.session_id, "starts_at": current.starts_at.isoformat(),
                "ends_at": current.ends_at.isoformat(), "votes_per_ticket": current.votes_per_ticket,
                "weights": {"audience": current.audience_weight, "jury": current.jury_weight}}
        body = {**keep, **body}
    fields: dict = {}
    for key in ("title", "theme"):
        if not isinstance(body.get(key), dict):
            fields[key] = _l("Give the text in Chinese and English: {\"zh\": ..., \"en\": ...}.")
    starts_at, ends_at = _moment(fields, body, "starts_at"), _moment(fields, body, "ends_at")
    _whole(fields, body, "beat_count", _l("Must be a whole number."))
    _whole(fields, body, "votes_per_ticket", _l("Must be a whole number."))
    session_id = body.get("session_id")
    if session_id is not None and not is_id(session_id):
        fields["session_id"] = _l("Must be a session id (a whole number) or null.")
    weights = body.get("weights", {"audience": 50, "jury": 50})
    if (not isinstance(weights, dict) or set(weights) != {"audience", "jury"}
            or any(isinstance(value, bool) or not isinstance(value, int) for value in weights.values())):
        fields["weights"] = _l("Give {\"audience\": <whole number>, \"jury\": <whole number>}.")
    if fields:
        raise ValidationFailed(fields)
    return rounds.RoundForm(title=body["title"], theme=body["theme"], starts_at=starts_at, ends_at=ends_at,
                            beat_count=body.get("beat_count", 3), session_id=session_id,
                            votes_per_ticket=body.get("votes_per_ticket", 3),
                            audience_weight=weights["audience"], jury_weight=weights["jury"])


@bp.post("/rounds")
@api_roles("admin")
def create_round():
    created = rounds.create_round(_round_form(json_object()), actor=g.staff)
    return jsonify(round_json(created)), 201


@bp.put("/rounds/<int:round_id>")
@api_roles("admin")
def update_round(round_id: int):
    """Any of the round's fields; those left out stay as they are."""
    challenge_round = rounds.get_round(round_id)
    changed = rounds.update_round(challenge_round, _round_form(json_object(), rounds.form_of(challenge_round)),
                                  actor=g.staff)
    return jsonify(round_json(changed))


@bp.post("/rounds/<int:round_id>/open")
@api_roles(*MODERATORS)
def open_round(round_id: int):
    return jsonify(round_json(rounds.open_now(rounds.get_round(round_id), actor=g.staff)))


@bp.post("/rounds/<int:round_id>/close")
@api_roles(*MODERATORS)
def close_round(round_id: int):
    return jsonify(round_json(rounds.close_now(rounds.get_round(round_id), actor=g.staff)))


@bp.get("/displays")
@api_roles(*MODERATORS)
def list_displays():
    default_mode, spotlight = screens.screen_mode(None)
    return jsonify({"default": {"mode": default_mode, "spotlight_story_id": spotlight},
                    "displays": [display_json(screen, default_mode) for screen in screens.list_displays()]})


def _mode_change(body: dict) -> tuple[str | None, int | None]:
    mode, story_id = body.get("mode"), body.get("story_id")
    fields = {}
    if mode is not None and not isinstance(mode, str):
        fields["mode"] = _l("Must be text.")
    if story_id is not None and not is_id(story_id):
        fields["story_id"] = _l("Must be a story id (a whole number) or null.")
    if fields:
        raise ValidationFailed(fields)
    return mode, story_id


@bp.put("/displays")
@api_roles(*MODERATORS)
def set_default_mode():
    """What every display that follows the default shows: {"mode", "story_id" (spotlight)}."""
    mode, story_id = _mode_change(json_object())
    _, shown, spotlight = screens.set_mode(mode, story_id=story_id, actor=g.staff)
    return jsonify({"display": None, "mode": shown, "spotlight_story_id": spotlight})


@bp.put("/displays/<name>")
@api_roles(*MODERATORS)
def set_display_mode(name: str):
    """One display by name; {"mode": null} makes it follow the default again."""
    mode, story_id = _mode_change(json_object())
    _, shown, spotlight = screens.set_mode(mode, display=name, story_id=story_id, actor=g.staff)
    return jsonify({"display": name, "mode": shown, "spotlight_story_id": spotlight})


@bp.get("/kiosks")
@api_roles(*MODERATORS)
def list_kiosks():
    return jsonify({"kiosks": [kiosk_json(state) if state else
                               {"id": kiosk.id, "name": kiosk.name or kiosk.email, "paused": False,
                                "message": None, "last_seen_at": None}
                               for kiosk, state in screens.list_kiosks()]})


@bp.post("/kiosks/<int:kiosk_id>/pause")
@api_roles(*MODERATORS)
def pause_kiosk(kiosk_id: int):
    """{"message"}: shown on the paused kiosk."""
    message = optional_json_object().get("message")
    if message is not None and not isinstance(message, str):
        raise ValidationFailed({"message": _l("Must be text.")})
    return jsonify(kiosk_json(screens.set_paused(kiosk_id, True, message=message, actor=g.staff)))


@bp.post("/kiosks/<int:kiosk_id>/resume")
@api_roles(*MODERATORS)
def resume_kiosk(kiosk_id: int):
    return jsonify(kiosk_json(screens.set_paused(kiosk_id, False, actor=g.staff)))


def _per_kiosk() -> str:
    return f"cowriter:{g.staff.id}"


@bp.post("/cowriter")
@api_roles("kiosk")
# Per kiosk, not per address: every kiosk in the hall shares the venue's one address.
@limiter.limit("30 per minute", key_func=_per_kiosk)
def cowriter_suggestion():
    """{"kind": "title"|"beat"|"twist", "locale", "title", "logline", "beats"}: one suggestion,
    always answered within the co-writer's timeout (offline when the AI endpoint fails)."""
    body = json_object()
    fields = {}
    if body.get("kind") not in cowriter.KINDS:
        fields["kind"] = _l("Use title, beat or twist.")
    beats = body.get("beats", [])
    if not isinstance(beats, list) or not all(isinstance(beat, str) for beat in beats):
        fields["beats"] = _l("Must be a list of beats.")
    for key in ("title", "logline"):
        if not isinstance(body.get(key, ""), str):
            fields[key] = _l("Must be text.")
    if fields:
        raise ValidationFailed(fields)
    locale = body.get("locale") if body.get("locale") in ("zh", "en") else "en"
    challenge_round = rounds.open_round() or rounds.next_round()
    draft = cowriter.Draft(
        locale=locale, theme=localized(challenge_round.theme, locale) if challenge_round else "",
        title=body.get("title", "")[:200], logline=body.get("logline", "")[:400],
        beats=tuple(beat[:400] for beat in beats[:6]),
        beat_count=challenge_round.beat_count if challenge_round else 3)
    suggestion = cowriter.suggest(body["kind"], draft, config=current_app.config)
    return jsonify({"kind": body["kind"], "text": suggestion.text, "provider": suggestion.provider})
