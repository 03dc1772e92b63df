"""Sending the mail outbox: each due mail goes once, over SMTP or (without MAIL_SERVER) to the log.

Mails are claimed in a short transaction that moves their next attempt a few minutes
ahead before anything is sent, so processes delivering at once never send one twice:
PostgreSQL skips the rows another claim holds (FOR UPDATE SKIP LOCKED) and SQLite
serialises writers. A failure is recorded and retried later with a growing delay;
nothing here raises to the caller, so a mail failure never undoes what it reports.
"""
from __future__ import annotations

import re
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from app import clock
from app.db import database_outage, unit_of_work
from app.extensions import db, socketio
from app.outages import first_line
from app.tickets.models import OutboxMail
from app.tickets.qr import qr_png

#: How long a claimed mail is not due again: time enough to send it, after which a
#: process that died while sending leaves it to the next round.
CLAIM = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(minutes=30)
BATCH = 50
#: Headers RFC 2047, bodies quoted-printable or base64: any server relays Chinese text as sent.
POLICY = SMTP.clone(cte_type="7bit")
#: The key of a management link (`?key=…`, app.tickets.manage_keys): a log is no place for it.
_MANAGE_KEY = re.compile(r"([?&]key=)[\w-]+")


@dataclass
class DeliveryReport:
    """What one round did."""

    sent: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.failed


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling after each one, at most 30 min."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 6), LAST_RETRY)


def deliver_due(*, now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Send the mails that are due, oldest first; failures wait for their retry, never raise."""
    now = now or clock.now()
    report = DeliveryReport()
    try:
        mails = _claim(now, limit)
        if not mails:
            return report
        if current_app.config["MAIL_SERVER"]:
            _send_smtp(mails, now, report)
        else:
            _send_to_log(mails, now, report)
    except (OperationalError, InterfaceError) as error:  # the database is away: one warning an outage
        database_outage.failed(first_line(error))
    except Exception:  # a bug: the next round tries again
        current_app.logger.exception("Mail delivery stopped; the next round will try again")
    return report


class _Courier:
    """One delivery task at a time per process: a rush of registrations wakes it once, and
    what they queued meanwhile goes in its next round (a batch of mails, one claim), instead
    of one task, and two more write transactions, per registration."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running = False
        self._again = False

    def wake(self, app: Flask) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        socketio.start_background_task(self._run, app)

    def _run(self, app: Flask) -> None:
        try:
            while True:
                with app.app_context():
                    deliver_due()
                with self._lock:
                    if not self._again:
                        self._running = False
                        return
                    self._again = False
        except BaseException:
            with self._lock:
                self._running = False
            raise


_courier = _Courier()


def deliver_soon() -> None:
    """Deliver in a background task what was just committed: no request waits for SMTP.

    Under TESTING nothing starts (like Flask-Mail's MAIL_SUPPRESS_SEND): tests call
    deliver_due themselves, so no task outlives its test.
    """
    if not current_app.testing:
        _courier.wake(current_app._get_current_object())


def run_forever(app: Flask, interval: float = 15) -> None:
    """The server process's retry loop: a round every `interval` seconds, at once after a full batch."""
    while True:
        with app.app_context():
            report = deliver_due()
        socketio.sleep(0 if report.attempted == BATCH else interval)


def _claim(now: datetime, limit: int) -> list[OutboxMail]:
    with unit_of_work():
        mails = db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id).limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)).all()
        for mail in mails:
            mail.next_attempt_at = now + CLAIM
    return mails


def _send_to_log(mails: list[OutboxMail], now: datetime, report: DeliveryReport) -> None:
    for mail in mails:
        # A warning, so that it shows in the server's console at the default log level.
        current_app.logger.warning("MAIL_SERVER is not set; mail to %s logged instead of sent "
                                   "(management keys left out).\nSubject: %s\n\n%s", mail.to, mail.subject,
                                   _MANAGE_KEY.sub(r"\1…", mail.text_body))
        _record(mail, now, report)


def _send_smtp(mails: list[OutboxMail], now: datetime, report: DeliveryReport) -> None:
    try:
        connection = _connect()
    except Exception as error:  # no server, refused, TLS or login failed
        for mail in mails:
            _record(mail, now, report, error)
        return
    with connection:
        for position, mail in enumerate(mails):
            message = _message(mail)
            try:
                connection.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as refused:
                _record(mail, now, report, refused)  # refused by the server: the next may still go
            except Exception as error:  # the connection broke: every mail left waits for a retry
                for left in mails[position:]:
                    _record(left, now, report, error)
                return
            else:
                _record(mail, now, report)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except Exception:
        connection.close()
        raise
    return connection


def _message(mail: OutboxMail) -> EmailMessage:
    """Text and HTML alternatives; the HTML's ticket QR codes inline (cid:qr-<code>)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "backlot.local"
    message = EmailMessage(policy=POLICY)
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.to
    message["Date"] = format_datetime(clock.local(clock.real_now()))
    # The same on every attempt, so a mail that did go twice shows as one in the inbox.
    message["Message-ID"] = f"<outbox-{mail.id}-{int(mail.created_at.timestamp())}@{domain}>"
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    html = message.get_body(preferencelist=("html",))
    for code, url in mail.qr_codes.items():
        html.add_related(qr_png(url), "image", "png", cid=f"<qr-{code}>",
                         disposition="inline", filename=f"ticket-{code}.png")
    return message


def _record(mail: OutboxMail, now: datetime, report: DeliveryReport, error: Exception | None = None) -> None:
    """One attempt's outcome: sent, or the next attempt after the backoff delay."""
    with unit_of_work():
        mail.attempts += 1
        if error is None:
            mail.sent_at, mail.last_error = now, None
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
            mail.last_error = f"{type(error).__name__}: {error}"[:200]
    if error is None:
        report.sent += 1
    else:
        report.failed += 1
