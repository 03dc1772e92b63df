"""Fixtures of the ticket tests: a real SMTP server (aiosmtpd) on 127.0.0.1."""
import pytest

from tests.tickets.smtp import BASE_URL, SMTPServer


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp):
    """The app, sending through the test's SMTP server."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT=5, BACKLOT_BASE_URL=BASE_URL)
    return app
