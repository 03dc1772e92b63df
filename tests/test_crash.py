"""A crash under load: `backlot serve` killed with -9 while registrations and check-ins pour in.

After the restart every request that was answered 2xx is in the database, and nothing is
half-written: every ticket has its day entry, the counters match the rows they count, no
scan or presence lacks its ticket. On SQLite (WAL) and on PostgreSQL.
"""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
import requests
from sqlalchemy import func, select

from app.checkin.models import DAY_ENTRY, Presence, Scan
from app.extensions import db
from app.schedule.models import ExhibitionDay, Slot
from app.tickets import rules, services
from app.tickets.models import DayEntry, Registration, Seat, Ticket
from tests.api.test_staff_api import bearer
from tests.conftest import DEMO_CLOCK, engine_for, make_app
from tests.live import crash, launch, server_environment
from tests.realtime.test_challenge_sockets import prepare, sqlite_instance

DAY = DEMO_CLOCK.date().isoformat()
#: Answers to wait for before the kill: the load is well under way, and far from over.
KILL_AFTER = 120
TIMEOUT = 10


def workshop_ids(database_url: str, instance) -> list[int]:
    """The sessions of the demo day that take bookings and start after the demo clock."""
    app = make_app(database_url, instance)
    with app.app_context():
        ids = list(db.session.scalars(select(Slot.id).join(ExhibitionDay).where(
            ExhibitionDay.date == date.fromisoformat(DAY), Slot.capacity.is_not(None),
            Slot.starts_at > DEMO_CLOCK)))
        db.session.remove()
        db.engine.dispose()
    return ids


def tickets_to_scan(database_url: str, instance, number: int) -> list[str]:
    """Tickets for the demo day, registered in this process (the check-in load scans them)."""
    app = make_app(database_url, instance)
    with app.app_context():
        codes = [services.register(rules.RegistrationRequest(
            name=f"Scanned {index}", email=f"scanned-{index}@example.org", days=[DEMO_CLOCK.date()],
            session_ids=[], locale="en", consent=True)).tickets[0].code for index in range(number)]
        db.session.remove()
        db.engine.dispose()
    return codes


class Load:
    """Threads sending registrations and check-ins until the server stops answering; every
    answer is kept with what was asked."""

    def __init__(self, base_url: str, gate_token: str, codes: list[str], sessions: list[int]):
        self.base_url, self.gate, self.codes, self.sessions = base_url, gate_token, codes, sessions
        self.registrations: list[dict] = []  # 201 bodies
        self.scans: list[tuple[str, dict]] = []  # (nonce, 200 body)
        self.failures: list[str] = []  # answers that were neither 2xx nor a refusal
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._register, args=(n,)) for n in range(3)]
        self.threads += [threading.Thread(target=self._scan) for _ in range(2)]

    @property
    def answered(self) -> int:
        return len(self.registrations) + len(self.scans)

    def _post(self, http: requests.Session, path: str, body: dict, **options):
        try:
            return http.post(f"{self.base_url}{path}", json=body, timeout=TIMEOUT, **options)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return None  # killed: this request may or may not have been committed

    def _register(self, worker: int) -> None:
        http = requests.Session()
        for index in range(10_000):
            body = {"name": f"Rush {worker}-{index}", "email": f"rush-{worker}-{index}@example.org",
                    "days": [DAY], "locale": "en", "consent": True,
                    "sessions": [self.sessions[index % len(self.sessions)]] if index % 2 else [],
                    "companions": [{"name": f"Friend {n}"} for n in range(index % 3)]}
            answer = self._post(http, "/api/v1/registrations", body)
            if answer is None:
                return
            with self._lock:
                if answer.status_code == 201:
                    self.registrations.append(answer.json())
                elif answer.status_code != 409:  # a full day is a refusal, not a failure
                    self.failures.append(f"{answer.status_code} {answer.text[:200]}")

    def _scan(self) -> None:
        http = requests.Session()
        for turn in range(10_000):
            code = self.codes[turn % len(self.codes)]
            # Both scanners go through the tickets in the same order, in, then out, then in again.
            direction = "out" if (turn // len(self.codes)) % 2 else "in"
            nonce = uuid.uuid4().hex
            answer = self._post(http, "/api/v1/checkins", {"scan": code, "gate": "A", "session_id": None,
                                                            "direction": direction, "nonce": nonce},
                                headers=bearer(self.gate))
            if answer is None:
                return
            with self._lock:
                if answer.status_code == 200:
                    self.scans.append((nonce, answer.json()))
                else:
                    self.failures.append(f"{answer.status_code} {answer.text[:200]}")


def count(connection, statement) -> int:
    return connection.execute(statement).scalar_one()


def assert_whole(database_url: str, load: Load) -> None:
    """Every answered request in the database, every counter equal to the rows it counts."""
    engine = engine_for(database_url)
    try:
        with engine.connect() as connection:
            codes = set(connection.execute(select(Ticket.code)).scalars())
            for answer in load.registrations:
                assert {answer["ticket"]["code"], *(t["code"] for t in answer["companions"])} <= codes
            answered_scans = dict(connection.execute(
                select(Scan.nonce, Scan.result).where(Scan.nonce.in_([nonce for nonce, _ in load.scans]))).all())
            assert answered_scans == {nonce: body["result"] for nonce, body in load.scans}

            assert count(connection, select(func.count()).select_from(Ticket).where(
                ~select(DayEntry).where(DayEntry.ticket_id == Ticket.id).exists())) == 0
            assert count(connection, select(func.count()).select_from(Registration).where(
                ~select(Ticket).where(Ticket.registration_id == Registration.id).exists())) == 0
            for day_id, taken, inside in connection.execute(
                    select(ExhibitionDay.id, ExhibitionDay.entries_taken, ExhibitionDay.inside_now)):
                assert taken == count(connection, select(func.count()).select_from(DayEntry).join(Ticket).where(
                    DayEntry.day_id == day_id, Ticket.status == "active"))
                assert inside == count(connection, select(func.count()).select_from(Presence).where(
                    Presence.day_id == day_id, Presence.slot_id == DAY_ENTRY, Presence.inside.is_(True)))
            for slot_id, taken in connection.execute(select(Slot.id, Slot.seats_taken)):
                assert taken == count(connection, select(func.count()).select_from(Seat).where(
                    Seat.slot_id == slot_id, Seat.status == "confirmed"))
            for orphan in (Presence, Scan):
                assert count(connection, select(func.count()).select_from(orphan).where(
                    orphan.ticket_id.is_not(None),
                    ~select(Ticket).where(Ticket.id == orphan.ticket_id).exists())) == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_under_load_loses_no_answer_and_leaves_nothing_half_written(backend, request, tmp_path):
    if backend == "sqlite":
        database_url = sqlite_instance(tmp_path, request.getfixturevalue("sqlite_template"))
        env = server_environment(tmp_path)  # the instance's own SQLite file, in WAL mode
    else:
        database_url = request.getfixturevalue("clean_postgres")
        env = server_environment(tmp_path, DATABASE_URL=database_url)
    gate = prepare(database_url, tmp_path, gate="gate")["gate"]
    codes = tickets_to_scan(database_url, tmp_path, 20)
    sessions = workshop_ids(database_url, tmp_path)

    process, base_url = launch(env, tmp_path / "before.log")
    load = Load(base_url, gate.token, codes, sessions)
    try:
        for thread in load.threads:
            thread.start()
        stop = time.monotonic() + 60
        while load.answered < KILL_AFTER and time.monotonic() < stop and process.poll() is None:
            time.sleep(0.02)
    finally:
        crash(process)
        for thread in load.threads:
            thread.join(timeout=TIMEOUT + 5)
    assert load.answered >= KILL_AFTER and not load.failures, load.failures[:5]
    assert any(body["result"] == "ok" for _, body in load.scans)

    # The app started again on the crashed database (what a restarted server opens; a second
    # `backlot serve` would cost seconds of start-up for the same requests).
    restarted = make_app(database_url, tmp_path)
    with restarted.app_context():
        client = restarted.test_client()
        for answer in load.registrations:
            ticket = client.get(f"/api/v1/tickets/{answer['ticket']['code']}").get_json()
            assert ticket["ticket"]["days"] == [DAY]
            assert [seat["id"] for seat in ticket["sessions"]] == [seat["id"] for seat in answer["sessions"]]
        db.session.remove()
        db.engine.dispose()
    assert_whole(database_url, load)
