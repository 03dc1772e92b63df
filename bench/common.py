"""What the bench scripts share: tickets in bulk, percentiles, the database choice, CPU shares.

Every script drives a real `backlot serve` on 127.0.0.1 (tests/live.py starts it) and
prepares its own instance in a temporary directory.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def add_tickets(env: dict, count: int) -> list[str]:
    """`count` tickets for the day, inserted in one transaction through the app's models."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("BACKLOT_")})
    from sqlalchemy import select

    from app import clock
    from app.extensions import db
    from app.factory import create_app
    from app.schedule.models import ExhibitionDay
    from app.tickets.models import DayEntry, Registration, Ticket
    from app.tickets.services import new_code

    app = create_app(environ=env)
    with app.app_context():
        now = clock.now()
        day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == clock.today())).one()
        day.entry_capacity = max(day.entry_capacity, day.entries_taken + count)
        day.entries_taken += count
        tickets = []
        for number in range(count):
            registration = Registration(name=f"Bench {number}", email=f"bench-{number}@example.org", locale="en",
                                        consent_at=now, channel="online", created_at=now)
            tickets.append(Ticket(registration=registration, code=new_code(), holder_name=f"Bench {number}",
                                  is_primary=True, status="active", created_at=now))
        db.session.add_all(tickets)
        db.session.flush()
        db.session.add_all(DayEntry(ticket_id=ticket.id, day_id=day.id) for ticket in tickets)
        db.session.commit()
        codes = [ticket.code for ticket in tickets]
        db.engine.dispose()
    return codes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def loopback_database(url: str) -> str:
    """The --database value as DATABASE_URL ("" for the default SQLite); loopback hosts only."""
    if url == "sqlite":
        return ""
    host = urlsplit(url).hostname
    if not url.startswith("postgresql") or host not in (None, "", "localhost", "127.0.0.1", "::1"):
        raise SystemExit("--database: 'sqlite' or a postgresql:// URL on 127.0.0.1 (an empty database)")
    return url


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc; 0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> set[int]:
    """Every live process under `pid` (the server is `backlot serve` → gunicorn → its worker)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def machine_busy_seconds() -> float:
    """CPU seconds all cores have been busy since boot (/proc/stat), to see what others used."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait


class CpuShares:
    """Cores used over a window by the server, the listeners, this process and everything else."""

    def __init__(self, listener_pids: set[int]):
        self.listener_pids = listener_pids
        self.server_pids = descendants(os.getpid()) - listener_pids
        self.begin = self._sample()

    def _sample(self) -> tuple[float, ...]:
        return (time.monotonic(), sum(map(cpu_seconds, self.server_pids)), sum(map(cpu_seconds, self.listener_pids)),
                time.process_time(), machine_busy_seconds())

    def end(self) -> dict:
        now = self._sample()
        wall, server, listeners, bench, busy = (b - a for a, b in zip(self.begin, now))
        return {"server": server / wall, "listeners": listeners / wall, "bench": bench / wall,
                "others": max(0.0, busy - server - listeners - bench) / wall}


ROOT = Path(__file__).resolve().parent.parent
#: The PostgreSQL server the bench makes its throw-away databases on (loopback, trust).
POSTGRES_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: gunicorn as `backlot serve` runs it (app/commands.py), for the reference apps.
GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "-k", "eventlet", "-w", "1",
            "--worker-connections", "10000", "--graceful-timeout", "5"]


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for the block (dropped after); yields its URL."""
    import sqlalchemy as sa

    server = sa.engine.make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg2")  # eventlet's driver
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"backlot_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def serve_wsgi(application: str, env: dict, log: Path) -> Iterator[str]:
    """A reference WSGI app (`module:object`) served like Backlot, on a free loopback port."""
    from tests.live import free_port, wait_until_serving

    port = free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen([*GUNICORN, "-b", f"127.0.0.1:{port}", application], cwd=ROOT,
                                   env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base_url + "/", process)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=15)


def run_phase(url: str, bodies: list[dict], threads: int, seconds: float, headers: dict | None = None) -> dict:
    """POST each body from `threads` workers (a requests.Session each) until done or `seconds`
    pass; the rate, p50/p99 in ms, errors (non-2xx, no answer) and each answer's "result"."""
    queue = iter(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    results: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    def worker(_index: int) -> None:
        session = requests.Session()
        session.headers.update(headers or {})
        while time.monotonic() < stop_at:
            with lock:
                body = next(queue, None)
            if body is None:
                return
            started = time.perf_counter()
            try:
                answer = session.post(url, json=body, timeout=30)
                result = (answer.json().get("result", "ok") if answer.ok and answer.content
                          else "ok" if answer.ok else f"http_{answer.status_code}")
                if "database is locked" in answer.text:
                    result = "database_locked"
            except (requests.RequestException, ValueError):
                result = "no_answer"
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                results[result] = results.get(result, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - started
    errors = sum(count for name, count in results.items()
                 if name.startswith("http_5") or name in ("no_answer", "database_locked"))
    return {"count": len(latencies), "rate": len(latencies) / elapsed if elapsed else 0.0,
            "p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99), "errors": errors,
            "results": results}


def machine() -> str:
    """One line on where the figures come from."""
    import platform
    import sqlite3

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{model}, {os.cpu_count()} cores, {memory} GiB RAM, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")
