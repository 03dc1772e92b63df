"""Staff accounts, their API tokens, and the audit log."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime
from app.extensions import db

#: Roles as the contract names them: people (admin, gate, moderator, jury) and devices.
ROLES = ("admin", "gate", "moderator", "jury", "kiosk", "display")

#: How the console names the roles (ROLES), in the reader's language.
ROLE_LABELS = {
    "admin": _l("Admin"),
    "gate": _l("Gate staff"),
    "moderator": _l("Moderator"),
    "jury": _l("Jury"),
    "kiosk": _l("Kiosk"),
    "display": _l("Display"),
}


class StaffMember(UserMixin, db.Model):
    """A person or a device (kiosk, display, gate phone) that works the exhibition."""

    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="staff_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; devices use an identifier in email form such as kiosk-1@devices.local.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    #: Werkzeug's scrypt hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Bumped when the password is re-issued, so signed-in sessions of the old one end.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a jury account: the juror of the programme it belongs to.
    jury_member_id: Mapped[int | None] = mapped_column(ForeignKey("jury_member.id", ondelete="SET NULL"),
                                                       unique=True)

    jury_member = relationship("JuryMember")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="staff_member",
                                                  order_by="ApiToken.created_at.desc()")

    @property
    def role_label(self) -> str:
        """The role's name in the reader's language (ROLE_LABELS)."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session id: changes with the password, so old sessions end."""
        return f"{self.id}:{self.session_version}"


class ApiToken(db.Model):
    """A bearer token for a device or script; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    #: SHA-256 of the token: a 256-bit random token needs no slow hash, and lookups stay indexed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, shown in the console so staff can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff_member: Mapped[StaffMember] = relationship(back_populates="tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditEntry(db.Model):
    """Who changed what and when: one row per staff action."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Null when the change came from the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"), index=True)
    #: Dotted verb, e.g. "slot.create", "staff.disable".
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None]
    #: In English, as it was written: what an entry without wording shows to every reader.
    summary: Mapped[str] = mapped_column(String(500))
    #: The summary's English text and its values, {"text", "args"}, so each reader sees it in their
    #: own language (app.staff.audit.summary); null for entries written before it was kept.
    wording: Mapped[dict | None] = mapped_column(JSON)
    #: What changed: {"field": [old, new]} or other details of the action.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[StaffMember | None] = relationship()
