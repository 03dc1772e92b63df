"""Staff pages for notices to visitors: the notices sent, writing one, its preview, sending it.

Admins only: a notice reaches every registered visitor's inbox in the festival's name, and its
audience (the whole exhibition, a day's or a session's list) is the attendee data only admins see.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.schedule import services as schedule
from app.schedule.formatting import day_label
from app.security import allow_style_attributes
from app.staff.auth import roles_required
from app.staff.forms import pair, show_errors
from app.tickets import notices, queries
from app.tickets.notices import BODY_MAX, SUBJECT_MAX, NoticeDraft

bp = Blueprint("notices", __name__, url_prefix="/staff")

SCOPE_LABELS = {"session": _l("Everyone booked for or waiting for a session"),
                "day": _l("Everyone with a ticket for a day"),
                "exhibition": _l("Everyone with an active ticket (the whole exhibition)")}


class NoticeForm(FlaskForm):
    """The draft; app.tickets.notices judges it (required texts, lengths, the session or day)."""

    scope = RadioField(_l("Send to"), default="session",
                       choices=[SelectChoice(scope, label) for scope, label in SCOPE_LABELS.items()])
    slot_id = SelectField(_l("Session"), coerce=int, default=0, validate_choice=False)
    day_id = SelectField(_l("Day"), coerce=int, default=0, validate_choice=False)
    subject_zh = StringField(_l("Subject (Chinese)"), render_kw={"maxlength": SUBJECT_MAX})
    subject_en = StringField(_l("Subject (English)"), render_kw={"maxlength": SUBJECT_MAX})
    body_zh = TextAreaField(_l("Message (Chinese)"), render_kw={"maxlength": BODY_MAX})
    body_en = TextAreaField(_l("Message (English)"), render_kw={"maxlength": BODY_MAX})
    #: Made by the preview: sending twice with it mails nobody twice.
    nonce = HiddenField()


def _form() -> NoticeForm:
    form = NoticeForm()
    form.slot_id.choices = [SelectChoice(0, "—")] + [SelectChoice(slot.id, queries.session_label(slot))
                                                     for slot in queries.registration_sessions()]
    form.day_id.choices = [SelectChoice(0, "—")] + [SelectChoice(day.id, day_label(day.date))
                                                    for day in schedule.list_days()]
    return form


def _draft(form: NoticeForm) -> NoticeDraft:
    return NoticeDraft(scope=form.scope.data, subject=pair(form, "subject"), body=pair(form, "body"),
                       slot_id=form.slot_id.data or None, day_id=form.day_id.data or None,
                       nonce=form.nonce.data or None)


def _editor(form: NoticeForm, status: int = 200):
    return render_template("staff/notices.html", form=form, sent=notices.sent_notices(),
                           session_label=queries.session_label), status


@bp.route("/notices", methods=["GET", "POST"])
@roles_required("admin")
def notice_list():
    """The notices sent and the form to write one; a POST (Edit, from the preview) refills it."""
    form = _form()
    if form.is_submitted() and not form.validate():
        return _editor(form, 422)
    form.nonce.data = ""
    return _editor(form)


@bp.post("/notices/preview")
@roles_required("admin")
def preview_notice():
    """What a zh and an en visitor will receive, and how many addresses; nothing is written."""
    form = _form()
    if not form.validate_on_submit():
        return _editor(form, 422)
    try:
        shown = notices.preview(_draft(form))
    except DomainError as error:
        show_errors(form, error.fields or {})
        return _editor(form, 422)
    form.nonce.data = form.nonce.data or secrets.token_urlsafe(16)
    page = make_response(render_template("staff/notices_preview.html", form=form, preview=shown,
                                         scope_labels=SCOPE_LABELS, target=_target(form)))
    return allow_style_attributes(page, *(mail.html for mail in shown.mails.values()))


@bp.post("/notices/send")
@roles_required("admin")
def send_notice():
    """Send the previewed notice (a repeat with the same nonce sends nothing again), then back to the list."""
    form = _form()
    if not form.validate_on_submit():
        return _editor(form, 422)
    try:
        notice = notices.send(_draft(form), actor=current_user)
    except DomainError as error:
        show_errors(form, error.fields or {})
        return _editor(form, 422)
    flash(ngettext("Notice sent: %(num)d mail is on its way.", "Notice sent: %(num)d mails are on their way.",
                   notice.recipients), "ok")
    return redirect(url_for("notices.notice_list"))


def _target(form: NoticeForm) -> str:
    """The chosen session or day in words, for the preview's heading."""
    field = {"session": form.slot_id, "day": form.day_id}.get(form.scope.data)
    if field is None:
        return ""
    return next((str(choice.label) for choice in field.choices if choice.value == field.data), "")
