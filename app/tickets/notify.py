"""What visitors are told by mail, written to the outbox inside the caller's transaction.

Each function renders one mail in the visitor's language (HTML and text) and adds
it to the outbox; app.tickets.outbox sends it after the commit and retries it
until it goes, so a mail failure never loses what it reports.
"""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.tickets.links import ticket_url
from app.tickets.manage_keys import manage_url
from app.tickets.models import OutboxMail, Registration, Seat, Ticket


def _enqueue(to: str, kind: str, locale: str, *, qr_codes: dict[str, str] | None = None,
             **context) -> OutboxMail:
    with force_locale(locale):
        subject = render_template(f"mail/{kind}.subject.txt", **context).strip()
        text_body = render_template(f"mail/{kind}.txt", **context)
        html_body = render_template(f"mail/{kind}.html", subject=subject, **context)
    now = clock.now()
    mail = OutboxMail(to=to, kind=kind, subject=subject, text_body=text_body, html_body=html_body,
                      qr_codes=qr_codes or {}, created_at=now, next_attempt_at=now)
    db.session.add(mail)
    return mail


def _links(tickets: list[Ticket]) -> list[dict]:
    """Each ticket's page; `manage_url` only for a key issued in this request (else None)."""
    return [{"holder": ticket.holder_name, "code": ticket.code, "url": ticket_url(ticket.code),
             "manage_url": manage_url(ticket)} for ticket in tickets]


def confirmation(registration: Registration) -> OutboxMail:
    """Your tickets: one link and QR per person (and its management link), days and sessions."""
    active = [ticket for ticket in registration.tickets if ticket.is_active]
    return _enqueue(registration.email, "confirmation", registration.locale,
                    qr_codes={ticket.code: ticket_url(ticket.code) for ticket in active},
                    registration=registration,
                    tickets=active, links=_links(active))


def promotion(seat: Seat) -> OutboxMail | None:
    """A place came free and is now yours."""
    registration = seat.ticket.registration
    if not registration.email:
        return None
    return _enqueue(registration.email, "promotion", registration.locale, seat=seat,
                    ticket=seat.ticket, link=_links([seat.ticket])[0])


def cancellation(ticket: Ticket) -> OutboxMail | None:
    """Your ticket is cancelled (the visitor did it, or staff did)."""
    registration = ticket.registration
    if not registration.email:
        return None
    return _enqueue(registration.email, "cancellation", registration.locale, ticket=ticket)


def schedule_change(seat: Seat, *, cancelled: bool) -> OutboxMail | None:
    """A session you booked or wait for moved or was cancelled."""
    registration = seat.ticket.registration
    if not registration.email:
        return None
    return _enqueue(registration.email, "schedule_change", registration.locale, seat=seat,
                    slot=seat.slot, cancelled=cancelled, link=_links([seat.ticket])[0])


def ticket_links(email: str, tickets: list[Ticket], locale: str) -> OutboxMail:
    """"Find my ticket": the links of every active ticket held by this email, with the
    management links of the keys the caller just issued."""
    return _enqueue(email, "ticket_links", locale, links=_links(tickets))


def story_won(story, *, place: int) -> OutboxMail | None:
    """Your My Story story placed in the top three (mailed when the reveal reaches the winner)."""
    ticket = db.session.get(Ticket, story.ticket_id) if story.ticket_id else None
    if ticket is None or not ticket.registration.email:
        return None
    return _enqueue(ticket.registration.email, "story_won", ticket.registration.locale, story=story,
                    place=place, challenge_round=story.round, link=_links([ticket])[0])
