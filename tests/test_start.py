"""Starting Backlot with a bad setting stops with one clear line, not a traceback."""
import http.client
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live import backlot, server_environment, serving

BACKLOT = str(Path(sys.executable).with_name("backlot"))


def run_backlot(tmp_path, *args, **env):
    environ = {"PATH": "/usr/bin:/bin", "BACKLOT_INSTANCE_PATH": str(tmp_path), **env}
    return subprocess.run([BACKLOT, *args], env=environ, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command,url,says", [
    *[(command, "postgresql://postgres@127.0.0.1:1/none", "127.0.0.1:1")  # a wrong port
      for command in (["db", "upgrade"], ["seed"], ["serve"])],
    # A driver that is not installed (psycopg 3) used to end in a ModuleNotFoundError traceback.
    (["serve"], "postgresql+psycopg://postgres@127.0.0.1/none", "postgresql+psycopg://"),
])
def test_unreachable_database_stops_the_start(tmp_path, command, url, says):
    result = run_backlot(tmp_path, *command, DATABASE_URL=url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("backlot: ") and says in line


@pytest.mark.parametrize("variable,value,says", [
    ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
    ("DATABASE_URL", "::::", "DATABASE_URL"),
    ("DATABASE_URL", "nonsense://x", "DATABASE_URL"),
    ("BACKLOT_CLOCK", "half past ten", "BACKLOT_CLOCK"),
])
def test_malformed_setting_stops_the_start(tmp_path, variable, value, says):
    result = run_backlot(tmp_path, "seed", **{variable: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert says in line


def test_migrate_and_seed_on_a_fresh_instance(tmp_path):
    assert run_backlot(tmp_path, "db", "upgrade").returncode == 0
    seeded = run_backlot(tmp_path, "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert (tmp_path / "backlot.sqlite3").exists()


def test_serve_keeps_an_idle_connection_open_past_a_pause(tmp_path):
    """A gate phone pausing between scans (or nginx's pooled upstream connection) finds its
    connection still open: gunicorn's 2 s default would close it, racing the next request."""
    env = server_environment(tmp_path)
    backlot(env, "db", "upgrade")
    with serving(env, tmp_path / "serve.log") as base_url:
        connection = http.client.HTTPConnection(urlsplit(base_url).hostname, urlsplit(base_url).port, timeout=10)
        try:
            connection.request("GET", "/api/v1/openapi.json")
            assert connection.getresponse().read()
            time.sleep(2.5)
            connection.request("GET", "/api/v1/openapi.json")  # the same socket: http.client does not reconnect
            assert connection.getresponse().status == 200
        finally:
            connection.close()
