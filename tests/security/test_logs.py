"""Secrets never reach the log: `backlot serve` (its access log, the app's log, mails logged for
want of MAIL_SERVER) after a sign-in, API calls with a bearer token and a session, registrations
through the API and the form, and the ticket pages with their management links."""
from __future__ import annotations

import re
import sqlite3
import time

import requests

from tests.live import server_environment, serving
from tests.security.conftest import Site
from tests.staff.conftest import csrf_from


def copy_database(site: Site, target) -> None:
    """The site's seeded database, accounts and all (SQLite's backup: WAL content included)."""
    source = site.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)


def wait_for(log, text: str, seconds: float = 10) -> str:
    """The log once it holds `text` (mails go out in the background)."""
    deadline = time.monotonic() + seconds
    while text not in (content := log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return content


def test_no_secret_is_written_to_the_log(site, tmp_path):
    copy_database(site, tmp_path / "backlot.sqlite3")
    log = tmp_path / "server.log"
    env = server_environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'backlot.sqlite3'}")
    email, password, token = site.credentials["admin"]
    bearer = {"Authorization": f"Bearer {token}"}
    with serving(env, log) as base:
        browser = requests.Session()
        login = f"{base}/staff/login"
        assert browser.post(login, allow_redirects=False, data={
            "email": email, "password": password,
            "csrf_token": csrf_from(browser.get(login).text)}).status_code == 302
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(f"{base}/staff").text).group(1)
        opened = browser.post(f"{base}/api/v1/rounds/999999/open", headers={"X-CSRFToken": csrf})
        assert opened.status_code == 404
        assert requests.get(f"{base}/api/v1/staff/me", headers=bearer).status_code == 200
        assert requests.get(f"{base}/api/v1/audit?day=2026-06-14", headers=bearer).status_code == 200

        registered = requests.post(f"{base}/api/v1/registrations", json={
            "name": "Lin", "email": "lin@example.org", "days": ["2026-06-14"], "sessions": [],
            "locale": "en", "consent": True}).json()
        ticket = registered["ticket"]
        assert requests.get(ticket["manage_url"]).status_code == 200
        assert requests.get(ticket["url"]).status_code == 200
        assert requests.delete(f"{base}/api/v1/tickets/{ticket['code']}/sessions/999999",
                               headers={"X-Manage-Key": ticket["manage_key"]}).status_code == 404
        form = requests.Session()
        answer = form.post(f"{base}/register", data={
            "csrf_token": csrf_from(form.get(f"{base}/register").text), "name": "Wei",
            "email": "wei@example.org", "days": "2026-06-14", "consent": "y"})
        assert answer.status_code == 200 and "/t/" in answer.url, answer.text[:500]
        content = wait_for(log, "wei@example.org")

    secrets = {"password": password, "token": token, "session cookie": browser.cookies["session"],
               "manage key (API)": ticket["manage_key"],
               "manage key (form)": re.search(r"[?&]key=([\w-]+)", answer.url).group(1)}
    assert f"/t/{ticket['code']}" in content, "the access log is empty: nothing was checked"
    assert "wei@example.org" in content, "no mail was logged: nothing was checked"
    leaked = [name for name, secret in secrets.items() if secret in content]
    assert not leaked, f"in the server's log: {leaked}"
