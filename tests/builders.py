"""Small make_* builders for tests that need a few rows rather than the whole seed."""
from __future__ import annotations

from datetime import date, time
from itertools import count

from app.clock import at_local
from app.extensions import db
from app.schedule.models import Exhibition, ExhibitionDay, Slot, Venue

_serial = count(1)


def text(en: str, zh: str | None = None) -> dict:
    return {"en": en, "zh": zh or f"{en}（中）"}


def make_exhibition(**fields) -> Exhibition:
    exhibition = db.session.query(Exhibition).first()
    if exhibition is None:
        exhibition = Exhibition(key="ai-backlot", name=text("AI BACKLOT"), timezone="Asia/Shanghai",
                                site=text("Shanghai Film Art Center"), description=text("Test"),
                                **fields)
        db.session.add(exhibition)
        db.session.flush()
    return exhibition


def make_day(on: date = date(2026, 6, 14), *, capacity: int = 100) -> ExhibitionDay:
    day = db.session.query(ExhibitionDay).filter_by(date=on).first()
    if day is None:
        day = ExhibitionDay(exhibition=make_exhibition(), date=on, entry_capacity=capacity,
                            opens_at=at_local(on, time(10)), closes_at=at_local(on, time(18)))
        db.session.add(day)
        db.session.commit()
    return day


def make_venue(name: str = "Hall", **fields) -> Venue:
    venue = Venue(key=f"venue-{next(_serial)}", name=text(name), site=text("Shanghai Film Art Center"),
                  description=text(""), **fields)
    db.session.add(venue)
    db.session.commit()
    return venue


def make_slot(*, on: date = date(2026, 6, 14), start: time = time(11), end: time = time(12),
              kind: str = "workshop", title: str = "Workshop", venue: Venue | None = None,
              capacity: int | None = None, **fields) -> Slot:
    """A session on an exhibition day; registration is required when it has a capacity."""
    slot = Slot(day=make_day(on), venue=venue or make_venue(), kind=kind, title=text(title),
                description=text(f"About {title}"), starts_at=at_local(on, start),
                ends_at=at_local(on, end), capacity=capacity,
                requires_registration=capacity is not None, **fields)
    db.session.add(slot)
    db.session.commit()
    return slot
