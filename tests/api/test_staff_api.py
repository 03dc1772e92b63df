"""Token and session authentication of the staff API: 401 without, 403 for other roles."""
import pytest

from app.staff import services
from tests.api import assert_valid
from tests.builders import make_slot
from tests.staff.conftest import sign_in


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_device_token_says_who_it_is(app, client):
    kiosk = services.add_staff("kiosk-1@devices.local", "kiosk")
    response = client.get("/api/v1/staff/me", headers=bearer(kiosk.token))
    assert response.status_code == 200
    assert response.get_json() == {"id": kiosk.member.id, "email": "kiosk-1@devices.local",
                                   "name": "kiosk-1", "role": "kiosk"}
    assert_valid(client.get("/api/v1/openapi.json").get_json(), "StaffMember", response.get_json())


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer "])
def test_no_or_a_bad_credential_is_401(app, client, header):
    response = client.get("/api/v1/staff/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_disabled_account_are_401(app, client):
    admin = services.add_staff("admin@example.org", "admin").member
    display = services.add_staff("display-1@devices.local", "display")
    spare = services.issue_token(display.member, actor=admin)
    services.revoke_token(display.member.tokens[-1].id, actor=admin)

    assert client.get("/api/v1/staff/me", headers=bearer(display.token)).status_code == 401
    assert client.get("/api/v1/staff/me", headers=bearer(spare.token)).status_code == 200
    services.set_active(display.member, False, actor=admin)
    assert client.get("/api/v1/staff/me", headers=bearer(spare.token)).status_code == 401


@pytest.mark.parametrize("role", ["gate", "moderator", "jury", "kiosk", "display"])
def test_audit_api_is_admin_only(app, client, role):
    other = services.add_staff(f"{role}@example.org", role)
    response = client.get("/api/v1/audit", headers=bearer(other.token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_audit_api_lists_changes_newest_first(app, client):
    admin = services.add_staff("admin@example.org", "admin")
    services.add_staff("gate@example.org", "gate", actor=admin.member)
    make_slot(title="Untracked builder row")

    body = client.get("/api/v1/audit?action=staff.add",
                      headers={**bearer(admin.token), "Accept-Language": "en"}).get_json()

    assert [entry["summary"] for entry in body["entries"]] == [
        "Added gate@example.org as Gate staff", "Added admin@example.org as Admin"]
    in_chinese = client.get("/api/v1/audit?action=staff.add", headers={**bearer(admin.token), "Accept-Language": "zh"})
    assert [entry["summary"] for entry in in_chinese.get_json()["entries"]] == [
        "添加了 gate@example.org，角色：检票员", "添加了 admin@example.org，角色：管理员"]
    assert body["entries"][0]["actor"]["email"] == "admin@example.org"
    assert_valid(client.get("/api/v1/openapi.json").get_json(), "AuditLog", body)
    bad = client.get("/api/v1/audit?day=June", headers=bearer(admin.token))
    assert bad.status_code == 422 and "day" in bad.get_json()["error"]["fields"]


def test_the_signed_in_session_works_too(app, client):
    sign_in(client, "jury")
    assert client.get("/api/v1/staff/me").get_json()["role"] == "jury"
