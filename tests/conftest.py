"""Shared fixtures: a real, migrated database per test, on SQLite and on PostgreSQL.

Tests that ask for `app` (or anything built on it) run twice: once on a SQLite
file and once on PostgreSQL at TEST_DATABASE_URL. Without PostgreSQL the second
run skips with its reason; under CI=true it fails instead.
"""
from __future__ import annotations

import os
import shutil
import secrets
from datetime import datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

from app.config import database_url
from app.extensions import db
from app.factory import create_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL",
                                   "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: The demo clock: exhibition entry is open, workshops later that day are bookable.
DEMO_CLOCK = datetime.fromisoformat("2026-06-14T10:30:00+08:00")


def engine_for(url: str, **options) -> sa.Engine:
    """An engine on a test URL, with the driver the app uses (psycopg2 for PostgreSQL)."""
    return sa.create_engine(database_url(url, Path(".")), **options)


def unavailable(reason: str):
    """Skip with a visible reason; under CI=true a missing service fails the run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def make_app(database_url: str, instance_path: Path, **overrides):
    """An app on `database_url` that reads nothing from this machine's environment."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance_path),
        "BACKLOT_CLOCK": DEMO_CLOCK,
        **overrides,
    }
    return create_app(config, environ={})


def migrate_to_head(database_url: str, instance_path: Path) -> None:
    app = make_app(database_url, instance_path)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis at 127.0.0.1:6379 (the Socket.IO queue and rate-limit store of the scaled mode)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        unavailable(f"Redis does not answer at {REDIS_URL}: {error}")
    return REDIS_URL


@pytest.fixture(scope="session")
def postgres_admin_url():
    """TEST_DATABASE_URL if PostgreSQL answers there."""
    engine = engine_for(TEST_DATABASE_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL does not answer at {TEST_DATABASE_URL}: "
                    f"{str(error.orig).strip().splitlines()[0]}")
    finally:
        engine.dispose()
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url, tmp_path_factory):
    """A database of its own for this test run, migrated to head, dropped at the end."""
    admin = engine_for(postgres_admin_url, isolation_level="AUTOCOMMIT")
    name = f"backlot_test_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    migrate_to_head(url, tmp_path_factory.mktemp("pg-instance"))
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "backlot.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("clean_postgres")


@pytest.fixture
def clean_postgres(postgres_database) -> str:
    """The session's PostgreSQL database, emptied (ids restart) for one test."""
    engine = engine_for(postgres_database)
    with engine.begin() as connection:
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()
    return postgres_database


@pytest.fixture
def app(db_url, tmp_path):
    app = make_app(db_url, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def programme(app):
    """The demo programme from seed/, loaded as `backlot seed` loads it."""
    from seed.loader import DEFAULT_PROGRAMME, load_programme

    load_programme(DEFAULT_PROGRAMME)
    return app
