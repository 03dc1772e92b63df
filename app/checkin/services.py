"""Checking tickets in and out at the gates: one answer per scan, decided by the database.

An entry flips the ticket's Presence row from outside to inside with one conditional
UPDATE (or creates it, guarded by a unique constraint); whoever flips it gets `ok`,
every other gate `already_checked_in`. A scan's nonce is unique too: a re-sent scan
returns the first answer and counts once.

The order of the answers (the first that applies): `unknown_ticket`, `cancelled`, `wrong_day`
(the ticket, then its day, then the session's day); for an entry then `entry_paused` (staff
paused the gate or the whole venue: app.checkin.gates), `too_early` / `closed` (the day's
opening hours at the entrance, the session's check-in window at a session: app.checkin.rules),
`not_registered`; then what the write decides: `already_checked_in`, `capacity_reached`, or for
an exit `not_inside`. Exits are never refused for a pause or the hours: people leave after
closing. The gate's rules ride on the lookups the scan makes anyway (the ticket's, the
session's), so they cost no round trip.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, outerjoin

from app import clock
from app.clock import timestamp
from app.checkin import rules
from app.checkin.models import DAY_ENTRY, WHOLE_VENUE, GatePause, Presence, Scan
from app.db import execute_core, expire_loaded, insert_or_update, unit_of_work
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


class _RefusedAfterWrite(_Refused):
    """A refusal found after the scan already wrote (the venue was full): the unit of work is
    rolled back, and the scan is logged in one of its own."""


@dataclass(frozen=True)
class _Holder:
    """The scanned ticket as the gate needs it, its right to enter on the scan's day, that day's
    opening hours, and whether entry is paused at the scan's gate."""

    id: int
    status: str
    holder_name: str
    day_id: int | None
    has_day_entry: bool
    opens_at: datetime | None
    closes_at: datetime | None
    paused: bool


def _check(req: ScanRequest, now: datetime) -> None:
    errors = {}
    if req.scanned_at is not None and (error := rules.scanned_at_error(req.scanned_at, now)):
        errors["scanned_at"] = error
    if not (req.gate or "").strip() or len(req.gate) > GATE_MAX:
        errors["gate"] = _l("Name the gate (at most %(limit)d characters).", limit=GATE_MAX)
    if req.direction not in ("in", "out"):
        errors["direction"] = _l("Use in or out.")
    if req.nonce is not None and not 1 <= len(req.nonce) <= 64:
        errors["nonce"] = _l("At most %(limit)d characters.", limit=64)
    if errors:
        raise ValidationFailed(errors)


_DAY = aliased(ExhibitionDay)
#: Entry is paused at the scan's gate, or at every gate.
_PAUSED = exists().where(GatePause.key.in_([bindparam("gate_key"), WHOLE_VENUE]))
#: The scanned ticket, the scan day's id and hours, the ticket's entry that day, and the gate's
#: pause: one SELECT, built once.
_FIND_HOLDER = (
    select(Ticket.id, Ticket.status, Ticket.holder_name, _DAY.id, DayEntry.day_id, _DAY.opens_at,
           _DAY.closes_at, _PAUSED)
    .select_from(outerjoin(Ticket, _DAY, _DAY.date == bindparam("day"))
                 .outerjoin(DayEntry, (DayEntry.ticket_id == Ticket.id) & (DayEntry.day_id == _DAY.id)))
    .where(Ticket.code == bindparam("code")))


def _find(code: str | None, gate: str, moment: datetime) -> _Holder | None:
    """The ticket behind `code`, with the scan day's id and hours, whether it may enter that
    day, and whether entry is paused at `gate`."""
    if not code:
        return None
    row = execute_core(_FIND_HOLDER, {"code": code, "day": clock.today(moment),
                                      "gate_key": rules.gate_key(gate)}).first()
    if row is None:
        return None
    ticket_id, status, holder_name, day_id, entry_day, opens_at, closes_at, paused = row
    return _Holder(ticket_id, status, holder_name, day_id, entry_day is not None, opens_at, closes_at,
                   bool(paused))


def _admit(holder: _Holder, hours_refusal: str | None) -> None:
    """An entry's gate rules: the gate's pause first, then the hours (or the session's window)."""
    if holder.paused:
        raise _Refused("entry_paused")
    if hours_refusal:
        raise _Refused(hours_refusal)


def _place(holder: _Holder | None, req: ScanRequest, moment: datetime) -> tuple[int, int]:
    """The day and place (a session, or the entrance) the scan is for, or why not.

    Entering needs the right to (an active ticket, the day, an open gate within its hours, a
    confirmed seat); leaving needs only to be inside (_leave): a ticket cancelled, or a seat
    given back, while its holder was inside still lets them out, so the count of people inside
    comes down. A session's entry keeps to its own check-in window, not the day's hours (an
    evening premiere may run past the exhibition's closing)."""
    if holder is None:
        raise _Refused("unknown_ticket")
    leaving = req.direction == "out"
    if holder.status != "active" and not leaving:
        raise _Refused("cancelled")
    if holder.day_id is None or not (holder.has_day_entry or leaving):
        raise _Refused("wrong_day")
    if req.session_id is None:
        if not leaving:
            _admit(holder, rules.day_entry_refusal(holder.opens_at, holder.closes_at, moment))
        return holder.day_id, DAY_ENTRY
    slot = db.session.execute(select(Slot.day_id, Slot.requires_registration, Slot.starts_at, Slot.ends_at,
                                     Slot.checkin_opens_minutes)
                              .where(Slot.id == req.session_id)).first()
    if slot is None or slot.day_id != holder.day_id:
        raise _Refused("wrong_day")
    if not leaving:
        _admit(holder, rules.session_entry_refusal(slot.starts_at, slot.ends_at, slot.checkin_opens_minutes,
                                                   moment))
    if slot.requires_registration and not leaving:
        # Locked until the entry commits: a no-show release at this instant waits, then sees it
        # (app.tickets.no_show), or has released the seat first and this entry is refused.
        seat = db.session.scalar(select(Seat.status).where(Seat.ticket_id == holder.id,
                                                           Seat.slot_id == req.session_id).with_for_update())
        if seat != "confirmed":
            raise _Refused("not_registered")
    return holder.day_id, req.session_id


def _first_entry(row) -> dict:
    return {"first_checked_in_at": row.first_checked_in_at, "first_gate": row.first_gate}


#: One more person inside the day's entrance, within its limit (if it has one).
_COUNT_IN = (update(ExhibitionDay)
             .where(ExhibitionDay.id == bindparam("day"),
                    ExhibitionDay.max_inside.is_(None) | (ExhibitionDay.inside_now < ExhibitionDay.max_inside))
             .values(inside_now=ExhibitionDay.inside_now + 1))
_COUNT_OUT = (update(ExhibitionDay)
              .where(ExhibitionDay.id == bindparam("day"), ExhibitionDay.inside_now > 0)
              .values(inside_now=ExhibitionDay.inside_now - 1))
_PLACE = (Presence.ticket_id == bindparam("ticket"), Presence.day_id == bindparam("day"),
          Presence.slot_id == bindparam("slot"))
_GO_OUT = (update(Presence).where(*_PLACE, Presence.inside.is_(True))
           .values(inside=False, last_out_at=bindparam("moment"))
           .returning(Presence.first_checked_in_at, Presence.first_gate))
_FIRST_ENTRY = select(Presence.first_checked_in_at, Presence.first_gate).where(*_PLACE)
_LOG_SCAN = insert(Scan)


@cache
def _go_in(dialect: str):
    """Create the Presence, or flip it back in after an exit, unless it is inside already: one
    upsert (the unique ticket, day and place decide), built once per database kind."""
    statement = insert_or_update(dialect, Presence)
    return (statement.on_conflict_do_update(index_elements=["ticket_id", "day_id", "slot_id"],
                                            set_={"inside": True, "last_in_at": statement.excluded.last_in_at},
                                            where=Presence.inside.is_(False))
            .returning(Presence.first_checked_in_at, Presence.first_gate))


def _enter(holder: _Holder, day_id: int, slot_id: int, gate: str, moment: datetime) -> dict:
    """Let the holder in; when inside already, another gate (or an earlier scan) got the ok. At
    the entrance the day's count of people inside goes up, within its limit."""
    entered = execute_core(_go_in(db.session.get_bind().dialect.name), {
        "ticket_id": holder.id, "day_id": day_id, "slot_id": slot_id, "inside": True,
        "first_checked_in_at": moment, "first_gate": gate, "last_in_at": moment}).first()
    if entered is None:
        raise _Refused("already_checked_in")
    if slot_id == DAY_ENTRY and not execute_core(_COUNT_IN, {"day": day_id}).rowcount:
        raise _RefusedAfterWrite("capacity_reached")
    return _first_entry(entered)


def _leave(holder: _Holder, day_id: int, slot_id: int, moment: datetime) -> dict:
    left = execute_core(_GO_OUT, {"ticket": holder.id, "day": day_id, "slot": slot_id, "moment": moment}).first()
    if left is None:
        raise _Refused("not_inside")
    if slot_id == DAY_ENTRY:
        execute_core(_COUNT_OUT, {"day": day_id})
    return _first_entry(left)


def _presence_of(holder: _Holder, day_id: int, slot_id: int) -> dict | None:
    """When and where the holder first came in there (for a refused scan's answer), if ever."""
    row = execute_core(_FIRST_ENTRY, {"ticket": holder.id, "day": day_id, "slot": slot_id}).first()
    return _first_entry(row) if row else None


def _answer(result: str, holder: _Holder | None, first: dict | None, moment: datetime) -> dict:
    return {
        "result": result,
        "attendee": {"name": holder.holder_name} if holder is not None else None,
        "checked_in_at": timestamp(moment) if result == "ok" else None,
        "first_checked_in_at": timestamp(first["first_checked_in_at"]) if first else None,
        "first_gate": first["first_gate"] if first else None,
    }


def _earlier_answer(nonce: str | None) -> dict | None:
    return db.session.scalar(select(Scan.answer).where(Scan.nonce == nonce)) if nonce else None


def _answer_and_log(req: ScanRequest, code: str | None, staff, now: datetime, moment: datetime,
                    refused: str | None = None) -> dict:
    """One unit of work: decide the scan (or take the given refusal), change what it changes,
    and log it with its answer."""
    gate = req.gate.strip()
    with unit_of_work():
        holder = _find(code, gate, moment)
        day_id = slot_id = first = None
        try:
            day_id, slot_id = _place(holder, req, moment)
            if refused:
                raise _Refused(refused)
            if req.direction == "in":
                first = _enter(holder, day_id, slot_id, gate, moment)
            else:
                first = _leave(holder, day_id, slot_id, moment)
            result = "ok"
        except _RefusedAfterWrite:
            raise
        except _Refused as refusal:
            result = refusal.result
            if day_id is not None:
                first = _presence_of(holder, day_id, slot_id)
        answer = _answer(result, holder, first, moment)
        execute_core(_LOG_SCAN, {
            "nonce": req.nonce, "ticket_id": holder.id if holder else None, "day_id": day_id,
            "slot_id": slot_id if slot_id not in (None, DAY_ENTRY) else None,
            "gate": gate, "direction": req.direction, "result": result, "scanned_at": moment, "received_at": now,
            "staff_member_id": getattr(staff, "id", None), "answer": answer})
    expire_loaded(Presence, ExhibitionDay)
    return answer


def check_in(req: ScanRequest, *, staff=None, now: datetime | None = None) -> dict:
    """Answer one scan (entry or exit, at the entrance or a session) and log it.

    A scan re-sent with the same nonce gets the first answer: the Scan's unique nonce
    decides, so the usual scan costs no lookup for it. A `scanned_at` too far ahead of `now`
    is a ValidationFailed on it (rules.scanned_at_error)."""
    now = now or clock.now()
    _check(req, now)
    moment = req.scanned_at or now
    code = rules.ticket_code(req.scan)
    try:
        try:
            answer = _answer_and_log(req, code, staff, now, moment)
        except _RefusedAfterWrite as refusal:
            answer = _answer_and_log(req, code, staff, now, moment, refused=refusal.result)
    except IntegrityError:
        # This nonce was answered before (or is being answered right now): that answer stands.
        db.session.rollback()
        earlier = _earlier_answer(req.nonce)
        if earlier is None:
            raise
        return earlier
    if answer["result"] == "ok":
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
        audit.record(actor, "checkin.undo", ticket,
                     audit.said("Undid the check-in of \u201c%(name)s\u201d at the entrance", name=ticket.holder_name)
                     if slot_id == DAY_ENTRY else
                     audit.said("Undid the check-in of \u201c%(name)s\u201d at session %(session)s",
                                name=ticket.holder_name, session=slot_id), details=details, now=now)
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
                         audit.said("Checked in \u201c%(name)s\u201d by hand", name=ticket.holder_name),
                         details={"ticket": ticket.code, "session_id": session_id, "gate": desk_gate(actor)},
                         now=now)
    return answer
