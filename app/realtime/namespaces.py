"""Socket.IO namespaces: who may connect, and the snapshot each screen gets on connect."""
from __future__ import annotations

from flask_login import current_user
from flask_socketio import Namespace, emit

from app.api.serializers import session_json
from app.extensions import db, socketio
from app.realtime.publish import STAFF
from app.schedule import services as schedule


class StaffNamespace(Namespace):
    """/staff: signed-in staff only (the session cookie); live counts and queues."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            return False  # refused: the client sees a connect_error
        emit("state", staff_snapshot())
        db.session.remove()
        return None


def staff_snapshot() -> dict:
    """What a staff screen shows at once after (re)connecting: now and next."""
    on_now, up_next = schedule.now_and_next()
    return {"on_now": [session_json(slot) for slot in on_now],
            "up_next": [session_json(slot) for slot in up_next]}


def register() -> None:
    """Once per process: SocketIO keeps its handlers and gives them to every app it is bound to."""
    if not any(isinstance(handler, StaffNamespace) for handler in socketio.namespace_handlers):
        socketio.on_namespace(StaffNamespace(STAFF))
