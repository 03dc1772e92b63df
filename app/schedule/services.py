"""Reading the programme: what is on, when and where. Plain functions, no HTTP."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock
from app.errors import DomainError
from app.extensions import db
from app.schedule.models import Exhibition, ExhibitionDay, Film, JuryMember, Slot, Team, Venue

#: How far ahead "up next" looks on the home page.
NEXT_WINDOW = timedelta(hours=3)


def get_exhibition() -> Exhibition:
    exhibition = db.session.scalars(select(Exhibition).limit(1)).first()
    if exhibition is None:
        raise DomainError("no_programme", _l("The programme has not been loaded yet."), status=503)
    return exhibition


def list_days() -> list[ExhibitionDay]:
    return list(db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date)))


def list_venues() -> list[Venue]:
    return list(db.session.scalars(select(Venue).order_by(Venue.position, Venue.id)))


def list_slots(*, day: date | None = None, venue_id: int | None = None, kind: str | None = None,
               include_cancelled: bool = True) -> list[Slot]:
    """Sessions in time order, optionally filtered by exhibition day, venue and kind."""
    query = (select(Slot)
             .options(joinedload(Slot.venue), joinedload(Slot.day))
             .order_by(Slot.starts_at, Slot.venue_id, Slot.id))
    if day is not None:
        query = query.join(Slot.day).where(ExhibitionDay.date == day)
    if venue_id is not None:
        query = query.where(Slot.venue_id == venue_id)
    if kind is not None:
        query = query.where(Slot.kind == kind)
    if not include_cancelled:
        query = query.where(Slot.status != "cancelled")
    return list(db.session.scalars(query))


def now_and_next(now: datetime | None = None, *, window: timedelta = NEXT_WINDOW
                 ) -> tuple[list[Slot], list[Slot]]:
    """What runs at `now`, and what starts within `window` after it (cancelled left out)."""
    now = now or clock.now()
    slots = [slot for slot in list_slots(include_cancelled=False)
             if slot.ends_at > now and slot.starts_at <= now + window]
    on_now = [slot for slot in slots if slot.starts_at <= now]
    up_next = [slot for slot in slots if slot.starts_at > now]
    return on_now, up_next


def get_slot(slot_id: int) -> Slot:
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise DomainError("session_not_found", _l("This session does not exist."), status=404)
    return slot


def list_films() -> list[Film]:
    return list(db.session.scalars(select(Film).order_by(Film.position, Film.id)))


def get_film(key: str) -> Film:
    film = db.session.scalars(select(Film).where(Film.key == key)).first()
    if film is None:
        raise DomainError("film_not_found", _l("This film does not exist."), status=404)
    return film


def list_jury() -> list[JuryMember]:
    return list(db.session.scalars(
        select(JuryMember).order_by(JuryMember.is_chair.desc(), JuryMember.position)))


def list_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.position, Team.id)))


def get_venue(venue_id: int) -> Venue:
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        raise DomainError("venue_not_found", _l("No venue has this id."), status=404)
    return venue


def get_day(day_id: int) -> ExhibitionDay:
    day = db.session.get(ExhibitionDay, day_id)
    if day is None:
        raise DomainError("day_not_found", _l("The exhibition does not run on this day."), status=404)
    return day
