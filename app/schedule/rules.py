"""Pure scheduling rules: what makes a session's times and place acceptable."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Protocol

from flask_babel import lazy_gettext as _l

from app import clock
from app.schedule.models import SLOT_KINDS

#: Longest text a visitor reads in a title or description, per language.
TITLE_MAX = 120
DESCRIPTION_MAX = 2000


class Timed(Protocol):
    id: int
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class SlotDraft:
    """What staff enter for a session, before it is written."""

    kind: str
    title: dict
    description: dict
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    film_id: int | None = None
    #: Gates admit ticket holders from this many minutes before the start.
    checkin_opens_minutes: int = 30
    #: Booking opens (None: open already) and closes (None: at the start); the waiting list's
    #: cut-off (None: when booking closes).
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    waitlist_closes_at: datetime | None = None
    #: Places not checked in this long after the start are released (None: never).
    no_show_release_minutes: int | None = 10

    @property
    def requires_registration(self) -> bool:
        """A capacity means places are booked; without one the session is open to all."""
        return self.capacity is not None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a session may start the minute the previous one ends."""
    return a_start < b_end and b_start < a_end


def find_clash(draft: SlotDraft, others: Iterable[Timed], *, slot_id: int | None = None) -> Timed | None:
    """The first scheduled session in the same venue whose time overlaps the draft's."""
    for other in sorted(others, key=lambda slot: slot.starts_at):
        if other.id == slot_id or other.status == "cancelled" or other.venue_id != draft.venue_id:
            continue
        if overlaps(draft.starts_at, draft.ends_at, other.starts_at, other.ends_at):
            return other
    return None


def text_errors(field: str, text: dict, limit: int, *, required: bool) -> dict:
    errors = {}
    for locale in ("zh", "en"):
        value = (text or {}).get(locale, "")
        if required and not value.strip():
            errors[f"{field}.{locale}"] = _l("Required.")
        elif len(value) > limit:
            errors[f"{field}.{locale}"] = _l("At most %(limit)d characters.", limit=limit)
    return errors


def slot_errors(draft: SlotDraft, exhibition_days: Iterable[date]) -> dict:
    """Errors by field (dotted path); empty when the draft may be written."""
    errors = {}
    if draft.kind not in SLOT_KINDS:
        errors["kind"] = _l("Choose one of the kinds.")
    errors.update(text_errors("title", draft.title, TITLE_MAX, required=True))
    errors.update(text_errors("description", draft.description, DESCRIPTION_MAX, required=False))
    if draft.ends_at <= draft.starts_at:
        errors["ends_at"] = _l("The end must be after the start.")
    elif clock.today(draft.starts_at) != clock.today(draft.ends_at):
        errors["ends_at"] = _l("A session starts and ends on the same day.")
    if clock.today(draft.starts_at) not in set(exhibition_days):
        errors["starts_at"] = _l("Sessions take place on an exhibition day.")
    if draft.capacity is not None and not 1 <= draft.capacity <= 100_000:
        errors["capacity"] = _l("Between 1 and 100,000, or empty for a session open to all.")
    errors.update(operating_errors(draft))
    return errors


#: The most minutes staff may set for check-in before the start and for the no-show release.
MINUTES_MAX = 240


def operating_errors(draft: SlotDraft) -> dict:
    """The session's booking window, waiting-list cut-off, check-in and no-show minutes."""
    errors = {}
    opens, closes, cutoff = draft.booking_opens_at, draft.booking_closes_at, draft.waitlist_closes_at
    if closes is not None and closes > draft.starts_at:
        errors["booking_closes_at"] = _l("Booking closes at the start at the latest.")
    elif opens is not None and opens >= (closes or draft.starts_at):
        errors["booking_closes_at"] = _l("Booking must close after it opens.")
    if cutoff is not None and cutoff > (closes or draft.starts_at):
        errors["waitlist_closes_at"] = _l("The waiting list closes when booking closes at the latest.")
    elif cutoff is not None and opens is not None and cutoff <= opens:
        errors["waitlist_closes_at"] = _l("The waiting list must close after booking opens.")
    if not 0 <= draft.checkin_opens_minutes <= MINUTES_MAX:
        errors["checkin_opens_minutes"] = _l("Between 0 and %(limit)d minutes.", limit=MINUTES_MAX)
    if draft.no_show_release_minutes is not None and not 0 <= draft.no_show_release_minutes <= MINUTES_MAX:
        errors["no_show_release_minutes"] = _l("Between 0 and %(limit)d minutes, or empty for never.",
                                               limit=MINUTES_MAX)
    return errors
