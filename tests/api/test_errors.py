"""The API's error bodies: status, snake_case code, a message in the asked language."""
from __future__ import annotations

import re

import pytest

from app.api.openapi import DOCUMENT
from app.extensions import db
from tests.api import assert_valid
from tests.builders import make_day

CJK = re.compile(r"[\u4e00-\u9fff]")
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}

#: (method, path, status, code) of one error of each kind the schedule API gives.
ERRORS = [
    ("GET", "/api/v1/no-such-thing", 404, "not_found"),
    ("POST", "/api/v1/schedule", 405, "method_not_allowed"),
    ("GET", "/api/v1/schedule?day=someday", 422, "validation_failed"),
    ("GET", "/api/v1/schedule", 503, "no_programme"),
]


def texts(error: dict) -> dict:
    """The human texts of an error body: its message and each field's message."""
    return {"message": error["message"],
            **{f"fields.{path}": text for path, text in error.get("fields", {}).items()}}


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing", headers=EN)

    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/schedule", headers=EN)

    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_422_carries_fields_keyed_by_path(client):
    make_day()

    response = client.get("/api/v1/schedule?day=someday&kind=party", headers=EN)

    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "validation_failed",
        "message": "Some fields need attention.",
        "fields": {"day": "Use a date in the form YYYY-MM-DD.",
                   "kind": "Use one of: premiere, open_set, workshop, ai_demo, challenge, talk."},
    }}


@pytest.fixture(params=ERRORS, ids=[code for *_, code in ERRORS])
def error_case(request, app):
    """One of ERRORS, with a programme loaded unless the error is its absence."""
    if request.param[-1] != "no_programme":
        make_day()
        db.session.commit()
    return request.param


def test_error_bodies_follow_the_document(client, error_case):
    method, path, status, code = error_case

    response = client.open(path, method=method, headers=EN)

    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert ("fields" in response.get_json()["error"]) == (status == 422)
    assert_valid(DOCUMENT, "Error", response.get_json())


def error_in(app, client, method: str, path: str, headers: dict) -> dict:
    """The error of one request in an app context of its own, as in production.

    flask-babel keeps the locale in `g`, and the `app` fixture's long-lived context
    would otherwise hand the first request's language to the next.
    """
    with app.app_context():
        return client.open(path, method=method, headers=headers).get_json()["error"]


def test_messages_follow_accept_language(app, client, error_case):
    method, path, _, code = error_case

    english = error_in(app, client, method, path, EN)
    chinese = error_in(app, client, method, path, ZH)

    assert chinese["code"] == english["code"] == code
    english, chinese = texts(english), texts(chinese)
    assert chinese.keys() == english.keys()
    for key, text in chinese.items():
        assert text != english[key] and CJK.search(text), f"{key}: {text!r} is not in Chinese"
