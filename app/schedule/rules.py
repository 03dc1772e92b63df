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
    return errors
