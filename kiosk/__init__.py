"""The My Story screens' front end: the touch kiosk (/kiosk) and the public display (/display).

Both pages are shells: everything they show arrives over Socket.IO (/kiosk, /display)
and the JSON API, so a screen that reloads or reconnects draws the current state.
The kiosk authenticates with its device token (kept in the browser's storage), so the
page itself is public.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from flask import Blueprint, render_template
from flask_babel import force_locale

from app import clock
from app.api.serializers import timestamp
from app.challenge import rules
from app.staff.auth import public

HERE = Path(__file__).resolve().parent

bp = Blueprint("screens", __name__, template_folder=str(HERE / "templates"),
               static_folder=str(HERE / "static"), static_url_path="/screens/static")

#: The screens' languages; a kiosk starts in the first and returns to it after each visitor.
SCREEN_LOCALES = ("zh", "en")


@bp.app_template_global()
def in_each_screen_locale(render_json: Callable[[], str]) -> dict:
    """{locale: the JSON `render_json` renders in that locale} for every screen language.

    `render_json` is a template macro whose strings are wrapped in `_()`: the kiosk and the
    display carry their strings in both languages (a kiosk visitor switches without a reload;
    the display shows both at once).
    """
    rendered = {}
    for locale in SCREEN_LOCALES:
        with force_locale(locale):
            rendered[locale] = json.loads(str(render_json()))
    return rendered


@bp.get("/kiosk")
@public
def kiosk():
    return render_template("kiosk/kiosk.html", limits=rules.LIMITS, now=timestamp(clock.now()),
                           default_language=SCREEN_LOCALES[0])


@bp.get("/display")
@public
def display():
    return render_template("kiosk/display.html", now=timestamp(clock.now()))
