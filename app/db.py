"""Database plumbing shared by every domain: column types, SQLite tuning, units of work."""
from __future__ import annotations

import contextvars
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import JSON, DateTime, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from app.config import ConfigError
from app.extensions import db, socketio
from app.outages import Outage, first_line

#: Set while a unit of work runs, so SQLite opens its transaction with BEGIN IMMEDIATE.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class LocalizedText(TypeDecorator):
    """Text visitors read, kept as {"zh": ..., "en": ...}."""

    impl = JSON
    cache_ok = True


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and transactions we open ourselves.

    pysqlite's own transaction handling is switched off so that a unit of work can
    begin with BEGIN IMMEDIATE: a read-then-write transaction that starts deferred
    fails with "database is locked" when another writer got in first, instead of
    waiting its turn.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


#: Seconds between the background checkpoints of a served SQLite database.
CHECKPOINT_INTERVAL = 0.5


def checkpoint_in_background(app, run_blocking: Callable) -> None:
    """Served on SQLite: move WAL checkpoints off the request path.

    A checkpoint copies the WAL into the database file and fsyncs it. SQLite lets the
    connection whose commit filled the WAL do it, which stalls that request and, under
    eventlet (sqlite3 blocks the process), every request in flight, for as long as the disk
    takes: the p99 of check-ins at 8 scanners went from 168 ms to 43 ms without it. Here
    request connections stop checkpointing, and a background task has `run_blocking`
    (eventlet's tpool, a native thread; a plain call in threading mode) checkpoint every
    CHECKPOINT_INTERVAL seconds.
    """
    with app.app_context():
        engine = db.engine
        path = engine.url.database
        if engine.dialect.name != "sqlite" or not path or path == ":memory:":
            return
        event.listen(engine, "connect", _no_autocheckpoint)
        engine.dispose()  # connections opened before this point checkpoint on their own
    socketio.start_background_task(_checkpoint_forever, app, path, run_blocking)


def _no_autocheckpoint(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint_forever(app, path: str, run_blocking: Callable) -> None:
    connection = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    while True:
        socketio.sleep(CHECKPOINT_INTERVAL)
        try:
            run_blocking(connection.execute, "PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:  # the next interval tries again; the WAL keeps every commit
            app.logger.warning("SQLite checkpoint failed: %s", error)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One write transaction: commit once at the end, roll back on any error.

    A read transaction the request already holds is ended first, so that on SQLite
    the write transaction starts with the write lock (BEGIN IMMEDIATE) and sees the
    latest data.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    token = _write_intent.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)


def insert_or_update(dialect: str, model):
    """INSERT for `dialect` ("postgresql" or "sqlite") with its ON CONFLICT clause
    (`on_conflict_do_update` / `on_conflict_do_nothing`): an upsert decided by a unique key in
    one statement, instead of a savepoint and a caught IntegrityError."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def execute_core(statement, params: dict | None = None):
    """Run a Core statement on the unit of work's connection, without the ORM's bookkeeping: for
    hot paths that hold no objects of the rows they change (see expire_loaded)."""
    return db.session.connection().execute(statement, params)


def expire_loaded(*models) -> None:
    """Expire the session's loaded objects of `models`, after execute_core changed their rows."""
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, models):
            db.session.expire(loaded)


def serialize_on(key: str) -> None:
    """Hold a PostgreSQL advisory lock on `key` until the unit of work ends, so that
    read-then-write rules keyed on it hold under concurrency; on SQLite the unit of
    work's BEGIN IMMEDIATE already serialises every writer."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def check_database() -> None:
    """Connect once; raise ConfigError with one readable line if the database is not there."""
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:  # any driver's failure to connect ends the start
        raise ConfigError(f"cannot reach the database at {url}: {first_line(error)}") from None


#: The database's outages, as requests meet them (app.errors answers those requests 503).
database_outage = Outage("The database", "requests answer 503 unavailable")


def watch_reconnects(engine: Engine) -> None:
    """A new connection after an outage ends it (pool_pre_ping replaces the dead ones)."""
    event.listen(engine, "connect", lambda *_: database_outage.recovered())
