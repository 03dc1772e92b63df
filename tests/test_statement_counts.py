"""The SQL statements of the hot paths, counted: a check-in, a registration and a vote.

Each is one request a crowd sends thousands of times a day; every statement is a round trip
(and, on SQLite under eventlet, time the whole process waits). These counts are what the
rules need today: a change that adds statements to one of them must lower the count here on
purpose. BEGIN and COMMIT are left out (they differ by driver); savepoints count.
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.staff import services as staff
from tests.api.test_staff_api import bearer
from tests.api.test_voting_api import stories, voter
from tests.builders import make_day, make_round
from tests.conftest import DEMO_CLOCK

#: Statements per request, on both databases unless said.
CHECK_IN_OK = 5  # the token, the ticket with its day entry, the upsert of its presence, the count inside, the log
CHECK_IN_REPEATED = 5  # the same, but the presence stays as it was and its first entry is read for the answer
CHECK_IN_UNKNOWN = 3  # the token, the lookup that finds no ticket, the log
#: The days, the email's tickets held, the day's places taken, the registration, its ticket, its
#: day entry, its confirmation mail; on PostgreSQL one more: the advisory lock on the email.
REGISTRATION = {"sqlite": 7, "postgresql": 8}
VOTE = 5  # the ticket with its entry today, the story with its round, the vote, the ballot's count, the votes


REQUEST_THREAD = "request"


def request_alone(call):
    """Make a request from a thread of its own, as a server does: outside the test's app context,
    so it gets a fresh session (no object the test loaded saves it a query)."""
    with ThreadPoolExecutor(1, thread_name_prefix=REQUEST_THREAD) as pool:
        return pool.submit(call).result()


@contextmanager
def statements():
    """The statements a request_alone sends to the database inside the block (BEGIN and COMMIT
    left out, and so is what background tasks, such as announcements, send meanwhile)."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, _parameters, _context, _many):
        if (threading.current_thread().name.startswith(REQUEST_THREAD)
                and statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT")):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def gate(app):
    return bearer(staff.add_staff("gate-1@devices.local", "gate").token)


def test_a_check_in(app, client, gate):
    make_day(DEMO_CLOCK.date())
    code = voter(checked_in=False)
    scan = {"scan": code, "gate": "North door", "session_id": None}
    client.post("/api/v1/checkins", json={**scan, "scan": voter(checked_in=False)}, headers=gate)  # warm

    def post(body: dict) -> str:
        return request_alone(lambda: client.post("/api/v1/checkins", json=body, headers=gate)).get_json()["result"]

    with statements() as first:
        assert post(scan) == "ok"
    with statements() as repeated:
        assert post(scan) == "already_checked_in"
    with statements() as unknown:
        assert post({**scan, "scan": "NoSuchTicketCode0000"}) == "unknown_ticket"

    assert len(first) == CHECK_IN_OK, first
    assert len(repeated) == CHECK_IN_REPEATED, repeated
    assert len(unknown) == CHECK_IN_UNKNOWN, unknown


def test_a_registration(app, client):
    make_day(DEMO_CLOCK.date())
    body = {"name": "Li Lei", "days": [DEMO_CLOCK.date().isoformat()], "sessions": [], "locale": "en",
            "consent": True}
    client.post("/api/v1/registrations", json={**body, "email": "warm@example.org"})

    with statements() as sent:
        answer = request_alone(lambda: client.post("/api/v1/registrations", json={**body, "email": "li@example.org"}))
        assert answer.status_code == 201

    assert len(sent) == REGISTRATION[db.engine.dialect.name], "\n".join(s[:300] for s in sent)


def test_a_vote(app, client):
    challenge_round = make_round()
    first, second = stories(challenge_round, 2)
    code = voter()
    client.post("/api/v1/votes", json={"ticket_code": code, "story_id": first.id})  # warm

    with statements() as sent:
        answer = request_alone(lambda: client.post("/api/v1/votes", json={"ticket_code": code, "story_id": second.id}))
        assert answer.status_code == 201

    assert len(sent) == VOTE, "\n".join(s[:300] for s in sent)
