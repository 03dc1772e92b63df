"""Mails through a real SMTP server on loopback: content in each language, inline QR codes that
scan, retries after a failure, no double sends, the log without MAIL_SERVER, the CLI and the server."""
from __future__ import annotations

import io
import re
import time as timer
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta
from threading import Barrier

import PIL.Image
import pytest
import requests
import zxingcpp
from babel.messages.extract import extract_from_file
from babel.support import Translations
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app import clock
from app.config import ConfigError, from_environment
from app.db import unit_of_work
from app.extensions import db
from app.tickets import lookup, manage_keys, notify, outbox, services
from app.tickets.links import ticket_url
from app.tickets.models import OutboxMail, Registration, Ticket
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.conftest import ROOT, make_app
from tests.live import backlot, server_environment, serving
from tests.tickets.smtp import BASE_URL

DAY = date(2026, 6, 14)


def ask(email: str, *, locale: str = "zh", name: str = "李雷", days=(DAY,), sessions=(), companions=()):
    return RegistrationRequest(name=name, email=email, days=list(days), session_ids=list(sessions),
                               locale=locale, consent=True, companions=list(companions))


def in_language(locale: str, text: str, **values) -> str:
    with force_locale(locale):
        return gettext(text, **values)


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def inline_qr_codes(message) -> dict[str, str]:
    """Content-ID of each inline PNG → the text zxing-cpp reads from it."""
    found = {}
    for part in message.walk():
        if part.get_content_type() == "image/png":
            assert part.get_content_disposition() == "inline"
            [code] = zxingcpp.read_barcodes(PIL.Image.open(io.BytesIO(part.get_content())))
            found[part["Content-ID"]] = code.text
    return found


def reread() -> None:
    db.session.rollback()
    db.session.expire_all()


@pytest.mark.parametrize("locale,greeting", [("zh", "李雷，你好："), ("en", "Hello 李雷,")])
def test_confirmation_mail_in_the_visitors_language_with_a_qr_code_per_person(mail_app, smtp, locale, greeting):
    workshop = make_slot(start=time(14), end=time(15), capacity=1, title="Prompting")
    registration = services.register(ask("li@example.org", locale=locale, sessions=[workshop.id],
                                         companions=["王小明"]))
    urls = {f"<qr-{ticket.code}>": ticket_url(ticket.code) for ticket in registration.tickets}

    report = outbox.deliver_due()

    assert (report.sent, report.failed) == (1, 0)
    [received] = smtp.received
    message = received.message
    assert received.rcpt_tos == ["li@example.org"] and message["To"] == "li@example.org"
    assert message["From"] == "AI BACKLOT <tickets@backlot.local>" and message["Message-ID"]
    assert message["Subject"] == in_language(locale, "Your AI BACKLOT tickets")
    text, html = bodies(message)
    assert greeting in text and "王小明" in text and "王小明" in html
    assert all(url.startswith(f"{BASE_URL}/t/") and url in text and url in html for url in urls.values())
    # Each person's management link, with the key issued for them; the QR codes below stay without it.
    for ticket in registration.tickets:
        managed = f"{ticket_url(ticket.code)}?key={ticket.manage_key}"
        assert managed in text and f'href="{managed}"' in html
    # Each person's sessions with their status, in the visitor's language.
    assert workshop.title[locale] in text and workshop.title[locale] in html
    assert in_language(locale, "Confirmed") in html
    assert in_language(locale, "Waiting list, place %(position)d", position=1) in text
    # Text and HTML alternatives; the HTML with its QR codes, each one scanning to its ticket page.
    assert message.get_content_type() == "multipart/alternative"
    related = message.get_body(("related",))
    assert [part.get_content_type() for part in related.iter_parts()] == ["text/html", "image/png", "image/png"]
    assert inline_qr_codes(message) == urls
    assert all(f'src="cid:{cid.strip("<>")}"' in html for cid in urls)
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.sent_at is not None and mail.attempts == 1 and mail.last_error is None


def test_promotion_mail_after_a_cancellation(mail_app, smtp):
    workshop = make_slot(start=time(14), end=time(15), capacity=1, title="Prompting")
    first = services.register(ask("ann@example.org", locale="en", name="Ann", sessions=[workshop.id])).tickets[0]
    waiting = services.register(ask("wang@example.org", name="王小明", sessions=[workshop.id])).tickets[0]
    assert outbox.deliver_due().sent == 2
    smtp.received.clear()

    services.cancel_seat(first, workshop.id)
    outbox.deliver_due()

    [received] = smtp.received
    assert received.rcpt_tos == ["wang@example.org"]
    assert received.message["Subject"] == in_language("zh", "A place came free: you are in")
    text, html = bodies(received.message)
    assert "王小明，好消息：" in text and "Prompting（中）" in text and "已确认" in text
    assert ticket_url(waiting.code) in text and ticket_url(waiting.code) in html


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_schedule_change_and_cancellation_mails_in_each_language(mail_app, smtp, locale):
    workshop = make_slot(start=time(14), end=time(15), capacity=5, title="Prompting")
    ticket = services.register(ask("li@example.org", locale=locale, name="<i>Li</i>",
                                   sessions=[workshop.id])).tickets[0]
    with unit_of_work():
        notify.schedule_change([ticket.seats[0]], cancelled=True)
    services.cancel_ticket(ticket)

    assert outbox.deliver_due().sent == 3

    confirmation, change, cancellation = (received.message for received in smtp.received)  # oldest first
    assert confirmation["Subject"] == in_language(locale, "Your AI BACKLOT tickets")
    assert change["Subject"] == in_language(locale, "Cancelled: %(title)s", title=workshop.title[locale])
    text, html = bodies(change)
    assert in_language(locale, "We are sorry: this session is cancelled.") in text
    assert workshop.title[locale] in html and ticket_url(ticket.code) in html
    assert "<i>Li</i>" in text and "&lt;i&gt;Li&lt;/i&gt;" in html and "<i>Li" not in html
    assert cancellation["Subject"] == in_language(locale, "Your AI BACKLOT ticket is cancelled")
    assert in_language(locale, "Hello %(name)s,", name="<i>Li</i>") in bodies(cancellation)[0]


def test_find_my_ticket_mail_lists_the_active_tickets_of_the_email(mail_app, smtp):
    make_day(DAY)
    make_day(date(2026, 6, 15))
    first = services.register(ask("li@example.org", companions=["Han Meimei"]))
    cancelled = services.register(ask("li@example.org", days=[date(2026, 6, 15)])).tickets[0]
    services.cancel_ticket(cancelled)
    outbox.deliver_due()
    smtp.received.clear()
    mailed_first = {ticket.id: ticket.manage_key for ticket in first.tickets}

    lookup.send_ticket_links(" LI@example.org ", locale="en")
    lookup.send_ticket_links("nobody@example.org", locale="en")
    outbox.deliver_due()

    [received] = smtp.received
    assert received.rcpt_tos == ["li@example.org"]
    assert received.message["Subject"] == "Your AI BACKLOT ticket links"
    text, html = bodies(received.message)
    assert all(ticket_url(ticket.code) in text and ticket_url(ticket.code) in html for ticket in first.tickets)
    assert "Han Meimei" in text and ticket_url(cancelled.code) not in text
    # Each ticket's renewal link (a fresh key for whoever opens it); asking changed no key.
    reread()
    for held in first.tickets:
        renewal = re.search(rf"{re.escape(ticket_url(held.code))}/manage\?token=([\w.-]+)", text).group(0)
        assert f'href="{renewal}"' in html
        ticket = db.session.get(Ticket, held.id)
        assert manage_keys.matches(ticket, mailed_first[ticket.id])
        manage_keys.check_renewal(ticket, renewal.rsplit("=", 1)[1])  # it works (else a 410)


def test_retry_delay_doubles_up_to_thirty_minutes():
    assert [outbox.retry_delay(attempts).total_seconds() for attempts in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1800, 1800, 1800]


def test_a_mail_failure_never_loses_the_registration_and_the_retry_sends_it_once(mail_app, smtp):
    smtp.stop()
    make_day(DAY)
    registration = services.register(ask("li@example.org"))
    start = clock.now()

    report = outbox.deliver_due(now=start)

    assert (report.sent, report.failed) == (0, 1)
    reread()
    assert db.session.get(Registration, registration.id).tickets[0].is_active
    mail = db.session.scalars(select(OutboxMail)).one()
    assert (mail.sent_at, mail.attempts, mail.next_attempt_at) == (None, 1, start + timedelta(seconds=30))
    assert "Connection" in mail.last_error

    # Still down at the retry: the next one waits twice as long.
    assert outbox.deliver_due(now=start + timedelta(seconds=31)).failed == 1
    reread()
    mail = db.session.scalars(select(OutboxMail)).one()
    assert (mail.attempts, mail.next_attempt_at) == (2, start + timedelta(seconds=91))

    smtp.start()
    assert outbox.deliver_due(now=start + timedelta(seconds=90)).attempted == 0
    assert smtp.received == []
    assert outbox.deliver_due(now=start + timedelta(seconds=92)).sent == 1
    assert outbox.deliver_due(now=start + timedelta(hours=1)).attempted == 0
    [received] = smtp.received
    assert received.rcpt_tos == ["li@example.org"]
    reread()
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.sent_at is not None and mail.attempts == 3 and mail.last_error is None


def test_a_refused_recipient_fails_alone(mail_app, smtp):
    make_day(DAY)
    for email in ("gone@example.org", "li@example.org"):
        services.register(ask(email))
    smtp.refused.add("gone@example.org")

    report = outbox.deliver_due()

    assert (report.sent, report.failed) == (1, 1)
    assert [received.rcpt_tos for received in smtp.received] == [["li@example.org"]]
    refused = db.session.scalars(select(OutboxMail).where(OutboxMail.to == "gone@example.org")).one()
    assert refused.sent_at is None and refused.attempts == 1 and "550" in refused.last_error


def test_two_deliveries_at_once_send_each_mail_once(mail_app, smtp):
    make_day(DAY)
    for index in range(6):
        services.register(ask(f"v{index}@example.org", locale="en", name=f"Visitor {index}"))
    smtp.delay = 0.1  # a slow server: one delivery claims while the other is still sending
    together = Barrier(2)

    def deliver(_) -> int:
        with mail_app.app_context():
            together.wait()
            sent = 0
            while (report := outbox.deliver_due(limit=2)).attempted:
                sent += report.sent
            return sent

    reread()
    with ThreadPoolExecutor(max_workers=2) as pool:
        sent = list(pool.map(deliver, range(2)))

    assert sum(sent) == 6
    assert sorted(received.rcpt_tos[0] for received in smtp.received) == [f"v{i}@example.org" for i in range(6)]
    assert len({received.message["Message-ID"] for received in smtp.received}) == 6
    reread()
    assert [(mail.attempts, mail.sent_at is not None) for mail in db.session.scalars(select(OutboxMail))] == [
        (1, True)] * 6


def test_without_mail_server_the_mail_goes_to_the_log(app, caplog):
    assert app.config["MAIL_SERVER"] is None
    make_day(DAY)
    ticket = services.register(ask("li@example.org", locale="en", name="Li Lei")).tickets[0]

    assert outbox.deliver_due().sent == 1

    assert "li@example.org" in caplog.text and "Your AI BACKLOT tickets" in caplog.text
    assert "Hello Li Lei," in caplog.text and ticket_url(ticket.code) in caplog.text
    assert db.session.scalars(select(OutboxMail)).one().sent_at is not None
    assert outbox.deliver_due().attempted == 0


def test_mail_send_command_delivers_what_is_due_and_prints_the_count(mail_app, smtp, runner):
    make_day(DAY)
    for index in range(3):
        services.register(ask(f"v{index}@example.org"))

    assert runner.invoke(args=["mail", "send"]).output == "3 mail(s) sent, 0 failed.\n"
    assert len(smtp.received) == 3
    assert runner.invoke(args=["mail", "send"]).output == "0 mail(s) sent, 0 failed.\n"


def test_a_registration_does_not_wait_for_smtp(db_url, tmp_path, smtp):
    """Outside TESTING, the commit starts a background delivery: a slow server delays nobody."""
    smtp.delay = 2.0
    app = make_app(db_url, tmp_path, TESTING=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                   BACKLOT_BASE_URL=BASE_URL)
    with app.app_context():
        make_day(DAY)
        started = timer.monotonic()
        response = app.test_client().post("/api/v1/registrations", json={
            "name": "Li Lei", "email": "li@example.org", "days": [DAY.isoformat()], "sessions": [],
            "locale": "en", "consent": True})
        assert response.status_code == 201 and timer.monotonic() - started < 1.5
        [received] = smtp.wait_for(1)
        assert inline_qr_codes(received.message) == {
            f"<qr-{response.json['ticket']['code']}>": response.json["ticket"]["url"]}
        deadline = timer.monotonic() + 10
        while db.session.scalars(select(OutboxMail.sent_at)).one() is None and timer.monotonic() < deadline:
            reread()
            timer.sleep(0.05)
        assert db.session.scalars(select(OutboxMail.sent_at)).one() is not None
        db.session.remove()
        db.engine.dispose()


def test_a_rush_of_registrations_is_mailed_in_batches_each_mail_once(db_url, tmp_path, smtp):
    """Twelve registrations while the server is slow: one delivery task at a time takes what
    queued meanwhile as a batch (a few SMTP sessions, not one a registration)."""
    smtp.delay = 0.3
    app = make_app(db_url, tmp_path, TESTING=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                   BACKLOT_BASE_URL=BASE_URL)
    with app.app_context():
        make_day(DAY)
        client = app.test_client()
        for number in range(12):
            assert client.post("/api/v1/registrations", json={
                "name": f"Visitor {number}", "email": f"v{number}@example.org", "days": [DAY.isoformat()],
                "sessions": [], "locale": "en", "consent": True}).status_code == 201
        received = smtp.wait_for(12)
        timer.sleep(0.5)  # a mail sent twice would come in now
        db.session.remove()
        db.engine.dispose()
    assert sorted(mail.rcpt_tos[0] for mail in smtp.received) == sorted(f"v{n}@example.org" for n in range(12))
    assert len(received) == 12 and smtp.sessions <= 4


def test_the_server_process_sends_queued_mail_and_new_registrations(tmp_path, smtp):
    """`backlot serve` (eventlet): its retry loop sends what was queued before it started, and a
    registration's mail goes out while the server keeps answering."""
    env = server_environment(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), BACKLOT_BASE_URL=BASE_URL)
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    earlier = make_app(f"sqlite:///{tmp_path / 'backlot.sqlite3'}", tmp_path, BACKLOT_BASE_URL=BASE_URL)
    with earlier.app_context():
        services.register(ask("early@example.org", locale="en", name="Early"))
        db.engine.dispose()

    with serving(env, tmp_path / "server.log") as base_url:
        [queued] = smtp.wait_for(1)
        response = requests.post(f"{base_url}/api/v1/registrations", timeout=10, json={
            "name": "王小明", "email": "wang@example.org", "days": [DAY.isoformat()], "sessions": [],
            "locale": "zh", "consent": True})
        assert response.status_code == 201
        _, new = smtp.wait_for(2)

    assert queued.rcpt_tos == ["early@example.org"] and new.rcpt_tos == ["wang@example.org"]
    ticket = response.json()["ticket"]
    assert inline_qr_codes(new.message) == {f"<qr-{ticket['code']}>": ticket["url"]}
    assert ticket["url"] in bodies(new.message)[0]


def test_mail_settings_from_the_environment(tmp_path):
    def settings(**environ):
        return from_environment(tmp_path, {"SECRET_KEY": "x", **environ})

    assert settings()["MAIL_SERVER"] is None
    assert settings(MAIL_SERVER="smtp.example.org")["MAIL_PORT"] == 25
    assert settings(MAIL_TIMEOUT="0")["MAIL_TIMEOUT"] == 1
    assert settings(MAIL_USE_TLS="true")["MAIL_PORT"] == 587
    assert settings(MAIL_USE_SSL="1")["MAIL_PORT"] == 465
    for bad in ({"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"},
                {"MAIL_USE_TLS": "maybe"}, {"MAIL_PORT": "smtp"}):
        with pytest.raises(ConfigError):
            settings(**bad)


def test_every_string_of_the_mails_has_a_zh_translation():
    catalogue = Translations.load(str(ROOT / "app" / "translations"), ["zh"])
    missing = sorted({message for path in (ROOT / "templates" / "mail").iterdir()
                      for _, message, _, _ in extract_from_file("jinja2", str(path))
                      if catalogue.gettext(message) == message})
    assert missing == []


def test_links_in_mail_take_the_requests_origin_without_a_base_url(app, client):
    """Mails are sent in the background: the QR's URL is fixed while the request is there."""
    make_day(DAY)
    response = client.post("/api/v1/registrations", base_url="https://hall.example",
                           json={"name": "Li", "email": "li@example.org", "days": [DAY.isoformat()],
                                 "consent": True})
    code = response.get_json()["ticket"]["code"]
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert mail.qr_codes == {code: f"https://hall.example/t/{code}"}
    assert f"https://hall.example/t/{code}" in mail.text_body
