"""Check-in scans from gate phones and hardware scanners."""
from __future__ import annotations

from datetime import date, datetime

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.checkin import services
from app.errors import ValidationFailed
from app.ids import is_id
from app.inputs import json_object
from app.staff.auth import api_roles


def parse_scan(body: dict) -> services.ScanRequest:
    """Types first: a wrong one is a 422 naming its field."""
    fields = {}
    for key in ("scan", "gate"):
        if not isinstance(body.get(key), str):
            fields[key] = _l("Must be text.")
    session_id = body.get("session_id")
    if session_id is not None and not is_id(session_id):
        fields["session_id"] = _l("Must be a session id (a whole number) or null.")
    nonce = body.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        fields["nonce"] = _l("Must be text.")
    scanned_at = None
    if body.get("scanned_at") is not None:
        try:
            scanned_at = datetime.fromisoformat(body["scanned_at"])
            if scanned_at.tzinfo is None:
                raise ValueError
        except (TypeError, ValueError):
            fields["scanned_at"] = _l("Use an ISO 8601 time with its offset, e.g. 2026-06-14T10:30:00+08:00.")
    if fields:
        raise ValidationFailed(fields)
    return services.ScanRequest(scan=body["scan"], gate=body["gate"], session_id=session_id,
                                direction=body.get("direction", "in"), nonce=nonce, scanned_at=scanned_at)


@bp.post("/checkins")
@api_roles("gate", "admin")
def check_in():
    return jsonify(services.check_in(parse_scan(json_object()), staff=g.staff))


@bp.get("/checkins/offline")
@api_roles("gate", "admin")
def offline_pack():
    """What a gate phone needs to answer scans while the network is down (codes only hashed)."""
    from app.checkin.scanner import offline_pack as build

    raw = request.args.get("day", "")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"day": _l("Use a date such as 2026-06-14.")}) from None
    return jsonify(build(day))
