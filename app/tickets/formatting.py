"""Labels for tickets and places, in the visitor's language (pages and mails)."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from app.tickets.models import Seat
from app.tickets.services import waitlist_position


def seat_status(seat: Seat) -> str:
    """"Confirmed", "Waiting list: 3rd" or "Cancelled"."""
    if seat.status == "confirmed":
        return _("Confirmed")
    if seat.status == "waitlisted":
        return _("Waiting list, place %(position)d", position=waitlist_position(seat))
    return _("Cancelled")


def register(app: Flask) -> None:
    app.add_template_global(seat_status)
