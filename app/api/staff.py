"""Staff endpoints: who a token belongs to (devices check their setup), and the audit log."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.clock import timestamp
from app.errors import ValidationFailed
from app.ids import is_id
from app.staff import audit
from app.staff.auth import api_roles
from app.staff.models import ROLES, AuditEntry, StaffMember


def staff_json(member: StaffMember) -> dict:
    return {"id": member.id, "email": member.email, "name": member.name, "role": member.role}


def audit_json(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": timestamp(entry.at),
            "actor": staff_json(entry.actor) if entry.actor else None,
            "action": entry.action, "target_type": entry.target_type, "target_id": entry.target_id,
            "summary": audit.summary(entry), "details": entry.details}


@bp.get("/staff/me")
@api_roles(*ROLES)
def whoami():
    """The account behind the credential: a kiosk or scanner checks its token with this."""
    return jsonify(staff_json(g.staff))


@bp.get("/audit")
@api_roles("admin")
def audit_log():
    """Newest first; ?actor_id=, ?action= (a prefix such as slot.), ?day=YYYY-MM-DD."""
    fields = {}
    actor_id = request.args.get("actor_id")
    if actor_id and not (actor_id.isdecimal() and is_id(int(actor_id))):
        fields["actor_id"] = _l("Use a whole number.")
    on = None
    if day := request.args.get("day"):
        try:
            on = date.fromisoformat(day)
        except ValueError:
            fields["day"] = _l("Use a date in the form YYYY-MM-DD.")
    if fields:
        raise ValidationFailed(fields)
    entries = audit.search(actor_id=int(actor_id) if actor_id else None,
                           action=request.args.get("action") or None, on=on)
    return jsonify({"entries": [audit_json(entry) for entry in entries]})
