"""Socket.IO namespaces: who may connect, and the snapshot each screen gets on connect.

Every screen can ask for its snapshot again with `sync` (a kiosk or display does at
a round's start or end), so a reconnecting or long-running screen is right at once.
"""
from __future__ import annotations

from datetime import datetime

from flask import request, session
from flask_login import current_user
from flask_socketio import Namespace, emit, join_room
from sqlalchemy import select

from app import clock
from app.api.serializers import day_json, session_json
from app.clock import timestamp
from app.challenge import leaderboard, rounds, rules, screens, stories, votes
from app.challenge.models import KioskState, Story
from app.challenge.serializers import round_json, story_json
from app.extensions import db, socketio
from app.realtime.publish import (DISPLAY, JURY_ROLES, JURY_ROOM, KIOSK, SHOW_ROLES, SHOW_ROOM, STAFF, VOTE,
                                  kiosk_room)
from app.schedule import services as schedule
from app.staff.services import authenticate_token
from app.tickets import queries


def _answer_and_release(event: str, payload: dict) -> None:
    emit(event, payload)
    db.session.remove()  # a socket handler holds no database connection between events


class StaffNamespace(Namespace):
    """/staff: signed-in staff only (the session cookie); live counts and queues."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            return False  # refused: the client sees a connect_error
        if current_user.role in SHOW_ROLES:
            join_room(SHOW_ROOM)
        elif current_user.role in JURY_ROLES:
            join_room(JURY_ROOM)
        _answer_and_release("state", staff_snapshot())
        return None


class DisplayNamespace(Namespace):
    """/display: public and read-only; a display names itself with ?display=<name>."""

    def on_connect(self, auth=None):
        name = screens.display_name(request.args.get("display"))
        session["display"] = name
        screens.note_display(name)
        _answer_and_release("state", display_snapshot(name))

    def on_sync(self, data=None):
        _answer_and_release("state", display_snapshot(session.get("display", screens.DEFAULT_DISPLAY)))


class VoteNamespace(Namespace):
    """/vote: visitors' phones, public and read-only (votes go over HTTP)."""

    def on_connect(self, auth=None):
        _answer_and_release("state", vote_snapshot())

    def on_sync(self, data=None):
        _answer_and_release("state", vote_snapshot())


class KioskNamespace(Namespace):
    """/kiosk: kiosk devices only, by their API token in the `auth` payload."""

    def on_connect(self, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        kiosk = authenticate_token(token) if isinstance(token, str) else None
        if kiosk is None or kiosk.role != "kiosk":
            db.session.remove()
            return False
        session["kiosk_id"] = kiosk.id
        join_room(kiosk_room(kiosk.id))
        screens.note_kiosk(kiosk)
        _answer_and_release("state", kiosk_snapshot(kiosk.id))
        return None

    def on_sync(self, data=None):
        if "kiosk_id" in session:
            _answer_and_release("state", kiosk_snapshot(session["kiosk_id"]))


def staff_snapshot() -> dict:
    """What a staff screen shows at once after (re)connecting: now and next, today's places,
    and the moderation queue's size."""
    on_now, up_next = schedule.now_and_next()
    pending = list(db.session.scalars(select(Story.flagged_terms).where(Story.status == "pending")))
    return {"on_now": [session_json(slot) for slot in on_now],
            "up_next": [session_json(slot) for slot in up_next],
            "places": places_today(),
            "moderation": {"pending": len(pending), "flagged": sum(bool(terms) for terms in pending),
                           "auto_approve": screens.settings().auto_approve},
            **rounds_snapshot(clock.now())}


def places_today() -> dict:
    """Today's day entries, and each bookable session's places and waiting list."""
    day = queries.day_on(clock.today())
    slots = [slot for slot in schedule.list_slots(day=clock.today()) if slot.capacity is not None]
    waiting = queries.waiting_counts(slots)
    return {"day": day_json(day) if day else None,
            "sessions": [{"id": slot.id, "capacity": slot.capacity, "remaining": slot.seats_remaining,
                          "waiting": waiting.get(slot.id, 0)} for slot in slots]}


def rounds_snapshot(now: datetime) -> dict:
    """The round open now and the next one, with the server's time, so a screen can time the
    change itself (and `sync` then)."""
    return {"now": timestamp(now), "round": round_json(rounds.open_round(now), now),
            "next_round": round_json(rounds.next_round(now), now)}


def spotlight_json(story_id: int | None) -> dict | None:
    story = db.session.get(Story, story_id) if story_id is not None else None
    return story_json(story) if story is not None and story.status == "approved" else None


def display_snapshot(name: str) -> dict:
    """Everything a display needs to draw its current mode from nothing."""
    screen = next((s for s in screens.list_displays() if s.name == name), None)
    mode, spotlight_id = screens.screen_mode(screen)
    on_now, up_next = schedule.now_and_next()
    return {"display": name, "mode": mode, "follows_default": screen is None or screen.mode is None,
            "spotlight": spotlight_json(spotlight_id),
            "stories": [story_json(story) for story in stories.recent_approved()],
            "schedule": {"on_now": [session_json(slot) for slot in on_now],
                         "up_next": [session_json(slot) for slot in up_next]},
            "leaderboard": public_leaderboard(),
            "join": join_json(),
            **rounds_snapshot(clock.now())}


def public_leaderboard() -> dict | None:
    """The board displays and phones show now (None before any round)."""
    now = clock.now()
    shown = leaderboard.board_round(now)
    return leaderboard.public_board(shown, now) if shown is not None else None


def join_json() -> dict:
    """Where a visitor joins the vote: the URL the display prints, and its QR image."""
    from app.tickets.links import public_origin

    return {"url": f"{public_origin()}/vote", "qr_svg": "/vote/qr.svg"}


def vote_snapshot() -> dict:
    """What a phone on /vote needs: the round open for voting, its approved stories, the board."""
    now = clock.now()
    voting = votes.voting_round(now)
    approved = stories.queue(status="approved", round_id=voting.id) if voting else []
    return {"now": timestamp(now),
            "round": {**round_json(voting, now), "votes_per_ticket": voting.votes_per_ticket} if voting else None,
            "voting": "open" if voting else "closed",
            "stories": [story_json(story) for story in sorted(approved, key=lambda item: item.approved_at or now)],
            "leaderboard": public_leaderboard()}


def kiosk_snapshot(kiosk_id: int) -> dict:
    """What a kiosk needs: the round, whether it is paused, the limits, and stories for its attract loop."""
    state = db.session.get(KioskState, kiosk_id)
    return {"kiosk_id": kiosk_id, "paused": bool(state and state.paused), "message": state.message if state else None,
            "limits": rules.LIMITS,
            "stories": [story_json(story) for story in stories.recent_approved(limit=12)],
            **rounds_snapshot(clock.now())}


def register() -> None:
    """Once per process: SocketIO keeps its handlers and gives them to every app it is bound to."""
    known = {type(handler) for handler in socketio.namespace_handlers}
    for handler, namespace in ((StaffNamespace, STAFF), (DisplayNamespace, DISPLAY), (KioskNamespace, KIOSK),
                               (VoteNamespace, VOTE)):
        if handler not in known:
            socketio.on_namespace(handler(namespace))
