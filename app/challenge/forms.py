"""Forms of the My Story staff pages (Flask-WTF: every one carries a CSRF token).

They only read what was typed; what a round or a screen setting may be is checked by
app.challenge.rounds and app.challenge.screens, whose field errors the pages show.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from app.challenge import rules

#: How the console names what a display shows (app.challenge.models.DISPLAY_MODES).
MODE_LABELS = {
    "feed": _l("Story feed"),
    "spotlight": _l("Spotlight: one story"),
    "schedule": _l("Schedule: on now and next"),
    "attract": _l("Attract loop"),
    "leaderboard": _l("Leaderboard"),
}
#: The mode that makes a named display follow the default again.
FOLLOW_DEFAULT = ""


class RoundEditForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"))
    title_en = StringField(_l("Title (English)"))
    theme_zh = StringField(_l("Theme (Chinese)"))
    theme_en = StringField(_l("Theme (English)"))
    day = SelectField(_l("Day"))
    starts = TimeField(_l("Starts"), validators=[InputRequired()])
    ends = TimeField(_l("Ends"), validators=[InputRequired()])
    beat_count = SelectField(_l("Beats per story"), coerce=int,
                             choices=[SelectChoice(count, str(count))
                                      for count in range(rules.BEATS_MIN, rules.BEATS_MAX + 1)])
    #: 0: an extra round, not tied to a session of the programme.
    session_id = SelectField(_l("Programme session"), coerce=int)


class DisplayModeForm(FlaskForm):
    """What the displays that follow the default show (display empty), or one display by name.

    The page draws one of these per display, with ids of their own (templates/staff/challenge/screens.html).
    """

    display = StringField(validators=[Optional()])
    #: One of DISPLAY_MODES, or FOLLOW_DEFAULT for a named display.
    mode = StringField(_l("Shows"))
    story_id = IntegerField(_l("Story in the spotlight"), validators=[Optional()])


class KioskPauseForm(FlaskForm):
    message = StringField(_l("Message on the kiosk"))
