"""The switches staff flip for My Story's screens: auto-approve, what displays show, kiosk pauses."""
from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.challenge import rules
from app.challenge.forms import MODE_LABELS
from app.challenge.models import DISPLAY_MODES, ChallengeSettings, DisplayScreen, KioskState, Story
from app.db import unit_of_work
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.realtime import publish
from app.staff import audit
from app.staff.models import StaffMember

DEFAULT_DISPLAY = "main"
_DISPLAY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
MESSAGE_MAX = 120


def settings() -> ChallengeSettings:
    """The settings row (defaults until staff first change something)."""
    return db.session.get(ChallengeSettings, 1) or ChallengeSettings(id=1, auto_approve=False, mode="feed")


def _settings_for_update() -> ChallengeSettings:
    row = db.session.get(ChallengeSettings, 1)
    if row is None:
        row = ChallengeSettings(id=1, auto_approve=False, mode="feed")
        db.session.add(row)
    return row


def set_auto_approve(enabled: bool, *, actor, now: datetime | None = None) -> ChallengeSettings:
    with unit_of_work():
        row = _settings_for_update()
        row.auto_approve = bool(enabled)
        audit.record(actor, "challenge.auto_approve", row,
                     audit.said("Turned auto-approve on") if enabled else audit.said("Turned auto-approve off"),
                     now=now)
    publish.challenge_settings_changed(row)
    return row


def display_name(raw: str | None) -> str:
    """The name a display gave itself, or the default for a missing or unusable one."""
    name = (raw or "").strip()
    return name if _DISPLAY_NAME.match(name) else DEFAULT_DISPLAY


def note_display(name: str, *, now: datetime | None = None) -> DisplayScreen:
    """A display connected: remember its name (staff pick displays by it) and when it was seen."""
    try:
        with unit_of_work():
            screen = db.session.scalars(select(DisplayScreen).where(DisplayScreen.name == name)).first()
            if screen is None:
                screen = DisplayScreen(name=name)
                db.session.add(screen)
            screen.last_seen_at = now or clock.now()
    except IntegrityError:
        # Two displays of the same name connected at once: the other one made the row.
        screen = db.session.scalars(select(DisplayScreen).where(DisplayScreen.name == name)).one()
    return screen


def list_displays() -> list[DisplayScreen]:
    return list(db.session.scalars(select(DisplayScreen).order_by(DisplayScreen.name)))


def screen_mode(screen: DisplayScreen | None) -> tuple[str, int | None]:
    """What a display shows: its own mode, or the default (mode, spotlight story id)."""
    if screen is not None and screen.mode is not None:
        return screen.mode, screen.spotlight_story_id
    row = settings()
    return row.mode, row.spotlight_story_id


def set_mode(mode: str | None, *, display: str | None = None, story_id: int | None = None, actor,
             now: datetime | None = None) -> tuple[str | None, str | None, int | None]:
    """Switch what displays show: all that follow the default (display None), or one by name.

    For one display, mode None makes it follow the default again. Spotlight needs an
    approved story. Returns (display, mode shown, spotlight story id).
    """
    if mode is not None and mode not in DISPLAY_MODES:
        raise ValidationFailed({"mode": _l("Use one of: %(modes)s.", modes=", ".join(DISPLAY_MODES))})
    if mode is None and display is None:
        raise ValidationFailed({"mode": _l("Choose what the displays show.")})
    if mode == "spotlight":
        story = db.session.get(Story, story_id) if story_id is not None else None
        if story is None or story.status != "approved":
            raise ValidationFailed({"story_id": _l("Choose an approved story to put in the spotlight.")})
    else:
        story_id = None
    with unit_of_work():
        if display is None:
            target = _settings_for_update()
        else:
            target = db.session.scalars(select(DisplayScreen).where(DisplayScreen.name == display)).first()
            if target is None:
                raise DomainError("display_not_found", _l("No display of this name has connected."), status=404)
        target.mode, target.spotlight_story_id = mode, story_id
        audit.record(actor, "display.mode", target,
                     _display_mode_said(display, mode, story_id),
                     details={"display": display, "mode": mode, "story_id": story_id}, now=now)
    shown, spotlight = mode, story_id
    if mode is None:
        shown, spotlight = screen_mode(None)
    publish.display_mode(display, shown, spotlight, follows_default=display is None or mode is None)
    return display, shown, spotlight


def _display_mode_said(display: str | None, mode: str | None, story_id: int | None) -> audit.Said:
    """The audit summary of a mode change, naming the mode as the console does."""
    shown = MODE_LABELS[mode] if mode else _l("the default")
    if display is None:
        return (audit.said("Set all displays to %(mode)s (story %(story)s)", mode=shown, story=story_id)
                if story_id else audit.said("Set all displays to %(mode)s", mode=shown))
    return (audit.said("Set display %(display)s to %(mode)s (story %(story)s)", display=display, mode=shown,
                       story=story_id)
            if story_id else audit.said("Set display %(display)s to %(mode)s", display=display, mode=shown))


def note_kiosk(kiosk: StaffMember, *, now: datetime | None = None) -> KioskState:
    """A kiosk connected: its state row (made on first contact), stamped as seen."""
    try:
        with unit_of_work():
            state = db.session.get(KioskState, kiosk.id)
            if state is None:
                state = KioskState(kiosk_id=kiosk.id)
                db.session.add(state)
            state.last_seen_at = now or clock.now()
    except IntegrityError:
        state = db.session.get(KioskState, kiosk.id)
    return state


def list_kiosks() -> list[tuple[StaffMember, KioskState | None]]:
    """Every kiosk account, with its state once it has connected."""
    kiosks = db.session.scalars(select(StaffMember).where(StaffMember.role == "kiosk").order_by(StaffMember.id))
    return [(kiosk, db.session.get(KioskState, kiosk.id)) for kiosk in kiosks]


def set_paused(kiosk_id: int, paused: bool, *, message: str | None = None, actor,
               now: datetime | None = None) -> KioskState:
    """Pause one kiosk with a message for the people in front of it, or let it run again."""
    kiosk = db.session.get(StaffMember, kiosk_id)
    if kiosk is None or kiosk.role != "kiosk":
        raise DomainError("kiosk_not_found", _l("This kiosk does not exist."), status=404)
    text = rules.clean_line(message or "") if paused else ""
    if rules.length(text) > MESSAGE_MAX:
        raise ValidationFailed({"message": _l("At most %(limit)d characters.", limit=MESSAGE_MAX)})
    with unit_of_work():
        state = db.session.get(KioskState, kiosk.id)
        if state is None:
            state = KioskState(kiosk_id=kiosk.id)
            db.session.add(state)
        state.paused, state.message = paused, text or None
        audit.record(actor, "kiosk.pause" if paused else "kiosk.resume", kiosk,
                     audit.said("Paused the kiosk %(kiosk)s", kiosk=kiosk.name or kiosk.email) if paused
                     else audit.said("Resumed the kiosk %(kiosk)s", kiosk=kiosk.name or kiosk.email),
                     details={"message": text} if text else None, now=now)
    publish.kiosk_paused(state)
    return state
