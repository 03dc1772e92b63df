"""Who may do what: every route and method against every role and no role, through the session
cookie (pages and API, with X-CSRFToken) and through bearer tokens (API).

Expected access is what each view declares (its roles, or @public); a route declaring
nothing fails. No credential: 401 on the API, the sign-in page on staff pages; a role not
allowed: 403; an allowed one: anything but 401/403 (a 404 for a row that does not exist is fine).
"""
from __future__ import annotations

import pytest

from app.api.openapi import DOCUMENT
from app.staff.auth import PUBLIC
from tests.security.conftest import CALLERS, Caller
from tests.security.routes import Operation, operations


def to_sign_in(response) -> bool:
    """Sent to sign in first (and back here after), as Flask-Login does; not a view's own redirect."""
    return response.status_code == 302 and "/staff/login?next=" in response.headers["Location"]


def error_code(response) -> str | None:
    body = response.get_json(silent=True)
    return body["error"]["code"] if isinstance(body, dict) and "error" in body else None


def mismatch(operation: Operation, caller: Caller, response) -> str | None:
    """What is wrong with the answer `caller` got, or None."""
    status = response.status_code
    if operation.allows(caller.role):
        refused = status in (401, 403) or to_sign_in(response)
        return f"allowed, but answered {status}" if refused else None
    if caller.role is None:  # no credential, or a wrong one
        if operation.is_api:
            ok = status == 401 and error_code(response) == "unauthorized"
        else:
            ok = to_sign_in(response)
        return None if ok else f"no credential, but answered {status} (expected 401 or sign-in)"
    ok = status == 403 and (not operation.is_api or error_code(response) == "forbidden")
    return None if ok else f"role not allowed, but answered {status} (expected 403)"


def test_every_route_declares_who_may_use_it(site):
    undeclared = [str(operation) for operation in operations(site.app) if operation.access is None]
    assert not undeclared, "declare roles (roles_required, api_roles) or @public on: " + ", ".join(undeclared)


@pytest.mark.parametrize("name", CALLERS)
def test_access_matrix(site, answers, name):
    caller = site.callers()[name]
    wrong = [f"{operation}: {problem}" for operation, response in answers[name]
             if (problem := mismatch(operation, caller, response))]
    assert not wrong, f"{name}:\n" + "\n".join(wrong)
    assert len(answers[name]) >= 40


def test_a_session_cookie_alone_changes_nothing(site):
    """Without the CSRF token, a signed-in session's changes are refused (400 csrf_failed), on
    pages and on the staff API; the visitors' API (tickets, votes) takes no cookie credential."""
    checked, wrong = 0, []
    for operation in operations(site.app):
        if not operation.changes or (operation.is_api and operation.access == PUBLIC):
            continue
        for caller in [site.visitor, *site.sessions.values()]:
            if not operation.allows(caller.role):
                continue
            response = site.open(caller, operation.path(site.rows), operation.method, csrf=False)
            if response.status_code != 400 or (operation.is_api and error_code(response) != "csrf_failed"):
                wrong.append(f"{operation} as {caller.name}: {response.status_code}")
            checked += 1
    assert not wrong, "changed without a CSRF token:\n" + "\n".join(wrong)
    assert checked >= 30


def test_the_openapi_document_describes_each_api_route_and_its_credential(site):
    """Every API route is in the document, and its `security` matches the view: a staff route needs
    the bearer token, a public one has none or lists the empty (anonymous) alternative."""
    wrong = []
    api = [operation for operation in operations(site.app) if operation.is_api]
    for operation in api:
        documented = DOCUMENT["paths"].get(operation.openapi_path(), {}).get(operation.method.lower())
        if documented is None:
            wrong.append(f"{operation}: not in the OpenAPI document")
            continue
        security = documented.get("security", DOCUMENT.get("security", []))
        anonymous = not security or {} in security
        if anonymous != (operation.access == PUBLIC):
            wrong.append(f"{operation}: security {security} but the view allows {operation.access}")
    routes = {(operation.openapi_path(), operation.method.lower()) for operation in api}
    wrong += [f"{method.upper()} {path}: documented, but no such route"
              for path, item in DOCUMENT["paths"].items() for method in item
              if method in ("get", "put", "post", "delete", "patch") and (path, method) not in routes]
    assert not wrong, "\n".join(wrong)
