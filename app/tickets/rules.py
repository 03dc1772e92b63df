"""Pure registration rules: limits and the checks on what a visitor typed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import lazy_gettext as _l

from app import text

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
