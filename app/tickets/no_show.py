"""No-show release: some minutes after a session begins, the places of those who have not come go
to people waiting who are at the venue, or back to the walk-in desk.

A session is released once. The conditional UPDATE that stamps `no_shows_released_at`
decides which process does it (its row count), in the same transaction as the seats
it releases, so two servers (or the loop and the staff button) never both release
a session or give a place twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from app import clock
from app.checkin.models import Presence
from app.db import database_outage, unit_of_work
from app.errors import DomainError
from app.extensions import db, socketio
from app.outages import first_line
from app.realtime import publish
from app.schedule.models import Slot
from app.staff import audit
from app.staff.models import StaffMember
from app.tickets import notify, outbox, rules, services
from app.tickets.models import Seat

#: Seconds between two rounds of the server's loop.
INTERVAL = 30


@dataclass(frozen=True)
class SessionRelease:
    """What the release of one session did: seats taken back, given to someone waiting, freed."""

    session_id: int
    released: int
    promoted: int

    @property
    def freed(self) -> int:
        return self.released - self.promoted


@dataclass
class ReleaseReport:
    sessions: list[SessionRelease] = field(default_factory=list)

    def summary(self) -> str:
        released = sum(item.released for item in self.sessions)
        promoted = sum(item.promoted for item in self.sessions)
        return (f"{len(self.sessions)} session(s) released: {released} seat(s) taken back, "
                f"{promoted} given to people waiting at the venue, {released - promoted} freed.")


def _due(now: datetime) -> list[int]:
    """Sessions whose release is due now (app.tickets.rules.no_show_release_due)."""
    candidates = db.session.scalars(
        select(Slot).where(Slot.status == "scheduled", Slot.requires_registration,
                           Slot.no_show_release_minutes.is_not(None), Slot.no_shows_released_at.is_(None),
                           Slot.starts_at <= now, Slot.ends_at > now).order_by(Slot.starts_at, Slot.id))
    return [slot.id for slot in candidates if rules.no_show_release_due(slot, now)]


def release_no_shows(now: datetime | None = None) -> ReleaseReport:
    """Release every session that is due (one transaction each); sessions another process
    released meanwhile are skipped."""
    now = now or clock.now()
    report = ReleaseReport()
    for slot_id in _due(now):
        released = _release(slot_id, now, actor=None)
        if released is not None:
            report.sessions.append(released)
    return report


def release_now(slot: Slot, *, actor: StaffMember, now: datetime | None = None) -> SessionRelease:
    """Staff release one session at once (from its start to its end), whatever its minutes say."""
    now = now or clock.now()
    if slot.is_cancelled or not slot.requires_registration:
        raise DomainError("not_releasable", _l("This session has no places to release."), status=409)
    if not slot.starts_at <= now < slot.ends_at:
        raise DomainError("not_running", _l("Places are released only while the session runs."), status=409)
    released = _release(slot.id, now, actor=actor)
    if released is None:
        raise DomainError("already_released", _l("The places of this session were released already."),
                          status=409)
    return released


def _claim(slot_id: int, now: datetime, *, by_staff: bool) -> bool:
    """Stamp the session as released; False if it was already, or is not running (or, for the
    loop, no longer set to release)."""
    conditions = [Slot.id == slot_id, Slot.no_shows_released_at.is_(None), Slot.status == "scheduled",
                  Slot.starts_at <= now, Slot.ends_at > now]
    if not by_staff:
        conditions.append(Slot.no_show_release_minutes.is_not(None))
    return db.session.execute(update(Slot).where(*conditions).values(no_shows_released_at=now)
                              .execution_options(synchronize_session="fetch")).rowcount == 1


def _lock_no_shows(slot_id: int) -> list[Seat]:
    """The session's confirmed seats whose holder has not come in, locked.

    A check-in there locks its seat until it commits (app.checkin.services), so the seats are
    locked first, and who came in is asked again once they are: on PostgreSQL a statement sees
    what was committed before it began, and the first one may have waited for an entry."""
    checked_in = exists().where(Presence.ticket_id == Seat.ticket_id, Presence.slot_id == slot_id)
    query = select(Seat).where(Seat.slot_id == slot_id, Seat.status == "confirmed", ~checked_in).order_by(Seat.id)
    locked = db.session.scalars(query.with_for_update(of=Seat)).all()
    if not locked:
        return []
    came_in = set(db.session.scalars(select(Presence.ticket_id).where(
        Presence.slot_id == slot_id, Presence.ticket_id.in_([seat.ticket_id for seat in locked]))))
    return [seat for seat in locked if seat.ticket_id not in came_in]


def _release(slot_id: int, now: datetime, *, actor: StaffMember | None) -> SessionRelease | None:
    with unit_of_work():
        if not _claim(slot_id, now, by_staff=actor is not None):
            return None
        slot = db.session.get(Slot, slot_id)
        no_shows = _lock_no_shows(slot_id)
        promoted = 0
        for seat in no_shows:
            seat.status, seat.released_at, seat.updated_at = "cancelled", now, now
            db.session.flush()
            notify.no_show_release(seat, now=now)
            if services.pass_on_seat(slot_id, now, present_on=slot.day_id) is not None:
                promoted += 1
        result = SessionRelease(session_id=slot_id, released=len(no_shows), promoted=promoted)
        audit.record(actor, "seat.no_show_release", slot,
                     audit.said("No-show seats of \u201c%(title)s\u201d released: %(released)d; to people "
                                "waiting at the venue: %(promoted)d, freed: %(freed)d", title=slot.title,
                                released=result.released, promoted=result.promoted, freed=result.freed),
                     details={"released": result.released, "promoted": result.promoted, "freed": result.freed,
                              "seats": [seat.id for seat in no_shows]}, now=now)
    outbox.deliver_soon()
    publish.places_changed()
    publish.seats_released(result)
    return result


def run_forever(app: Flask, interval: float = INTERVAL) -> None:
    """The server process's loop: a round every `interval` seconds; a failed round is logged and
    the next one tries again (each session is released once, whichever process gets there first)."""
    while True:
        with app.app_context():
            try:
                release_no_shows()
            except (OperationalError, InterfaceError) as error:  # the database is away: one warning an outage
                database_outage.failed(first_line(error))
            except Exception:
                app.logger.exception("No-show release failed; the next round will try again")
            finally:
                db.session.remove()
        socketio.sleep(interval)
