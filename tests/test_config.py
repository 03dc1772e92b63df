"""Configuration from the environment, and the app's clock."""
from datetime import datetime, timedelta, timezone

import pytest

from app import clock
from app.config import ConfigError, database_url, engine_options, from_environment, parse_clock
from app.factory import create_app


def test_default_database_is_sqlite_in_instance(tmp_path):
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'backlot.sqlite3'}"


@pytest.mark.parametrize("raw", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_postgresql_urls_get_the_eventlet_friendly_driver(raw, tmp_path):
    assert database_url(raw, tmp_path) == "postgresql+psycopg2://u@h/db"


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "not a url", "nonsense://x", "://",
                                 # drivers that are not installed, or would block an eventlet process
                                 "postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db",
                                 "sqlite+pysqlcipher:///x"])
def test_other_databases_are_refused_in_one_line(raw, tmp_path):
    with pytest.raises(ConfigError) as refused:
        database_url(raw, tmp_path)
    assert "\n" not in str(refused.value) and "DATABASE_URL" in str(refused.value)


def test_postgresql_connections_time_out_and_are_checked_before_use():
    assert engine_options("postgresql+psycopg2://u@h/db") == {"pool_pre_ping": True,
                                                              "connect_args": {"connect_timeout": 5}}
    assert engine_options("sqlite:///x") == {"pool_pre_ping": True}


def test_the_message_queue_is_redis_or_nothing(tmp_path):
    assert from_environment(tmp_path, {})["SOCKETIO_MESSAGE_QUEUE"] is None
    with pytest.raises(ConfigError):
        from_environment(tmp_path, {"SOCKETIO_MESSAGE_QUEUE": "amqp://h"})


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = from_environment(tmp_path, {})["SECRET_KEY"]
    second = from_environment(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_secret_key_wins(tmp_path):
    assert from_environment(tmp_path, {"SECRET_KEY": "from-env"})["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("raw", ["yesterday", "2026-06-14T10:30:00"])
def test_clock_needs_an_iso_time_with_offset(raw):
    with pytest.raises(ConfigError):
        parse_clock(raw)


def test_demo_clock_starts_at_the_set_time_and_runs_on(tmp_path):
    start = datetime.fromisoformat("2026-06-14T10:30:00+08:00")
    app = create_app({"BACKLOT_CLOCK": start, "INSTANCE_PATH": str(tmp_path)}, environ={})
    with app.app_context():
        first = clock.now()
        assert abs(first - start) < timedelta(seconds=5)
        assert first.tzinfo == timezone.utc
        assert clock.now() >= first
        assert clock.today() == start.date()
        assert clock.is_demo_clock()


def test_real_clock_when_unset(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)}, environ={})
    with app.app_context():
        assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)
        assert not clock.is_demo_clock()
