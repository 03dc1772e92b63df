"""Browser tests: Debian's Chromium driven by Playwright against a real `backlot serve`.

One browser for the session, a fresh context per test (pytest-playwright's
`page`). The server is the production one (gunicorn + eventlet) on a SQLite file
of its own, migrated and seeded through the CLI, with the demo clock.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DEMO_CLOCK, unavailable

CHROMIUM = "/usr/bin/chromium"
BACKLOT = str(Path(sys.executable).with_name("backlot"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(instance: Path, **extra: str) -> dict:
    """This machine's environment without its Backlot settings, plus the test's own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKLOT_", "DATABASE_URL", "SOCKETIO_", "MAIL_"))}
    env.update(BACKLOT_INSTANCE_PATH=str(instance), BACKLOT_CLOCK=DEMO_CLOCK.isoformat(),
               HOST="127.0.0.1", **extra)
    return env


def wait_until_serving(url: str, process: subprocess.Popen, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"backlot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"backlot serve did not answer at {url} within {deadline:.0f} s")


@pytest.fixture(scope="session")
def live_server_env(tmp_path_factory) -> dict:
    """The environment `backlot serve` runs with: run the CLI with it to reach the same database."""
    instance = tmp_path_factory.mktemp("live-instance")
    return server_environment(instance, PORT=str(free_port()))


@pytest.fixture(scope="session")
def live_server(live_server_env):
    """The base URL of a seeded Backlot served by `backlot serve`."""
    env = live_server_env
    instance = Path(env["BACKLOT_INSTANCE_PATH"])
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([BACKLOT, *command], env=env, check=True, capture_output=True)
    log = open(instance / "server.log", "wb")
    process = subprocess.Popen([BACKLOT, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until_serving(base_url + "/", process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@dataclass(frozen=True)
class StaffLogin:
    email: str
    password: str


@pytest.fixture(scope="session")
def live_admin(live_server, live_server_env) -> StaffLogin:
    """An admin on the live server's database, made by the real `backlot staff add`.

    Sign-in is rate-limited (10 a minute per address and email): tests that sign in
    often should share a signed-in context rather than post the form each time.
    """
    email = "admin@example.org"
    result = subprocess.run([BACKLOT, "staff", "add", email, "--role", "admin"], env=live_server_env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    match = re.search(r"^password: (\S+)$", result.stdout, re.MULTILINE)
    assert match, f"no password in the output of backlot staff add: {result.stdout!r}"
    return StaffLogin(email, match.group(1))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright's own browser download does not work here."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} is missing (make test installs it with apt when run as root)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"],
    }


@pytest.fixture
def artifacts() -> Path:
    """A folder for screenshots kept after the run (git ignores it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
