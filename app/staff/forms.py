"""Forms of the staff console (Flask-WTF: every one carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, EmailField, IntegerField, PasswordField, SelectField,
                     StringField, TextAreaField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.schedule.formatting import KIND_LABELS
from app.schedule.models import SLOT_KINDS
from app.staff.models import ROLE_LABELS, ROLES


class ActionForm(FlaskForm):
    """A bare POST (cancel, disable, revoke…): only the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class AccountForm(FlaskForm):
    email = StringField(_l("Email (devices: e.g. kiosk-1@devices.local)"),
                        validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])
    #: Jury accounts only: the juror of the programme it belongs to (choices: jurors without an account).
    jury_member = SelectField(_l("Juror (jury accounts only)"), coerce=int, default=0, choices=[SelectChoice(0, "—")],
                              validate_choice=False)


class SlotForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in SLOT_KINDS])
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=120)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=2000)])
    venue_id = SelectField(_l("Venue"), coerce=int)
    day = SelectField(_l("Day"))
    starts = TimeField(_l("Starts"), validators=[DataRequired()])
    ends = TimeField(_l("Ends"), validators=[DataRequired()])
    capacity = IntegerField(_l("Capacity (empty: open to all, no registration)"),
                            validators=[Optional(), NumberRange(min=1, max=100_000)])
    film_id = SelectField(_l("Film"), coerce=int)
    # Operating rules (app.schedule.rules.operating_errors judges them together): Shanghai wall-clock
    # times, empty for the defaults.
    booking_opens = DateTimeLocalField(_l("Booking opens (empty: open now)"), format="%Y-%m-%dT%H:%M",
                                       validators=[Optional()])
    booking_closes = DateTimeLocalField(_l("Booking closes (empty: at the start)"), format="%Y-%m-%dT%H:%M",
                                        validators=[Optional()])
    waitlist_closes = DateTimeLocalField(_l("Waiting list closes (empty: when booking closes)"),
                                         format="%Y-%m-%dT%H:%M", validators=[Optional()])
    checkin_opens_minutes = IntegerField(_l("Check-in opens, minutes before the start"), default=30,
                                         validators=[InputRequired(), NumberRange(min=0, max=240)])
    no_show_release_minutes = IntegerField(_l("Release places not checked in, minutes after the start "
                                              "(empty: never)"), default=10,
                                           validators=[Optional(), NumberRange(min=0, max=240)])


class VenueForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    site_zh = StringField(_l("Building (Chinese)"), validators=[Length(max=120)])
    site_en = StringField(_l("Building (English)"), validators=[Length(max=120)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=2000)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional()])


class DayForm(FlaskForm):
    date = DateField(_l("Date"), validators=[DataRequired()])
    opens = TimeField(_l("Opens"), validators=[DataRequired()])
    closes = TimeField(_l("Closes"), validators=[DataRequired()])
    entry_capacity = IntegerField(_l("Entry capacity"),
                                  validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    max_inside = IntegerField(_l("Maximum inside at once (empty: no limit)"),
                              validators=[Optional(), NumberRange(min=1, max=1_000_000)])


def pair(form: FlaskForm, name: str) -> dict:
    """The {"zh", "en"} text of a pair of fields `<name>_zh` and `<name>_en`."""
    return {locale: (getattr(form, f"{name}_{locale}").data or "").strip() for locale in ("zh", "en")}


def fill_pair(form: FlaskForm, name: str, text: dict) -> None:
    for locale in ("zh", "en"):
        getattr(form, f"{name}_{locale}").data = (text or {}).get(locale, "")


def show_errors(form: FlaskForm, fields: dict) -> None:
    """Put a service's field errors (dotted paths: title.zh) next to the form's inputs."""
    for path, message in fields.items():
        field = getattr(form, path.replace(".", "_"), None) or getattr(form, _FIELD_ALIASES.get(path, ""), None)
        if field is not None:
            field.errors = [*field.errors, str(message)]


#: Service field names that differ from the form's.
_FIELD_ALIASES = {"starts_at": "starts", "ends_at": "ends", "opens_at": "opens", "closes_at": "closes",
                  "booking_opens_at": "booking_opens", "booking_closes_at": "booking_closes",
                  "waitlist_closes_at": "waitlist_closes"}
