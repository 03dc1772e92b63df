"""Backups while the app runs, and restoring them: on SQLite (the online backup API) and on
PostgreSQL (pg_dump, pg_restore)."""
from __future__ import annotations

import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from threading import Event

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.challenge import votes
from app.challenge.models import Story
from app.extensions import db
from app.ops import OpsError
from app.ops.backup import backup, restore
from app.tickets import services as tickets
from app.tickets.models import Registration, Ticket
from app.tickets.rules import RegistrationRequest
from tests.builders import make_slot
from tests.conftest import engine_for
from tests.ops.population import DAY, Population, populate, register


def table_rows(engine: sa.Engine) -> dict[str, list]:
    """Every row of every table of the app, in primary-key order."""
    with engine.connect() as connection:
        return {table.name: connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
                for table in db.metadata.sorted_tables}


@contextmanager
def registrations_going_on(app):
    """A thread registering visitors one after another while the block runs; yields the list of
    those committed so far (it grows as they are)."""
    stop, written = Event(), []

    def write():
        with app.app_context():
            try:
                while not stop.is_set():
                    number = len(written)
                    tickets.register(RegistrationRequest(name=f"Writer {number}", email=f"writer{number}@example.org",
                                                         days=[DAY], session_ids=[], locale="en", consent=True))
                    written.append(number)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(write)
        try:
            yield written
        finally:
            stop.set()
        writer.result(timeout=30)  # the writer's own failure, if any, fails the test


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the writer stopped writing"
        time.sleep(0.01)


def _data_statements(command: list[str]) -> dict[str, list[str]]:
    """The data a pg_dump or pg_restore script holds: each COPY block's rows, and the sequences' values."""
    script = subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
    data, block = {"setval": []}, None
    for line in script:
        if block is not None and line != "\\.":
            data[block].append(line)
        elif line.startswith("COPY "):
            block = line
            data[block] = []
        elif line == "\\.":
            block = None
        elif line.startswith("SELECT pg_catalog.setval"):
            data["setval"].append(line)
    return {statement: sorted(lines) for statement, lines in data.items()}


def backup_holds(path):
    """What a backup file holds: SQLite's rows after its integrity check (a file of its own, no
    WAL beside it); PostgreSQL's data as pg_restore prints it."""
    if db.engine.dialect.name == "postgresql":
        return _data_statements(["pg_restore", "--data-only", "--file=-", str(path)])
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not path.with_name(path.name + "-wal").exists()
    engine = engine_for(f"sqlite:///{path}")
    try:
        return table_rows(engine)
    finally:
        engine.dispose()


def database_holds():
    """The same of the live database (PostgreSQL: as pg_dump prints it)."""
    if db.engine.dialect.name == "postgresql":
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return _data_statements(["pg_dump", "--data-only", f"--dbname={url}"])
    return table_rows(db.engine)


def test_a_backup_taken_while_visitors_register_is_consistent_and_restores_exactly(app, tmp_path):
    population = populate()
    populated = table_rows(db.engine)
    path = tmp_path / "backlot.backup"

    with registrations_going_on(app) as written:
        wait_until(lambda: len(written) >= 2)
        before = len(written)
        backup(path)
        after = len(written)
        wait_until(lambda: len(written) >= after + 2)

    held = backup_holds(path)
    first = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()
    votes.withdraw(first.code, population.story_ids[0])
    tickets.cancel_ticket(first)
    db.session.delete(db.session.get(Story, population.story_ids[1]))
    db.session.commit()
    register(population)
    assert database_holds() != held

    restore(path)

    assert database_holds() == held
    restored = table_rows(db.engine)
    # Everything populated is there as it was, and the registrations of the writer in whole.
    for table, rows in populated.items():
        if table != "exhibition_day":  # its count of entries taken moves with each registration
            assert restored[table][:len(rows)] == rows, table
    writers = [row.id for row in restored["registration"] if row.name.startswith("Writer ")]
    assert before <= len(writers) <= after + 1
    assert sorted(row.registration_id for row in restored["ticket"] if row.registration_id in writers) == writers
    assert sum(day.entries_taken for day in restored["exhibition_day"]) == len(restored["day_entry"])
    assert len([mail for mail in restored["outbox_mail"] if mail.to.startswith("writer")]) == len(writers)
    assert db.session.get(Ticket, first.id).status == "active"


def registrations() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_the_commands_ask_before_they_overwrite_anything(app, runner, tmp_path):
    population = Population(slot_id=make_slot(capacity=3).id, story_ids=[])
    register(population)
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "backlot.backup"

    assert runner.invoke(args=["backup", str(path)]).output == f"Backed up to {path}.\n"
    first = path.read_bytes()
    register(population)
    again = runner.invoke(args=["backup", str(path)])
    assert again.exit_code == 1 and "--force" in again.output
    assert path.read_bytes() == first

    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert registrations() == 2
    assert runner.invoke(args=["restore", str(path), "--yes"]).exit_code == 0
    assert registrations() == 1

    register(population)
    assert runner.invoke(args=["backup", str(path), "--force"]).exit_code == 0
    assert path.read_bytes() != first
    assert list(folder.iterdir()) == [path]  # no partial file left beside it
    with pytest.raises(OpsError, match="no folder"):
        backup(folder / "missing" / "backlot.backup")
    (folder / "notes.txt").write_text("not a backup")
    with pytest.raises(OpsError):
        restore(folder / "notes.txt")
    assert registrations() == 2


def test_without_pg_dump_a_postgresql_backup_is_one_line_saying_so(app, runner, tmp_path, db_url):
    path = tmp_path / "backlot.backup"
    result = runner.invoke(args=["backup", str(path)], env={"PATH": str(tmp_path)})
    if db_url.startswith("sqlite"):
        assert result.exit_code == 0  # SQLite needs no client program
        return
    assert result.exit_code == 1
    assert result.output.startswith("Error: pg_dump is not installed") and result.output.count("\n") == 1
    assert not path.exists()
