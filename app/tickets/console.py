"""Staff pages about attendees: the list and its CSV, each session's list, the walk-in desk."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, FieldList, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app import clock
from app.errors import DomainError
from app.extensions import db
from app.i18n import current_locale, localized
from app.schedule import services as schedule
from app.schedule.models import ExhibitionDay, Slot
from app.staff.auth import roles_required
from app.staff.forms import ActionForm
from app.tickets import manage_keys, no_show, queries, rules
from app.tickets.links import ticket_url
from app.tickets.models import Ticket
from app.tickets.qr import qr_svg
from app.tickets.rules import NAME_MAX
from app.tickets.walk_in import MAX_PEOPLE, register_walk_in

bp = Blueprint("attendees", __name__, url_prefix="/staff")

#: Who may register walk-ins: admins, and gate staff at the door.
DESK_ROLES = ("admin", "gate")
#: The desk's session holds the management keys of the visitor at the desk, for their printout,
#: until the next visitor (only hashes are stored, so the keys exist nowhere else).
DESK_KEYS = "walk_in_keys"

# The dashboard's today block (rendered by app.staff.views) shows waiting lists and day entries;
# the navigation shows the desk to its roles.
bp.add_app_template_global(queries.waiting_counts)
bp.add_app_template_global(DESK_ROLES, "DESK_ROLES")


@bp.app_template_global()
def entries_today() -> ExhibitionDay | None:
    """Today's exhibition day, for its entry count; None when the exhibition is not on."""
    return queries.day_on(clock.today())


@bp.get("/attendees")
@roles_required("admin")
def attendee_list():
    """Every ticket, searchable by name, email or code, filtered by day, session and status."""
    filters = queries.AttendeeFilters.from_args(request.args)
    page = queries.search_tickets(filters, page=request.args.get("page", 1, type=int))
    return render_template("staff/attendees.html", page=page, filters=filters, days=schedule.list_days(),
                           sessions=queries.registration_sessions(), session_label=queries.session_label,
                           channels=queries.CHANNEL_LABELS)


@bp.get("/attendees.csv")
@roles_required("admin")
def attendees_csv():
    """The same list as a spreadsheet, with the same filters and no pages."""
    return _csv(queries.attendees_csv(queries.AttendeeFilters.from_args(request.args)), "attendees")


@bp.get("/sessions/<int:slot_id>/attendees")
@roles_required("admin")
def session_attendees(slot_id: int):
    """Who holds a place in one session, then who waits, in order."""
    slot = schedule.get_slot(slot_id)
    seats = queries.booked_seats(slot.id)
    now = clock.now()
    return render_template("staff/session_attendees.html", slot=slot, channels=queries.CHANNEL_LABELS,
                           confirmed=[seat for seat in seats if seat.status == "confirmed"],
                           waiting=[seat for seat in seats if seat.status == "waitlisted"],
                           released=queries.released_seats(slot.id),
                           releasable=not slot.is_cancelled and slot.no_shows_released_at is None
                           and slot.starts_at <= now < slot.ends_at)


@bp.post("/sessions/<int:slot_id>/release-no-shows")
@roles_required("admin")
def release_no_shows(slot_id: int):
    """Release now the places of those who have not checked in (audit-logged as the admin)."""
    slot = schedule.get_slot(slot_id)
    if ActionForm().validate_on_submit():
        try:
            done = no_show.release_now(slot, actor=current_user)
            flash(_("%(released)d place(s) released: %(promoted)d to people waiting at the venue, "
                    "%(freed)d free for walk-ins.", released=done.released, promoted=done.promoted,
                    freed=done.freed), "ok")
        except DomainError as error:
            flash(str(error.message), "error")
    return redirect(url_for("attendees.session_attendees", slot_id=slot.id))


@bp.get("/sessions/<int:slot_id>/attendees.csv")
@roles_required("admin")
def session_attendees_csv(slot_id: int):
    """One session's list as a spreadsheet: confirmed, then the waiting list with positions."""
    slot = schedule.get_slot(slot_id)
    return _csv(queries.session_csv(slot), f"session-{slot.id}")


def _csv(body: bytes, name: str) -> Response:
    """A download named after what it holds and when it was taken; never cached (it holds personal data)."""
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
                             "Cache-Control": "no-store"})


class WalkInForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    people = RadioField(_l("People"), coerce=int, default=1,
                        choices=[SelectChoice(number, str(number)) for number in range(1, MAX_PEOPLE + 1)])
    companions = FieldList(StringField(validators=[Optional(), Length(max=NAME_MAX)]),
                           min_entries=MAX_PEOPLE - 1, max_entries=MAX_PEOPLE - 1)
    # The service judges the sessions (started, full, other day) with clearer words than a choice list.
    sessions = SelectMultipleField(_l("Sessions (optional)"), coerce=int, validate_choice=False)
    locale = RadioField(_l("Visitor's language"),
                        choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")])
    day = DateField(widget=HiddenInput(), validators=[DataRequired()])


def _open_days() -> list[ExhibitionDay]:
    """The exhibition days not over yet: the desk can register for them."""
    now = clock.now()
    return [day for day in schedule.list_days() if day.closes_at > now]


def _bookable(day: ExhibitionDay) -> list[Slot]:
    """The day's sessions that take registrations and have not ended (full ones included): the
    desk fills free places of a session that has begun, e.g. after its no-show release."""
    now = clock.now()
    return [slot for slot in schedule.list_slots(day=day.date, include_cancelled=False)
            if slot.requires_registration and slot.ends_at > now]


def _desk_refusals(slots: list[Slot]) -> dict[int, str]:
    """Why the desk cannot book a session now, by session id (none: it can)."""
    now = clock.now()
    refusals = {slot.id: rules.booking_refusal(slot, now, waitlisting=False, desk=True) for slot in slots}
    return {slot.id: str(rules.refusal_message(refusals[slot.id], slot)) for slot in slots if refusals[slot.id]}


def _show_refusal(form: WalkInForm, error: DomainError) -> None:
    """Each complaint of the service goes next to its field; the others (a full day…) on top."""
    for path, message in (error.fields or {}).items():
        head, _, rest = path.partition(".")
        field = {"name": form.name, "people": form.people, "sessions": form.sessions}.get(head)
        if head == "companions":
            field = form.companions[int(rest.partition(".")[0])]
        elif head == "sessions" and rest:
            # "sessions.1": name the session, the list may hold several.
            slot = db.session.get(Slot, form.sessions.data[int(rest)])
            message = f"{localized(slot.title)}: {message}" if slot else message
        if field is None:
            flash(str(message), "error")
        else:
            field.errors = [*field.errors, str(message)]
    if not error.fields:
        flash(str(error.message), "error")


@bp.route("/walk-in", methods=["GET", "POST"])
@roles_required(*DESK_ROLES)
def walk_in():
    """Register a visitor at the desk in a few taps: name, how many, sessions if any."""
    days = _open_days()
    form = WalkInForm(day=request.args.get("day", type=date.fromisoformat), locale=current_locale())
    session.pop(DESK_KEYS, None)
    if form.validate_on_submit():
        try:
            registration = register_walk_in(
                name=form.name.data, day=form.day.data, session_ids=form.sessions.data, people=form.people.data,
                companions=[entry.data or "" for entry in form.companions], locale=form.locale.data,
                actor=current_user)
            session[DESK_KEYS] = {"registration": registration.id,
                                  "keys": {ticket.code: ticket.manage_key for ticket in registration.tickets}}
            return redirect(url_for("attendees.walk_in_tickets", registration_id=registration.id))
        except DomainError as error:
            _show_refusal(form, error)
    shown = next((day for day in days if day.date == form.day.data), None) or \
        next((day for day in days if day.date == clock.today()), days[0] if days else None)
    form.day.data = shown.date if shown else None
    sessions = _bookable(shown) if shown else []
    return render_template("staff/walk_in.html", form=form, days=days, shown=shown, sessions=sessions,
                           refusals=_desk_refusals(sessions), now=clock.now()), \
        422 if form.is_submitted() else 200


@bp.get("/walk-in/<int:registration_id>")
@roles_required(*DESK_ROLES)
def walk_in_tickets(registration_id: int):
    """The new tickets, one QR code each, to show on screen or print; right after registering,
    with their management links."""
    registration = queries.walk_in_registration(registration_id)
    issued = session.get(DESK_KEYS) or {}
    keys = issued["keys"] if issued.get("registration") == registration.id else {}
    # The visitor reads the tickets: they are in the visitor's language, the page around in staff's.
    with force_locale(registration.locale):
        printout = render_template("staff/partials/walk_in_tickets.html",
                                   tickets=[_with_qr(ticket, keys.get(ticket.code)) for ticket in registration.tickets])
    return render_template("staff/walk_in_tickets.html", registration=registration, printout=Markup(printout),
                           with_keys=bool(keys))


def _with_qr(ticket: Ticket, key: str | None) -> tuple[Ticket, str, Markup, str | None]:
    """A ticket, its URL, the QR code of that URL as inline SVG (made here, so safe to embed), and
    its management link if the key is known."""
    url = ticket_url(ticket.code)
    return ticket, url, Markup(qr_svg(url)), manage_keys.link(ticket.code, key) if key else None
