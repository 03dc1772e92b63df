"""Checking tickets in and out at the gates: one answer per scan, decided by the database.

An entry flips the ticket's Presence row from outside to inside with one conditional
UPDATE (or creates it, guarded by a unique constraint); whoever flips it gets `ok`,
every other gate `already_checked_in`. A scan's nonce is unique too: a re-sent scan
returns the first answer and counts once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.clock import timestamp
from app.checkin import rules
from app.checkin.models import DAY_ENTRY, Presence, Scan
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.schedule.models import ExhibitionDay, Slot
from app.staff import audit
from app.tickets.models import DayEntry, Seat, Ticket

GATE_MAX = 60


@dataclass(frozen=True)
class ScanRequest:
    """What a scanner sends: the text it read, where, and (offline) when."""

    scan: str
    gate: str
    session_id: int | None = None
    direction: str = "in"
    nonce: str | None = None
    scanned_at: datetime | None = None


class _Refused(Exception):
    """A scan that changes nothing: its result code."""

    def __init__(self, result: str):
        super().__init__(result)
        self.result = result


def _check(req: ScanRequest) -> None:
    errors = {}
    if not (req.gate or "").strip() or len(req.gate) > GATE_MAX:
        errors["gate"] = _l("Name the gate (at most %(limit)d characters).", limit=GATE_MAX)
    if req.direction not in ("in", "out"):
        errors["direction"] = _l("Use in or out.")
    if req.nonce is not None and not 1 <= len(req.nonce) <= 64:
        errors["nonce"] = _l("At most %(limit)d characters.", limit=64)
    if errors:
        raise ValidationFailed(errors)


def _place(ticket: Ticket | None, req: ScanRequest, moment: datetime) -> tuple[ExhibitionDay, int]:
    """The day and place (a session, or the entrance) the scan is for, or why not."""
    if ticket is None:
        raise _Refused("unknown_ticket")
    if not ticket.is_active:
        raise _Refused("cancelled")
    day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == clock.today(moment))).first()
    if day is None or db.session.get(DayEntry, (ticket.id, day.id)) is None:
        raise _Refused("wrong_day")
    if req.session_id is None:
        return day, DAY_ENTRY
    slot = db.session.get(Slot, req.session_id)
    if slot is None or slot.day_id != day.id:
        raise _Refused("wrong_day")
    if slot.requires_registration:
        seat = db.session.scalars(select(Seat).where(Seat.ticket_id == ticket.id, Seat.slot_id == slot.id)).first()
        if seat is None or seat.status != "confirmed":
            raise _Refused("not_registered")
    return day, slot.id


def _enter(ticket: Ticket, day: ExhibitionDay, slot_id: int, gate: str, moment: datetime) -> None:
    where = (Presence.ticket_id == ticket.id, Presence.day_id == day.id, Presence.slot_id == slot_id)
    # Back in after an exit: only the scan that flips `inside` gets ok.
    flipped = db.session.execute(update(Presence).where(*where, Presence.inside.is_(False))
                                 .values(inside=True, last_in_at=moment)
                                 .execution_options(synchronize_session="fetch")).rowcount
    if not flipped:
        try:
            with db.session.begin_nested():
                db.session.add(Presence(ticket_id=ticket.id, day_id=day.id, slot_id=slot_id, inside=True,
                                        first_checked_in_at=moment, first_gate=gate, last_in_at=moment))
        except IntegrityError:
            # Another gate (or an earlier scan) got there first: the unique row decides.
            raise _Refused("already_checked_in") from None
    if slot_id == DAY_ENTRY:
        counted = db.session.execute(
            update(ExhibitionDay).where(ExhibitionDay.id == day.id,
                                        (ExhibitionDay.max_inside.is_(None))
                                        | (ExhibitionDay.inside_now < ExhibitionDay.max_inside))
            .values(inside_now=ExhibitionDay.inside_now + 1).execution_options(synchronize_session="fetch")).rowcount
        if not counted:
            raise _Refused("capacity_reached")


def _leave(ticket: Ticket, day: ExhibitionDay, slot_id: int, moment: datetime) -> None:
    left = db.session.execute(
        update(Presence).where(Presence.ticket_id == ticket.id, Presence.day_id == day.id,
                               Presence.slot_id == slot_id, Presence.inside.is_(True))
        .values(inside=False, last_out_at=moment).execution_options(synchronize_session="fetch")).rowcount
    if not left:
        raise _Refused("not_inside")
    if slot_id == DAY_ENTRY:
        db.session.execute(update(ExhibitionDay).where(ExhibitionDay.id == day.id, ExhibitionDay.inside_now > 0)
                           .values(inside_now=ExhibitionDay.inside_now - 1)
                           .execution_options(synchronize_session="fetch"))


def _answer(result: str, ticket: Ticket | None, presence: Presence | None, moment: datetime) -> dict:
    known = ticket is not None and result not in ("unknown_ticket",)
    return {
        "result": result,
        "attendee": {"name": ticket.holder_name} if known else None,
        "checked_in_at": timestamp(moment) if result == "ok" else None,
        "first_checked_in_at": timestamp(presence.first_checked_in_at) if presence else None,
        "first_gate": presence.first_gate if presence else None,
    }


def check_in(req: ScanRequest, *, staff=None, now: datetime | None = None) -> dict:
    """Answer one scan (entry or exit, at the entrance or a session) and log it."""
    _check(req)
    if req.nonce:
        earlier = db.session.scalars(select(Scan).where(Scan.nonce == req.nonce)).first()
        if earlier is not None:
            return earlier.answer
    now = now or clock.now()
    moment = req.scanned_at or now
    code = rules.ticket_code(req.scan)
    try:
        with unit_of_work():
            ticket = db.session.scalars(select(Ticket).where(Ticket.code == code)).first() if code else None
            day = slot_id = None
            try:
                with db.session.begin_nested():
                    day, slot_id = _place(ticket, req, moment)
                    if req.direction == "in":
                        _enter(ticket, day, slot_id, req.gate.strip(), moment)
                    else:
                        _leave(ticket, day, slot_id, moment)
                result = "ok"
            except _Refused as refused:
                result = refused.result
            presence = None
            if day is not None:
                presence = db.session.scalars(
                    select(Presence).where(Presence.ticket_id == ticket.id, Presence.day_id == day.id,
                                           Presence.slot_id == slot_id)
                    .execution_options(populate_existing=True)).first()
            answer = _answer(result, ticket, presence, moment)
            db.session.add(Scan(nonce=req.nonce, ticket_id=ticket.id if ticket else None,
                                day_id=day.id if day else None,
                                slot_id=slot_id if slot_id not in (None, DAY_ENTRY) else None,
                                gate=req.gate.strip(), direction=req.direction, result=result,
                                scanned_at=moment, received_at=now,
                                staff_member_id=getattr(staff, "id", None), answer=answer))
    except IntegrityError:
        # The same nonce arrived twice at once: the first one's answer stands.
        db.session.rollback()
        earlier = db.session.scalars(select(Scan).where(Scan.nonce == req.nonce)).first()
        if earlier is None:
            raise
        return earlier.answer
    if result == "ok":
        publish.attendance_changed()
    return answer


def undo_check_in(ticket: Ticket, day: ExhibitionDay, slot_id: int, actor, *,
                  now: datetime | None = None) -> None:
    """Take back a mistaken check-in: its Presence goes (and, at the entrance, the count of
    people inside drops if it was inside), audit-logged as checkin.undo in the same unit of
    work; the ticket can then be checked in again. The scan log keeps what happened."""
    now = now or clock.now()
    with unit_of_work():
        presence = db.session.scalars(
            select(Presence).where(Presence.ticket_id == ticket.id, Presence.day_id == day.id,
                                   Presence.slot_id == slot_id).with_for_update()).first()
        if presence is None:
            raise DomainError("not_checked_in", _l("This ticket is not checked in there."), status=404)
        was_inside = presence.inside
        details = {"ticket": ticket.code, "day": day.date.isoformat(),
                   "session_id": slot_id if slot_id != DAY_ENTRY else None,
                   "first_gate": presence.first_gate,
                   "first_checked_in_at": timestamp(presence.first_checked_in_at), "inside": was_inside}
        db.session.delete(presence)
        if slot_id == DAY_ENTRY and was_inside:
            db.session.execute(update(ExhibitionDay).where(ExhibitionDay.id == day.id, ExhibitionDay.inside_now > 0)
                               .values(inside_now=ExhibitionDay.inside_now - 1)
                               .execution_options(synchronize_session="fetch"))
        place = "the entrance" if slot_id == DAY_ENTRY else f"session {slot_id}"
        audit.record(actor, "checkin.undo", ticket,
                     f"Undid the check-in of \u201c{ticket.holder_name}\u201d at {place}", details=details, now=now)
    publish.attendance_changed()


def desk_gate(actor) -> str:
    """The gate name of a check-in made by hand at the desk."""
    return f"Desk: {getattr(actor, 'name', None) or getattr(actor, 'email', 'staff')}"[:GATE_MAX]


def manual_check_in(ticket: Ticket, actor, *, session_id: int | None = None,
                    now: datetime | None = None) -> dict:
    """Check a visitor in by hand (looked up by name or email): the same check_in as a scan, at
    the gate "Desk: <staff name>"; an ok is audit-logged as checkin.manual."""
    answer = check_in(ScanRequest(scan=ticket.code, gate=desk_gate(actor), session_id=session_id),
                      staff=actor, now=now)
    if answer["result"] == "ok":
        with unit_of_work():
            audit.record(actor, "checkin.manual", ticket,
                         f"Checked in \u201c{ticket.holder_name}\u201d by hand",
                         details={"ticket": ticket.code, "session_id": session_id, "gate": desk_gate(actor)},
                         now=now)
    return answer
