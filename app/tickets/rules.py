"""Pure registration rules: limits, the checks on what a visitor typed, and booking windows."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l

from app import text
from app.schedule.formatting import day_label, hm

#: A registration brings at most this many companions (each gets a ticket).
MAX_COMPANIONS = 5
#: One email holds at most this many tickets per day, companions included, so nobody hoards.
MAX_TICKETS_PER_EMAIL_PER_DAY = 6
NAME_MAX = 100
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


@dataclass(frozen=True)
class RegistrationRequest:
    """What a visitor (or the walk-in desk) asks for, already parsed into Python types."""

    name: str
    email: str | None
    days: list[date]
    session_ids: list[int]
    locale: str
    consent: bool
    companions: list[str] = field(default_factory=list)
    channel: str = "online"


def clean_name(raw: str) -> str:
    """Trim, fold runs of white space, drop invisible characters (app.text); keep every
    visible character as typed (CJK, emoji, markup)."""
    return text.clean_line(raw or "")


def clean_email(raw: str | None) -> str | None:
    return (raw or "").strip().lower() or None


def cleaned(req: RegistrationRequest) -> RegistrationRequest:
    """The request with names trimmed and the email lower-cased."""
    return replace(req, name=clean_name(req.name), email=clean_email(req.email),
                   companions=[clean_name(name) for name in req.companions])


def name_error(name: str):
    if not name:
        return _l("Please enter a name.")
    if len(name) > NAME_MAX:
        return _l("At most %(limit)d characters.", limit=NAME_MAX)
    return None


def request_errors(req: RegistrationRequest, *, email_required: bool = True) -> dict:
    """Errors by dotted field path for what can be judged without the database."""
    errors = {}
    if (problem := name_error(req.name)) is not None:
        errors["name"] = problem
    if req.email is None:
        if email_required:
            errors["email"] = _l("Please enter your email address.")
    elif (len(req.email) > EMAIL_MAX or not _EMAIL.match(req.email)
          or text.strip_invisible(req.email) != req.email):  # no invisible characters either
        errors["email"] = _l("This does not look like an email address.")
    if not req.days:
        errors["days"] = _l("Choose at least one day.")
    elif len(set(req.days)) != len(req.days):
        errors["days"] = _l("Each day once, please.")
    if len(set(req.session_ids)) != len(req.session_ids):
        errors["sessions"] = _l("Each session once, please.")
    if len(req.companions) > MAX_COMPANIONS:
        errors["companions"] = _l("At most %(limit)d companions.", limit=MAX_COMPANIONS)
    for index, companion in enumerate(req.companions[:MAX_COMPANIONS]):
        if (problem := name_error(companion)) is not None:
            errors[f"companions.{index}.name"] = problem
    if req.locale not in ("zh", "en"):
        errors["locale"] = _l("Choose Chinese or English.")
    if req.channel == "online" and not req.consent:
        errors["consent"] = _l("Please agree to the use of your data for this exhibition.")
    return errors


#: Why a session cannot be booked at a moment (booking_refusal).
NOT_OPEN, CLOSED, WAITLIST_CLOSED = "not_open", "closed", "waitlist_closed"


class Bookable(Protocol):
    """A session's times and booking settings (a Slot, or a draft of one)."""

    starts_at: datetime
    ends_at: datetime
    booking_opens_at: datetime | None
    booking_closes_at: datetime | None
    waitlist_closes_at: datetime | None


def booking_window(starts_at: datetime, opens_at: datetime | None,
                   closes_at: datetime | None) -> tuple[datetime | None, datetime]:
    """(opens, closes): opens None means open already; it closes at `closes_at`, by default and at
    the latest at the start (visitors never book a session that has begun)."""
    return opens_at, min(closes_at, starts_at) if closes_at is not None else starts_at


def waitlist_cutoff(slot: Bookable) -> datetime:
    """After this a full session takes nobody on its waiting list: by default when booking closes."""
    _opens, closes = booking_window(slot.starts_at, slot.booking_opens_at, slot.booking_closes_at)
    return min(slot.waitlist_closes_at, closes) if slot.waitlist_closes_at is not None else closes


def booking_refusal(slot: Bookable, moment: datetime, *, waitlisting: bool, desk: bool = False) -> str | None:
    """None if `slot` may be booked at `moment`, else NOT_OPEN, CLOSED or WAITLIST_CLOSED.

    Windows are half-open: booking is open from `opens` (included) to `closes` (excluded).
    `waitlisting`: the place asked for would be on the waiting list. `desk`: the walk-in
    desk, which may also fill free places of a session that has begun, until it ends.
    """
    opens, closes = booking_window(slot.starts_at, slot.booking_opens_at, slot.booking_closes_at)
    if opens is not None and moment < opens:
        return NOT_OPEN
    if desk and slot.starts_at <= moment < slot.ends_at:
        return WAITLIST_CLOSED if waitlisting else None
    if moment >= closes:
        return CLOSED
    if waitlisting and moment >= waitlist_cutoff(slot):
        return WAITLIST_CLOSED
    return None


def refusal_message(reason: str, slot: Bookable):
    """The visitor's words for a booking refusal (times on the Shanghai wall clock)."""
    if reason == NOT_OPEN:
        return _l("Booking for this session opens on %(day)s at %(time)s.",
                  day=day_label(slot.booking_opens_at), time=hm(slot.booking_opens_at))
    if reason == WAITLIST_CLOSED:
        return _l("The waiting list for this session is closed.")
    return _l("Booking for this session has closed.")


class Releasable(Protocol):
    starts_at: datetime
    ends_at: datetime
    no_show_release_minutes: int | None
    no_shows_released_at: datetime | None


def no_show_release_due(slot: Releasable, moment: datetime) -> bool:
    """Whether the seats of those who did not come are released at `moment`: once, from
    `no_show_release_minutes` after the start (None: never) until the session ends."""
    if slot.no_show_release_minutes is None or slot.no_shows_released_at is not None:
        return False
    return slot.starts_at + timedelta(minutes=slot.no_show_release_minutes) <= moment < slot.ends_at
