""""Find my ticket": mail the ticket links of an email, telling nobody whether it is known."""
from __future__ import annotations

from sqlalchemy import select

from app.db import unit_of_work
from app.extensions import db
from app.tickets import manage_keys, notify, outbox, services
from app.tickets.models import Registration, Ticket
from app.tickets.rules import clean_email


def send_ticket_links(email: str, *, locale: str) -> None:
    """Queue a mail with every active ticket of this email; for an unknown one, do nothing.

    The caller answers the same either way, so the screen never says who registered. The mail
    carries each ticket's renewal link (manage_keys.renewal_url): the keys change only when
    someone who reads the mailbox opens one and confirms (renew_key).
    """
    email = clean_email(email)
    if not email:
        return
    tickets = list(db.session.scalars(
        select(Ticket).join(Registration).where(Registration.email == email, Ticket.status == "active")
        .order_by(Ticket.id)))
    if tickets:
        with unit_of_work():
            notify.ticket_links(email, tickets, locale)
        outbox.deliver_soon()


def ticket_to_renew(code: str, token: str | None) -> Ticket:
    """The ticket a renewal link names (404 ticket_not_found), if the link still works (410)."""
    ticket = services.get_ticket(code)
    manage_keys.check_renewal(ticket, token)
    return ticket


def renew_key(code: str, token: str | None) -> str:
    """Give the ticket of a working renewal link a fresh management key (the link is then used
    up, as are the older management links); the key."""
    with unit_of_work():
        ticket = ticket_to_renew(code, token)
        db.session.refresh(ticket, with_for_update=True)  # two taps at once: the second finds the link used
        manage_keys.check_renewal(ticket, token)
        key = manage_keys.issue(ticket)
    return key
