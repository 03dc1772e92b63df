"""Outages in scaled mode, with real servers that the test stops and starts again: a private Redis
(the Socket.IO queue and rate-limit store) and a private PostgreSQL cluster (this machine's shared
ones must stay up for everyone else).

Redis away: HTTP goes on, the log says so once, and displays follow again by themselves when it
is back. PostgreSQL restarted under load: requests answer 503 unavailable meanwhile (JSON, in the
caller's language) and succeed again afterwards, without restarting Backlot.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from app.db import database_outage
from app.realtime.coalesce import Announcer
from app.tickets import outbox
from tests.api.test_staff_api import bearer
from tests.conftest import DEMO_CLOCK, make_app, migrate_to_head, unavailable
from tests.live import crash, free_port, launch, server_environment
from tests.realtime.test_challenge_sockets import Screen, prepare
from tests.test_crash import tickets_to_scan

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DAY = DEMO_CLOCK.date().isoformat()
TIMEOUT = 10
QUEUE_DOWN = "The Socket.IO message queue (Redis) is unreachable"
QUEUE_BACK = "The Socket.IO message queue (Redis) answers again."
UNAVAILABLE = "The service is briefly unavailable. Please try again in a moment."


def poll(condition, deadline: float = TIMEOUT, every: float = 0.05):
    """condition()'s first true value within `deadline` seconds."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"not within {deadline} s: {condition}")


class PrivateRedis:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self):
        if not shutil.which("redis-server"):
            unavailable("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        poll(lambda: self._answers(client))

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb, pg_ctl) on a free port. PostgreSQL will not
    run as root: as root, its commands run as the postgres user, in a folder that user owns."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            unavailable(f"no PostgreSQL server binaries in {PG_BIN}")
        self.folder = Path(tempfile.mkdtemp(prefix="backlot-pg-"))
        self.as_owner = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "-A", "trust", "--no-sync",
                  "--no-instructions")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_owner, str(PG_BIN / tool), *args], check=True, capture_output=True,
                       timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        self._run("pg_ctl", "start", "-w", "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "server.log"))

    def stop(self) -> None:
        """A fast shutdown: sessions are ended at once, as in a restart under load."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.folder / "data"))

    def remove(self) -> None:
        subprocess.run([*self.as_owner, str(PG_BIN / "pg_ctl"), "stop", "-m", "immediate", "-D",
                        str(self.folder / "data")], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


def register(base_url: str, language: str = "en") -> requests.Response:
    return requests.post(f"{base_url}/api/v1/registrations", timeout=TIMEOUT, headers={"Accept-Language": language},
                         json={"name": "Ann", "email": f"{uuid.uuid4().hex[:12]}@example.org", "days": [DAY],
                               "locale": "en", "consent": True})


def lines(log: Path, text: str) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if text in line]


def test_with_redis_away_http_goes_on_and_displays_catch_up_when_it_is_back(clean_postgres, private_redis,
                                                                            tmp_path):
    staff = prepare(clean_postgres, tmp_path, gate="gate", moderator="moderator")
    codes = tickets_to_scan(clean_postgres, tmp_path, 5)
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=private_redis.url)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with ThreadPoolExecutor(2) as pool:  # two starts at once: each takes seconds
        (first_process, first), (second_process, second) = pool.map(lambda log: launch(env, log), logs)
    moderator = bearer(staff["moderator"].token)

    def switch(mode: str) -> None:  # a change on the first process, for every display
        answer = requests.put(f"{first}/api/v1/displays", json={"mode": mode}, headers=moderator, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text

    display = None
    try:
        display = Screen(second, "/display", query="?display=hall")
        display.next("state")
        switch("attract")
        display.next("mode", lambda event: event["mode"] == "attract")  # the queue carries it across

        private_redis.stop()
        for code in codes:
            assert register(first).status_code == 201
            scanned = requests.post(f"{first}/api/v1/checkins", headers=bearer(staff["gate"].token),
                                    json={"scan": code, "gate": "A", "session_id": None}, timeout=TIMEOUT)
            assert scanned.status_code == 200 and scanned.json()["result"] == "ok", scanned.text
        switch("feed")  # lost for the other process's displays: nothing carries it

        private_redis.start()
        modes = iter(["schedule", "leaderboard"] * 20)

        def caught_up():
            mode = next(modes)
            switch(mode)
            try:
                return display.next("mode", lambda event: event["mode"] == mode, deadline=0.5)
            except AssertionError:
                return None  # not subscribed again yet

        shown = poll(caught_up)["mode"]
        again = Screen(second, "/display", query="?display=hall")  # a display that reconnects
        try:
            assert again.next("state")["mode"] == shown
        finally:
            again.close()
    finally:
        if display:
            display.close()
        for process in (first_process, second_process):
            crash(process)  # at once: a graceful stop would wait seconds for the websockets
    for log in logs:
        assert len(lines(log, QUEUE_DOWN)) == 1, log.read_text()[-3000:]
        assert lines(log, QUEUE_BACK), log.read_text()[-3000:]
        assert not lines(log, "Traceback") and not lines(log, "Cannot publish to redis")


def test_postgresql_restarted_under_load_is_a_503_then_serves_again(private_postgres, tmp_path):
    migrate_to_head(private_postgres.url, tmp_path)
    prepare(private_postgres.url, tmp_path)
    env = server_environment(tmp_path, DATABASE_URL=private_postgres.url)
    answers: list[tuple[str, requests.Response]] = []
    done = threading.Event()

    def load():
        for turn in range(100_000):
            if done.is_set():
                return
            language = ("en", "zh")[turn % 2]
            answers.append((language, register(base_url, language)))

    process, base_url = launch(env, tmp_path / "server.log")
    worker = threading.Thread(target=load)
    worker.start()
    try:
        poll(lambda: len(answers) >= 10)
        private_postgres.stop()
        stopped = len(answers)
        poll(lambda: sum(answer.status_code == 503 for _, answer in answers[stopped:]) >= 4)
        private_postgres.start()
        started = len(answers)
        poll(lambda: any(answer.status_code == 201 for _, answer in answers[started:]), deadline=15)
    finally:
        done.set()
        worker.join(timeout=TIMEOUT + 5)
        crash(process)

    assert {answer.status_code for _, answer in answers} == {201, 503}
    for language, answer in answers:
        if answer.status_code == 503:
            assert "Traceback" not in answer.text and answer.headers["Retry-After"] == "5"
            error = answer.json()["error"]
            assert error["code"] == "unavailable"
            assert (error["message"] == UNAVAILABLE) == (language == "en"), error
    log = tmp_path / "server.log"
    assert len(lines(log, "The database is unreachable")) == 1, log.read_text()[-3000:]
    assert len(lines(log, "The database answers again.")) == 1
    assert not lines(log, "Traceback")


@pytest.mark.parametrize("task", ["mail", "announcement"])
def test_a_background_task_that_meets_a_dead_database_warns_once_without_a_traceback(task, tmp_path, caplog):
    """The mail round and the coalesced announcements go on through an outage, quietly."""
    app = make_app("postgresql://postgres@127.0.0.1:1/none", tmp_path)
    announcer = Announcer()
    announcer._app = app
    database_outage.recovered()  # whatever an earlier test left
    caplog.clear()
    try:
        for _ in range(3):
            if task == "mail":
                with app.app_context():
                    outbox.deliver_due()
            else:
                announcer._announce({"leaderboard:1"})
        assert database_outage.down
        assert [record.getMessage()[:28] for record in caplog.records] == ["The database is unreachable "]
        assert not any(record.exc_info for record in caplog.records)
    finally:
        database_outage.recovered()
