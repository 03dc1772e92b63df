"""How the API shows the programme: JSON bodies and the iCalendar feed, in one place."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from app import clock
from app.clock import timestamp
from app.i18n import localized
from app.schedule.models import Exhibition, ExhibitionDay, Slot, Venue
from app.tickets import rules

PRODID = "-//SIFF//Backlot//EN"


def day_json(day: ExhibitionDay) -> dict:
    return {"date": day.date.isoformat(), "capacity": day.entry_capacity,
            "remaining": day.entries_remaining}


def venue_json(venue: Venue) -> dict:
    return {"id": venue.id, "name": venue.name, "site": venue.site}


def booking_json(slot: Slot, now: datetime) -> dict:
    """When a session can be booked (null where no registration is needed), and whether it can now."""
    if not slot.requires_registration:
        return {"booking_opens_at": None, "booking_closes_at": None, "waitlist_closes_at": None,
                "bookable": False}
    opens, closes = rules.booking_window(slot.starts_at, slot.booking_opens_at, slot.booking_closes_at)
    full = (slot.seats_remaining or 0) <= 0
    return {"booking_opens_at": timestamp(opens) if opens else None, "booking_closes_at": timestamp(closes),
            "waitlist_closes_at": timestamp(rules.waitlist_cutoff(slot)),
            "bookable": not slot.is_cancelled and rules.booking_refusal(slot, now, waitlisting=full) is None}


def session_json(slot: Slot) -> dict:
    """A session; `capacity` and `remaining` are null where no registration is needed."""
    return {
        "id": slot.id,
        "kind": slot.kind,
        "title": slot.title,
        "venue_id": slot.venue_id,
        "starts_at": timestamp(slot.starts_at),
        "ends_at": timestamp(slot.ends_at),
        "capacity": slot.capacity,
        "remaining": slot.seats_remaining,
        "requires_registration": slot.requires_registration,
        "status": slot.status,
        "description": slot.description,
        "film_id": slot.film_id,
        **booking_json(slot, clock.now()),
    }


def schedule_json(exhibition: Exhibition, days: list[ExhibitionDay], venues: list[Venue],
                  slots: list[Slot]) -> dict:
    return {
        "event": {"name": exhibition.name, "timezone": exhibition.timezone},
        "days": [day_json(day) for day in days],
        "venues": [venue_json(venue) for venue in venues],
        "sessions": [session_json(slot) for slot in slots],
    }


def _event(slot: Slot, locale: str, base_url: str, stamp: datetime) -> Event:
    venue = slot.venue
    event = Event()
    event.add("uid", f"slot-{slot.id}@backlot")
    event.add("dtstamp", stamp)
    event.add("dtstart", clock.local(slot.starts_at))
    event.add("dtend", clock.local(slot.ends_at))
    event.add("summary", localized(slot.title, locale))
    event.add("description", localized(slot.description, locale))
    place = (localized(venue.name, locale), localized(venue.site, locale))
    event.add("location", ", ".join(part for part in place if part))
    event.add("url", f"{base_url}/schedule/{slot.id}")
    event.add("categories", [slot.kind])
    return event


def schedule_calendar(exhibition: Exhibition, slots: list[Slot], *, locale: str,
                      base_url: str) -> bytes:
    """The sessions as iCalendar, one VEVENT each, with visitors' text in `locale`."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", localized(exhibition.name, locale))
    calendar.add("x-wr-timezone", exhibition.timezone)
    stamp = clock.now()
    for slot in slots:
        calendar.add_component(_event(slot, locale, base_url, stamp))
    if slots:
        # Only the rules in force around the programme, not the zone's whole history.
        calendar.add_missing_timezones(
            first_date=clock.today(slots[0].starts_at),
            last_date=clock.today(max(slot.ends_at for slot in slots)) + timedelta(days=1))
    return calendar.to_ical()
