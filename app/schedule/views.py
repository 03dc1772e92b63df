"""Public pages: home (now and next), schedule, session detail, films, about."""
from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import Blueprint, make_response, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.schedule import formatting, services
from app.schedule.models import SLOT_KINDS, ExhibitionDay, Venue
from app.staff.auth import public

#: How many "up next" sessions the home page lists before pointing to the schedule.
UP_NEXT_SHOWN = 6

bp = Blueprint("public", __name__)
bp.record_once(lambda state: formatting.register(state.app))


@dataclass(frozen=True)
class ScheduleFilters:
    """The schedule's GET filters, checked against the programme."""

    day: ExhibitionDay | None = None
    venue: Venue | None = None
    kind: str | None = None

    def url(self, **changes) -> str:
        """This page's URL with some filters changed (None drops one)."""
        chosen = replace(self, **changes)
        return url_for("public.schedule",
                       day=chosen.day.date.isoformat() if chosen.day else None,
                       venue=chosen.venue.id if chosen.venue else None,
                       kind=chosen.kind)


def _parse_filters(args, days: list[ExhibitionDay], venues: list[Venue]
                   ) -> tuple[ScheduleFilters, list]:
    """Read ?day=, ?venue=, ?kind=; unknown values become messages, never a 500.

    The messages are plain strings (gettext, not lazy_gettext): a LazyString counts as
    markup in Jinja, and these carry what the visitor typed.
    """
    problems = []
    by_date = {day.date.isoformat(): day for day in days}
    day = by_date.get(clock.today().isoformat()) or (days[0] if days else None)
    if args.get("day"):
        day = by_date.get(args["day"])
        if day is None:
            problems.append(_("“%(value)s” is not a day of the exhibition.", value=args["day"]))
    venue = None
    if args.get("venue"):
        venue = next((v for v in venues if str(v.id) == args["venue"]), None)
        if venue is None:
            problems.append(_("There is no venue “%(value)s”.", value=args["venue"]))
    kind = args.get("kind") or None
    if kind is not None and kind not in SLOT_KINDS:
        problems.append(_("“%(value)s” is not a kind of session.", value=kind))
        kind = None
    return ScheduleFilters(day=day, venue=venue, kind=kind), problems


@bp.get("/")
@public
def home():
    """Now and next, the exhibition in short, its films and days."""
    return render_template("home.html", exhibition=services.get_exhibition(),
                           films=services.list_films(), days=services.list_days(),
                           **_now_and_next())


@bp.get("/now")
@public
def now_fragment():
    """The now/next block alone, for live.js to swap in."""
    response = make_response(render_template("partials/now_next.html", **_now_and_next()))
    response.headers["Cache-Control"] = "no-store"
    return response


def _now_and_next() -> dict:
    on_now, up_next = services.now_and_next(clock.now())
    return {"on_now": on_now, "up_next": up_next[:UP_NEXT_SHOWN],
            "more_next": max(len(up_next) - UP_NEXT_SHOWN, 0)}


@bp.get("/schedule")
@public
def schedule():
    """One exhibition day's sessions, filtered by venue and kind."""
    days, venues = services.list_days(), services.list_venues()
    filters, problems = _parse_filters(request.args, days, venues)
    slots = [] if problems or filters.day is None else services.list_slots(
        day=filters.day.date, venue_id=filters.venue.id if filters.venue else None,
        kind=filters.kind)
    page = render_template("schedule.html", days=days, venues=venues, kinds=SLOT_KINDS,
                           filters=filters, problems=problems, slots=slots)
    return page, 400 if problems else 200


@bp.get("/schedule/<int:slot_id>")
@public
def session_detail(slot_id: int):
    """One session: when, where, places left, its film."""
    return render_template("session.html", slot=services.get_slot(slot_id))


@bp.get("/films")
@public
def films():
    """The four teams' films."""
    return render_template("films.html", films=services.list_films())


@bp.get("/films/<key>")
@public
def film(key: str):
    """A film, its team, its sessions and how it was made."""
    return render_template("film.html", film=services.get_film(key))


@bp.get("/about")
@public
def about():
    """The exhibition, the 1+1 model, the venues and the jury."""
    return render_template("about.html", exhibition=services.get_exhibition(),
                           teams=services.list_teams(), venues=services.list_venues(),
                           jury=services.list_jury())


@bp.app_context_processor
def _language_links() -> dict:
    """`switch_language_url(code)`: the switch that brings the visitor back to this page."""
    def switch_language_url(code: str) -> str:
        query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
        here = request.script_root + request.path + (f"?{query}" if query else "")
        return url_for("i18n.switch", code=code, next=here)
    return {"switch_language_url": switch_language_url}
