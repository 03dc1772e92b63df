"""Pure check-in rules: reading what a scanner saw, and when a gate admits.

Every rule takes its moment as an argument (aware datetimes; the zone of each does not matter,
instants are compared), so it is tested across day boundaries without a clock or a database.
Windows are half-open: a gate admits from the opening instant up to, not including, the closing one.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

#: Ticket codes are URL-safe base64 (app.tickets.services.new_code).
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: How far a scan's own time (scanned_at, from an offline phone) may lie ahead of the server's clock.
SCANNED_AT_LEAD = timedelta(minutes=5)


def gate_key(name: str) -> str:
    """How gates are matched (pauses, scans): " North  Door " and "north door" are one gate, as a
    phone's keyboard may capitalise what another's did not. static/js/scanner-offline.js agrees."""
    return " ".join(name.split()).lower()


def ticket_code(scan: str) -> str | None:
    """The ticket code in what a scanner read: the ticket URL (any host, with or without a
    trailing slash or query) or the bare code; None when it is neither."""
    text = (scan or "").strip()
    if "/" in text:
        parts = [part for part in urlsplit(text).path.split("/") if part]
        text = parts[1] if len(parts) == 2 and parts[0] == "t" else ""
    return text if _CODE.match(text) else None


def day_entry_refusal(opens_at: datetime, closes_at: datetime, moment: datetime) -> str | None:
    """Why the entrance refuses an entry at `moment` (None: it admits): `too_early` before the
    day opens, `closed` from its closing time on."""
    if moment < opens_at:
        return "too_early"
    if moment >= closes_at:
        return "closed"
    return None


def checkin_window(starts_at: datetime, ends_at: datetime, opens_minutes: int) -> tuple[datetime, datetime]:
    """When a session's gate admits: from `opens_minutes` before its start until its end."""
    return starts_at - timedelta(minutes=opens_minutes), ends_at


def session_entry_refusal(starts_at: datetime, ends_at: datetime, opens_minutes: int,
                          moment: datetime) -> str | None:
    """Why a session's gate refuses an entry at `moment` (None: inside its check-in window)."""
    return day_entry_refusal(*checkin_window(starts_at, ends_at, opens_minutes), moment)


def scanned_at_error(scanned_at: datetime, now: datetime):
    """The message for a scan stamped more than SCANNED_AT_LEAD ahead of the server's clock
    (a phone whose clock runs fast would otherwise decide tomorrow's entry), else None."""
    if scanned_at - now > SCANNED_AT_LEAD:
        return _l("This time lies more than %(minutes)d minutes ahead of the server's clock.",
                  minutes=SCANNED_AT_LEAD // timedelta(minutes=1))
    return None
