"""Pausing entry at the gates: one gate by name, or the whole venue (admins); the pauses in
force for scanners and tools (gate staff and admins)."""
from __future__ import annotations

from flask import g, jsonify

from app.api import bp
from app.checkin import gates
from app.inputs import optional_json_object
from app.staff.auth import api_roles


def _reason():
    """The optional body's {"reason"}; a body that is not a JSON object is a 400."""
    return optional_json_object().get("reason")


@bp.get("/gates")
@api_roles("gate", "admin")
def list_gate_pauses():
    return jsonify(gates.pauses_json())


@bp.post("/gates/pause")
@api_roles("admin")
def pause_venue():
    return jsonify(gates.state_json(gates.pause(None, g.staff, _reason())))


@bp.post("/gates/resume")
@api_roles("admin")
def resume_venue():
    return jsonify(gates.state_json(gates.resume(None, g.staff)))


@bp.post("/gates/<path:name>/pause")
@api_roles("admin")
def pause_gate(name: str):
    return jsonify(gates.state_json(gates.pause(name, g.staff, _reason())))


@bp.post("/gates/<path:name>/resume")
@api_roles("admin")
def resume_gate(name: str):
    return jsonify(gates.state_json(gates.resume(name, g.staff)))
