"""`backlot purge-personal-data --yes`: after the event, what identifies a visitor goes.

Removed, in one transaction: registrants' names and emails, ticket holders' names,
ticket codes (replaced by random placeholders nobody holds, so every ticket page and link
answers 404) and management-key hashes, every mail of the outbox, the names and
codes the audit log holds about visitors, the attendee name in each scan's logged
answer and the gate phones' scan nonces, and the ticket a story's author gave. Kept,
without anyone's identity: registrations, tickets, day entries and seats (how many per
day and session), check-ins and the scan log, votes and ballots, stories with their
authors' nicknames, jury scores and the reveal's ranking. Then the database files are
rewritten, so that nothing purged survives in a free page or in the WAL.
"""
from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass

from sqlalchemy import delete, or_, select, text, update

from app.challenge.models import Story
from app.checkin.models import Scan
from app.db import unit_of_work
from app.extensions import db
from app.ops import OpsError
from app.schedule.models import Exhibition
from app.staff import audit
from app.staff.models import AuditEntry
from app.tickets.models import OutboxMail, Registration, Ticket

#: How a purged ticket code begins: ':' is never in a real code (URL-safe base64). Its management
#: key hash becomes empty, which no key's hash is.
PLACEHOLDER = "purged:"
#: What the audit log says of a visitor once the purge has run.
PURGED = audit.said("Visitor details removed by the personal-data purge")
#: The tables the purge rewrites; PostgreSQL compacts exactly these.
TOUCHED = (Registration, Ticket, OutboxMail, AuditEntry, Scan, Story)


@dataclass(frozen=True)
class PurgeReport:
    """How many rows lost personal data (mails: how many were deleted)."""

    registrations: int
    tickets: int
    mails: int
    audit_entries: int
    scans: int
    stories: int

    def summary(self) -> str:
        return self.said().english()

    def said(self) -> audit.Said:
        """The summary, for the audit log in each reader's language."""
        return audit.said("Purged: %(registrations)d registrations, %(tickets)d tickets, %(audit_entries)d audit "
                          "entries, %(scans)d scans, %(stories)d stories' tickets; %(mails)d mails deleted.",
                          **asdict(self))


def purge_personal_data() -> PurgeReport:
    """Remove visitors' personal data (one transaction, audit-logged), then rewrite the files."""
    with unit_of_work():
        if db.session.get_bind().dialect.name == "sqlite":
            # Freed and overwritten content is zeroed, not left in the pages this transaction writes.
            db.session.execute(text("PRAGMA secure_delete=ON"))
        report = PurgeReport(registrations=_registrations(), tickets=_tickets(), mails=_mails(),
                             audit_entries=_audit_entries(), scans=_scans(), stories=_stories())
        audit.record(None, "personal_data.purge", db.session.scalars(select(Exhibition)).first(),
                     report.said(), details=asdict(report))
    _leave_no_trace()
    return report


def _registrations() -> int:
    return db.session.execute(
        update(Registration).where(or_(Registration.name != "", Registration.email.is_not(None)))
        .values(name="", email=None)).rowcount


def _tickets() -> int:
    ids = db.session.scalars(select(Ticket.id).where(Ticket.code.not_like(f"{PLACEHOLDER}%"))).all()
    if ids:
        db.session.execute(update(Ticket), [
            {"id": ticket_id, "code": PLACEHOLDER + secrets.token_hex(12), "holder_name": "",
             "manage_key_hash": ""} for ticket_id in ids])
    return len(ids)


def _mails() -> int:
    return db.session.execute(delete(OutboxMail)).rowcount


def _audit_entries() -> int:
    """Entries about a registration or a ticket name the visitor (summary) and hold codes (details)."""
    return db.session.execute(
        update(AuditEntry).where(AuditEntry.target_type.in_(("registration", "ticket")),
                                 AuditEntry.summary != PURGED.text)
        .values(summary=PURGED.text, wording=PURGED.stored(), details={})).rowcount


def _scans() -> int:
    """A scan's answer named the holder; its nonce matches the queue a gate phone may keep (with codes)."""
    changed = [{"id": scan_id, "nonce": None, "answer": {**answer, "attendee": None}}
               for scan_id, nonce, answer in db.session.execute(select(Scan.id, Scan.nonce, Scan.answer))
               if nonce is not None or answer.get("attendee") is not None]
    if changed:
        db.session.execute(update(Scan), changed)
    return len(changed)


def _stories() -> int:
    return db.session.execute(update(Story).where(Story.ticket_id.is_not(None)).values(ticket_id=None)).rowcount


def _leave_no_trace() -> None:
    """SQLite: the WAL into the file, the file rebuilt (VACUUM), the WAL emptied. PostgreSQL: the
    touched tables rewritten (VACUUM FULL), so their old row versions leave the data files."""
    db.session.remove()
    engine = db.engine
    engine.dispose()  # closes this process's connections, secure_delete's included
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(engine.url.database, timeout=15, isolation_level=None)) as connection:
            for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
                busy = connection.execute(statement).fetchone()
                if busy and busy[0]:
                    raise OpsError("the data are purged, but a reader kept the WAL from being emptied: "
                                   "run the purge again when the app is quiet")
        return
    tables = ", ".join(f'"{model.__table__.name}"' for model in TOUCHED)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM FULL {tables}")
