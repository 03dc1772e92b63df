"""Pausing entry at one gate, or at every gate (the whole venue), and resuming it.

A pause is a GatePause row that exists while it lasts; its unique gate decides, so pausing
twice (or from several consoles at once) leaves one row and one audit entry, and resuming a
gate that is not paused changes nothing. Entries at a paused gate answer `entry_paused`
(app.checkin.services); exits go on. Gate names are matched by their key (app.checkin.rules.gate_key:
spaces and case aside), so a pause of "North door" holds a scanner set up as "north door".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import clock
from app.checkin.models import WHOLE_VENUE, GatePause
from app.checkin.rules import gate_key
from app.checkin.services import GATE_MAX
from app.clock import timestamp
from app.db import execute_core, insert_or_update, unit_of_work
from app.errors import ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.staff import audit
from app.staff.models import StaffMember
from app.text import clean_line

REASON_MAX = 200


@dataclass(frozen=True)
class Pause:
    """One pause as staff see it."""

    gate: str | None  # None: the whole venue
    reason: str
    paused_at: datetime
    paused_by: str | None  # the staff member's name (or email)


@dataclass(frozen=True)
class GateState:
    """A gate's (or, with gate None, the whole venue's) own pause, and whether the venue is paused."""

    gate: str | None
    pause: Pause | None
    venue_paused: bool


def gate_name(gate: str | None) -> str:
    """The stored name: the gate as scanners send it, or WHOLE_VENUE for None."""
    if gate is None:
        return WHOLE_VENUE
    name = gate.strip() if isinstance(gate, str) else ""
    if not name or len(name) > GATE_MAX or name == WHOLE_VENUE:
        raise ValidationFailed({"gate": _l("Name the gate (at most %(limit)d characters).", limit=GATE_MAX)})
    return name


def _clean_reason(reason) -> str:
    if reason is None:
        return ""
    text = clean_line(reason) if isinstance(reason, str) else None
    if text is None or len(text) > REASON_MAX:
        raise ValidationFailed({"reason": _l("At most %(limit)d characters.", limit=REASON_MAX)})
    return text


def _said(name: str, *, paused: bool) -> audit.Said:
    """"Paused entry at the gate “North door”" or "… at the whole venue", for the audit log."""
    if paused:
        return (audit.said("Paused entry at the whole venue") if name == WHOLE_VENUE
                else audit.said("Paused entry at the gate \u201c%(gate)s\u201d", gate=name))
    return (audit.said("Resumed entry at the whole venue") if name == WHOLE_VENUE
            else audit.said("Resumed entry at the gate \u201c%(gate)s\u201d", gate=name))


def paused_gates() -> list[Pause]:
    """Every pause in force: the whole venue's first, then the gates by name."""
    rows = db.session.execute(
        select(GatePause, StaffMember.name, StaffMember.email)
        .outerjoin(StaffMember, StaffMember.id == GatePause.paused_by_id).order_by(GatePause.gate))
    pauses = [Pause(None if row.gate == WHOLE_VENUE else row.gate, row.reason, row.paused_at, name or email)
              for row, name, email in rows]
    return sorted(pauses, key=lambda pause: pause.gate is not None)


def state(gate: str | None) -> GateState:
    pauses = paused_gates()
    key = None if gate is None else gate_key(gate)
    own = next((pause for pause in pauses if (pause.gate and gate_key(pause.gate)) == key), None)
    return GateState(gate, own, any(pause.gate is None for pause in pauses))


def pause(gate: str | None, actor, reason: str = "", *, now: datetime | None = None) -> GateState:
    """Pause entry at `gate` (None: every gate) with a reason staff read; already paused: nothing
    changes (the first pause and its reason stand)."""
    name, reason = gate_name(gate), _clean_reason(reason)
    now = now or clock.now()
    with unit_of_work():
        statement = insert_or_update(db.session.get_bind().dialect.name, GatePause)
        added = execute_core(statement.on_conflict_do_nothing(index_elements=["key"]).returning(GatePause.id), {
            "gate": name, "key": gate_key(name), "reason": reason, "paused_at": now,
            "paused_by_id": getattr(actor, "id", None)}).scalar()
        if added is not None:
            audit.record(actor, "gate.pause", db.session.get(GatePause, added), _said(name, paused=True),
                         details={"gate": gate and name, "reason": reason}, now=now)
    if added is not None:
        publish.gates_changed()
    return state(gate and name)


def resume(gate: str | None, actor, *, now: datetime | None = None) -> GateState:
    """Let entry go on at `gate` (None: the whole venue; a gate's own pause is left as it is)."""
    name = gate_name(gate)
    with unit_of_work():
        paused = db.session.scalars(select(GatePause).where(GatePause.key == gate_key(name))
                                    .with_for_update()).first()
        if paused is not None:
            audit.record(actor, "gate.resume", paused, _said(name, paused=False),
                         details={"gate": gate and name, "paused_at": timestamp(paused.paused_at),
                                  "reason": paused.reason}, now=now)
            db.session.delete(paused)
    if paused is not None:
        publish.gates_changed()
    return state(gate and name)


def pause_json(pause: Pause) -> dict:
    return {"gate": pause.gate, "paused_at": timestamp(pause.paused_at), "reason": pause.reason,
            "paused_by": pause.paused_by}


def state_json(gate_state: GateState) -> dict:
    """The answer of a pause or resume: {"gate", "paused", "paused_at", "reason", "paused_by",
    "venue_paused"}."""
    own = gate_state.pause
    return {"gate": gate_state.gate, "paused": own is not None,
            "paused_at": timestamp(own.paused_at) if own else None, "reason": own.reason if own else None,
            "paused_by": own.paused_by if own else None, "venue_paused": gate_state.venue_paused}


def pauses_json() -> dict:
    """Every pause in force, as the scanners and GET /api/v1/gates get it: {"venue_paused",
    "venue": <pause or null>, "gates": [<pause>, ...]}."""
    pauses = paused_gates()
    venue = next((pause for pause in pauses if pause.gate is None), None)
    return {"venue_paused": venue is not None, "venue": pause_json(venue) if venue else None,
            "gates": [pause_json(pause) for pause in pauses if pause.gate is not None]}
