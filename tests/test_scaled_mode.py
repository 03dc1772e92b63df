"""Scaled mode: two `backlot serve` processes on PostgreSQL, with Redis carrying Socket.IO
messages and rate-limit counts between them."""
import re
import uuid

import requests

from tests.live import add_staff, backlot, csrf_token, server_environment, serving, signed_in
from tests.realtime.test_staff_socket import listen, next_event


def test_a_change_on_one_process_reaches_screens_on_the_other(clean_postgres, redis_url, tmp_path):
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url)
    backlot(env, "seed")
    admin = add_staff(env, "admin@example.org", "admin")
    with serving(env, tmp_path / "a.log") as first, serving(env, tmp_path / "b.log") as second:
        schedules = [signed_in(base, admin).get(f"{base}/api/v1/schedule").json() for base in (first, second)]
        assert schedules[0] == schedules[1] and len(schedules[0]["sessions"]) > 20

        watcher = signed_in(first, admin)
        client, events = listen(first, watcher.cookies.get_dict())
        try:
            target = next_event(events, "state")["up_next"][0]
            editor = signed_in(second, admin)
            answer = editor.post(f"{second}/staff/schedule/{target['id']}/cancel",
                                 data={"csrf_token": csrf_token(editor, f"{second}/staff")},
                                 allow_redirects=False)
            assert answer.status_code == 302
            assert next_event(events, "schedule_changed") == {"session_id": target["id"]}
        finally:
            client.disconnect()


def test_sign_in_attempts_count_across_processes(clean_postgres, redis_url, tmp_path):
    """Ten wrong passwords spread over two processes, and the eleventh is refused by either."""
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url)
    email = f"gate-{uuid.uuid4().hex[:8]}@example.org"  # Redis outlives the test: a key of its own
    add_staff(env, email, "gate")
    with serving(env, tmp_path / "a.log") as first, serving(env, tmp_path / "b.log") as second:
        codes = []
        for attempt in range(11):
            base = (first, second)[attempt % 2]
            browser = requests.Session()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                              browser.get(f"{base}/staff/login").text).group(1)
            codes.append(browser.post(f"{base}/staff/login", allow_redirects=False,
                                      data={"email": email, "password": "guess", "csrf_token": token}).status_code)
    assert codes == [401] * 10 + [429]
