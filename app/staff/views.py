"""The /staff console: sign-in, the dashboard, accounts and the audit log."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import clock
from app.errors import DomainError, ValidationFailed
from app.extensions import db, limiter
from app.i18n import localized
from app.ids import parse_id
from app.schedule import services as schedule
from app.security import same_site_path
from app.staff import audit, glance, services
from app.staff.auth import public, roles_required
from app.staff.forms import AccountForm, ActionForm, LoginForm, show_errors
from app.schedule.models import JuryMember
from app.staff.models import ROLES, StaffMember

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: Every role may open the dashboard; each sees the links of its own part.
ALL_ROLES = ROLES


def _login_limit_key() -> str:
    """Per address *and* email: a venue's shared Wi-Fi address never locks out other staff."""
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


def _safe_next(target: str | None) -> str:
    if same_site_path(target, "/staff"):
        return target
    return url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", key_func=_login_limit_key, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        member = services.authenticate_password(form.email.data, form.password.data)
        if member is not None:
            login_user(member)
            services.note_sign_in(member)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("Wrong email or password.")]
        return render_template("staff/login.html", form=form), 401
    return render_template("staff/login.html", form=form), 400 if form.is_submitted() else 200


@bp.post("/logout")
@roles_required(*ALL_ROLES)
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
    return redirect(url_for("staff.login"))


@bp.get("", strict_slashes=False)
@roles_required(*ALL_ROLES)
def dashboard():
    if current_user.role == "jury":
        from app.challenge.jury_views import landing

        return landing()  # a juror's console is the scoring page
    on_now, up_next = schedule.now_and_next()
    today = schedule.list_slots(day=clock.today())
    return render_template("staff/dashboard.html", on_now=on_now, up_next=up_next, today=today,
                           days=schedule.list_days())


@bp.get("/fragments/today")
@roles_required(*ALL_ROLES)
def today_fragment():
    """The dashboard's live part, fetched again when the programme changes."""
    on_now, up_next = schedule.now_and_next()
    return render_template("staff/partials/today.html", on_now=on_now, up_next=up_next,
                           today=schedule.list_slots(day=clock.today()))


#: Who sees the day's operating rules on the dashboard: those who run the doors and the day.
RULES_ROLES = ("admin", "gate")
bp.add_app_template_global(RULES_ROLES, "RULES_ROLES")
bp.add_app_template_global(glance.today, "operating_rules_today")


@bp.get("/fragments/rules")
@roles_required(*RULES_ROLES)
def rules_fragment():
    """The dashboard's operating rules, fetched again when a gate, a session or a booking changes."""
    return render_template("staff/partials/operating_rules.html", glance=glance.today())


@bp.route("/accounts", methods=["GET", "POST"])
@roles_required("admin")
def accounts():
    """List accounts and add one; a new account's password and token are shown once."""
    form = account_form()
    issued = None
    if form.validate_on_submit():
        try:
            issued = services.add_staff(form.email.data, form.role.data, name=form.name.data,
                                        actor=current_user, jury_member=chosen_juror(form))
            form = account_form(formdata=None)
        except DomainError as error:
            show_errors(form, error.fields or {})
            flash(str(error.message), "error")
    return render_template("staff/accounts.html", form=form, members=services.list_staff(),
                           issued=issued, action_form=ActionForm())


def account_form(**options) -> AccountForm:
    """The form to add an account, its juror select listing the jurors that have no account yet."""
    form = AccountForm(**options)
    form.jury_member.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(member.id, localized(member.name)) for member in jurors_without_account()]
    return form


def chosen_juror(form: AccountForm):
    """The juror picked in the form (None: none); the service refuses one for another role."""
    if not form.jury_member.data:
        return None
    juror = db.session.get(JuryMember, form.jury_member.data)
    if juror is None:
        raise ValidationFailed({"jury_member": _l("Choose one of the jurors.")})
    return juror


def jurors_without_account() -> list[JuryMember]:
    """The programme's jurors no account belongs to yet, chair first."""
    taken = select(StaffMember.jury_member_id).where(StaffMember.jury_member_id.is_not(None))
    return list(db.session.scalars(select(JuryMember).where(JuryMember.id.not_in(taken))
                                   .order_by(JuryMember.is_chair.desc(), JuryMember.position, JuryMember.id)))


@bp.post("/accounts/<int:member_id>/<any(disable,enable,password,token):action>")
@roles_required("admin")
def account_action(member_id: int, action: str):
    """Disable or enable an account, re-issue its password, or give it another token."""
    member = services.get_staff(member_id)
    issued = None
    if ActionForm().validate_on_submit():
        try:
            if action in ("disable", "enable"):
                services.set_active(member, action == "enable", actor=current_user)
                flash(_("Account updated."), "ok")
            elif action == "password":
                issued = services.reissue_password(member, actor=current_user)
            else:
                issued = services.issue_token(member, actor=current_user)
        except DomainError as error:
            flash(str(error.message), "error")
    if issued is None:
        return redirect(url_for("staff.accounts"))
    return render_template("staff/accounts.html", form=account_form(formdata=None),
                           members=services.list_staff(), issued=issued, action_form=ActionForm())


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_token(token_id: int):
    if ActionForm().validate_on_submit():
        services.revoke_token(token_id, actor=current_user)
        flash(_("Token revoked."), "ok")
    return redirect(url_for("staff.accounts"))


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    """Who changed what and when, filtered by person, kind of action and day."""
    actor = request.args.get("actor", type=parse_id)
    action = request.args.get("action") or None
    try:
        on = date.fromisoformat(request.args["day"]) if request.args.get("day") else None
    except ValueError:
        on = None
        flash(_("Use a date in the form YYYY-MM-DD."), "error")
    return render_template("staff/audit.html", entries=audit.search(actor_id=actor, action=action, on=on),
                           summary=audit.summary,
                           members=services.list_staff(), actions=audit.actions(),
                           chosen={"actor": actor, "action": action, "day": on})
