"""Fixtures for the staff console: accounts of each role, signed in through the real form."""
import re

import pytest

from app.staff import services


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, role: str, email: str | None = None):
    """Create an account of `role` and sign in with its password, CSRF token and all."""
    credentials = services.add_staff(email or f"{role}@example.org", role)
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/login", data={"email": credentials.member.email,
                                                 "password": credentials.password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return credentials


@pytest.fixture
def admin_client(app, client):
    sign_in(client, "admin")
    return client


def page_csrf(client, path: str = "/staff") -> str:
    """The CSRF token of the signed-in session, read from a page as a browser would."""
    return csrf_from(client.get(path).get_data(as_text=True))
