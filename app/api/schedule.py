"""Schedule endpoints: the programme as JSON and as an iCalendar feed.

Both take the same optional filters (?day=YYYY-MM-DD&venue_id=&kind=). They narrow
the sessions only: `days` and `venues` always list the whole programme, so that a
client can draw its day tabs and venue legend from any filtered answer.
"""
from __future__ import annotations

from datetime import date

from flask import Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import bp
from app.api.serializers import schedule_calendar, schedule_json
from app.errors import ValidationFailed
from app.i18n import current_locale
from app.schedule import services
from app.schedule.models import SLOT_KINDS, ExhibitionDay, Venue
from app.staff.auth import public

CALENDAR_FILENAME = "ai-backlot.ics"


def _filters(days: list[ExhibitionDay], venues: list[Venue]) -> dict:
    """The list_slots filters asked for in the query string (empty means none); 422 if bad."""
    filters, fields = {}, {}
    if day := request.args.get("day"):
        try:
            filters["day"] = date.fromisoformat(day)
        except ValueError:
            fields["day"] = _l("Use a date in the form YYYY-MM-DD.")
        else:
            if filters["day"] not in {known.date for known in days}:
                fields["day"] = _l("The exhibition does not run on this day.")
    if venue_id := request.args.get("venue_id"):
        if not venue_id.isdecimal() or int(venue_id) not in {venue.id for venue in venues}:
            fields["venue_id"] = _l("No venue has this id.")
        else:
            filters["venue_id"] = int(venue_id)
    if kind := request.args.get("kind"):
        if kind in SLOT_KINDS:
            filters["kind"] = kind
        else:
            fields["kind"] = _l("Use one of: %(kinds)s.", kinds=", ".join(SLOT_KINDS))
    if fields:
        raise ValidationFailed(fields)
    return filters


@bp.get("/schedule")
@public
def schedule():
    exhibition = services.get_exhibition()
    days, venues = services.list_days(), services.list_venues()
    slots = services.list_slots(**_filters(days, venues))
    return jsonify(schedule_json(exhibition, days, venues, slots))


@bp.get("/schedule.ics")
@public
def schedule_ics():
    exhibition = services.get_exhibition()
    filters = _filters(services.list_days(), services.list_venues())
    slots = services.list_slots(**filters, include_cancelled=False)
    locale = current_locale()
    base_url = current_app.config.get("BACKLOT_BASE_URL") or request.url_root.rstrip("/")
    response = Response(schedule_calendar(exhibition, slots, locale=locale, base_url=base_url),
                        mimetype="text/calendar")
    response.headers.set("Content-Disposition", "attachment", filename=CALENDAR_FILENAME)
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    return response
