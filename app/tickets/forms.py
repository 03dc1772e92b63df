"""The visitor's forms: registration and "find my ticket" (Flask-WTF: each carries a CSRF token)."""
from __future__ import annotations

from collections.abc import Container
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, FieldList, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.errors import DomainError, ValidationFailed
from app.tickets import rules

#: Refusals without field paths that still belong next to one input.
_FIELD_OF_CODE = {"day_full": "days"}


class RegisterForm(FlaskForm):
    """Who comes, on which days, to which sessions; the service judges every value."""

    name = StringField(_l("Your name"), render_kw={"maxlength": rules.NAME_MAX, "autocomplete": "name"})
    email = EmailField(_l("Email"), render_kw={"maxlength": rules.EMAIL_MAX, "autocomplete": "email",
                                               "spellcheck": "false"})
    # Checkboxes drawn by the template; choices are not checked here but by the service,
    # so that a stale or forged value gets the service's own message.
    days = SelectMultipleField(_l("Days"), validate_choice=False)
    sessions = SelectMultipleField(_l("Sessions"), validate_choice=False)
    companions = FieldList(StringField(render_kw={"maxlength": rules.NAME_MAX, "autocomplete": "off"}),
                           min_entries=rules.MAX_COMPANIONS, max_entries=rules.MAX_COMPANIONS)
    consent = BooleanField(_l("I agree that AI BACKLOT keeps my name and email (and my companions' "
                              "names) to manage this registration and send me my tickets."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Messages shown beside one session's checkbox, by session id.
        self.session_errors: dict[int, list[str]] = {}
        self._asked_sessions: list[int] = []
        self._filled_companions: list = []

    def preselect(self, slot) -> None:
        """Tick one session and its day (the session page's "Book" button)."""
        self.days.data = [slot.day.date.isoformat()]
        self.sessions.data = [str(slot.id)]

    def registration_request(self, locale: str) -> rules.RegistrationRequest:
        """What the visitor asked for; ValidationFailed for values no honest browser sends."""
        fields = {}
        days, session_ids = [], []
        for index, value in enumerate(self.days.data or []):
            try:
                days.append(date.fromisoformat(value))
            except ValueError:
                fields[f"days.{index}"] = _l("Use a date in the form YYYY-MM-DD.")
        for index, value in enumerate(self.sessions.data or []):
            try:
                session_ids.append(int(value))
            except ValueError:
                fields[f"sessions.{index}"] = _l("Must be a session id (a whole number).")
        if fields:
            raise ValidationFailed(fields)
        # Empty companion fields are the ones nobody used.
        self._filled_companions = [entry for entry in self.companions if (entry.data or "").strip()]
        self._asked_sessions = session_ids
        return rules.RegistrationRequest(
            name=self.name.data or "", email=self.email.data or None, days=days,
            session_ids=session_ids, locale=locale, consent=bool(self.consent.data),
            companions=[entry.data for entry in self._filled_companions])

    def show_errors(self, error: DomainError, offered_sessions: Container[int]) -> str:
        """Put a refusal beside the inputs it is about; returns the message for the top of the form.

        Dotted paths name the request's lists: `sessions.0` is the first session asked
        for, `companions.1.name` the second companion field filled in.
        """
        fields = error.fields or {}
        if not fields and error.code in _FIELD_OF_CODE:
            fields = {_FIELD_OF_CODE[error.code]: error.message}
        for path, message in fields.items():
            self._place(path, str(message), offered_sessions)
        if fields and (isinstance(error, ValidationFailed) or not error.fields):
            return _("Some fields need attention: see the marked ones below.")
        return str(error.message)

    def _place(self, path: str, message: str, offered_sessions: Container[int]) -> None:
        head, _dot, rest = path.partition(".")
        index = int(rest.split(".")[0]) if rest.split(".")[0].isdigit() else None
        if head == "sessions" and index is not None and index < len(self._asked_sessions) \
                and self._asked_sessions[index] in offered_sessions:
            self.session_errors.setdefault(self._asked_sessions[index], []).append(message)
        elif head == "companions" and index is not None and index < len(self._filled_companions):
            entry = self._filled_companions[index]
            entry.errors = [*entry.errors, message]
        elif head in ("name", "email", "days", "sessions", "companions", "consent"):
            field = getattr(self, head)
            field.errors = [*field.errors, message]
        else:
            self.form_errors.append(message)


class FindTicketForm(FlaskForm):
    """"Find my ticket": the email the tickets were registered with."""

    email = EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Please enter your email address.")),
        Length(max=rules.EMAIL_MAX, message=_l("At most %(limit)d characters.", limit=rules.EMAIL_MAX))])


class RenewKeyForm(FlaskForm):
    """The confirmation of a renewal link: a button (a mail scanner opening the link changes nothing)."""
