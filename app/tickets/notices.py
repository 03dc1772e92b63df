"""Notices: one message from staff, in zh and en, to everyone registered for a session, a day or the
whole exhibition, mailed through the outbox to each address once, in that address's language.

Who is registered: for a session, the active tickets with a confirmed or waiting place; for a
day, the active tickets with that day's entry; for the exhibition, every active ticket. Tickets
are grouped by their registration's email, so a registrant's companions (who have no email of
their own) are covered by the registrant's mail, and one person registered twice gets one mail;
tickets without an email (walk-ins) are counted as unreachable.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app import clock
from app.db import serialize_on, unit_of_work
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import LOCALES
from app.schedule.models import ExhibitionDay, Slot
from app.schedule.rules import text_errors
from app.staff import audit
from app.staff.models import StaffMember
from app.tickets import notify, outbox
from app.tickets.links import ticket_url
from app.tickets.models import NOTICE_SCOPES, DayEntry, Notice, Registration, Seat, Ticket
from app.tickets.queries import BOOKED

SUBJECT_MAX = 150
BODY_MAX = 5000
NONCE_MAX = 64


@dataclass(frozen=True)
class NoticeDraft:
    """What staff wrote: the scope (and its session or day), subject and body as {"zh", "en"}, and
    the nonce made when they previewed it (a repeated send with it mails nobody again)."""

    scope: str
    subject: dict
    body: dict
    slot_id: int | None = None
    day_id: int | None = None
    nonce: str | None = None


@dataclass(frozen=True)
class Recipient:
    """One address: the name and language of its latest registration, and the tickets it covers."""

    email: str
    locale: str
    name: str
    #: {"holder", "url"} per ticket: the ticket pages, never a management link.
    links: tuple[dict, ...]


@dataclass(frozen=True)
class Audience:
    recipients: list[Recipient]
    #: Tickets covered by a mail (companions included).
    tickets: int
    #: Tickets whose registration has no email (walk-ins): nobody can tell them.
    unreachable: int

    def count(self, locale: str) -> int:
        return sum(1 for recipient in self.recipients if recipient.locale == locale)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Preview:
    """The mail a zh and an en visitor will receive (by locale), and who receives it."""

    mails: dict[str, RenderedMail]
    audience: Audience


def recipients(scope: str, slot_id: int | None = None, day_id: int | None = None) -> Audience:
    """Everyone registered for the scope, one Recipient per email address (see the module)."""
    query = (select(Ticket).join(Ticket.registration).options(contains_eager(Ticket.registration))
             .where(Ticket.status == "active").order_by(Registration.id, Ticket.id))
    if scope == "session":
        query = query.join(Seat, Seat.ticket_id == Ticket.id).where(Seat.slot_id == slot_id,
                                                                      Seat.status.in_(BOOKED))
    elif scope == "day":
        query = query.join(DayEntry, DayEntry.ticket_id == Ticket.id).where(DayEntry.day_id == day_id)
    by_email: dict[str, list[Ticket]] = {}
    unreachable = 0
    for ticket in db.session.scalars(query):
        if ticket.registration.email:
            by_email.setdefault(ticket.registration.email, []).append(ticket)
        else:
            unreachable += 1
    found = []
    for email, tickets in by_email.items():
        latest = tickets[-1].registration  # ordered by registration: the address's latest choice
        found.append(Recipient(email=email, locale=latest.locale, name=latest.name,
                               links=tuple({"holder": ticket.holder_name, "url": ticket_url(ticket.code)}
                                           for ticket in tickets)))
    return Audience(found, tickets=sum(len(tickets) for tickets in by_email.values()), unreachable=unreachable)


def preview(draft: NoticeDraft) -> Preview:
    """The mail in zh and in en, as a visitor of each language gets it (with a stand-in name and
    ticket link), and the counts; writes nothing. Raises ValidationFailed like send()."""
    draft = _normalised(draft)
    _check(draft)
    mails = {}
    for locale in LOCALES:
        with force_locale(locale):
            name = gettext("Visitor")
        context = notify.notice_context(locale, subject=draft.subject, body=draft.body, name=name,
                                        links=[{"holder": name, "url": ticket_url("…")}])
        mails[locale] = RenderedMail(*notify.render("notice", locale, **context))
    return Preview(mails, recipients(draft.scope, draft.slot_id, draft.day_id))


def send(draft: NoticeDraft, *, actor: StaffMember | None, now: datetime | None = None) -> Notice:
    """One transaction: the Notice, one outbox mail per address, the audit entry; the mails go after
    the commit. A draft whose nonce was sent already returns that notice and writes nothing."""
    now = now or clock.now()
    draft = _normalised(draft)
    with unit_of_work():
        if draft.nonce:
            serialize_on(f"notice:{draft.nonce}")
            sent = db.session.scalar(select(Notice).where(Notice.nonce == draft.nonce))
            if sent is not None:
                return sent
        summary = _check(draft)
        audience = recipients(draft.scope, draft.slot_id, draft.day_id)
        notice = Notice(scope=draft.scope, slot_id=draft.slot_id, day_id=draft.day_id,
                        subject=_stripped(draft.subject), body=_stripped(draft.body),
                        created_by_id=actor.id if actor else None, created_at=now, sent_at=now,
                        recipients=len(audience.recipients), nonce=draft.nonce)
        db.session.add(notice)
        db.session.flush()
        for recipient in audience.recipients:
            notify.notice(recipient.email, recipient.locale, subject=notice.subject, body=notice.body,
                          name=recipient.name, links=list(recipient.links))
        audit.record(actor, "notice.send", notice,
                     summary.with_values(subject=notice.subject, addresses=len(audience.recipients)),
                     details={"scope": draft.scope, "slot_id": draft.slot_id, "day_id": draft.day_id,
                              "recipients": len(audience.recipients), "unreachable": audience.unreachable},
                     now=now)
    outbox.deliver_soon()
    return notice


def sent_notices(limit: int = 100) -> list[tuple[Notice, StaffMember | None]]:
    """The notices sent, newest first, each with who sent it."""
    return list(db.session.execute(
        select(Notice, StaffMember).outerjoin(StaffMember, StaffMember.id == Notice.created_by_id)
        .where(Notice.sent_at.is_not(None)).order_by(Notice.sent_at.desc(), Notice.id.desc()).limit(limit)))


def _normalised(draft: NoticeDraft) -> NoticeDraft:
    """The draft with only its own scope's session or day."""
    return replace(draft, slot_id=draft.slot_id if draft.scope == "session" else None,
                   day_id=draft.day_id if draft.scope == "day" else None)


def _stripped(text: dict) -> dict:
    return {locale: (text.get(locale) or "").strip() for locale in LOCALES}


def _check(draft: NoticeDraft) -> audit.Said:
    """Errors by field (ValidationFailed); else the audit log's summary for the scope, waiting for the
    subject and the number of addresses."""
    errors = {**text_errors("subject", _stripped(draft.subject), SUBJECT_MAX, required=True),
              **text_errors("body", _stripped(draft.body), BODY_MAX, required=True)}
    if draft.nonce is not None and not 1 <= len(draft.nonce) <= NONCE_MAX:
        errors["nonce"] = _l("At most %(limit)d characters.", limit=NONCE_MAX)
    summary = audit.said("Sent notice \u201c%(subject)s\u201d to %(addresses)d addresses: the whole exhibition")
    if draft.scope not in NOTICE_SCOPES:
        errors["scope"] = _l("Choose a session, a day or the whole exhibition.")
    elif draft.scope == "session":
        slot = db.session.get(Slot, draft.slot_id) if draft.slot_id else None
        if slot is None:
            errors["slot_id"] = _l("Choose a session.")
        else:
            summary = audit.said("Sent notice \u201c%(subject)s\u201d to %(addresses)d addresses: session "
                                 "%(session)s \u201c%(title)s\u201d", session=slot.id, title=slot.title)
    elif draft.scope == "day":
        day = db.session.get(ExhibitionDay, draft.day_id) if draft.day_id else None
        if day is None:
            errors["day_id"] = _l("Choose a day.")
        else:
            summary = audit.said("Sent notice \u201c%(subject)s\u201d to %(addresses)d addresses: day %(day)s",
                                 day=day.date)
    if errors:
        raise ValidationFailed(errors)
    return summary
