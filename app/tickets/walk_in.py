"""The walk-in desk: staff register a visitor who has no phone or email at hand."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale, gettext, lazy_gettext as _l, lazy_ngettext

from app.errors import ValidationFailed
from app.staff.models import StaffMember
from app.tickets import services
from app.tickets.models import Registration
from app.tickets.rules import MAX_COMPANIONS, RegistrationRequest, clean_name

#: The registrant and up to MAX_COMPANIONS companions.
MAX_PEOPLE = 1 + MAX_COMPANIONS


def guest_names(people: int, typed: list[str], locale: str) -> list[str]:
    """The companions' names: as typed, else "Guest 2", "Guest 3"… in the visitor's language."""
    names = [clean_name(name) for name in typed[:people - 1]]
    names += [""] * (people - 1 - len(names))
    with force_locale(locale):
        return [name or gettext("Guest %(number)d", number=index + 2) for index, name in enumerate(names)]


def register_walk_in(*, name: str, day: date, session_ids: list[int], people: int, companions: list[str],
                     locale: str, actor: StaffMember, now: datetime | None = None) -> Registration:
    """Tickets for `people` on one day, no email and no consent asked; audit-logged as ticket.walk_in."""
    errors = {}
    if not 1 <= people <= MAX_PEOPLE:
        errors["people"] = _l("Between 1 and %(limit)d people.", limit=MAX_PEOPLE)
    for index, typed in enumerate(companions):
        # A name typed for someone who is not counted is a slip, not a wish for another ticket.
        if index >= people - 1 and clean_name(typed):
            errors[f"companions.{index}.name"] = lazy_ngettext(
                "Only %(num)d person: raise the number or clear this name.",
                "Only %(num)d people: raise the number or clear this name.", people)
    if errors:
        raise ValidationFailed(errors)
    asked = RegistrationRequest(name=name, email=None, days=[day], session_ids=session_ids, locale=locale,
                                consent=False, companions=guest_names(people, companions, locale),
                                channel="walk_in")
    return services.register(asked, actor=actor, now=now)
