"""Pure check-in rules: reading what a scanner saw."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Ticket codes are URL-safe base64 (app.tickets.services.new_code).
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def ticket_code(scan: str) -> str | None:
    """The ticket code in what a scanner read: the ticket URL (any host, with or without a
    trailing slash or query) or the bare code; None when it is neither."""
    text = (scan or "").strip()
    if "/" in text:
        parts = [part for part in urlsplit(text).path.split("/") if part]
        text = parts[1] if len(parts) == 2 and parts[0] == "t" else ""
    return text if _CODE.match(text) else None
