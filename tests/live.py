"""A real Backlot server for tests from outside: `backlot serve` in a process, driven by its CLI.

Browser tests, Socket.IO client tests and the scaled-mode test use it the way
scanner phones, kiosks and displays will: over HTTP and websockets on loopback.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from tests.conftest import DEMO_CLOCK

BACKLOT = str(Path(sys.executable).with_name("backlot"))


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
    if extra.get("SOCKETIO_MESSAGE_QUEUE"):
        # Redis pub/sub channels are global: this test's processes talk on a channel of their own.
        env.setdefault("SOCKETIO_CHANNEL", f"backlot-test-{secrets.token_hex(4)}")
    return env


def backlot(env: dict, *args: str) -> str:
    """Run the CLI; its output, or CalledProcessError with what it printed."""
    return subprocess.run([BACKLOT, *args], env=env, check=True, capture_output=True, text=True,
                          timeout=120).stdout


def wait_until_serving(url: str, process: subprocess.Popen, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"backlot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, if only with an error page (e.g. no programme loaded)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"backlot serve did not answer at {url} within {deadline:.0f} s")


def launch(env: dict, log: Path, port: int | None = None,
           options: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """`backlot serve [options]` on `port` (default: a free one), answering: the process (gunicorn's
    master, in a process group of its own with its worker) and its base URL."""
    port = port or free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen([BACKLOT, "serve", "--port", str(port), *options], env=env,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url + "/", process)
    except BaseException:
        crash(process)
        raise
    return process, base_url


def crash(process: subprocess.Popen) -> None:
    """kill -9 the server's whole process group (master and worker): nothing gets to clean up."""
    with suppress(ProcessLookupError):  # it may have died already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


@contextmanager
def serving(env: dict, log: Path, port: int | None = None, options: tuple[str, ...] = ()) -> Iterator[str]:
    """`backlot serve [options]` on `port` (default: a free one) until the block ends; yields its
    base URL."""
    process, base_url = launch(env, log, port, options)
    try:
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass(frozen=True)
class StaffLogin:
    email: str
    password: str
    token: str


def add_staff(env: dict, email: str, role: str) -> StaffLogin:
    """`backlot staff add`, reading the password and token it prints."""
    output = backlot(env, "staff", "add", email, "--role", role)
    password = re.search(r"^password: (\S+)$", output, re.M).group(1)
    token = output.strip().splitlines()[-1].removeprefix("token: ")
    return StaffLogin(email, password, token)


def signed_in(base_url: str, login: StaffLogin) -> requests.Session:
    """A requests session signed in through the real sign-in form (CSRF token and all)."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/staff/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = browser.post(f"{base_url}/staff/login", allow_redirects=False,
                          data={"email": login.email, "password": login.password, "csrf_token": token})
    assert answer.status_code == 302, answer.text
    return browser


def csrf_token(browser: requests.Session, page_url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', browser.get(page_url).text).group(1)
