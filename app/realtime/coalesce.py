"""Coalesced announcements: many votes or scans a second, a few events.

A vote or a jury score only marks its round's leaderboard as changed, a check-in
marks the attendance; each is a topic (see app.realtime.publish.announce). A
background task per process wakes every INTERVAL, takes the topics marked since,
and has app.realtime.publish announce each once. Screens are so at most about two
intervals behind, however fast votes and scans arrive.

In scaled mode (a Redis message queue) the marks are kept in Redis, and a short
Redis lock lets one process a tick take them: processes together send one
announcement per interval, not one per process, and a mark made on any process
is taken by whichever process ticks next, so none is lost if one dies. Marks and
lock are keyed by the database the processes share, so another Backlot on the
same Redis (a rehearsal, a test run) neither takes this one's marks nor its ticks.
"""
from __future__ import annotations

import hashlib
import os
import threading

import redis
from flask import Flask, current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from app.db import database_outage
from app.extensions import db, socketio
from app.outages import first_line
from app.realtime.queue import queue_outage

#: Seconds between announcements: at most four events of a topic a second per namespace.
INTERVAL = 0.25
_KEY_PREFIX = "backlot:announce"


def deployment_scope(database_uri: str) -> str:
    """What the processes of one deployment share and others do not: their database."""
    return hashlib.sha256(database_uri.encode()).hexdigest()[:16]


class _LocalMarks:
    """Marks of one process (the embedded mode)."""

    def __init__(self):
        self._topics: set[str] = set()
        self._lock = threading.Lock()

    def add(self, topic: str) -> None:
        with self._lock:
            self._topics.add(topic)

    def take(self) -> set[str]:
        with self._lock:
            taken, self._topics = self._topics, set()
        return taken


class _RedisMarks:
    """Marks shared by every process through Redis; one process takes them a tick."""

    def __init__(self, url: str, *, scope: str):
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._me = f"{os.getpid()}"
        self._dirty_key = f"{_KEY_PREFIX}:{scope}:dirty"
        self._tick_key = f"{_KEY_PREFIX}:{scope}:tick"

    def add(self, topic: str) -> None:
        self._redis.sadd(self._dirty_key, topic)

    def take(self) -> set[str]:
        if not self._redis.set(self._tick_key, self._me, nx=True, px=int(INTERVAL * 1000)):
            return set()  # another process ticks this interval
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.smembers(self._dirty_key)
            pipe.delete(self._dirty_key)
            members, _ = pipe.execute()
        return {member.decode() for member in members}


class Announcer:
    """Marks changed topics, and announces them from one background task per process."""

    def __init__(self):
        self._marks: _LocalMarks | _RedisMarks | None = None
        self._queue: tuple[str | None, str] | None = None
        self._app: Flask | None = None
        self._running = False
        self._start_lock = threading.Lock()

    def mark(self, topic: str) -> None:
        """Called after the commit of a change; cheap (a set add, or one Redis SADD)."""
        self._app = current_app._get_current_object()
        queue = self._app.config.get("SOCKETIO_MESSAGE_QUEUE") or None
        scope = deployment_scope(str(self._app.config.get("SQLALCHEMY_DATABASE_URI", "")))
        if self._marks is None or (queue, scope) != self._queue:
            self._queue = (queue, scope)
            self._marks = (_RedisMarks(queue, scope=scope) if queue and queue.startswith("redis")
                           else _LocalMarks())
        try:
            self._marks.add(topic)
        except redis.RedisError as error:  # announced at once (and lost to other processes' screens)
            queue_outage.failed(first_line(error))
            self._announce({topic})
            return
        if not self._running:
            with self._start_lock:
                if not self._running:
                    self._running = True
                    socketio.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            socketio.sleep(INTERVAL)
            try:
                topics = self._marks.take() if self._marks is not None else set()
            except redis.RedisError:
                continue  # the marks wait in Redis for the next tick that reaches it
            if topics:
                self._announce(topics)

    def _announce(self, topics: set[str]) -> None:
        from app.realtime import publish

        app = self._app
        if app is None:
            return
        with app.app_context():
            try:
                for topic in sorted(topics):
                    publish.announce(topic)
            except (OperationalError, InterfaceError) as error:  # the database is away: said once an outage
                database_outage.failed(first_line(error))
            except Exception:  # a failed announcement must not end the task; the next change re-announces
                app.logger.exception("announcements: announcing %s failed", sorted(topics))
            finally:
                db.session.remove()


announcer = Announcer()
