"""My Story's screens over Socket.IO: python-socketio clients against a real `backlot serve`.

Displays, kiosks and the staff console get a `state` snapshot on connect and live events
after; a display re-syncs by itself after a server restart, and in scaled mode an event
reaches screens on the other process.
"""
import queue
import shutil
import time
import uuid
from types import SimpleNamespace

import pytest
import requests
import socketio
from sqlalchemy import select

from app.challenge import rules, screens, stories
from app.extensions import db
from app.staff import services
from app.staff.models import StaffMember
from seed.loader import DEFAULT_PROGRAMME, load_programme
from tests.api import assert_valid
from tests.api.test_staff_api import bearer
from tests.conftest import make_app
from tests.live import StaffLogin, free_port, server_environment, serving, signed_in

WAIT = 10  # seconds: a generous deadline for an event to arrive


class Screen:
    """A python-socketio client on one namespace that queues what it receives, in order."""

    def __init__(self, base_url: str, namespace: str, *, query: str = "", reconnection: bool = False, **connect):
        self.namespace = namespace
        self.events: queue.Queue = queue.Queue()
        # Quick, steady retries: the restart test waits for the client to come back by itself.
        self.client = socketio.Client(reconnection=reconnection, reconnection_delay=0.2,
                                      reconnection_delay_max=0.5, randomization_factor=0)
        self.client.on("*", lambda event, data=None: self.events.put((event, data)), namespace=namespace)
        self.client.on("connect", lambda: self.events.put(("connect", None)), namespace=namespace)
        self.client.on("disconnect", lambda *reason: self.events.put(("disconnect", None)), namespace=namespace)
        self.client.connect(base_url + query, namespaces=[namespace], transports=["websocket"],
                            wait_timeout=WAIT, **connect)

    def next(self, name: str, where=lambda data: True, *, deadline: float = WAIT):
        """The next `name` event (matching `where`); others received meanwhile are passed over."""
        return self.until(name, where, deadline=deadline)[-1][1]

    def until(self, name: str, where=lambda data: True, *, deadline: float = WAIT) -> list[tuple]:
        """Every event received up to and including the next `name` event matching `where`."""
        stop, seen = time.monotonic() + deadline, []
        while True:
            try:
                event, data = self.events.get(timeout=max(0.05, stop - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {name} on {self.namespace} within {deadline} s; got {seen}") from None
            seen.append((event, data))
            if event == name and where(data):
                return seen

    def emit(self, event: str, data=None) -> None:
        self.client.emit(event, data, namespace=self.namespace)

    def close(self) -> None:
        self.client.disconnect()


def send_story(base_url: str, kiosk, title: str) -> dict:
    """A kiosk sends a story with three beats (round 1, open at the demo clock, wants three)."""
    body = {"author": "Xiao Li", "title": title, "logline": "A phone rings with tomorrow's news.",
            "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": uuid.uuid4().hex,
            "locale": "en"}
    answer = requests.post(f"{base_url}/api/v1/stories", json=body, headers=bearer(kiosk.token), timeout=WAIT)
    assert answer.status_code == 201, answer.text
    return answer.json()


def call(base_url: str, staff, method: str, path: str, **options) -> dict:
    answer = requests.request(method, f"{base_url}/api/v1{path}", headers=bearer(staff.token), timeout=WAIT,
                              **options)
    assert answer.status_code == 200, answer.text
    return answer.json()


def with_id(story_id: int):
    return lambda data: data["id"] == story_id


def prepare(database_url: str, instance, **roles: str) -> dict[str, StaffLogin]:
    """Load the demo programme and add staff (name=role) on a server's database: what `backlot
    seed` and `backlot staff add` do, in this process (the CLI would take seconds per call)."""
    app = make_app(database_url, instance)
    with app.app_context():
        load_programme(DEFAULT_PROGRAMME)
        logins = {}
        for name, role in roles.items():
            credentials = services.add_staff(f"{name.replace('_', '-')}@example.org", role)
            logins[name] = StaffLogin(credentials.member.email, credentials.password, credentials.token)
        db.session.remove()
        db.engine.dispose()
    return logins


def sqlite_instance(folder, template) -> str:
    """A server instance folder holding a migrated copy of the test database; its URL."""
    shutil.copyfile(template, folder / "backlot.sqlite3")
    return f"sqlite:///{folder / 'backlot.sqlite3'}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    """One seeded server (SQLite) for the module, with two kiosks and the staff who moderate."""
    instance = tmp_path_factory.mktemp("challenge-sockets")
    logins = prepare(sqlite_instance(instance, sqlite_template), instance, kiosk="kiosk", other_kiosk="kiosk",
                     moderator="moderator", admin="admin", juror="jury", gate="gate")
    with serving(server_environment(instance), instance / "server.log") as base_url:
        document = requests.get(f"{base_url}/api/v1/openapi.json", timeout=WAIT).json()
        yield SimpleNamespace(url=base_url, document=document, **logins)


# --- /display ---

def test_a_display_gets_its_state_then_stories_and_modes_as_they_change(server):
    display = Screen(server.url, "/display", query="?display=hall-a")
    try:
        state = display.next("state")
        assert (state["display"], state["mode"], state["follows_default"], state["spotlight"]) == \
            ("hall-a", "feed", True, None)
        assert state["round"]["theme"]["en"] == "A message from tomorrow arrives today"
        assert state["round"]["status"] == "open" and state["next_round"]["status"] == "scheduled"
        assert_valid(server.document, "Round", state["round"])
        assert state["schedule"]["on_now"]
        board = state["leaderboard"]  # the open round's public board, votes open with the round
        assert (board["round"]["id"], board["voting"], board["frozen"], board["revealed"]) == \
            (state["round"]["id"], "open", False, None)
        assert state["join"] == {"url": f"{server.url}/vote", "qr_svg": "/vote/qr.svg"}

        sent = send_story(server.url, server.kiosk, "Tomorrow Calls <b>loud</b>")
        call(server.url, server.moderator, "POST", f"/stories/{sent['id']}/approve")
        shown = display.next("story_approved", with_id(sent["id"]))
        assert (shown["title"], shown["status"], shown["round_id"]) == \
            ("Tomorrow Calls <b>loud</b>", "approved", sent["round_id"])  # as typed: screens escape it
        assert_valid(server.document, "Story", shown)

        call(server.url, server.moderator, "PUT", "/displays/hall-a", json={"mode": "spotlight",
                                                                          "story_id": sent["id"]})
        mode = display.next("mode")
        assert (mode["display"], mode["mode"], mode["follows_default"]) == ("hall-a", "spotlight", False)
        assert mode["spotlight"] == shown

        call(server.url, server.moderator, "POST", f"/stories/{sent['id']}/reject", json={"reason": "Off topic"})
        assert display.next("story_removed") == {"id": sent["id"]}

        display.emit("sync")
        again = display.next("state")
        assert sent["id"] not in [story["id"] for story in again["stories"]]
        assert again["spotlight"] is None  # a withdrawn story leaves the spotlight too
    finally:
        display.close()


def test_a_mode_for_all_displays_is_addressed_to_none(server):
    display = Screen(server.url, "/display")  # no name: "main"
    try:
        assert display.next("state")["display"] == "main"
        call(server.url, server.admin, "PUT", "/displays", json={"mode": "schedule"})
        assert display.next("mode") == {"display": None, "mode": "schedule", "spotlight": None,
                                        "follows_default": True}
    finally:
        call(server.url, server.admin, "PUT", "/displays", json={"mode": "feed"})
        display.close()


# --- /kiosk ---

@pytest.mark.parametrize("auth", [None, {}, {"token": "not-a-token"}, {"token": 42}, "moderator", "admin"])
def test_only_kiosk_tokens_connect_to_kiosk(server, auth):
    if isinstance(auth, str):
        auth = {"token": getattr(server, auth).token}
    with pytest.raises(socketio.exceptions.ConnectionError):
        Screen(server.url, "/kiosk", auth=auth)


def test_a_pause_reaches_only_the_paused_kiosk(server):
    kiosk = Screen(server.url, "/kiosk", auth={"token": server.kiosk.token})
    other = Screen(server.url, "/kiosk", auth={"token": server.other_kiosk.token})
    try:
        state = kiosk.next("state")
        assert (state["paused"], state["message"], state["limits"]) == (False, None, rules.LIMITS)
        assert state["round"]["beat_count"] == 3
        other.next("state")
        kiosk_id = state["kiosk_id"]

        call(server.url, server.moderator, "POST", f"/kiosks/{kiosk_id}/pause", json={"message": "Back at 14:00"})
        assert kiosk.next("paused") == {"paused": True, "message": "Back at 14:00"}

        # The other kiosk's answer to `sync` comes after anything sent to it before: no pause among it.
        other.emit("sync")
        received = other.until("state")
        assert "paused" not in [event for event, _ in received]
        assert received[-1][1]["paused"] is False

        kiosk.emit("sync")
        assert kiosk.next("state")["paused"] is True  # what a kiosk reconnecting now is told
        call(server.url, server.moderator, "POST", f"/kiosks/{kiosk_id}/resume")
        assert kiosk.next("paused") == {"paused": False, "message": None}
    finally:
        kiosk.close()
        other.close()


def test_kiosks_hear_of_approved_stories(server):
    kiosk = Screen(server.url, "/kiosk", auth={"token": server.kiosk.token})
    try:
        kiosk.next("state")
        sent = send_story(server.url, server.kiosk, "For the attract loop")
        call(server.url, server.admin, "POST", f"/stories/{sent['id']}/approve")
        assert kiosk.next("story_approved", with_id(sent["id"]))["title"] == "For the attract loop"
        kiosk.emit("sync")
        assert sent["id"] in [story["id"] for story in kiosk.next("state")["stories"]]
    finally:
        kiosk.close()


# --- /staff ---

def staff_screen(base_url: str, login: StaffLogin) -> Screen:
    """/staff as a signed-in browser opens it (the session cookie)."""
    browser = signed_in(base_url, login)
    return Screen(base_url, "/staff", headers={"Cookie": "; ".join(
        f"{key}={value}" for key, value in browser.cookies.get_dict().items())})


def test_staff_see_stories_arrive_and_get_moderated(server):
    console = staff_screen(server.url, server.moderator)
    try:
        state = console.next("state")
        assert set(state["moderation"]) == {"pending", "flagged", "auto_approve"}
        assert state["round"]["status"] == "open"

        sent = send_story(server.url, server.kiosk, "What an asshole")
        submitted = console.next("story_submitted", with_id(sent["id"]))
        assert (submitted["status"], submitted["flagged"], submitted["flagged_terms"]) == \
            ("pending", True, ["asshole"])
        assert_valid(server.document, "StaffStory", submitted)

        call(server.url, server.moderator, "POST", f"/stories/{sent['id']}/reject")
        moderated = console.next("story_moderated", with_id(sent["id"]))
        assert (moderated["status"], moderated["moderated_by_id"]) == \
            ("rejected", call(server.url, server.moderator, "GET", "/staff/me")["id"])
        assert_valid(server.document, "StaffStory", moderated)
    finally:
        console.close()


def test_jurors_and_gates_never_see_the_queue_and_jurors_hear_their_list_change(server):
    """The queue holds visitors' text before anyone approved it: only moderators and admins get it.
    A juror is told (without the story) that the round's list or its show changed."""
    moderator, juror, gate = (staff_screen(server.url, login) for login in (server.moderator, server.juror, server.gate))
    try:
        for screen in (moderator, juror, gate):
            screen.next("state")
        sent = send_story(server.url, server.kiosk, "Not for the jury yet")
        moderator.next("story_submitted", with_id(sent["id"]))
        call(server.url, server.moderator, "POST", f"/stories/{sent['id']}/approve")
        moderator.next("story_moderated", with_id(sent["id"]))
        assert juror.next("jury_stories") == {"round_id": sent["round_id"]}

        round_id = sent["round_id"]
        was_frozen = call(server.url, server.moderator, "GET", "/leaderboard?live=1")["frozen"]
        call(server.url, server.moderator, "POST", f"/rounds/{round_id}/{'unfreeze' if was_frozen else 'freeze'}")
        assert juror.next("jury_stories") == {"round_id": round_id}
        call(server.url, server.moderator, "POST", f"/rounds/{round_id}/{'freeze' if was_frozen else 'unfreeze'}")

        # Every /staff screen hears this one, after all of the above: what came before it is all there is.
        auto_approve = call(server.url, server.moderator, "GET", "/challenge/settings")["auto_approve"]
        call(server.url, server.moderator, "PUT", "/challenge/settings", json={"auto_approve": auto_approve})
        for screen in (juror, gate):
            heard = {event for event, _ in screen.until("challenge_settings")}
            assert not heard & {"story_submitted", "story_moderated", "leaderboard"}, heard
        assert "jury_stories" not in {event for event, _ in moderator.until("challenge_settings")}
    finally:
        for screen in (moderator, juror, gate):
            screen.close()


# --- A restart, and two processes ---

def test_a_display_re_syncs_by_itself_after_a_server_restart(tmp_path, sqlite_template):
    """The done-when of My Story's screens: a display keeps up through a restart of the server."""
    database_url = sqlite_instance(tmp_path, sqlite_template)
    staff = prepare(database_url, tmp_path, kiosk="kiosk", moderator="moderator")
    kiosk, moderator = staff["kiosk"], staff["moderator"]
    env, port = server_environment(tmp_path), free_port()

    with serving(env, tmp_path / "first.log", port) as base_url:
        display = Screen(base_url, "/display", query="?display=hall-a", reconnection=True)
        assert display.next("state")["stories"] == []
        before = send_story(base_url, kiosk, "Shown before the restart")
        waiting = send_story(base_url, kiosk, "Approved while the server is down")
        call(base_url, moderator, "POST", f"/stories/{before['id']}/approve")
        display.next("story_approved", with_id(before["id"]))
    try:
        display.next("disconnect")
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{base_url}/api/v1/stories/{waiting['id']}/approve", headers=bearer(moderator.token),
                          timeout=WAIT)

        # Meanwhile another Backlot process on the same database (a second server, a
        # moderator's console elsewhere) approves the waiting story and spotlights it on hall-a.
        elsewhere = make_app(database_url, tmp_path)
        with elsewhere.app_context():
            actor = db.session.scalars(select(StaffMember).where(StaffMember.email == moderator.email)).one()
            stories.approve(stories.get_story(waiting["id"]), actor=actor)
            screens.set_mode("spotlight", display="hall-a", story_id=waiting["id"], actor=actor)
            db.session.remove()
            db.engine.dispose()

        with serving(env, tmp_path / "second.log", port):
            # The client reconnects by itself (no connect call here) and is sent a fresh snapshot.
            state = display.next("state", deadline=30)
            # Compared as sets: each process starts the demo clock at 10:30 again, so approval times
            # jump back and the newest-first order is not the order of this test.
            assert {story["id"] for story in state["stories"]} == {waiting["id"], before["id"]}
            assert (state["mode"], state["spotlight"]["id"]) == ("spotlight", waiting["id"])

            # And it is live again.
            after = send_story(base_url, kiosk, "Shown after the restart")
            call(base_url, moderator, "POST", f"/stories/{after['id']}/approve")
            assert display.next("story_approved", with_id(after["id"]))["title"] == "Shown after the restart"
            display.close()  # before the server stops, which would otherwise wait for it
    finally:
        display.close()


def test_scaled_mode_a_display_on_one_process_sees_an_approval_made_on_the_other(clean_postgres, redis_url,
                                                                              tmp_path):
    staff = prepare(clean_postgres, tmp_path, kiosk="kiosk", moderator="moderator")
    kiosk, moderator = staff["kiosk"], staff["moderator"]
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url)
    # Redis outlives the test and may carry other runs' events: this run's stories have a title of their own.
    title = f"Across processes {uuid.uuid4().hex[:8]}"
    with serving(env, tmp_path / "a.log") as first, serving(env, tmp_path / "b.log") as second:
        display = Screen(first, "/display")
        paused_kiosk = Screen(first, "/kiosk", auth={"token": kiosk.token})
        try:
            display.next("state")
            kiosk_id = paused_kiosk.next("state")["kiosk_id"]

            sent = send_story(second, kiosk, title)
            call(second, moderator, "POST", f"/stories/{sent['id']}/approve")
            assert display.next("story_approved", lambda story: story["title"] == title)["id"] == sent["id"]

            # An event for one kiosk's room crosses processes too.
            call(second, moderator, "POST", f"/kiosks/{kiosk_id}/pause", json={"message": title})
            assert paused_kiosk.next("paused", lambda data: data["message"] == title)["paused"] is True
        finally:
            display.close()
            paused_kiosk.close()
