"""Browser tests: Debian's Chromium driven by Playwright against a real `backlot serve`.

One browser for the session, a fresh context per test (pytest-playwright's
`page`). The server is the production one (gunicorn + eventlet) on a SQLite file
of its own, migrated and seeded through the CLI, with the demo clock.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.live import StaffLogin, add_staff, backlot, server_environment, serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def seeded_environment(instance: Path) -> dict:
    """A migrated, seeded instance: the environment `backlot serve` and the CLI run with."""
    env = server_environment(instance)
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    return env


def serve(env: dict):
    """`backlot serve` on the instance of `env`, logging into it; yields the base URL."""
    return serving(env, Path(env["BACKLOT_INSTANCE_PATH"]) / "server.log")


@pytest.fixture(scope="session")
def live_server_env(tmp_path_factory) -> dict:
    """The environment `backlot serve` runs with: run the CLI with it to reach the same database.

    Shared by the browser tests; a module that needs a round to itself overrides this fixture
    and `live_server` with an instance of its own (seeded_environment, serve)."""
    return seeded_environment(tmp_path_factory.mktemp("live-instance"))


@pytest.fixture(scope="session")
def live_server(live_server_env):
    """The base URL of a seeded Backlot served by `backlot serve`."""
    with serve(live_server_env) as url:
        yield url


@pytest.fixture(scope="session")
def live_admin(live_server, live_server_env) -> StaffLogin:
    """An admin on the live server's database, made by the real `backlot staff add`.

    Sign-in is rate-limited (10 a minute per address and email): tests that sign in
    often should share a signed-in context rather than post the form each time.
    """
    return add_staff(live_server_env, "admin@example.org", "admin")


@pytest.fixture(scope="module")
def kiosk(live_server_env) -> StaffLogin:
    """A kiosk device account of its own (per test module) on the live server."""
    return add_staff(live_server_env, f"kiosk-{uuid.uuid4().hex[:8]}@devices.local", "kiosk")


@pytest.fixture(scope="module")
def moderator(live_server_env) -> StaffLogin:
    """A moderator account of its own (per test module) on the live server."""
    return add_staff(live_server_env, f"moderator-{uuid.uuid4().hex[:8]}@example.org", "moderator")


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
