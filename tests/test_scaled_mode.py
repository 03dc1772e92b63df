"""Scaled mode: two `backlot serve` processes on PostgreSQL, Redis carrying Socket.IO between them."""
import pytest
import redis

from tests.conftest import unavailable
from tests.live import add_staff, backlot, csrf_token, server_environment, serving, signed_in
from tests.realtime.test_staff_socket import listen, next_event

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queue():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis does not answer at {REDIS_URL}: {error}")
    return REDIS_URL


def test_a_change_on_one_process_reaches_screens_on_the_other(clean_postgres, redis_queue, tmp_path):
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_queue)
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
