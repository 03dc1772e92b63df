"""The audit log: every staff action is written in the same transaction as the change.

A summary is written with `said("Paused the kiosk %(kiosk)s", kiosk=…)`: the English text is the
message id (`make i18n-extract` finds it), kept with its values, so that the log reads in each
reader's language; values that are themselves texts in both languages (a session's title, a lazy
label such as a role's name) are kept in both and shown in the reader's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import force_locale, gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.i18n import LOCALES, localized
from app.schedule.formatting import day_label
from app.staff.models import AuditEntry, StaffMember


@dataclass(frozen=True)
class Said:
    """A summary as words: its English text (a message id with %(name)s places) and their values."""

    text: str
    args: dict = field(default_factory=dict)

    def stored(self) -> dict:
        return {"text": self.text, "args": self.args}

    def english(self) -> str:
        return _worded(self.stored(), "en")

    def with_values(self, **args) -> Said:
        """The same text with more of its values (those its writer learns later)."""
        return said(self.text, **self.args, **args)


def said(text: str, **args) -> Said:
    """The summary `text` with its values, ready to be kept (JSON) and shown in any language."""
    return Said(text, {name: _storable(value) for name, value in args.items()})


def _storable(value):
    """A value as the wording keeps it: a translatable text or a day in both languages, as they
    read when it was written; anything else as JSON has it."""
    if isinstance(value, LazyString) or (isinstance(value, date) and not isinstance(value, datetime)):
        return {locale: _rendered_in(locale, value) for locale in LOCALES}
    return _plain(value)


def _rendered_in(locale: str, value: LazyString | date) -> str:
    with force_locale(locale):
        return day_label(value) if isinstance(value, date) else str(value)


def _worded(wording: dict, locale: str | None = None) -> str:
    """The wording in `locale` (the reader's when None); its English text is the message id."""
    text = wording["text"] if locale == "en" else gettext(wording["text"])
    values = {name: localized(value, locale) if isinstance(value, dict) else value
              for name, value in wording["args"].items()}
    return text % values if values else text


def record(actor: StaffMember | None, action: str, target, summary: Said, *,
           details: dict | None = None, now: datetime | None = None) -> AuditEntry:
    """Add an entry to the caller's unit of work (it commits with the change it describes)."""
    entry = AuditEntry(at=now or clock.now(), actor_id=actor.id if actor else None, action=action,
                       target_type=type(target).__name__.lower(), target_id=getattr(target, "id", None),
                       summary=summary.english()[:500], wording=summary.stored(),
                       details=details or {})
    db.session.add(entry)
    return entry


def summary(entry: AuditEntry) -> str:
    """What the entry says, in the reader's language; the English summary it was written with when it
    kept no wording (older entries) or its wording no longer fits its text."""
    if not entry.wording:
        return entry.summary
    try:
        return _worded(entry.wording)
    except (KeyError, TypeError, ValueError):
        return entry.summary


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
