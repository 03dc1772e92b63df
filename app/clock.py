"""The app's clock and Asia/Shanghai helpers.

Times are stored as timezone-aware UTC; the exhibition's zone is applied here and
in templates only. BACKLOT_CLOCK makes the clock start at a chosen time and run
on in real time, so demos and tests can live inside the exhibition days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

EVENT_TZ = ZoneInfo("Asia/Shanghai")


def real_now() -> datetime:
    return datetime.now(timezone.utc)


def install(app: Flask) -> None:
    """Fix the clock's offset for this process from the BACKLOT_CLOCK setting."""
    start = app.config.get("BACKLOT_CLOCK")
    offset = (start - real_now()) if start else timedelta(0)
    app.extensions["backlot_clock_offset"] = offset


def now() -> datetime:
    """The app's current time, aware, in UTC."""
    offset = timedelta(0)
    if has_app_context():
        offset = current_app.extensions.get("backlot_clock_offset", timedelta(0))
    return real_now() + offset


def is_demo_clock() -> bool:
    return has_app_context() and current_app.config.get("BACKLOT_CLOCK") is not None


def local(moment: datetime) -> datetime:
    """The same instant on the exhibition's wall clock."""
    return moment.astimezone(EVENT_TZ)


def timestamp(moment: datetime) -> str:
    """ISO 8601 on the exhibition's wall clock, with its offset (+08:00): how the API and
    the screens write a time."""
    return local(moment).isoformat()


def today(moment: datetime | None = None) -> date:
    """The exhibition's calendar date at `moment` (default: now)."""
    return local(moment or now()).date()


def at_local(day: date, wall: time) -> datetime:
    """The UTC instant of a wall-clock time on an exhibition day."""
    return datetime.combine(day, wall, tzinfo=EVENT_TZ).astimezone(timezone.utc)
