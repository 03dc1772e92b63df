"""A pause reaches the scanners at once: a real python-socketio client, signed in as gate staff
(as the scanner phones are), on /staff of a running `backlot serve`."""
import queue

import requests
import socketio

from tests.live import add_staff, backlot, server_environment, serving, signed_in


def test_a_pause_and_a_resume_reach_a_gate_phone_on_staff(tmp_path):
    env = server_environment(tmp_path)
    backlot(env, "db", "upgrade")
    admin = add_staff(env, "admin@example.org", "admin")
    gate = add_staff(env, "gate@devices.local", "gate")
    with serving(env, tmp_path / "server.log") as base_url:
        events: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("gates_changed", events.put, namespace="/staff")
        cookie = "; ".join(f"{key}={value}" for key, value in signed_in(base_url, gate).cookies.get_dict().items())
        client.connect(base_url, namespaces=["/staff"], transports=["websocket"], headers={"Cookie": cookie},
                       wait_timeout=10)
        try:
            headers = {"Authorization": f"Bearer {admin.token}"}
            assert requests.post(f"{base_url}/api/v1/gates/North%20door/pause", json={"reason": "Rush"},
                                 headers=headers, timeout=10).status_code == 200
            paused = events.get(timeout=10)
            assert paused["venue_paused"] is False
            assert [(pause["gate"], pause["reason"]) for pause in paused["gates"]] == [("North door", "Rush")]

            requests.post(f"{base_url}/api/v1/gates/North%20door/pause", headers=headers, timeout=10)  # no change
            requests.post(f"{base_url}/api/v1/gates/pause", headers=headers, timeout=10)
            assert events.get(timeout=10)["venue_paused"] is True  # the repeat sent nothing
            requests.post(f"{base_url}/api/v1/gates/resume", headers=headers, timeout=10)
            requests.post(f"{base_url}/api/v1/gates/North%20door/resume", headers=headers, timeout=10)
            assert events.get(timeout=10)["venue_paused"] is False
            assert events.get(timeout=10) == {"venue_paused": False, "venue": None, "gates": []}
        finally:
            client.disconnect()
