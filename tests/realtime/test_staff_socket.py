"""The /staff Socket.IO namespace from a real python-socketio client against `backlot serve`."""
import queue

import pytest
import socketio

from tests.live import add_staff, backlot, csrf_token, server_environment, serving, signed_in


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("socket-instance")
    env = server_environment(instance)
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    admin = add_staff(env, "admin@example.org", "admin")
    with serving(env, instance / "server.log") as base_url:
        yield base_url, admin


def listen(base_url: str, cookies: dict) -> tuple[socketio.Client, "queue.Queue"]:
    """A websocket client on /staff that queues (event, data) as they arrive."""
    events: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("state", "schedule_changed"):
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
    base_url, _admin = server
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base_url, namespaces=["/staff"], transports=["websocket"], wait_timeout=10)


def test_staff_get_a_snapshot_then_live_schedule_changes(server):
    base_url, admin = server
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
