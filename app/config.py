"""Configuration: the one place the environment is read."""
from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A setting that stops Backlot from starting; its message is one readable line."""


def _secret_key(instance_path: Path) -> str:
    """Return the key kept in instance/, generating it on first use (never in the repo)."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(raw: str | None, instance_path: Path) -> str:
    """Normalise DATABASE_URL: SQLite in instance/ by default, psycopg2 for PostgreSQL."""
    if not raw:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / 'backlot.sqlite3'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {raw!r}") from None
    if url.drivername not in _DRIVERS:
        raise ConfigError(
            f"DATABASE_URL must be sqlite:/// or postgresql:// (psycopg2), not {url.drivername}://"
        )
    return url.set(drivername=_DRIVERS[url.drivername]).render_as_string(hide_password=False)


#: The database drivers Backlot runs on, by the names a URL may give. SQLAlchemy 2.1 would pick
#: psycopg 3 for postgresql://, which blocks an eventlet process (and may not be installed).
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg2",
            "postgresql+psycopg2": "postgresql+psycopg2"}
#: Seconds to wait for PostgreSQL to accept a connection: an unreachable server fails a request
#: (503) or the start, instead of hanging it.
CONNECT_TIMEOUT = 5


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options: connections checked before use (a restarted server costs no
    failed request), and a connect timeout on PostgreSQL."""
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    return options


def parse_clock(raw: str | None) -> datetime | None:
    """BACKLOT_CLOCK: an ISO 8601 time with offset, or unset for the real clock."""
    if not raw:
        return None
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"BACKLOT_CLOCK is not an ISO 8601 time: {raw!r}") from None
    if start.tzinfo is None:
        raise ConfigError(f"BACKLOT_CLOCK needs a UTC offset, e.g. +08:00: {raw!r}")
    return start


def _message_queue(environ: Mapping[str, str]) -> str | None:
    """SOCKETIO_MESSAGE_QUEUE: a Redis URL (app.realtime.queue), or unset for the embedded mode."""
    queue = environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    if queue and not queue.startswith(("redis://", "rediss://")):
        raise ConfigError(f"SOCKETIO_MESSAGE_QUEUE must be a redis:// URL, not {queue!r}")
    return queue


def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _mail_settings(environ: Mapping[str, str]) -> dict:
    """MAIL_*: the SMTP server mails go through; without MAIL_SERVER they go to the log."""
    server = environ.get("MAIL_SERVER") or None
    use_tls, use_ssl = _flag(environ, "MAIL_USE_TLS"), _flag(environ, "MAIL_USE_SSL")
    if use_tls and use_ssl:
        raise ConfigError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (TLS from the start) exclude each other")
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": _whole_number(environ, "MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_DEFAULT_SENDER": environ.get("MAIL_DEFAULT_SENDER") or "AI BACKLOT <tickets@backlot.local>",
        #: Seconds to wait for the SMTP server at each step.
        "MAIL_TIMEOUT": max(1, _whole_number(environ, "MAIL_TIMEOUT", 10)),
    }


def _ai_settings(environ: Mapping[str, str]) -> dict:
    """BACKLOT_AI_*: an OpenAI-compatible chat-completions endpoint for the kiosk's co-writer;
    without BACKLOT_AI_URL the co-writer works offline from seed/cowriter."""
    url = (environ.get("BACKLOT_AI_URL") or "").strip() or None
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"BACKLOT_AI_URL must be an http(s) URL, not {url!r}")
    raw_timeout = environ.get("BACKLOT_AI_TIMEOUT") or "4"
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise ConfigError(f"BACKLOT_AI_TIMEOUT must be a number of seconds, not {raw_timeout!r}") from None
    if not 0 < timeout <= 30:
        raise ConfigError(f"BACKLOT_AI_TIMEOUT must be between 0 and 30 seconds, not {raw_timeout!r}")
    return {
        "BACKLOT_AI_URL": url,
        "BACKLOT_AI_MODEL": environ.get("BACKLOT_AI_MODEL") or "gpt-4o-mini",
        "BACKLOT_AI_KEY": environ.get("BACKLOT_AI_KEY") or None,
        #: Seconds the kiosk's co-writer waits for the endpoint before writing offline instead.
        "BACKLOT_AI_TIMEOUT": timeout,
    }


def from_environment(instance_path: Path, environ: Mapping[str, str] = os.environ) -> dict:
    """Build the Flask config mapping from the environment."""
    base_url = (environ.get("BACKLOT_BASE_URL") or "").rstrip("/") or None
    # Cookies travel only over HTTPS once the public origin is HTTPS (the hall deployment).
    secure = bool(base_url and base_url.startswith("https://"))
    queue = _message_queue(environ)
    return {
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SECRET_KEY": environ.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL"), instance_path),
        "SOCKETIO_MESSAGE_QUEUE": queue,
        #: The Redis pub/sub channel of the queue (channels span Redis databases): one per instance.
        "SOCKETIO_CHANNEL": environ.get("SOCKETIO_CHANNEL") or "backlot",
        # Rate-limit counters: shared through Redis in scaled mode, so every process sees them.
        "RATELIMIT_STORAGE_URI": environ.get("BACKLOT_RATELIMIT_STORAGE") or queue or "memory://",
        # While that Redis is away, each process counts on its own (one warning), not 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # One setting swaps the async backend: the server entry point sets "eventlet".
        "BACKLOT_ASYNC_MODE": environ.get("BACKLOT_ASYNC_MODE", "threading"),
        "BACKLOT_BASE_URL": base_url,
        "BACKLOT_CLOCK": parse_clock(environ.get("BACKLOT_CLOCK")),
        "BACKLOT_SEED_FILE": environ.get("BACKLOT_SEED_FILE"),
        #: Proxies in front that set X-Forwarded-*: 1 behind nginx, 0 when serving directly.
        "BACKLOT_PROXY_HOPS": _whole_number(environ, "BACKLOT_PROXY_HOPS", 0),
        **_mail_settings(environ),
        **_ai_settings(environ),
    }
