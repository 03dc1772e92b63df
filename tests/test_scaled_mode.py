"""Scaled mode: several `backlot serve` processes on PostgreSQL with Redis as the Socket.IO queue."""
import json
import subprocess
import urllib.request

import pytest
import redis

from tests.e2e.conftest import BACKLOT, free_port, server_environment, wait_until_serving
from tests.conftest import unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queue():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis does not answer at {REDIS_URL}: {error}")
    return REDIS_URL


def test_two_processes_serve_one_postgresql_programme(postgres_database, redis_queue, tmp_path):
    env = server_environment(tmp_path, DATABASE_URL=postgres_database,
                             SOCKETIO_MESSAGE_QUEUE=redis_queue)
    subprocess.run([BACKLOT, "seed"], env=env, check=True, capture_output=True, timeout=60)
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([BACKLOT, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for port in ports]
    try:
        schedules = []
        for port, process in zip(ports, processes):
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base + "/", process)
            with urllib.request.urlopen(base + "/api/v1/schedule") as response:
                schedules.append(json.load(response))
        assert schedules[0] == schedules[1]
        assert len(schedules[0]["sessions"]) > 20
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
