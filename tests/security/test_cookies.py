"""Cookie flags: every cookie Backlot sets (the session, which also holds the CSRF token, and the
language) is HttpOnly and SameSite=Lax or Strict, and Secure once the public origin is HTTPS."""
from __future__ import annotations

import shutil
from http.cookies import SimpleCookie

import pytest

from app.extensions import db
from app.factory import create_app
from app.staff import services
from tests.conftest import DEMO_CLOCK
from tests.staff.conftest import csrf_from

HTTPS = "https://backlot.example.org"


def cookies_set(response) -> dict:
    """name → morsel of each Set-Cookie of the response."""
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return dict(jar)


def flag_problems(morsel, *, secure: bool) -> list[str]:
    problems = []
    if not morsel["httponly"]:
        problems.append("not HttpOnly")
    if morsel["samesite"].lower() not in ("lax", "strict"):
        problems.append(f"SameSite={morsel['samesite'] or 'unset'}")
    if secure and not morsel["secure"]:
        problems.append("not Secure")
    return [f"{morsel.key}: {problem}" for problem in problems]


@pytest.fixture
def https_app(sqlite_template, tmp_path):
    """The app as the hall runs it: BACKLOT_BASE_URL is an https:// origin."""
    shutil.copyfile(sqlite_template, tmp_path / "backlot.sqlite3")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "BACKLOT_CLOCK": DEMO_CLOCK,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'backlot.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path)},
                     environ={"BACKLOT_BASE_URL": HTTPS})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_every_cookie_of_the_walk_is_http_only_and_same_site(answers):
    seen, wrong = set(), []
    for walked in answers.values():
        for operation, response in walked:
            for name, morsel in cookies_set(response).items():
                seen.add(name)
                wrong += [f"{operation}: {problem}" for problem in flag_problems(morsel, secure=False)]
    assert not wrong, "\n".join(sorted(set(wrong)))
    assert "session" in seen


def test_behind_https_sign_in_and_language_cookies_are_secure(https_app):
    issued = services.add_staff("admin@example.org", "admin")
    client = https_app.test_client()
    form = client.get("/staff/login", base_url=HTTPS)
    signed_in = client.post("/staff/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/staff/login"}, data={
        "email": issued.member.email, "password": issued.password,
        "csrf_token": csrf_from(form.get_data(as_text=True))})
    assert signed_in.status_code == 302
    language = client.get("/lang/en?next=/", base_url=HTTPS)
    cookies = {**cookies_set(form), **cookies_set(signed_in), **cookies_set(language)}
    assert set(cookies) == {"session", "lang"}, "no remember-me or other cookie expected"
    assert [problem for morsel in cookies.values() for problem in flag_problems(morsel, secure=True)] == []
