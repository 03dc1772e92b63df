"""Every Socket.IO event Backlot sends leaves through here, after its change is committed."""
from __future__ import annotations

from app.extensions import socketio

STAFF = "/staff"


def schedule_changed(slot) -> None:
    """The programme changed (a session, venue or day): staff screens refresh their view."""
    socketio.emit("schedule_changed", {"session_id": getattr(slot, "id", None)}, namespace=STAFF)


def places_changed() -> None:
    """Registrations or cancellations moved places: staff screens refresh their counts."""
    socketio.emit("places_changed", {}, namespace=STAFF)


def attendance_changed() -> None:
    """Someone came in or went out: staff screens refresh their attendance counts."""
    socketio.emit("attendance_changed", {}, namespace=STAFF)
