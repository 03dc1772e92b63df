"""One seeded site for the security tests, on SQLite (who may do what does not depend on the
database): the demo programme, an account of each role signed in through the real form, a
registration and a story, so that paths can name rows that exist.

Requests run outside any app context, each in its own, as in production.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from app.challenge import rounds
from app.extensions import db
from app.schedule.models import ExhibitionDay, Film, Slot, Venue
from app.staff.models import ROLES, ApiToken, StaffMember
from app.tickets.models import Registration, Ticket
from tests.conftest import make_app
from tests.security.routes import operations
from tests.staff.conftest import csrf_from, sign_in


@dataclass(frozen=True)
class Caller:
    """Who sends a request: a visitor, or a role through its session cookie or its bearer token."""

    name: str
    role: str | None = None
    cookie: str | None = None
    headers: dict = field(default_factory=dict)

    @property
    def uses_session(self) -> bool:
        return "Authorization" not in self.headers


BAD_TOKEN = Caller("a wrong token", headers={"Authorization": "Bearer blt_not-a-token"})
#: Every caller's name, as Site.callers() keys them (known before the site exists, for parametrize).
CALLERS = ["visitor", BAD_TOKEN.name, *(f"{role} {kind}" for role in ROLES for kind in ("session", "token"))]


@dataclass
class Site:
    app: Flask
    #: role → signed-in session caller / bearer caller, plus the anonymous visitor.
    sessions: dict[str, Caller]
    tokens: dict[str, Caller]
    visitor: Caller
    #: role → (email, password, token) of its account.
    credentials: dict[str, tuple[str, str, str]]
    #: path parameter name → a value that exists in the database.
    rows: dict[str, int | str]
    #: The seeded ticket's page opened with its management link (/t/<code>?key=…).
    manage_path: str

    def callers(self) -> dict[str, Caller]:
        """By name (CALLERS): the visitor, a wrong token, then each role by session and by token."""
        every = [self.visitor, BAD_TOKEN, *(caller for role in ROLES
                                            for caller in (self.sessions[role], self.tokens[role]))]
        return {caller.name: caller for caller in every}

    def open(self, caller: Caller, path: str, method: str = "GET", *, csrf: bool = True):
        """One request as `caller`, in a fresh client (a request never sees the one before)."""
        client = self.app.test_client()
        if caller.cookie:
            client.set_cookie("session", caller.cookie)
        headers = dict(caller.headers)
        if not csrf:
            headers.pop("X-CSRFToken", None)
        return client.open(path, method=method, headers=headers)


def _session_caller(app: Flask, name: str, role: str | None) -> tuple[Caller, tuple | None]:
    """Sign in through the form (a visitor only opens it); keep the session cookie and its CSRF token."""
    client = app.test_client()
    with app.app_context():
        issued = sign_in(client, role) if role else None
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    caller = Caller(name, role, client.get_cookie("session").value, {"X-CSRFToken": token})
    return caller, issued and (issued.member.email, issued.password, issued.token)


def _seed(site_app: Flask, credentials: dict, kiosk: Caller) -> tuple[dict[str, int | str], str]:
    """A registration and a story through the API; then one row of each kind the paths name, and
    the ticket's management link (path and query)."""
    client = site_app.test_client()
    answer = client.post("/api/v1/registrations", json={
        "name": "Lin Visitor", "email": "lin@example.org", "days": ["2026-06-14"], "sessions": [],
        "locale": "en", "consent": True})
    assert answer.status_code == 201, answer.get_json()
    with site_app.app_context():
        beats = ["A beat."] * rounds.open_round().beat_count
    story = client.post("/api/v1/stories", headers=kiosk.headers, json={
        "author": "Ada", "title": "A title", "logline": "A logline.", "beats": beats,
        "nonce": "security-story-1"})
    assert story.status_code == 201, story.get_json()
    with site_app.app_context():
        first = lambda model: db.session.scalars(select(model.id).order_by(model.id)).first()  # noqa: E731
        kiosk_member = db.session.scalars(select(StaffMember).where(
            StaffMember.email == credentials["kiosk"][0])).one()
        rows = {
            "slot_id": first(Slot), "session_id": first(Slot), "venue_id": first(Venue),
            "day_id": first(ExhibitionDay), "round_id": story.get_json()["round_id"],
            "story_id": story.get_json()["id"], "kiosk_id": kiosk_member.id,
            "member_id": kiosk_member.id, "token_id": first(ApiToken), "ticket_id": first(Ticket),
            "registration_id": first(Registration), "code": answer.get_json()["ticket"]["code"],
            "key": db.session.scalars(select(Film.key).order_by(Film.id)).first(), "beat": 0,
        }
    manage = urlsplit(answer.get_json()["ticket"]["manage_url"])
    return rows, f"{manage.path}?{manage.query}"


@pytest.fixture(scope="package")
def site(sqlite_template, tmp_path_factory) -> Site:
    folder = tmp_path_factory.mktemp("security-site")
    shutil.copyfile(sqlite_template, folder / "backlot.sqlite3")
    app = make_app(f"sqlite:///{folder / 'backlot.sqlite3'}", folder)
    with app.app_context():
        from seed.loader import DEFAULT_PROGRAMME, load_programme

        load_programme(DEFAULT_PROGRAMME)
    visitor, _ = _session_caller(app, "visitor", None)
    sessions, tokens, credentials = {}, {}, {}
    for role in ROLES:
        sessions[role], credentials[role] = _session_caller(app, f"{role} session", role)
        tokens[role] = Caller(f"{role} token", role, headers={
            "Authorization": f"Bearer {credentials[role][2]}"})
    rows, manage_path = _seed(app, credentials, tokens["kiosk"])
    yield Site(app, sessions, tokens, visitor, credentials, rows, manage_path)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="package")
def answers(site) -> dict[str, list]:
    """caller name → [(operation, response)] for every declared route; pages only by session (they
    read no bearer tokens). One walk that the access, CSP and cookie tests all read."""
    walked = {}
    for name, caller in site.callers().items():
        walked[name] = []
        for operation in operations(site.app):
            if operation.access is None or (not caller.uses_session and not operation.is_api):
                continue
            response = site.open(caller, operation.path(site.rows), operation.method)
            response.get_data()  # read now, while the request's app context is gone anyway
            walked[name].append((operation, response))
    return walked
