"""The live leaderboard over Socket.IO: python-socketio clients against a real `backlot serve`.

Displays and phones get the public board in their `state` snapshot and a `leaderboard`
event when it changes, coalesced (app.realtime.coalesce) to a few a second however fast
votes arrive; staff who run the show get the public and the live board side by side. A
frozen board holds still while the count goes on; in scaled mode the processes together
announce once an interval, and every display ends on the exact count.
"""
from __future__ import annotations

import queue
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import select

from app.challenge.models import ChallengeRound
from app.checkin.models import DAY_ENTRY, Presence
from app.extensions import db
from app.realtime.coalesce import INTERVAL, _RedisMarks, deployment_scope
from app.schedule.models import ExhibitionDay
from app.tickets.models import DayEntry, Registration, Ticket
from tests.api.test_staff_api import bearer
from tests.conftest import DEMO_CLOCK, make_app
from tests.live import server_environment, serving, signed_in
from tests.realtime.test_challenge_sockets import WAIT, Screen, call, prepare, send_story, sqlite_instance

#: Votes in a burst, and the HTTP clients sending them at once.
BURST = 300
SENDERS = 16


# --- Helpers ---

def add_voters(database_url: str, instance, number: int, *, checked_in: bool = True) -> list[str]:
    """`number` tickets for the demo day, checked in at the entrance (as an ok scan leaves them),
    written in this process: a few hundred scans over HTTP would cost seconds for nothing."""
    app = make_app(database_url, instance)
    with app.app_context():
        day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == DEMO_CLOCK.date())).one()
        codes = []
        for _ in range(number):
            registration = Registration(name="Voter", email=None, locale="en", created_at=DEMO_CLOCK)
            ticket = Ticket(registration=registration, code=secrets.token_hex(16), holder_name="Voter",
                            created_at=DEMO_CLOCK)
            db.session.add_all([registration, ticket])
            codes.append(ticket.code)
        db.session.flush()
        tickets = db.session.scalars(select(Ticket).where(Ticket.code.in_(codes))).all()
        db.session.add_all(DayEntry(ticket_id=ticket.id, day_id=day.id) for ticket in tickets)
        if checked_in:
            db.session.add_all(Presence(ticket_id=ticket.id, day_id=day.id, slot_id=DAY_ENTRY, inside=True,
                                        first_checked_in_at=DEMO_CLOCK, first_gate="Main",
                                        last_in_at=DEMO_CLOCK) for ticket in tickets)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return codes


def open_round_id(database_url: str, instance) -> int:
    """Round 1 of the demo programme: open for stories and votes at the demo clock."""
    app = make_app(database_url, instance)
    with app.app_context():
        found = db.session.scalars(select(ChallengeRound).where(ChallengeRound.starts_at <= DEMO_CLOCK,
                                                                ChallengeRound.ends_at > DEMO_CLOCK)).one().id
        db.session.remove()
        db.engine.dispose()
    return found


def approved_stories(base_url: str, kiosk, moderator, titles: list[str]) -> list[int]:
    ids = []
    for title in titles:
        sent = send_story(base_url, kiosk, title)
        call(base_url, moderator, "POST", f"/stories/{sent['id']}/approve")
        ids.append(sent["id"])
    return ids


def vote(base_url: str, code: str, story_id: int, http=requests) -> None:
    answer = http.post(f"{base_url}/api/v1/votes", json={"ticket_code": code, "story_id": story_id},
                       timeout=WAIT)
    assert answer.status_code == 201, answer.text


def burst(votes: list[tuple[str, str, int]]) -> float:
    """Send (base URL, ticket code, story id) votes as fast as SENDERS clients can; seconds it took."""
    local, sessions = threading.local(), []

    def send(item):
        if not hasattr(local, "http"):
            local.http = requests.Session()  # keep-alive: a connection per sender, not per vote
            sessions.append(local.http)
        vote(*item, http=local.http)

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(SENDERS) as pool:
            list(pool.map(send, votes))  # re-raises the first refused vote
        return time.monotonic() - started
    finally:
        for http in sessions:
            http.close()  # an open keep-alive connection holds up the server's stop


def public(base_url: str) -> dict:
    answer = requests.get(f"{base_url}/api/v1/leaderboard", timeout=WAIT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def live(base_url: str, moderator) -> dict:
    return call(base_url, moderator, "GET", "/leaderboard?live=1")


def total(board: dict) -> int:
    return sum(entry["votes"] for entry in board["entries"])


def counts(board: dict) -> dict[int, int]:
    return {entry["story_id"]: entry["votes"] for entry in board["entries"]}


def with_total(expected: int):
    return lambda board: total(board) == expected


def staff_screen(base_url: str, login) -> Screen:
    browser = signed_in(base_url, login)
    return Screen(base_url, "/staff", headers={"Cookie": "; ".join(
        f"{key}={value}" for key, value in browser.cookies.get_dict().items())})


def drain(screen: Screen) -> list[tuple]:
    """Everything the screen has received and not yet been looked at."""
    taken = []
    while True:
        try:
            taken.append(screen.events.get_nowait())
        except queue.Empty:
            return taken


def boards(events: list[tuple], where=lambda board: True) -> list[dict]:
    return [data for event, data in events if event == "leaderboard" and where(data)]


def announcements_bound(seconds: float) -> int:
    """The most `leaderboard` events a screen may get for votes sent over `seconds`: one per
    INTERVAL while they arrive, plus the one that takes the last marks, plus one of slack for
    an interval cut by the start and one for the hop to the screen."""
    return int(seconds / INTERVAL) + 3


# --- One server (SQLite) for the module ---

@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    """A seeded server with three approved stories in the open round and checked-in voters."""
    instance = tmp_path_factory.mktemp("leaderboard-sockets")
    database_url = sqlite_instance(instance, sqlite_template)
    logins = prepare(database_url, instance, kiosk="kiosk", moderator="moderator", gate="gate")
    codes = add_voters(database_url, instance, BURST + 40)
    unchecked = add_voters(database_url, instance, 1, checked_in=False)
    round_id = open_round_id(database_url, instance)
    with serving(server_environment(instance), instance / "server.log") as base_url:
        story_ids = approved_stories(base_url, logins["kiosk"], logins["moderator"],
                                     ["Lightcone Calling", "Bicycle Kids Again", "Tri-Head at Noon"])
        yield SimpleNamespace(url=base_url, round_id=round_id, story_ids=story_ids, unchecked=unchecked[0],
                              codes=iter(codes), **logins)


# --- Snapshots ---

def test_a_display_that_connects_after_votes_gets_the_board_at_once(server):
    first = Screen(server.url, "/display", query="?display=hall-a")
    try:
        state = first.next("state")
        assert state["leaderboard"] == public(server.url)
        assert state["leaderboard"]["round"]["id"] == server.round_id
        assert {entry["story_id"] for entry in state["leaderboard"]["entries"]} == set(server.story_ids)
        assert state["join"]["url"] == f"{server.url}/vote" and state["join"]["qr_svg"]
        before = counts(state["leaderboard"])
    finally:
        first.close()

    # Votes while no display is connected, one of them by a ticket checked in just now at the gate.
    requests.post(f"{server.url}/api/v1/checkins", headers=bearer(server.gate.token), timeout=WAIT,
                  json={"scan": server.unchecked, "gate": "Main", "session_id": None}).raise_for_status()
    top, second, _ = server.story_ids
    for code, story_id in ((server.unchecked, top), (next(server.codes), top), (next(server.codes), second)):
        vote(server.url, code, story_id)

    again = Screen(server.url, "/display", query="?display=hall-a")
    try:
        board = again.next("state")["leaderboard"]
        assert counts(board) == {**before, top: before[top] + 2, second: before[second] + 1}
        assert board == public(server.url)
        assert [entry["rank"] for entry in board["entries"]] == [1, 2, 3]
        assert (board["voting"], board["frozen"], board["revealed"]) == ("open", False, None)
    finally:
        again.close()


def test_a_phone_on_vote_gets_the_round_its_stories_and_the_board(server):
    phone = Screen(server.url, "/vote")
    try:
        state = phone.next("state")
        assert state["round"]["id"] == server.round_id and state["round"]["status"] == "open"
        assert state["round"]["votes_per_ticket"] == 3
        assert state["voting"] == "open"
        assert [story["id"] for story in state["stories"]] == server.story_ids  # in the order approved
        assert all(story["status"] == "approved" for story in state["stories"])
        assert state["leaderboard"] == public(server.url)

        vote(server.url, next(server.codes), server.story_ids[2])
        phone.next("leaderboard")
        phone.emit("sync")
        assert phone.next("state")["leaderboard"] == public(server.url)  # and `sync` answers it again
    finally:
        phone.close()


# --- Events ---

def test_a_vote_reaches_displays_phones_and_staff_within_moments(server):
    display = Screen(server.url, "/display")
    phone = Screen(server.url, "/vote")
    console = staff_screen(server.url, server.moderator)
    try:
        display.next("state"), phone.next("state"), console.next("state")
        expected = total(live(server.url, server.moderator)) + 1
        story_id = server.story_ids[1]

        vote(server.url, next(server.codes), story_id)
        shown = display.next("leaderboard", with_total(expected), deadline=5)
        on_phone = phone.next("leaderboard", with_total(expected), deadline=5)
        staff = console.next("leaderboard", lambda data: total(data["live"]) == expected, deadline=5)

        assert shown == on_phone == public(server.url)
        assert set(staff) == {"round_id", "public", "live", "show"} and staff["round_id"] == server.round_id
        assert staff["public"] == shown and staff["live"]["entries"] == shown["entries"]  # not frozen: the same
        assert counts(staff["live"])[story_id] == counts(live(server.url, server.moderator))[story_id]
    finally:
        display.close()
        phone.close()
        console.close()


def test_a_burst_of_votes_is_announced_a_few_times_a_second_and_ends_on_the_exact_count(server):
    display = Screen(server.url, "/display")
    try:
        display.next("state")
        drain(display)
        expected = total(live(server.url, server.moderator)) + BURST
        ballots = [(server.url, next(server.codes), server.story_ids[n % 3]) for n in range(BURST)]

        seconds = burst(ballots)
        received = display.until("leaderboard", with_total(expected), deadline=5)
        time.sleep(3 * INTERVAL)  # any announcement still on its way
        received += drain(display)

        announced = boards(received)
        assert announced, "no leaderboard event for the burst"
        assert announced[-1] == public(server.url) and total(announced[-1]) == expected  # nothing lost
        assert len(announced) <= announcements_bound(seconds), \
            f"{len(announced)} leaderboard events for {BURST} votes in {seconds:.2f} s"
        assert len(announced) * 10 <= BURST
        totals = [total(board) for board in announced]
        assert totals == sorted(totals)  # in order: a later event never shows fewer votes
    finally:
        display.close()


def test_a_frozen_board_holds_still_while_the_live_count_goes_on(server):
    display = Screen(server.url, "/display")
    console = staff_screen(server.url, server.moderator)
    try:
        display.next("state"), console.next("state")
        call(server.url, server.moderator, "POST", f"/rounds/{server.round_id}/freeze")
        frozen = display.next("leaderboard", lambda board: board["frozen"])
        assert frozen == public(server.url)
        counted = total(live(server.url, server.moderator))
        assert total(frozen) == counted

        for n in range(6):
            vote(server.url, next(server.codes), server.story_ids[n % 3])
        # Staff see the count go on; the announcement that carries it carries the held board too.
        staff = console.next("leaderboard", lambda data: total(data["live"]) == counted + 6)
        assert staff["public"]["entries"] == frozen["entries"] and staff["public"]["frozen"] is True
        time.sleep(2 * INTERVAL)
        held = boards(drain(display))
        assert all(board["entries"] == frozen["entries"] for board in held), held
        assert public(server.url)["entries"] == frozen["entries"]
        assert total(live(server.url, server.moderator)) == counted + 6

        # A display connecting now is shown the held board too.
        late = Screen(server.url, "/display")
        try:
            assert late.next("state")["leaderboard"]["entries"] == frozen["entries"]
        finally:
            late.close()

        call(server.url, server.moderator, "POST", f"/rounds/{server.round_id}/unfreeze")
        thawed = display.next("leaderboard", lambda board: not board["frozen"])
        assert total(thawed) == counted + 6  # unfrozen, the board shows the count again
    finally:
        call(server.url, server.moderator, "POST", f"/rounds/{server.round_id}/unfreeze")  # harmless twice
        display.close()
        console.close()


# --- Two processes ---

SCALED_BURST = 200


@contextmanager
def ticking_elsewhere(redis_url: str):
    """Another deployment's announcer on the same Redis (a rehearsal on its own database, or
    another test run), ticking five times an interval; yields the marks it took."""
    marks = _RedisMarks(redis_url, scope=deployment_scope("postgresql://elsewhere/rehearsal"))
    taken, stop = [], threading.Event()

    def tick():
        while not stop.wait(INTERVAL / 5):
            rounds = marks.take()
            if rounds:
                taken.append(rounds)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield taken
    finally:
        stop.set()
        ticker.join()


def test_scaled_mode_two_processes_announce_once_an_interval_and_both_displays_end_exact(
        clean_postgres, redis_url, tmp_path):
    staff = prepare(clean_postgres, tmp_path, kiosk="kiosk", moderator="moderator")
    codes = add_voters(clean_postgres, tmp_path, SCALED_BURST)
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url)
    # Redis outlives the test and may carry other runs' events: this run's stories have titles of their own.
    tag = uuid.uuid4().hex[:8]
    titles = {f"Across processes {tag} #{n}" for n in range(2)}

    def ours(board: dict) -> bool:
        return {entry["title"] for entry in board["entries"]} == titles

    with serving(env, tmp_path / "a.log") as first, serving(env, tmp_path / "b.log") as second:
        story_ids = approved_stories(second, staff["kiosk"], staff["moderator"], sorted(titles))
        displays = [Screen(first, "/display"), Screen(second, "/display")]
        try:
            for display in displays:
                assert ours(display.next("state")["leaderboard"])
            time.sleep(2 * INTERVAL)
            for display in displays:
                drain(display)

            # Alternately to each process, and to each story on both; meanwhile another Backlot on
            # the same Redis (its own database) ticks too, and must take none of this one's marks.
            ballots = [((first, second)[n % 2], code, story_ids[n // 2 % 2]) for n, code in enumerate(codes)]
            with ticking_elsewhere(redis_url) as taken_elsewhere:
                seconds = burst(ballots)
                time.sleep(2 * INTERVAL)
            assert taken_elsewhere == []
            received = [display.until("leaderboard", lambda board: ours(board) and total(board) == SCALED_BURST,
                                      deadline=5) for display in displays]
            time.sleep(3 * INTERVAL)
            for display, events in zip(displays, received):
                events += drain(display)

            final = public(first)
            assert total(final) == SCALED_BURST and public(second) == final
            for events in received:
                announced = boards(events, ours)
                assert announced[-1] == final  # each display, on either process, ends on the exact count
                assert len(announced) <= announcements_bound(seconds), \
                    f"{len(announced)} leaderboard events for {SCALED_BURST} votes in {seconds:.2f} s"
                assert len(announced) * 10 <= SCALED_BURST
        finally:
            for display in displays:
                display.close()
