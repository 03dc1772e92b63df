"""A real SMTP server on loopback (aiosmtpd) for mail tests, and what arrived at it, parsed by the stdlib."""
from __future__ import annotations

import asyncio
import email
import email.policy
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.live import free_port


@dataclass(frozen=True)
class Received:
    """One accepted message: the SMTP envelope and the parsed mail."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


#: The public origin the mail tests give the app, so links in mails are absolute and known.
BASE_URL = "https://backlot.test"


class SMTPServer:
    """aiosmtpd on 127.0.0.1 on a port of its own, which stays the same across stop() and start()."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        #: Seconds the server takes before it accepts each message (a slow server).
        self.delay = 0.0
        #: Recipients the server refuses (550), as a real one refuses an unknown mailbox.
        self.refused: set[str] = set()
        #: SMTP sessions opened (one EHLO each).
        self.sessions = 0
        self._controller: Controller | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """The messages once `count` have arrived (for mail sent by another thread or process)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} of {count} mails came in {timeout:.0f} s"
        return self.received
