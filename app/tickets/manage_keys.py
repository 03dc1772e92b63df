"""Ticket management keys: the QR's code admits its holder, only the key cancels or changes.

Anyone can photograph a QR code, so the code alone must not act against a ticket.
Each ticket has a second secret, 128 random bits, given to its holder once: in the
registration answer, the confirmation mail and the walk-in desk's printout. Only its
SHA-256 is stored — a random 128-bit key needs no slow hash — so the database never
holds a working key.

A lost key is replaced through "find my ticket": its mail carries a renewal link (signed,
valid for RENEWAL_MAX_AGE, and only while the key it was made for stands), and whoever opens
it and confirms gets a fresh key. Asking for the mail changes nothing, so a stranger who
types someone's address cannot make their links stop working.

A key just issued stays on its Ticket object (`ticket.manage_key`) for the rest of
the request, so that the answer and the mails written in the same transaction can
carry it; a ticket loaded later has `manage_key = None`.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.errors import DomainError
from app.tickets.links import ticket_url

if TYPE_CHECKING:
    from app.tickets.models import Ticket

#: The API's request header that carries the key.
HEADER = "X-Manage-Key"
#: The query parameter of the ticket page's management link, and the forms' hidden field.
PARAM = "key"
#: How long a renewal link from the find-my-ticket mail works.
RENEWAL_MAX_AGE = timedelta(days=3)


def new_key() -> str:
    """128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def digest(key: str) -> str:
    """What is stored: the key's SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue(ticket: Ticket) -> str:
    """Give `ticket` a fresh key (the old one stops working at the commit) and return it."""
    key = new_key()
    ticket.manage_key_hash = digest(key)
    ticket.manage_key = key
    return key


def matches(ticket: Ticket, key: str | None) -> bool:
    """Whether `key` manages `ticket`; compared in constant time (an empty hash matches nothing)."""
    return bool(key) and hmac.compare_digest(ticket.manage_key_hash, digest(key))


def require(ticket: Ticket, key: str | None) -> None:
    """403 manage_key_required unless `key` manages `ticket`."""
    if not matches(ticket, key):
        raise DomainError("manage_key_required",
                          _l("Cancelling or changing this ticket needs its management key: use the management "
                             "link mailed with the ticket. Lost it? “Find my ticket” mails a new one."),
                          status=403)


def link(code: str, key: str) -> str:
    """The ticket page with management rights. It goes in mails, answers and the desk's
    printout, never in the QR code (which encodes ticket_url alone)."""
    return f"{ticket_url(code)}?{PARAM}={key}"


def manage_url(ticket: Ticket) -> str | None:
    """The management link of a key issued in this request, else None."""
    return link(ticket.code, ticket.manage_key) if ticket.manage_key else None


def _renewals() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="ticket-manage-key-renewal")


def renewal_url(ticket: Ticket) -> str:
    """The find-my-ticket mail's link to a fresh key: signed, bound to the key that stands now."""
    token = _renewals().dumps([ticket.id, ticket.manage_key_hash[:16]])
    return f"{ticket_url(ticket.code)}/manage?token={token}"


def check_renewal(ticket: Ticket, token: str | None) -> None:
    """410 renewal_link_expired unless `token` is a renewal link of `ticket` that still works."""
    try:
        ticket_id, key_hash = _renewals().loads(token or "", max_age=int(RENEWAL_MAX_AGE.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        ticket_id = key_hash = None
    if ticket_id != ticket.id or not hmac.compare_digest(str(key_hash), ticket.manage_key_hash[:16]):
        raise DomainError("renewal_link_expired",
                          _l("This link has expired or was used already. “Find my ticket” mails a new one."),
                          status=410)
