"""The audit log: every staff action is written in the same transaction as the change."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.staff.models import AuditEntry, StaffMember


def record(actor: StaffMember | None, action: str, target, summary: str, *,
           details: dict | None = None, now: datetime | None = None) -> AuditEntry:
    """Add an entry to the caller's unit of work (it commits with the change it describes)."""
    entry = AuditEntry(at=now or clock.now(), actor_id=actor.id if actor else None, action=action,
                       target_type=type(target).__name__.lower(), target_id=getattr(target, "id", None),
                       summary=summary[:500], details=details or {})
    db.session.add(entry)
    return entry


def changes(before: dict, after: dict) -> dict:
    """{"field": [old, new]} for the fields whose value differs (JSON-ready)."""
    return {field: [_plain(before.get(field)), _plain(value)]
            for field, value in after.items() if before.get(field) != value}


def _plain(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def search(*, actor_id: int | None = None, action: str | None = None, on: date | None = None,
           limit: int = 200) -> list[AuditEntry]:
    """Newest first, filtered by who, what kind of action (prefix) and exhibition-local day."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if on is not None:
        try:
            start = clock.at_local(on, datetime.min.time())
            end = start + timedelta(days=1)
        except OverflowError:  # a day at the calendar's edge (0001-01-01, 9999-12-31): nothing was logged
            return []
        query = query.where(AuditEntry.at >= start, AuditEntry.at < end)
    return list(db.session.scalars(query))


def actions() -> list[str]:
    """The distinct actions recorded so far, for the filter."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
