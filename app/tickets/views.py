"""Visitor pages for tickets: register, the ticket and its QR code, find my ticket.

The ticket code in /t/<code> (what the QR encodes) lets its holder see the ticket;
cancelling needs the management link, /t/<code>?key=<management key>
(app.tickets.manage_keys), which goes by mail and never into the QR. Both are
secrets, so those pages are never indexed, cached or sent on as a referrer; the key
rides in the query string, which the app's own error log leaves out.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from markupsafe import Markup

from app import clock
from app.api.serializers import schedule_calendar
from app.errors import DomainError
from app.extensions import limiter
from app.i18n import current_locale, localized
from app.ids import parse_id
from app.schedule import services as schedule
from app.schedule.models import ExhibitionDay, Slot
from app.tickets import lookup, manage_keys, rules, services
from app.tickets.forms import FindTicketForm, RegisterForm, RenewKeyForm
from app.tickets.links import public_origin, ticket_url
from app.tickets.models import Ticket
from app.tickets.qr import qr_png, qr_svg
from app.staff.auth import public

bp = Blueprint("tickets", __name__)

#: Pixels per QR module in the PNG: the default, and the bounds of ?size=.
QR_BOX_DEFAULT, QR_BOX_MIN, QR_BOX_MAX = 10, 2, 40


def _form_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def _address_and_email() -> str:
    """Per address and email: a hall full of visitors shares one venue Wi-Fi address."""
    return f"{request.remote_addr}|{_form_email()}"


def _email_or_address() -> str:
    """Per email; a form sent without one counts against its address."""
    return _form_email() or request.remote_addr


@bp.after_request
def _keep_ticket_links_private(response: Response) -> Response:
    """A page under /t/<code> is never indexed, cached or named in a Referer header."""
    if "code" in (request.view_args or {}):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Cache-Control"] = "no-store"
    return response


def _bookable() -> tuple[list[ExhibitionDay], dict[date, list[Slot]]]:
    """Days not over yet and, by day, the sessions that take bookings and have not started."""
    now = clock.now()
    days = [day for day in schedule.list_days() if day.closes_at > now]
    slots = [slot for slot in schedule.list_slots(include_cancelled=False)
             if slot.requires_registration and slot.starts_at > now]
    return days, {day.date: [slot for slot in slots if slot.day_id == day.id] for day in days}


def _not_bookable(sessions_by_day: dict[date, list[Slot]]) -> dict[int, str]:
    """Why a listed session cannot be booked now, by id: its booking window (not open yet, or
    closed), or a full session whose waiting list is closed."""
    now = clock.now()
    reasons = {}
    for slot in (slot for slots in sessions_by_day.values() for slot in slots):
        refusal = rules.booking_refusal(slot, now, waitlisting=slot.seats_remaining <= 0)
        if refusal is not None:
            reasons[slot.id] = str(rules.refusal_message(refusal, slot))
    return reasons


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", key_func=_address_and_email, methods=["POST"])
def register():
    """Register for one or both days, book sessions, bring up to five companions."""
    days, sessions_by_day = _bookable()
    offered = {slot.id: slot for slots in sessions_by_day.values() for slot in slots}
    form, problem, status = RegisterForm(), None, 200
    if not form.is_submitted() and (wanted := offered.get(request.args.get("session", type=parse_id))):
        form.preselect(wanted)
    if form.validate_on_submit():
        try:
            registration = services.register(form.registration_request(current_locale()))
        except DomainError as error:
            problem, status = form.show_errors(error, offered), error.status
        else:
            flash(_("You are registered. Show this QR code at the entrance."), "ok")
            primary = registration.tickets[0]
            return redirect(url_for(".ticket", code=primary.code, key=primary.manage_key), 303)
    return render_template("tickets/register.html", form=form, problem=problem, days=days,
                           sessions_by_day=sessions_by_day, not_bookable=_not_bookable(sessions_by_day)), status


def _active_ticket(code: str) -> Ticket:
    ticket = services.get_ticket(code)
    if not ticket.is_active:
        raise DomainError("ticket_cancelled", _l("This ticket is cancelled."), status=410)
    return ticket


def _ticket_page(template: str, code: str, key: str | None = None) -> str:
    """`key`: the management key the link carried, if any; a valid one shows the cancel buttons."""
    ticket = services.get_ticket(code)
    url = ticket_url(ticket.code)
    # Markup: the SVG is drawn by us from the ticket URL, never from anything a visitor typed.
    qr = Markup(qr_svg(url)) if ticket.is_active else None
    managed = key is not None and manage_keys.matches(ticket, key)
    return render_template(template, ticket=ticket, url=url, qr=qr, manage_key=key if managed else None,
                           stale_key=key is not None and not managed, offline_scope=offline_scope())


@bp.get("/t/<code>")
@public
def ticket(code: str):
    """The ticket: its QR code, days and sessions, the group's other tickets; with its management
    key (?key=), the cancel buttons too."""
    return _ticket_page("tickets/ticket.html", code, request.args.get(manage_keys.PARAM))


def offline_scope() -> str:
    """What the ticket worker controls: the pages under /t/ (behind a proxy's prefix too)."""
    return f"{request.script_root}/t/"


@bp.get("/ticket-sw.js")
@public
def ticket_worker():
    """The service worker that keeps a ticket for offline use (static/js/ticket-sw.js), allowed
    the scope /t/ from here: ticket pages only."""
    response = send_from_directory(current_app.static_folder, "js/ticket-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = offline_scope()
    return response


@bp.get("/t/<code>/print")
@public
def print_ticket(code: str):
    """The ticket black on white, for paper."""
    return _ticket_page("tickets/print.html", code)


@bp.get("/t/<code>/qr.png")
@public
def qr_png_file(code: str):
    """The QR code as PNG; ?size= is the pixels per module."""
    ticket = _active_ticket(code)
    box = min(max(request.args.get("size", QR_BOX_DEFAULT, type=int), QR_BOX_MIN), QR_BOX_MAX)
    return Response(qr_png(ticket_url(ticket.code), box_size=box), mimetype="image/png")


@bp.get("/t/<code>/qr.svg")
@public
def qr_svg_file(code: str):
    ticket = _active_ticket(code)
    return Response(qr_svg(ticket_url(ticket.code)), mimetype="image/svg+xml")


def _entry_event(ticket: Ticket, day: ExhibitionDay, locale: str) -> Event:
    exhibition = day.exhibition
    event = Event()
    event.add("uid", f"entry-{day.date.isoformat()}-ticket-{ticket.id}@backlot")
    event.add("dtstamp", clock.now())
    event.add("dtstart", clock.local(day.opens_at))
    event.add("dtend", clock.local(day.closes_at))
    event.add("summary", f"{localized(exhibition.name, locale)} · {_('Entry')}")
    event.add("description", _("Show your QR code at the entrance: %(url)s", url=ticket_url(ticket.code)))
    event.add("location", localized(exhibition.site, locale))
    event.add("url", ticket_url(ticket.code))
    return event


@bp.get("/t/<code>/ticket.ics")
@public
def ticket_calendar(code: str):
    """The ticket's days and confirmed sessions as iCalendar, in the visitor's language."""
    ticket = services.get_ticket(code)
    locale = current_locale()
    slots = sorted((seat.slot for seat in ticket.seats
                    if seat.status == "confirmed" and not seat.slot.is_cancelled),
                   key=lambda slot: slot.starts_at)
    # The programme's own calendar for the sessions; the day entries are added to it.
    calendar = Calendar.from_ical(schedule_calendar(schedule.get_exhibition(), slots, locale=locale,
                                                    base_url=public_origin()))
    days = [entry.day for entry in ticket.entries]
    for day in days:
        calendar.add_component(_entry_event(ticket, day, locale))
    if days:
        calendar.add_missing_timezones(first_date=days[0].date, last_date=days[-1].date + timedelta(days=1))
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers.set("Content-Disposition", "attachment", filename="ai-backlot-ticket.ics")
    return response


@bp.post("/t/<code>/sessions/<int:slot_id>/cancel")
@public
def cancel_session(code: str, slot_id: int):
    """Give back one session place (it goes to the first on the waiting list)."""
    key = request.form.get(manage_keys.PARAM)
    seat = services.cancel_seat(services.managed_ticket(code, key), slot_id)
    flash(_("Your place in “%(title)s” is cancelled.", title=localized(seat.slot.title)), "ok")
    return redirect(url_for(".ticket", code=code, key=key), 303)


@bp.post("/t/<code>/cancel")
@public
def cancel_ticket(code: str):
    """Cancel the whole ticket: its day and session places go back to other visitors."""
    key = request.form.get(manage_keys.PARAM)
    services.cancel_ticket(services.managed_ticket(code, key))
    flash(_("Your ticket is cancelled. Its places went back to other visitors."), "ok")
    return redirect(url_for(".ticket", code=code, key=key), 303)


@bp.route("/t/<code>/manage", methods=["GET", "POST"])
@public
def renew_manage_key(code: str):
    """The find-my-ticket mail's renewal link: a page that asks to confirm (mail scanners open
    links too), then a fresh management key and the ticket page with it."""
    token = request.args.get("token")
    ticket = lookup.ticket_to_renew(code, token)
    form = RenewKeyForm()
    if form.validate_on_submit():
        key = lookup.renew_key(code, token)
        flash(_("This is your new management link: keep it (bookmark it), the older ones no longer work."), "ok")
        return redirect(url_for(".ticket", code=code, key=key), 303)
    return render_template("tickets/renew.html", ticket=ticket, form=form, token=token)


@bp.route("/tickets/find", methods=["GET", "POST"])
@public
@limiter.limit("3 per hour", key_func=_email_or_address, methods=["POST"])
@limiter.limit("60 per hour", methods=["POST"])  # per address: generous, a hall shares one Wi-Fi
def find():
    """Mail the links of an email's tickets; the answer never tells whether the email is known."""
    form = FindTicketForm()
    if form.validate_on_submit():
        lookup.send_ticket_links(form.email.data, locale=current_locale())
        flash(_("If this email has tickets, we have sent their links. Check your inbox (and spam folder)."),
              "ok")
        return redirect(url_for(".find"), 303)
    return render_template("tickets/find.html", form=form), 400 if form.is_submitted() else 200
