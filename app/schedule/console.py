"""Admin pages for the programme under /staff: sessions, venues and days."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import clock
from app.errors import DomainError
from app.i18n import localized
from app.schedule import editing, services
from app.schedule.formatting import day_label
from app.schedule.models import Slot
from app.schedule.rules import SlotDraft
from app.staff.auth import roles_required
from app.staff.forms import ActionForm, DayForm, SlotForm, VenueForm, fill_pair, pair, show_errors

bp = Blueprint("console", __name__, url_prefix="/staff")


#: The form's wall-clock fields (Shanghai) and the session's columns they set.
_WALL_TIMES = {"booking_opens": "booking_opens_at", "booking_closes": "booking_closes_at",
               "waitlist_closes": "waitlist_closes_at"}


def _slot_form(slot: Slot | None) -> SlotForm:
    form = SlotForm(obj=None)
    form.venue_id.choices = [SelectChoice(venue.id, localized(venue.name)) for venue in services.list_venues()]
    form.day.choices = [SelectChoice(day.date.isoformat(), day_label(day.date)) for day in services.list_days()]
    form.film_id.choices = [SelectChoice(0, "—")] + [SelectChoice(film.id, localized(film.title))
                                                     for film in services.list_films()]
    if slot is not None and not form.is_submitted():
        form.kind.data, form.venue_id.data = slot.kind, slot.venue_id
        fill_pair(form, "title", slot.title)
        fill_pair(form, "description", slot.description)
        form.day.data = clock.today(slot.starts_at).isoformat()
        form.starts.data = clock.local(slot.starts_at).time()
        form.ends.data = clock.local(slot.ends_at).time()
        form.capacity.data, form.film_id.data = slot.capacity, slot.film_id or 0
        for name, column in _WALL_TIMES.items():
            moment = getattr(slot, column)
            getattr(form, name).data = clock.local(moment).replace(tzinfo=None) if moment else None
        form.checkin_opens_minutes.data = slot.checkin_opens_minutes
        form.no_show_release_minutes.data = slot.no_show_release_minutes
    return form


def _instant(wall: datetime | None) -> datetime | None:
    return clock.at_local(wall.date(), wall.time()) if wall else None


def _draft(form: SlotForm) -> SlotDraft:
    on = date.fromisoformat(form.day.data)
    return SlotDraft(kind=form.kind.data, title=pair(form, "title"), description=pair(form, "description"),
                     venue_id=form.venue_id.data, starts_at=clock.at_local(on, form.starts.data),
                     ends_at=clock.at_local(on, form.ends.data), capacity=form.capacity.data,
                     film_id=form.film_id.data or None, checkin_opens_minutes=form.checkin_opens_minutes.data,
                     no_show_release_minutes=form.no_show_release_minutes.data,
                     **{column: _instant(getattr(form, name).data) for name, column in _WALL_TIMES.items()})


@bp.get("/schedule")
@roles_required("admin")
def schedule():
    """One day's sessions: the asked-for day, else today, else the first day."""
    days = services.list_days()
    asked = request.args.get("day") or clock.today().isoformat()
    on = next((day.date for day in days if day.date.isoformat() == asked),
              days[0].date if days else None)
    return render_template("staff/schedule.html", days=days, chosen=on,
                           slots=services.list_slots(day=on) if on else [], action_form=ActionForm())


@bp.route("/schedule/new", methods=["GET", "POST"], defaults={"slot_id": None})
@bp.route("/schedule/<int:slot_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_slot(slot_id: int | None):
    """Add a session, or edit and move one; overlaps in a venue are refused by name."""
    slot = services.get_slot(slot_id) if slot_id else None
    form = _slot_form(slot)
    if form.validate_on_submit():
        try:
            if slot is None:
                slot = editing.create_slot(_draft(form), actor=current_user)
                flash(_("Session added."), "ok")
            else:
                editing.update_slot(slot, _draft(form), actor=current_user)
                flash(_("Session saved."), "ok")
            return redirect(url_for("console.schedule", day=clock.today(slot.starts_at).isoformat()))
        except DomainError as error:
            show_errors(form, error.fields or {})
            flash(str(error.message), "error")
    status = 422 if form.is_submitted() else 200
    return render_template("staff/slot_form.html", form=form, slot=slot), status


@bp.post("/schedule/<int:slot_id>/<any(cancel,restore):action>")
@roles_required("admin")
def cancel_slot(slot_id: int, action: str):
    slot = services.get_slot(slot_id)
    if ActionForm().validate_on_submit():
        try:
            editing.set_slot_cancelled(slot, action == "cancel", actor=current_user)
            flash(_("Session cancelled.") if action == "cancel" else _("Session restored."), "ok")
        except DomainError as error:
            flash(str(error.message), "error")
    return redirect(url_for("console.schedule", day=clock.today(slot.starts_at).isoformat()))


@bp.get("/venues")
@roles_required("admin")
def venues():
    return render_template("staff/venues.html", venues=services.list_venues(),
                           days=services.list_days())


@bp.route("/venues/new", methods=["GET", "POST"], defaults={"venue_id": None})
@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_venue(venue_id: int | None):
    venue = services.get_venue(venue_id) if venue_id else None
    form = VenueForm()
    if venue is not None and not form.is_submitted():
        for name in ("name", "site", "description"):
            fill_pair(form, name, getattr(venue, name))
        form.position.data = venue.position
    if form.validate_on_submit():
        try:
            editing.save_venue(venue, name=pair(form, "name"), site=pair(form, "site"),
                               description=pair(form, "description"), position=form.position.data or 0,
                               actor=current_user)
            flash(_("Venue saved."), "ok")
            return redirect(url_for("console.venues"))
        except DomainError as error:
            show_errors(form, error.fields or {})
            flash(str(error.message), "error")
    return render_template("staff/venue_form.html", form=form, venue=venue), \
        422 if form.is_submitted() else 200


@bp.route("/days/new", methods=["GET", "POST"], defaults={"day_id": None})
@bp.route("/days/<int:day_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_day(day_id: int | None):
    day = services.get_day(day_id) if day_id else None
    form = DayForm()
    if day is not None and not form.is_submitted():
        form.date.data, form.entry_capacity.data = day.date, day.entry_capacity
        form.max_inside.data = day.max_inside
        form.opens.data = clock.local(day.opens_at).time()
        form.closes.data = clock.local(day.closes_at).time()
    if form.validate_on_submit():
        try:
            editing.save_day(day, on=form.date.data, opens_at=clock.at_local(form.date.data, form.opens.data),
                             closes_at=clock.at_local(form.date.data, form.closes.data),
                             entry_capacity=form.entry_capacity.data, max_inside=form.max_inside.data,
                             actor=current_user)
            flash(_("Day saved."), "ok")
            return redirect(url_for("console.venues"))
        except DomainError as error:
            show_errors(form, error.fields or {})
            flash(str(error.message), "error")
    return render_template("staff/day_form.html", form=form, day=day), 422 if form.is_submitted() else 200

