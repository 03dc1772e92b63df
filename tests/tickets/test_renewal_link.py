"""A lost management link, replaced through "find my ticket": asking for the mail changes no key
(a stranger can type anyone's address), the mail's renewal link asks to confirm (mail scanners
open links), then gives a fresh key once; a used, forged or old link is a clear 410."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.tickets import manage_keys
from app.tickets.models import OutboxMail, Ticket
from tests.staff.conftest import csrf_from
from tests.tickets.test_pages import body, find, manage_page, programme_bits, register_directly  # noqa: F401


def renewal_path(ticket: Ticket) -> str:
    """The renewal link of `ticket` in the last find-my-ticket mail, as a path."""
    mail = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "ticket_links")
                              .order_by(OutboxMail.id.desc())).first()
    return re.search(rf"http://localhost(/t/{ticket.code}/manage\?token=[\w.-]+)", mail.text_body).group(1)


def key_works(client, ticket: Ticket, key: str) -> bool:
    return "/cancel" in body(client.get(f"/t/{ticket.code}?key={key}"))


def test_the_renewal_link_gives_a_fresh_key_once_and_asking_changes_nothing(app, client, programme_bits):
    [ticket] = register_directly().tickets
    first_key = ticket.manage_key
    assert find(client, "li@example.org").status_code == 200  # anyone may ask: no key changes
    assert key_works(client, ticket, first_key)

    path = renewal_path(ticket)
    page = client.get(path)  # a mail scanner opening the link changes nothing either
    assert page.status_code == 200 and "Get my management link" in body(page)
    assert key_works(client, ticket, first_key)

    answer = client.post(path, data={"csrf_token": csrf_from(body(page))})
    assert answer.status_code == 303
    new_key = re.fullmatch(rf"/t/{ticket.code}\?key=([\w-]{{22}})", answer.headers["Location"]).group(1)
    assert "This is your new management link" in body(client.get(answer.headers["Location"]))
    assert key_works(client, ticket, new_key) and not key_works(client, ticket, first_key)

    used = client.get(path)  # once only
    assert used.status_code == 410 and "expired or was used already" in body(used)
    assert client.post(path, data={"csrf_token": csrf_from(body(page))}).status_code == 410
    assert key_works(client, ticket, new_key)


def test_the_renewal_needs_its_csrf_token(app, client, programme_bits):
    [ticket] = register_directly().tickets
    find(client, "li@example.org")
    assert client.post(renewal_path(ticket), data={}).status_code == 400
    assert key_works(client, ticket, ticket.manage_key)


def test_forged_foreign_and_old_links_are_refused_in_the_visitors_language(app, client, programme_bits):
    ticket, other = register_directly(companions=["Han Meimei"]).tickets
    find(client, "li@example.org")
    token = renewal_path(ticket).rsplit("=", 1)[1]

    class SignedEarlier(TimestampSigner):
        """Signs as the app does, a minute more than the links' life ago."""

        def get_timestamp(self):
            return int(time.time() - manage_keys.RENEWAL_MAX_AGE.total_seconds() - timedelta(minutes=1).seconds)

    old = URLSafeTimedSerializer(current_app.secret_key, salt="ticket-manage-key-renewal",
                                 signer=SignedEarlier).dumps([ticket.id, ticket.manage_key_hash[:16]])
    client.set_cookie("lang", "zh")
    for path in (f"/t/{ticket.code}/manage?token={token[:-2]}xx",   # forged
                 f"/t/{other.code}/manage?token={token}",            # another ticket's
                 f"/t/{ticket.code}/manage?token={old}",             # too old
                 f"/t/{ticket.code}/manage"):                        # none
        refused = client.get(path)
        assert refused.status_code == 410, path
        assert "此链接已过期或已被使用" in body(refused)
    assert client.get("/t/no-such-ticket-code-x/manage?token=x").status_code == 404
    assert key_works(client, ticket, ticket.manage_key)
