"""A service that stops answering (the database, the Socket.IO queue): one warning when the
outage begins and one line when it ends, however many requests or emits meet it meanwhile."""
from __future__ import annotations

import logging
import threading

#: Flask's app.logger (the app is named "app"): the server log.
log = logging.getLogger("app")


class Outage:
    """The state of one service, shared by the threads or greenlets of a process."""

    def __init__(self, service: str, meanwhile: str):
        self.service = service
        self.meanwhile = meanwhile
        self.down = False
        self._lock = threading.Lock()

    def failed(self, reason: str) -> None:
        """A call to the service failed; only the first failure of an outage is logged."""
        with self._lock:
            if self.down:
                return
            self.down = True
        log.warning("%s is unreachable (%s); %s until it is back.", self.service, reason, self.meanwhile)

    def recovered(self) -> None:
        """A call to the service succeeded (cheap when there was no outage)."""
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("%s answers again.", self.service)


def first_line(error: BaseException) -> str:
    """A driver's error in one line (SQLAlchemy wraps it in .orig)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
