"""Jinja filters and labels for the programme: Shanghai wall-clock times, localised dates."""
from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_date
from flask import Flask
from flask_babel import lazy_gettext as _l

from app import clock
from app.i18n import current_locale

#: Visitor-facing names of the session kinds (SLOT_KINDS).
KIND_LABELS = {
    "premiere": _l("Premiere"),
    "open_set": _l("Open set"),
    "workshop": _l("Workshop"),
    "ai_demo": _l("AI tool demo"),
    "challenge": _l("My Story challenge"),
    "talk": _l("Talk"),
}

#: Visitor-facing names of the process material kinds (MATERIAL_KINDS).
MATERIAL_LABELS = {
    "footage": _l("Footage notes"),
    "storyboard": _l("Storyboard"),
    "ai_prompt": _l("AI prompt"),
    "review_note": _l("Review notes"),
}

#: Babel date patterns per locale: "6月14日 周日" / "Sun 14 June".
_DAY_PATTERNS = {"zh": "M月d日 EEE", "en": "EEE d MMMM"}
_SHORT_DAY_PATTERNS = {"zh": "M月d日", "en": "d MMM"}
_WEEKDAY_PATTERN = "EEE"


def _as_date(value: date | datetime) -> date:
    return clock.local(value).date() if isinstance(value, datetime) else value


def hm(moment: datetime) -> str:
    """HH:MM on the Shanghai wall clock."""
    return clock.local(moment).strftime("%H:%M")


def day_label(value: date | datetime) -> str:
    """The exhibition day in the visitor's language, with its weekday."""
    locale = current_locale()
    return format_date(_as_date(value), _DAY_PATTERNS[locale], locale=locale)


def day_short(value: date | datetime) -> str:
    """The date without weekday, for compact tabs."""
    locale = current_locale()
    return format_date(_as_date(value), _SHORT_DAY_PATTERNS[locale], locale=locale)


def weekday(value: date | datetime) -> str:
    return format_date(_as_date(value), _WEEKDAY_PATTERN, locale=current_locale())


def slot_state(slot) -> str | None:
    """"cancelled", "live" or "past" for a session at the app's clock; None if still to come."""
    if slot.is_cancelled:
        return "cancelled"
    now = clock.now()
    if slot.ends_at <= now:
        return "past"
    return "live" if slot.starts_at <= now else None


def paragraphs(text: str) -> list[str]:
    """Split text on blank lines, so templates can wrap each part in <p> (escaped)."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def register(app: Flask) -> None:
    app.jinja_env.filters.update(hm=hm, day_label=day_label, day_short=day_short,
                                 weekday=weekday, paragraphs=paragraphs)
    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, MATERIAL_LABELS=MATERIAL_LABELS,
                                 slot_state=slot_state)
