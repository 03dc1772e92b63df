"""Staff pages about attendance under /staff/attendance: the live counts, looking a visitor up
and checking them in by hand, undoing a mistaken check-in (admins and gate staff), and pausing
entry at a gate or the whole venue (admins; everyone there sees the pauses)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.checkin import attendance, gates, services
from app.checkin.models import DAY_ENTRY
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.ids import parse_id
from app.staff.auth import roles_required
from app.staff.forms import ActionForm
from app.tickets.models import Ticket

bp = Blueprint("attendance", __name__, url_prefix="/staff")

#: Who sees attendance and may check in by hand or undo: admins, and gate staff.
ATTENDANCE_ROLES = ("admin", "gate")

RESULT_LABELS = {
    "ok": _l("Checked in."),
    "already_checked_in": _l("Already checked in."),
    "unknown_ticket": _l("Unknown ticket."),
    "wrong_day": _l("This ticket is not for today."),
    "not_registered": _l("Not registered for this session (or on its waiting list)."),
    "cancelled": _l("This ticket is cancelled."),
    "capacity_reached": _l("The exhibition is full: wait until someone leaves."),
    "not_inside": _l("Not inside."),
    "too_early": _l("Too early: this gate is not open yet."),
    "closed": _l("Closed: this gate no longer admits entries."),
    "entry_paused": _l("Entry is paused at this gate."),
}


class GatePauseForm(FlaskForm):
    """Pause entry at one gate (or, with the whole-venue button, at every gate)."""

    gate = StringField(_l("Gate"), validators=[Optional(), Length(max=services.GATE_MAX)])
    reason = StringField(_l("Reason (staff read it)"), validators=[Optional(), Length(max=gates.REASON_MAX)])


@bp.app_template_global()
def attendance_today() -> attendance.Summary | None:
    """Today's attendance for the dashboard's live block (None off-exhibition)."""
    return attendance.summary()


bp.add_app_template_global(ATTENDANCE_ROLES, "ATTENDANCE_ROLES")


def _page_context() -> dict:
    summary = attendance.summary()
    query = (request.args.get("q") or "").strip()
    found = attendance.find_tickets(query, day=summary.day) if summary and query else []
    return {"summary": summary, "query": query, "found": found, "action_form": ActionForm(),
            "pause_form": GatePauseForm(), "pauses": gates.paused_gates(),
            "presences": {ticket.id: attendance.presences(ticket, summary.day) for ticket in found}
            if summary else {}}


@bp.get("/attendance")
@roles_required(*ATTENDANCE_ROLES)
def attendance_page():
    """Live counts, the latest check-ins (with undo), and the visitor lookup."""
    context = _page_context()
    recent = attendance.recent(context["summary"].day) if context["summary"] else []
    return render_template("staff/attendance.html", recent=recent, DAY_ENTRY=DAY_ENTRY, **context)


@bp.get("/fragments/attendance")
@roles_required(*ATTENDANCE_ROLES)
def attendance_fragment():
    """The live part of the attendance page, fetched again on attendance_changed."""
    summary = attendance.summary()
    return render_template("staff/partials/attendance.html", summary=summary, action_form=ActionForm(),
                           recent=attendance.recent(summary.day) if summary else [], DAY_ENTRY=DAY_ENTRY)


def _back():
    query = request.form.get("q") or None
    return redirect(url_for("attendance.attendance_page", q=query))


@bp.get("/fragments/gates")
@roles_required(*ATTENDANCE_ROLES)
def gates_fragment():
    """The paused gates, fetched again on gates_changed."""
    return render_template("staff/partials/gate_pauses.html", pauses=gates.paused_gates())


def _gate_action(change, gate: str | None) -> None:
    try:
        state = change(gate)
    except ValidationFailed as error:
        flash(" ".join(str(message) for message in error.fields.values()), "error")
        return
    where = state.gate or _("every gate")
    paused = state.pause is not None
    flash(_("Entry paused at %(where)s.", where=where) if paused else _("Entry goes on at %(where)s.", where=where),
          "ok")


@bp.post("/gates/pause")
@roles_required("admin")
def pause_gate():
    """Pause entry at the gate named in the form, or (button "venue") at every gate."""
    form = GatePauseForm()
    if form.validate_on_submit():
        gate = None if "venue" in request.form else (form.gate.data or "")
        _gate_action(lambda name: gates.pause(name, current_user._get_current_object(), form.reason.data or ""), gate)
    return redirect(url_for("attendance.attendance_page"))


@bp.post("/gates/resume")
@roles_required("admin")
def resume_gate():
    """Let entry go on at the gate named in the form (none: the whole venue)."""
    if ActionForm().validate_on_submit():
        _gate_action(lambda name: gates.resume(name, current_user._get_current_object()),
                     request.form.get("gate") or None)
    return redirect(url_for("attendance.attendance_page"))


@bp.post("/attendance/tickets/<int:ticket_id>/check-in")
@roles_required(*ATTENDANCE_ROLES)
def manual_check_in(ticket_id: int):
    """Check a looked-up visitor in by hand, at the entrance or (session_id) a session."""
    ticket = db.session.get(Ticket, ticket_id) or abort(404)
    if ActionForm().validate_on_submit():
        session_id = request.form.get("session_id", type=parse_id) or None
        answer = services.manual_check_in(ticket, current_user._get_current_object(), session_id=session_id)
        message = str(RESULT_LABELS[answer["result"]])
        flash(f"{ticket.holder_name}: {message}", "ok" if answer["result"] == "ok" else "error")
    return _back()


@bp.post("/attendance/tickets/<int:ticket_id>/undo/<int:slot_id>")
@roles_required(*ATTENDANCE_ROLES)
def undo_check_in(ticket_id: int, slot_id: int):
    """Take back a mistaken check-in (slot 0: the entrance); the ticket can be scanned again."""
    ticket = db.session.get(Ticket, ticket_id) or abort(404)
    day = attendance.day_on() or abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.undo_check_in(ticket, day, slot_id, current_user._get_current_object())
            flash(_("Check-in of %(name)s undone: the ticket can be scanned again.", name=ticket.holder_name),
                  "ok")
        except DomainError as error:
            flash(str(error.message), "error")
    return _back()
