"""Every staff page and API endpoint names its roles, and refuses everyone else."""
import re

import pytest

from app.staff.models import ROLES
from tests.staff.conftest import page_csrf, sign_in

#: Open to everyone: the sign-in page itself.
PUBLIC_STAFF_ENDPOINTS = {"staff.login"}


def guarded_rules(app):
    """(rule, method, allowed roles) for each route whose view names its roles."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if roles is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, roles


def concrete(rule) -> str:
    """A URL for the rule: 1 for ids, the first choice of `any(...)`."""
    path = re.sub(r"<int:[^>]+>", "1", rule.rule)
    return re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)


def test_every_staff_route_names_its_roles(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff") and rule.endpoint not in PUBLIC_STAFF_ENDPOINTS:
            assert hasattr(app.view_functions[rule.endpoint], "allowed_roles"), rule.rule


def test_visitors_are_sent_to_sign_in_or_refused(app, client):
    # A valid CSRF token, so that what answers is the role check and not CSRF protection.
    headers = {"X-CSRFToken": page_csrf(client, "/staff/login")}
    checked = 0
    for rule, method, _roles in guarded_rules(app):
        response = client.open(concrete(rule), method=method, headers=headers)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (method, rule.rule)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (method, rule.rule)
            assert "/staff/login" in response.headers["Location"]
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("role", ROLES)
def test_other_roles_get_403(app, client, role):
    sign_in(client, role)
    headers = {"X-CSRFToken": page_csrf(client)}
    for rule, method, roles in guarded_rules(app):
        if role in roles:
            continue
        response = client.open(concrete(rule), method=method, headers=headers)
        assert response.status_code == 403, (role, method, rule.rule)
