"""No-show release on SQLite and PostgreSQL: who gets a place taken back, who gets it, once only (also
with processes racing), the mails, the staff button, the CLI, and the live event on /staff."""
from __future__ import annotations

import queue
import re
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from threading import Barrier

import pytest
import requests
import socketio
from sqlalchemy import insert, select, update

from app.checkin.models import DAY_ENTRY, Presence
from app.checkin.services import ScanRequest, check_in
from app.clock import at_local
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.schedule.models import Slot
from app.staff import audit
from app.staff.services import add_staff
from app.tickets import no_show, outbox, services, walk_in
from app.tickets.models import OutboxMail, Seat, Ticket
from app.tickets.rules import no_show_release_due
from tests.builders import make_slot
from tests.live import add_staff as add_live_staff, backlot, server_environment, serving, signed_in
from tests.staff.conftest import page_csrf, sign_in
from tests.tickets.test_mail import bodies, in_language
from tests.tickets.test_registration import ask

DAY = date(2026, 6, 14)


def local(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return at_local(DAY, time(hour, minute, second))


#: Bookings are made before the session (10:00–12:00) starts; the release is due at 10:10.
BEFORE = local(9)
DUE = local(10, 10)


def reread() -> None:
    db.session.rollback()
    db.session.expire_all()


def book(slot: Slot, name: str, *, locale: str = "zh") -> Ticket:
    email = f"{re.sub(r'[^a-z0-9]', '', name.lower()) or 'v'}{slot.id}@example.org"
    return services.register(ask(name=name, email=email, sessions=[slot.id], locale=locale), now=BEFORE).tickets[0]


def arrive(ticket: Ticket, slot_id: int = DAY_ENTRY, *, inside: bool = True) -> None:
    """The ticket was scanned in at the entrance (DAY_ENTRY) or at a session; `inside` False: out again."""
    day_id = ticket.entries[0].day_id
    db.session.add(Presence(ticket_id=ticket.id, day_id=day_id, slot_id=slot_id, inside=inside,
                            first_checked_in_at=local(9, 50), first_gate="north", last_in_at=local(9, 50),
                            last_out_at=None if inside else local(9, 55)))
    db.session.commit()


def seat_of(ticket: Ticket, slot: Slot) -> Seat:
    return db.session.scalars(select(Seat).where(Seat.ticket_id == ticket.id, Seat.slot_id == slot.id)).one()


@dataclass
class Crowd:
    slot: Slot
    came: Ticket
    absent: list[Ticket]
    waiting: list[Ticket]


def crowd(*, confirmed: int = 3, came: int = 1, waiting: int = 3, **slot_fields) -> Crowd:
    slot = make_session(capacity=confirmed, **slot_fields)
    holders = [book(slot, f"Holder {index}", locale="zh" if index % 2 else "en") for index in range(confirmed)]
    queue_ = [book(slot, f"Waiting {index}") for index in range(waiting)]
    for ticket in holders[:came]:
        arrive(ticket)
        arrive(ticket, slot.id)
    return Crowd(slot, holders[0] if came else None, holders[came:], queue_)


def make_session(**fields) -> Slot:
    return make_slot(start=time(10), end=time(12), title="Open set", **fields)


def test_the_rule_is_due_from_its_minutes_until_the_end_once():
    @dataclass
    class Session:
        starts_at: datetime = local(10)
        ends_at: datetime = local(12)
        no_show_release_minutes: int | None = 10
        no_shows_released_at: datetime | None = None

    assert not no_show_release_due(Session(), local(10, 9, 59))
    assert no_show_release_due(Session(), local(10, 10))
    assert no_show_release_due(Session(), local(11, 59, 59))
    assert not no_show_release_due(Session(), local(12))
    assert not no_show_release_due(Session(no_show_release_minutes=None), local(11))
    assert not no_show_release_due(Session(no_shows_released_at=local(10, 10)), local(11))
    assert no_show_release_due(Session(no_show_release_minutes=0), local(10))
    # A session at midnight in Shanghai (16:00 UTC): the minutes count across the day boundary.
    midnight = at_local(date(2026, 6, 15), time(0))
    late = Session(starts_at=midnight - timedelta(minutes=5), ends_at=midnight + timedelta(hours=1))
    assert not no_show_release_due(late, midnight + timedelta(minutes=4, seconds=59))
    assert no_show_release_due(late, midnight + timedelta(minutes=5))


def test_places_go_to_the_first_waiting_who_is_present_not_to_an_absent_one_ahead(app):
    people = crowd()
    first, second, third = people.waiting
    arrive(first, inside=False)  # came in, went out again: not at the venue now
    arrive(second)
    arrive(third)

    report = no_show.release_no_shows(DUE)

    reread()
    assert [(item.session_id, item.released, item.promoted, item.freed) for item in report.sessions] == [
        (people.slot.id, 2, 2, 0)]
    assert seat_of(people.came, people.slot).status == "confirmed"
    assert [seat_of(ticket, people.slot).status for ticket in people.absent] == ["cancelled", "cancelled"]
    assert all(seat_of(ticket, people.slot).released_at == DUE for ticket in people.absent)
    assert [seat_of(ticket, people.slot).status for ticket in people.waiting] == [
        "waitlisted", "confirmed", "confirmed"]
    assert services.waitlist_position(seat_of(first, people.slot)) == 1
    slot = db.session.get(Slot, people.slot.id)
    assert slot.seats_taken == 3 and slot.no_shows_released_at == DUE
    [entry] = audit.search(action="seat.no_show_release")
    assert entry.actor_id is None and entry.target_id == slot.id
    assert (entry.details["released"], entry.details["promoted"], entry.details["freed"]) == (2, 2, 0)

    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind != "confirmation")
                               .order_by(OutboxMail.id)).all()
    released_to = {ticket.registration.email: ticket.registration.locale for ticket in people.absent}
    assert sorted(mail.to for mail in mails if mail.kind == "no_show_release") == sorted(released_to)
    assert sorted(mail.to for mail in mails if mail.kind == "promotion") == sorted(
        [second.registration.email, third.registration.email])
    for mail in mails:
        if mail.kind == "no_show_release":
            assert mail.subject == in_language(released_to[mail.to], "Your place was released: %(title)s",
                                               title="Open set（中）" if released_to[mail.to] == "zh" else "Open set")

    # It runs once: the next round, or the one after, finds nothing to do.
    assert no_show.release_no_shows(DUE + timedelta(minutes=1)).sessions == []
    assert len(audit.search(action="seat.no_show_release")) == 1


def test_with_nobody_waiting_present_the_place_is_freed_for_the_walk_in_desk_only(app):
    people = crowd(confirmed=2, came=1, waiting=1)  # the one waiting is not at the venue

    [done] = no_show.release_no_shows(DUE).sessions

    assert (done.released, done.promoted, done.freed) == (1, 0, 1)
    reread()
    assert db.session.get(Slot, people.slot.id).seats_taken == 1
    assert seat_of(people.waiting[0], people.slot).status == "waitlisted"
    # Visitors online cannot book a session that has begun...
    with pytest.raises(ValidationFailed) as refused:
        services.register(ask(email="late@example.org", sessions=[people.slot.id]), now=local(10, 15))
    assert set(refused.value.fields) == {"sessions.0"}
    # ...the desk gives the free place to a walk-in, and no more than it has.
    desk = add_staff("desk@example.org", "gate").member
    with app.test_request_context():
        registration = walk_in.register_walk_in(name="Walk-in", day=DAY, session_ids=[people.slot.id], people=1,
                                                companions=[], locale="en", actor=desk, now=local(10, 15))
        assert registration.tickets[0].seats[0].status == "confirmed"
        with pytest.raises(ValidationFailed):
            walk_in.register_walk_in(name="One more", day=DAY, session_ids=[people.slot.id], people=1,
                                     companions=[], locale="en", actor=desk, now=local(10, 16))
    reread()
    assert db.session.get(Slot, people.slot.id).seats_taken == 2


def test_only_due_running_sessions_with_release_on_are_released(app):
    early = crowd(confirmed=1, came=0, waiting=0)
    off = make_session(capacity=1)
    off.no_show_release_minutes = None
    book(off, "Off")
    cancelled = make_session(capacity=1)
    book(cancelled, "Cancelled")
    cancelled.status = "cancelled"
    db.session.commit()

    assert no_show.release_no_shows(local(10, 9, 59)).sessions == []
    assert no_show.release_no_shows(local(12)).sessions == []  # ended: too late
    assert [item.session_id for item in no_show.release_no_shows(DUE).sessions] == [early.slot.id]
    reread()
    assert db.session.get(Slot, off.id).no_shows_released_at is None
    assert db.session.get(Slot, cancelled.id).no_shows_released_at is None
    assert db.session.scalars(select(Seat.status).where(Seat.slot_id == off.id)).all() == ["confirmed"]


def test_racing_processes_release_a_session_once_and_give_no_place_twice(app):
    """Eight rounds at once (the server loop in several processes, and an admin's button): one
    releases the session, and every place goes to exactly one person."""
    people = crowd(confirmed=8, came=2, waiting=6)
    for ticket in people.waiting[1:5]:  # four of the six waiting are at the venue; the first is not
        arrive(ticket)
    admin = add_staff("admin@example.org", "admin").member
    start = Barrier(8)

    def release(index: int):
        with app.app_context():
            start.wait()
            if index == 0:
                try:
                    return [no_show.release_now(db.session.get(Slot, people.slot.id), actor=admin, now=DUE)]
                except DomainError as error:
                    assert error.code == "already_released"
                    return []
            return no_show.release_no_shows(DUE).sessions

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [item for items in pool.map(release, range(8)) for item in items]

    assert [(item.released, item.promoted, item.freed) for item in results] == [(6, 4, 2)]
    reread()
    assert len(audit.search(action="seat.no_show_release")) == 1
    seats = db.session.scalars(select(Seat).where(Seat.slot_id == people.slot.id)).all()
    assert sum(seat.status == "confirmed" for seat in seats) == 2 + 4
    assert db.session.get(Slot, people.slot.id).seats_taken == 6
    assert [seat_of(ticket, people.slot).status for ticket in people.waiting] == [
        "waitlisted", "confirmed", "confirmed", "confirmed", "confirmed", "waitlisted"]
    kinds = db.session.scalars(select(OutboxMail.kind).where(OutboxMail.kind != "confirmation")).all()
    assert sorted(kinds) == ["no_show_release"] * 6 + ["promotion"] * 4


def in_other_thread(app, work):
    """Run `work` in a thread of its own (a request of another server process, say); its future."""
    def run():
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()
    return ThreadPoolExecutor(max_workers=1).submit(run)


def test_an_entry_at_the_instant_of_the_release_keeps_its_seat(app):
    """A holder scanned in at the session while the release runs: it waits for the entry's commit
    and leaves that seat alone (on PostgreSQL its first look could not see the entry yet)."""
    people = crowd(confirmed=2, came=0, waiting=0)
    comer, absent = people.absent
    seat = seat_of(comer, people.slot)
    with db.engine.connect() as entry:  # the entry, half done: its seat locked, its presence written
        entry.execute(select(Seat.id).where(Seat.id == seat.id).with_for_update())
        entry.execute(insert(Presence).values(ticket_id=comer.id, day_id=comer.entries[0].day_id,
                                              slot_id=people.slot.id, inside=True, first_checked_in_at=DUE,
                                              first_gate="Hall", last_in_at=DUE))
        release = in_other_thread(app, lambda: no_show.release_no_shows(DUE).sessions)
        with pytest.raises(FutureTimeout):
            release.result(timeout=0.3)  # it waits for the entry
        entry.commit()
    [released] = release.result(timeout=15)
    assert (released.released, released.freed) == (1, 1)
    reread()
    assert (seat_of(comer, people.slot).status, seat_of(absent, people.slot).status) == ("confirmed", "cancelled")


def test_an_entry_after_the_release_took_the_seat_is_refused(app):
    """The release went first: the entry waits for it, then finds the seat gone."""
    people = crowd(confirmed=1, came=0, waiting=0)
    [late] = people.absent
    seat = seat_of(late, people.slot)
    with db.engine.connect() as release:  # the release, half done: the seat taken back
        release.execute(update(Seat).where(Seat.id == seat.id).values(status="cancelled", released_at=DUE))
        entry = in_other_thread(app, lambda: check_in(ScanRequest(scan=late.code, gate="Hall",
                                                                  session_id=people.slot.id), now=DUE))
        with pytest.raises(FutureTimeout):
            entry.result(timeout=0.3)
        release.commit()
    assert entry.result(timeout=15)["result"] == "not_registered"
    reread()
    assert db.session.scalar(select(Presence.id).where(Presence.slot_id == people.slot.id)) is None


def test_the_released_visitor_gets_the_mail_through_a_real_smtp_server(mail_app, smtp):  # noqa: F811
    people = crowd(confirmed=1, came=0, waiting=0)
    [ticket] = people.absent
    assert outbox.deliver_due().sent == 1  # the confirmation
    smtp.received.clear()

    no_show.release_no_shows(DUE)
    assert outbox.deliver_due().sent == 1

    [received] = smtp.received
    assert received.rcpt_tos == [ticket.registration.email]
    assert received.message["Subject"] == "Your place was released: Open set"  # Holder 0 reads English
    text, html = bodies(received.message)
    assert "This session began 10 minutes ago and you had not checked in" in text
    assert "still valid" in html and f"/t/{ticket.code}" in html


def test_admin_releases_now_from_the_session_page_and_sees_who_was_released(app, client):
    people = crowd(confirmed=2, came=1, waiting=0)
    admin = sign_in(client, "admin").member
    page = client.get(f"/staff/sessions/{people.slot.id}/attendees?lang=en").get_data(as_text=True)
    assert "Release no-shows now" in page  # the demo clock (10:30) is inside the session

    answer = client.post(f"/staff/sessions/{people.slot.id}/release-no-shows?lang=en",
                         data={"csrf_token": page_csrf(client, f"/staff/sessions/{people.slot.id}/attendees")})

    assert answer.status_code == 302
    after = client.get(answer.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "1 place(s) released: 0 to people waiting at the venue, 1 free for walk-ins." in after
    released_table = re.search(r'data-testid="released-seats".*?</table>', after, re.S).group(0)
    assert people.absent[0].holder_name in released_table and people.came.holder_name not in released_table
    assert "Release no-shows now" not in after
    [entry] = audit.search(action="seat.no_show_release")
    assert entry.actor_id == admin.id

    again = client.post(f"/staff/sessions/{people.slot.id}/release-no-shows?lang=en", follow_redirects=True,
                        data={"csrf_token": page_csrf(client, f"/staff/sessions/{people.slot.id}/attendees")})
    assert "The places of this session were released already." in again.get_data(as_text=True)
    assert len(audit.search(action="seat.no_show_release")) == 1


def test_the_button_needs_a_csrf_token_and_a_running_session(app, client):
    later = make_slot(start=time(14), end=time(15), capacity=5)
    book(later, "Later")
    sign_in(client, "admin")
    client.post(f"/staff/sessions/{later.id}/release-no-shows")  # no token: nothing happens
    refused = client.post(f"/staff/sessions/{later.id}/release-no-shows?lang=en", follow_redirects=True,
                          data={"csrf_token": page_csrf(client, f"/staff/sessions/{later.id}/attendees")})
    assert "Places are released only while the session runs." in refused.get_data(as_text=True)
    reread()
    assert audit.search(action="seat.no_show_release") == []
    assert db.session.get(Slot, later.id).no_shows_released_at is None


def test_cli_releases_what_is_due(app, runner):
    crowd(confirmed=2, came=1, waiting=0)
    result = runner.invoke(args=["release-no-shows"])  # the demo clock: 10:30, due since 10:10
    assert result.exit_code == 0, result.output
    assert "1 session(s) released: 1 seat(s) taken back, 0 given to people waiting at the venue, 1 freed." \
        in result.output
    assert "0 session(s) released" in runner.invoke(args=["release-no-shows"]).output


# --- A real server: staff screens hear of it on /staff ---

def test_staff_screens_hear_of_a_release_live(tmp_path):
    env = server_environment(tmp_path)
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    admin = add_live_staff(env, "admin@example.org", "admin")
    with serving(env, tmp_path / "server.log") as base_url:
        browser = signed_in(base_url, admin)
        # At the demo clock (10:30) the first Lightcone open set has just begun, with free places.
        schedule = requests.get(f"{base_url}/api/v1/schedule", timeout=10).json()
        [session] = [item for item in schedule["sessions"] if item["kind"] == "open_set"
                     and item["starts_at"] == "2026-06-14T10:30:00+08:00"]
        desk = browser.get(f"{base_url}/staff/walk-in").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', desk).group(1)
        booked = browser.post(f"{base_url}/staff/walk-in", allow_redirects=False, data={
            "csrf_token": token, "name": "Walk-in", "people": "1", "locale": "en", "day": "2026-06-14",
            "sessions": [str(session["id"])], **{f"companions-{i}": "" for i in range(5)}})
        assert booked.status_code == 302, booked.text

        events: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("seats_released", lambda data: events.put(data), namespace="/staff")
        cookie = "; ".join(f"{key}={value}" for key, value in browser.cookies.get_dict().items())
        client.connect(base_url, namespaces=["/staff"], transports=["websocket"], headers={"Cookie": cookie},
                       wait_timeout=10)
        try:
            page = browser.get(f"{base_url}/staff/sessions/{session['id']}/attendees").text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            answer = browser.post(f"{base_url}/staff/sessions/{session['id']}/release-no-shows",
                                  data={"csrf_token": token}, allow_redirects=False)
            assert answer.status_code == 302
            assert events.get(timeout=10) == {"session_id": session["id"], "released": 1, "promoted": 0,
                                              "freed": 1}
        finally:
            client.disconnect()
