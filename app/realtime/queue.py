"""The Socket.IO message queue of the scaled mode (Redis), through its outages.

python-socketio's RedisManager logs two errors for every emit while Redis is down and
retries its subscription after ever longer waits (up to a minute). Here an outage is one
warning (app.outages); emits meanwhile are dropped (screens catch up from the `state`
snapshot they get on reconnecting, or with the next change), and the subscription is
retried every RETRY seconds, so screens follow again within about a second of Redis.
"""
from __future__ import annotations

import time

import socketio

from app.outages import Outage, first_line

#: Seconds between attempts to subscribe again while Redis is away.
RETRY = 1.0
#: Seconds to wait for Redis to accept a connection or answer a publish.
TIMEOUT = 2

queue_outage = Outage("The Socket.IO message queue (Redis)",
                      "live updates between processes pause (HTTP goes on)")


class QueueManager(socketio.RedisManager):
    """RedisManager that says an outage once and comes back quickly."""

    def __init__(self, url: str, *, channel: str):
        super().__init__(url, channel=channel,
                         redis_options={"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT})

    def _publish(self, data):
        try:
            if not self.connected:
                self._redis_connect()
            published = self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as error:  # any failure of Redis: the emit is lost, the request goes on
            self.connected = False
            queue_outage.failed(first_line(error))
            return None
        queue_outage.recovered()
        return published

    def _redis_listen_with_retries(self):
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)  # its reads block without the socket timeout
                queue_outage.recovered()
                yield from self.pubsub.listen()
            except Exception as error:  # Redis went away: subscribe again shortly
                queue_outage.failed(first_line(error))
                time.sleep(RETRY)
