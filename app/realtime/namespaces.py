"""Socket.IO namespaces: who may connect, and the snapshot each screen gets on connect."""
from __future__ import annotations

from flask_login import current_user
from flask_socketio import Namespace, emit

from app import clock
from app.api.serializers import day_json, session_json
from app.extensions import db, socketio
from app.realtime.publish import STAFF
from app.schedule import services as schedule
from app.tickets import queries


class StaffNamespace(Namespace):
    """/staff: signed-in staff only (the session cookie); live counts and queues."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            return False  # refused: the client sees a connect_error
        emit("state", staff_snapshot())
        db.session.remove()
        return None


def staff_snapshot() -> dict:
    """What a staff screen shows at once after (re)connecting: now and next, and today's places."""
    on_now, up_next = schedule.now_and_next()
    return {"on_now": [session_json(slot) for slot in on_now],
            "up_next": [session_json(slot) for slot in up_next],
            "places": places_today()}


def places_today() -> dict:
    """Today's day entries, and each bookable session's places and waiting list."""
    day = queries.day_on(clock.today())
    slots = [slot for slot in schedule.list_slots(day=clock.today()) if slot.capacity is not None]
    waiting = queries.waiting_counts(slots)
    return {"day": day_json(day) if day else None,
            "sessions": [{"id": slot.id, "capacity": slot.capacity, "remaining": slot.seats_remaining,
                          "waiting": waiting.get(slot.id, 0)} for slot in slots]}


def register() -> None:
    """Once per process: SocketIO keeps its handlers and gives them to every app it is bound to."""
    if not any(isinstance(handler, StaffNamespace) for handler in socketio.namespace_handlers):
        socketio.on_namespace(StaffNamespace(STAFF))
