"""What visitors are told by mail, written to the outbox inside the caller's transaction.

Each function renders one mail in the visitor's language (HTML and text) and adds
it to the outbox; app.tickets.outbox sends it after the commit and retries it
until it goes, so a mail failure never loses what it reports.
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.tickets.links import ticket_url
from app.tickets.manage_keys import manage_url, renewal_url
from app.tickets.models import OutboxMail, Registration, Seat, Ticket


#: Where one paragraph of a notice ends and the next begins.
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def render(kind: str, locale: str, **context) -> tuple[str, str, str]:
    """A mail's subject, text and HTML in `locale`, written nowhere (the notices' preview shows it)."""
    with force_locale(locale):
        subject = render_template(f"mail/{kind}.subject.txt", **context).strip()
        text_body = render_template(f"mail/{kind}.txt", **context)
        html_body = render_template(f"mail/{kind}.html", subject=subject, **context)
    return subject, text_body, html_body


def _enqueue(to: str, kind: str, locale: str, *, qr_codes: dict[str, str] | None = None,
             **context) -> OutboxMail:
    subject, text_body, html_body = render(kind, locale, **context)
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


def no_show_release(seat: Seat, *, now: datetime) -> OutboxMail | None:
    """You had not come when the session began: your place went to others (your ticket stays)."""
    registration = seat.ticket.registration
    if not registration.email:
        return None
    minutes = max(0, int((now - seat.slot.starts_at).total_seconds() // 60))
    return _enqueue(registration.email, "no_show_release", registration.locale, seat=seat, minutes=minutes,
                    link=_links([seat.ticket])[0])


def cancellation(ticket: Ticket) -> OutboxMail | None:
    """Your ticket is cancelled (the visitor did it, or staff did)."""
    registration = ticket.registration
    if not registration.email:
        return None
    return _enqueue(registration.email, "cancellation", registration.locale, ticket=ticket)


def schedule_change(seats: list[Seat], *, cancelled: bool, restored: bool = False,
                    was: dict | None = None) -> OutboxMail | None:
    """A session booked or waited for moved (`was`: its old "starts_at", "ends_at" and "venue"),
    was cancelled, or is back on the programme (restored): one mail for one registration's seats."""
    registration = seats[0].ticket.registration
    if not registration.email:
        return None
    return _enqueue(registration.email, "schedule_change", registration.locale, registration=registration,
                    seats=seats, slot=seats[0].slot, cancelled=cancelled, restored=restored, was=was,
                    links=_links([seat.ticket for seat in seats]))


def notice(to: str, locale: str, *, subject: dict, body: dict, name: str, links: list[dict]) -> OutboxMail:
    """Staff's message to visitors (app.tickets.notices), in this address's language."""
    return _enqueue(to, "notice", locale, **notice_context(locale, subject=subject, body=body, name=name,
                                                           links=links))


def notice_context(locale: str, *, subject: dict, body: dict, name: str, links: list[dict]) -> dict:
    """What the notice templates show: the staff's text in `locale`, its body as paragraphs of lines
    (a blank line parts paragraphs), the visitor's name and ticket links ({"holder", "url"})."""
    text = body[locale].replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [[line.strip() for line in part.strip().split("\n")] for part in _BLANK_LINE.split(text)]
    return {"notice_subject": " ".join(subject[locale].split()), "body": text, "paragraphs": paragraphs,
            "name": name, "links": links}


def ticket_links(email: str, tickets: list[Ticket], locale: str) -> OutboxMail:
    """"Find my ticket": the links of every active ticket held by this email, each with its
    renewal link (a fresh management key for whoever opens it: app.tickets.manage_keys)."""
    links = [{**link, "renew_url": renewal_url(ticket)} for link, ticket in zip(_links(tickets), tickets)]
    return _enqueue(email, "ticket_links", locale, links=links)


def story_won(story, *, place: int) -> OutboxMail | None:
    """Your My Story story placed in the top three (mailed when the reveal reaches the winner)."""
    ticket = db.session.get(Ticket, story.ticket_id) if story.ticket_id else None
    if ticket is None or not ticket.registration.email:
        return None
    return _enqueue(ticket.registration.email, "story_won", ticket.registration.locale, story=story,
                    place=place, challenge_round=story.round, link=_links([ticket])[0])
