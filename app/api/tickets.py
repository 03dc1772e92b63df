"""Registrations and tickets: the visitor's side of the API.

The ticket code (in the QR) reads a ticket; acting against it also needs its management
key in the X-Manage-Key header (app.tickets.manage_keys).
"""
from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.errors import ValidationFailed
from app.extensions import limiter
from app.ids import is_id
from app.inputs import json_object
from app.tickets import manage_keys, rules, services
from app.tickets.links import public_origin, ticket_url
from app.tickets.models import Seat, Ticket
from app.staff.auth import public


def ticket_json(ticket: Ticket) -> dict:
    origin = public_origin()
    return {"code": ticket.code, "url": ticket_url(ticket.code),
            "qr_png": f"{origin}/t/{ticket.code}/qr.png", "qr_svg": f"{origin}/t/{ticket.code}/qr.svg",
            "holder_name": ticket.holder_name,
            "days": [entry.day.date.isoformat() for entry in ticket.entries], "status": ticket.status}


def issued_ticket_json(ticket: Ticket) -> dict:
    """A ticket as its registration answers it: with the management key just issued."""
    return {**ticket_json(ticket), "manage_key": ticket.manage_key, "manage_url": manage_keys.manage_url(ticket)}


def seat_json(seat: Seat) -> dict:
    return {"id": seat.slot_id, "status": seat.status, "position": services.waitlist_position(seat)}


def ticket_body(ticket: Ticket) -> dict:
    return {"ticket": ticket_json(ticket), "sessions": [seat_json(seat) for seat in ticket.seats]}


def parse_registration(body: dict) -> rules.RegistrationRequest:
    """Types first: every wrong one is a 422 naming its dotted path; values are judged after."""
    fields = {}

    def string(key, *, optional=False):
        value = body.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            fields[key] = _l("Must be text.")
            return ""
        return value

    name, email, locale = string("name"), string("email"), string("locale", optional=True) or "zh"
    days = []
    if not isinstance(body.get("days"), list):
        fields["days"] = _l("Must be a list of dates (YYYY-MM-DD).")
    else:
        for index, value in enumerate(body["days"]):
            try:
                days.append(date.fromisoformat(value))
            except (TypeError, ValueError):
                fields[f"days.{index}"] = _l("Use a date in the form YYYY-MM-DD.")
    sessions = body.get("sessions", [])
    if not isinstance(sessions, list):
        fields["sessions"] = _l("Must be a list of session ids.")
        sessions = []
    for index, value in enumerate(sessions):
        if not is_id(value):
            fields[f"sessions.{index}"] = _l("Must be a session id (a whole number).")
    companions = body.get("companions", [])
    names = []
    if not isinstance(companions, list):
        fields["companions"] = _l("Must be a list of {\"name\": ...} objects.")
    else:
        for index, companion in enumerate(companions):
            if not isinstance(companion, dict) or not isinstance(companion.get("name"), str):
                fields[f"companions.{index}.name"] = _l("Must be text.")
            else:
                names.append(companion["name"])
    if not isinstance(body.get("consent", False), bool):
        fields["consent"] = _l("Must be true or false.")
    if fields:
        raise ValidationFailed(fields)
    return rules.RegistrationRequest(
        name=name, email=email or None, days=days,
        session_ids=list(sessions), locale=locale, consent=body.get("consent") is True, companions=names)


def _registration_limit_key() -> str:
    """Per address and email: a hall full of visitors shares one venue Wi-Fi address."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) and isinstance(body.get("email"), str) else ""
    return f"{request.remote_addr}|{email.strip().lower()}"


@bp.post("/registrations")
@public
@limiter.limit("20 per minute", key_func=_registration_limit_key)
def create_registration():
    registration = services.register(parse_registration(json_object()))
    primary, *companions = registration.tickets
    return jsonify({"ticket": issued_ticket_json(primary), "sessions": [seat_json(seat) for seat in primary.seats],
                    "companions": [issued_ticket_json(ticket) for ticket in companions]}), 201


@bp.get("/tickets/<code>")
@public
def get_ticket(code: str):
    return jsonify(ticket_body(services.get_ticket(code)))


@bp.delete("/tickets/<code>/sessions/<int:session_id>")
@public
def cancel_session(code: str, session_id: int):
    services.cancel_seat(services.managed_ticket(code, request.headers.get(manage_keys.HEADER)), session_id)
    return "", 204


@bp.delete("/tickets/<code>")
@public
def cancel_ticket(code: str):
    services.cancel_ticket(services.managed_ticket(code, request.headers.get(manage_keys.HEADER)))
    return "", 204
