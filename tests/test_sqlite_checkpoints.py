"""Served on SQLite, WAL checkpoints run in the background, not in the request that fills the WAL."""
import shutil
import sqlite3
import time

from sqlalchemy import text

from app.db import checkpoint_in_background, unit_of_work
from app.extensions import db
from tests.conftest import make_app


def rows_in_database_file(path, copy) -> int:
    """The probe rows the database file itself holds, leaving out what waits in its WAL."""
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as connection:
        tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'probe'").fetchone()[0]
        return connection.execute("SELECT count(*) FROM probe").fetchone()[0] if tables else 0


def test_requests_leave_checkpoints_to_the_background(sqlite_template, tmp_path):
    path = tmp_path / "backlot.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", tmp_path)
    checkpoint_in_background(app, lambda function, *args: function(*args))
    with app.app_context():
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        with unit_of_work():
            db.session.execute(text("CREATE TABLE probe (n INTEGER)"))
            db.session.execute(text("INSERT INTO probe VALUES (:n)"), [{"n": n} for n in range(3000)])
        db.session.remove()

    deadline = time.monotonic() + 10
    while rows_in_database_file(path, tmp_path / "copy.sqlite3") < 3000 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rows_in_database_file(path, tmp_path / "copy.sqlite3") == 3000
