"""Staff accounts and API tokens: create, authenticate, disable, re-issue, revoke."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.staff import audit
from app.schedule.models import JuryMember
from app.staff.models import ROLE_LABELS, ROLES, ApiToken, StaffMember

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: A hash to check against when the email is unknown, so both answers take as long.
_DUMMY_HASH = generate_password_hash("not-a-password")
#: How stale last_used_at may get before a request writes it again (keeps scans read-only).
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class Credentials:
    """What a new or re-issued account gets, shown once and never stored in clear."""

    member: StaffMember
    password: str | None
    token: str | None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_password() -> str:
    return secrets.token_urlsafe(12)


def _new_token(member: StaffMember, now: datetime) -> str:
    raw = "blt_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(staff_member=member, token_hash=hash_token(raw), prefix=raw[:10],
                            created_at=now))
    return raw


def validate_account(email: str, role: str, name: str | None) -> dict:
    """Errors by field for a new account (empty when it is fine)."""
    errors = {}
    if not _EMAIL.match(email or "") or len(email) > 254:
        errors["email"] = _l("Enter an email address (devices: any unique name in email form).")
    if role not in ROLES:
        errors["role"] = _l("Choose one of the roles.")
    if name is not None and len(name) > 120:
        errors["name"] = _l("At most 120 characters.")
    return errors


def add_staff(email: str, role: str, *, name: str | None = None, actor: StaffMember | None = None,
              jury_member: JuryMember | None = None, now: datetime | None = None) -> Credentials:
    """Create an account with a generated password and an API token, both shown once.

    A jury account may belong to one juror of the programme (`jury_member`): it then
    takes their name unless another is given, and the results name the juror.
    """
    now = now or clock.now()
    email = (email or "").strip().lower()
    name = name.strip() if name and name.strip() else None
    errors = validate_account(email, role, name)
    if role != "jury" and jury_member is not None:
        errors["jury_member"] = _l("Only a jury account belongs to a juror.")
    if errors:
        raise ValidationFailed(errors)
    if jury_member is not None and name is None:
        name = jury_member.name.get("en") or jury_member.key
    password = _new_password()
    try:
        with unit_of_work():
            member = StaffMember(email=email, name=name or email.split("@")[0], role=role,
                                 password_hash=generate_password_hash(password), created_at=now,
                                 jury_member_id=jury_member.id if jury_member else None)
            db.session.add(member)
            db.session.flush()
            token = _new_token(member, now)
            audit.record(actor, "staff.add", member,
                         audit.said("Added %(email)s as %(role)s", email=email, role=ROLE_LABELS[role]), now=now)
    except IntegrityError:
        # The unique email decides, not a look-up first: two admins adding at once get one account.
        if jury_member is not None and _juror_has_account(jury_member, email):
            raise DomainError("juror_has_account", _l("This juror already has an account."), status=409,
                              fields={"jury_member": _l("Already has an account.")}) from None
        raise DomainError("email_taken", _l("An account with this email already exists."),
                          status=409, fields={"email": _l("Already in use.")}) from None
    return Credentials(member, password, token)


def _juror_has_account(jury_member: JuryMember, email: str) -> bool:
    """After a failed insert: was it the juror's unique account (not the email) that clashed?"""
    db.session.rollback()
    holder = db.session.scalars(select(StaffMember).where(StaffMember.jury_member_id == jury_member.id)).first()
    return holder is not None and holder.email != email


def get_staff(member_id: int) -> StaffMember:
    member = db.session.get(StaffMember, member_id)
    if member is None:
        raise DomainError("staff_not_found", _l("No such account."), status=404)
    return member


def list_staff() -> list[StaffMember]:
    return list(db.session.scalars(select(StaffMember).order_by(StaffMember.role, StaffMember.email)))


def set_active(member: StaffMember, active: bool, *, actor: StaffMember | None,
               now: datetime | None = None) -> StaffMember:
    """Disable (or enable again) an account; a disabled one can neither sign in nor use tokens."""
    if actor is not None and actor.id == member.id and not active:
        raise DomainError("cannot_disable_self", _l("You cannot disable your own account."), status=409)
    with unit_of_work():
        member.active = active
        member.session_version += 1
        db.session.add(member)
        audit.record(actor, "staff.enable" if active else "staff.disable", member,
                     audit.said("Enabled %(email)s", email=member.email) if active
                     else audit.said("Disabled %(email)s", email=member.email), now=now)
    return member


def reissue_password(member: StaffMember, *, actor: StaffMember | None,
                     now: datetime | None = None) -> Credentials:
    """A new password; sessions signed in with the old one end."""
    password = _new_password()
    with unit_of_work():
        member.password_hash = generate_password_hash(password)
        member.session_version += 1
        db.session.add(member)
        audit.record(actor, "staff.reissue_password", member,
                     audit.said("New password for %(email)s", email=member.email), now=now)
    return Credentials(member, password, None)


def issue_token(member: StaffMember, *, actor: StaffMember | None,
                now: datetime | None = None) -> Credentials:
    """A further API token (shown once); older ones keep working until revoked."""
    now = now or clock.now()
    with unit_of_work():
        token = _new_token(member, now)
        audit.record(actor, "token.issue", member, audit.said("New API token for %(email)s", email=member.email),
                     now=now)
    return Credentials(member, None, token)


def revoke_token(token_id: int, *, actor: StaffMember | None, now: datetime | None = None) -> ApiToken:
    now = now or clock.now()
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise DomainError("token_not_found", _l("No such token."), status=404)
    with unit_of_work():
        if token.revoked_at is None:
            token.revoked_at = now
            db.session.add(token)
            audit.record(actor, "token.revoke", token.staff_member,
                         audit.said("Revoked token %(prefix)s… of %(email)s", prefix=token.prefix,
                                    email=token.staff_member.email), now=now)
    return token


def authenticate_password(email: str, password: str) -> StaffMember | None:
    """The active account with this email and password, or None (same work either way)."""
    member = db.session.scalars(
        select(StaffMember).where(StaffMember.email == (email or "").strip().lower())).first()
    valid = check_password_hash(member.password_hash if member else _DUMMY_HASH, password or "")
    return member if member and valid and member.active else None


#: The active account behind a token hash, with the token's revocation and last use: one SELECT,
#: built once (a gate sends one with every scan).
_TOKEN_LOOKUP = (select(StaffMember, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
                 .join(ApiToken, ApiToken.staff_member_id == StaffMember.id)
                 .where(ApiToken.token_hash == bindparam("token_hash")))


def authenticate_token(raw: str, *, now: datetime | None = None) -> StaffMember | None:
    """The active account behind a bearer token, or None if unknown or revoked."""
    if not raw:
        return None
    row = db.session.execute(_TOKEN_LOOKUP, {"token_hash": hash_token(raw)}).first()
    if row is None or row.revoked_at is not None or not row.StaffMember.active:
        return None
    _touch(row.id, row.last_used_at, now or clock.now())
    return row.StaffMember


def _touch(token_id: int, last_used_at: datetime | None, now: datetime) -> None:
    """Note when a token was last used, at most every few minutes (scans stay cheap)."""
    if last_used_at and now - last_used_at < _TOKEN_TOUCH_INTERVAL:
        return
    with unit_of_work():
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def note_sign_in(member: StaffMember, *, now: datetime | None = None) -> None:
    now = now or clock.now()
    with unit_of_work():
        member.last_seen_at = now
        db.session.add(member)
        audit.record(member, "staff.sign_in", member, audit.said("%(email)s signed in", email=member.email), now=now)
