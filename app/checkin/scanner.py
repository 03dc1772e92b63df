"""The gate scanner page (/scan) and the offline pack a phone keeps for when the network drops.

The pack never holds a ticket code in clear: each code is sent as sha256(salt + code) with a
salt made per day from the app's secret (HMAC), so the phone can recognise a ticket it scans
without being able to list the tickets. It carries the gates' rules too (the day's opening
hours, each session's check-in window, the pauses in force when it was made), so the phone
answers too_early, closed and entry_paused offline as the server would.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from app import clock
from app.checkin import gates, rules
from app.clock import timestamp
from app.extensions import db
from app.schedule import services as schedule
from app.schedule.models import ExhibitionDay, Slot
from app.staff.auth import roles_required
from app.tickets.models import DayEntry, Seat, Ticket

bp = Blueprint("scanner", __name__)

SCAN_ROLES = ("gate", "admin")


@bp.get("/scan")
@roles_required(*SCAN_ROLES)
def scan():
    today = clock.today()
    return render_template("checkin/scan.html", today=today, now=timestamp(clock.now()),
                           sessions=schedule.list_slots(day=today, include_cancelled=False),
                           pauses=gates.pauses_json())


def pack_salt(day: date) -> str:
    """Random-looking, fixed per day (derived from SECRET_KEY), so phones agree on it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"offline-pack:{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:32]


def code_hash(salt: str, code: str) -> str:
    return hashlib.sha256((salt + code).encode()).hexdigest()


def offline_pack(day: date) -> dict:
    """Hashes of the active tickets for `day`, and per session that needs a seat, of its confirmed
    seats; the day's opening hours, each session's check-in window and the pauses in force."""
    salt = pack_salt(day)
    exhibition_day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == day)).first()
    entries: list[str] = []
    sessions: dict[str, list[str]] = {}
    hours = None
    windows: dict[str, dict] = {}
    if exhibition_day is not None:
        hours = {"opens_at": timestamp(exhibition_day.opens_at), "closes_at": timestamp(exhibition_day.closes_at)}
        for slot in db.session.scalars(select(Slot).where(Slot.day_id == exhibition_day.id).order_by(Slot.id)):
            opens, closes = rules.checkin_window(slot.starts_at, slot.ends_at, slot.checkin_opens_minutes)
            windows[str(slot.id)] = {"opens_at": timestamp(opens), "closes_at": timestamp(closes)}
        codes = db.session.scalars(
            select(Ticket.code).join(DayEntry, DayEntry.ticket_id == Ticket.id)
            .where(DayEntry.day_id == exhibition_day.id, Ticket.status == "active").order_by(Ticket.id))
        entries = [code_hash(salt, code) for code in codes]
        slots = db.session.scalars(select(Slot).where(Slot.day_id == exhibition_day.id,
                                                      Slot.requires_registration.is_(True)).order_by(Slot.id))
        for slot in slots:
            seated = db.session.scalars(
                select(Ticket.code).join(Seat, Seat.ticket_id == Ticket.id)
                .where(Seat.slot_id == slot.id, Seat.status == "confirmed", Ticket.status == "active")
                .order_by(Ticket.id))
            sessions[str(slot.id)] = [code_hash(salt, code) for code in seated]
    # `now`: the server's clock (the demo clock too), so that offline scans carry the right time.
    return {"day": day.isoformat(), "salt": salt, "entries": entries, "sessions": sessions,
            "hours": hours, "windows": windows, "paused": gates.pauses_json(), "now": timestamp(clock.now())}
