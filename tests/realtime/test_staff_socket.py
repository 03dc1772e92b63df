"""The /staff Socket.IO namespace from a real python-socketio client against `backlot serve`."""
import queue
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.live import add_staff, backlot, csrf_token, server_environment, serving, signed_in


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("socket-instance")
    env = server_environment(instance)
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    admin = add_staff(env, "admin@example.org", "admin")
    gate = add_staff(env, "gate@devices.local", "gate")
    with serving(env, instance / "server.log") as base_url:
        yield base_url, admin, gate


def listen(base_url: str, cookies: dict) -> tuple[socketio.Client, "queue.Queue"]:
    """A websocket client on /staff that queues (event, data) as they arrive."""
    events: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("state", "schedule_changed", "attendance_changed"):
        client.on(name, lambda data, name=name: events.put((name, data)), namespace="/staff")
    cookie = "; ".join(f"{key}={value}" for key, value in cookies.items())
    client.connect(base_url, namespaces=["/staff"], transports=["websocket"],
                   headers={"Cookie": cookie}, wait_timeout=10)
    return client, events


def next_event(events: "queue.Queue", name: str) -> dict:
    while True:
        got, data = events.get(timeout=10)
        if got == name:
            return data


def test_visitors_cannot_listen_to_staff(server):
    base_url, _admin, _gate = server
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base_url, namespaces=["/staff"], transports=["websocket"], wait_timeout=10)


def test_staff_get_a_snapshot_then_live_schedule_changes(server):
    base_url, admin, _gate = server
    browser = signed_in(base_url, admin)
    client, events = listen(base_url, browser.cookies.get_dict())
    try:
        state = next_event(events, "state")
        assert any(session["kind"] == "challenge" for session in state["on_now"])
        target = state["up_next"][0]

        token = csrf_token(browser, f"{base_url}/staff")
        answer = browser.post(f"{base_url}/staff/schedule/{target['id']}/cancel",
                              data={"csrf_token": token}, allow_redirects=False)
        assert answer.status_code == 302

        assert next_event(events, "schedule_changed") == {"session_id": target["id"]}
    finally:
        client.disconnect()


def test_a_burst_of_check_ins_is_announced_a_few_times_not_once_a_scan(server):
    """Staff attendance screens refetch on attendance_changed: 40 scans at once must not make
    40 refetches on every screen, and the last scan is still announced."""
    base_url, admin, gate = server
    codes = []
    for number in range(40):
        answer = requests.post(f"{base_url}/api/v1/registrations", timeout=10, json={
            "name": f"Burst {number}", "email": f"{uuid.uuid4().hex[:10]}@example.org",
            "days": ["2026-06-14"], "sessions": [], "locale": "en", "consent": True})
        assert answer.status_code == 201, answer.text
        codes.append(answer.json()["ticket"]["code"])
    client, events = listen(base_url, signed_in(base_url, admin).cookies.get_dict())
    last_sent = 0.0
    try:
        next_event(events, "state")

        def scan(code: str) -> str:
            nonlocal last_sent
            last_sent = max(last_sent, time.monotonic())
            return requests.post(f"{base_url}/api/v1/checkins", timeout=10, json={"scan": code, "gate": "North"},
                                 headers={"Authorization": f"Bearer {gate.token}"}).json()["result"]

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(scan, codes)) == ["ok"] * len(codes)
        announced = []
        while True:  # every announcement, until the namespace is quiet for a second
            try:
                got, _data = events.get(timeout=1.0)
            except queue.Empty:
                break
            if got == "attendance_changed":
                announced.append(time.monotonic())
    finally:
        client.disconnect()
    assert 1 <= len(announced) < len(codes) / 2
    assert announced[-1] > last_sent  # the last scan's change was announced too
