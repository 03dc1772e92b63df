""""Find my ticket": mail the ticket links of an email, telling nobody whether it is known."""
from __future__ import annotations

from sqlalchemy import select

from app.db import unit_of_work
from app.extensions import db
from app.tickets import manage_keys, notify, outbox
from app.tickets.models import Registration, Ticket
from app.tickets.rules import clean_email


def send_ticket_links(email: str, *, locale: str) -> None:
    """Queue a mail with every active ticket of this email; for an unknown one, do nothing.

    The caller answers the same either way, so the screen never says who registered.
    Only hashes of management keys are stored, so each ticket gets a fresh key for its
    management link in this mail, in the same transaction as the outbox row: the older
    links stop working when the mail is queued (whoever can read the mailbox can manage).
    """
    email = clean_email(email)
    if not email:
        return
    tickets = list(db.session.scalars(
        select(Ticket).join(Registration).where(Registration.email == email, Ticket.status == "active")
        .order_by(Ticket.id)))
    if tickets:
        with unit_of_work():
            for ticket in tickets:
                manage_keys.issue(ticket)
            notify.ticket_links(email, tickets, locale)
        outbox.deliver_soon()
