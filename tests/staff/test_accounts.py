"""Staff accounts and tokens, as plain services (no HTTP), plus `backlot staff add`."""
import pytest
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.staff import audit, services
from app.staff.models import ApiToken, AuditEntry, StaffMember


def test_add_staff_stores_only_hashes_and_records_it(app):
    credentials = services.add_staff("Gate-1@Example.org", "gate", name="Gate one")

    member = db.session.scalars(select(StaffMember)).one()
    token = db.session.scalars(select(ApiToken)).one()
    assert member.email == "gate-1@example.org"
    assert credentials.password not in member.password_hash
    assert member.password_hash.startswith("scrypt:")
    assert token.token_hash == services.hash_token(credentials.token) != credentials.token
    assert len(credentials.token) >= 40
    [entry] = audit.search()
    assert (entry.action, entry.target_id, entry.actor_id) == ("staff.add", member.id, None)


def test_password_and_token_authenticate_until_disabled(app):
    admin = services.add_staff("admin@example.org", "admin").member
    credentials = services.add_staff("kiosk-1@devices.local", "kiosk")

    assert services.authenticate_password("KIOSK-1@devices.local", credentials.password) == credentials.member
    assert services.authenticate_password("kiosk-1@devices.local", "wrong") is None
    assert services.authenticate_password("nobody@example.org", credentials.password) is None
    assert services.authenticate_token(credentials.token) == credentials.member
    assert services.authenticate_token(credentials.token + "x") is None

    services.set_active(credentials.member, False, actor=admin)

    assert services.authenticate_password("kiosk-1@devices.local", credentials.password) is None
    assert services.authenticate_token(credentials.token) is None
    assert audit.search(action="staff.disable")[0].actor_id == admin.id


def test_revoked_token_stops_working_and_others_go_on(app):
    admin = services.add_staff("admin@example.org", "admin").member
    first = services.add_staff("display-1@devices.local", "display")
    second = services.issue_token(first.member, actor=admin)
    first_row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == services.hash_token(first.token))).one()

    services.revoke_token(first_row.id, actor=admin)
    services.revoke_token(first_row.id, actor=admin)  # repeating is harmless

    assert services.authenticate_token(first.token) is None
    assert services.authenticate_token(second.token) == first.member
    assert len(audit.search(action="token.revoke")) == 1


def test_reissued_password_replaces_the_old_one(app):
    credentials = services.add_staff("mod@example.org", "moderator")
    version = credentials.member.session_version

    new = services.reissue_password(credentials.member, actor=None)

    assert services.authenticate_password("mod@example.org", credentials.password) is None
    assert services.authenticate_password("mod@example.org", new.password) == credentials.member
    assert credentials.member.session_version == version + 1


@pytest.mark.parametrize("email,role,field", [
    ("not-an-email", "gate", "email"),
    ("a@b.org", "superuser", "role"),
])
def test_bad_account_input_is_refused_by_field(app, email, role, field):
    with pytest.raises(ValidationFailed) as refused:
        services.add_staff(email, role)
    assert field in refused.value.fields
    assert db.session.scalars(select(StaffMember)).all() == []


def test_duplicate_email_is_refused_and_nothing_is_half_written(app):
    services.add_staff("jury@example.org", "jury")
    with pytest.raises(DomainError) as refused:
        services.add_staff("JURY@example.org", "jury")
    assert refused.value.code == "email_taken"
    assert db.session.query(StaffMember).count() == 1
    assert db.session.query(AuditEntry).count() == 1


def test_admin_cannot_disable_themselves(app):
    admin = services.add_staff("admin@example.org", "admin").member
    with pytest.raises(DomainError) as refused:
        services.set_active(admin, False, actor=admin)
    assert refused.value.code == "cannot_disable_self"


def test_cli_staff_add_prints_password_and_token_last(app, runner):
    result = runner.invoke(args=["staff", "add", "kiosk-2@devices.local", "--role", "kiosk",
                                 "--name", "Kiosk two"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("token: ")
    password = next(line.split(": ", 1)[1] for line in lines if line.startswith("password: "))
    member = services.authenticate_password("kiosk-2@devices.local", password)
    assert member is not None and member.name == "Kiosk two" and member.role == "kiosk"
    assert services.authenticate_token(lines[-1].removeprefix("token: ")) == member


def test_cli_staff_add_refuses_a_taken_email(app, runner):
    runner.invoke(args=["staff", "add", "gate@example.org", "--role", "gate"])
    result = runner.invoke(args=["staff", "add", "gate@example.org", "--role", "gate"])
    assert result.exit_code != 0
    assert "already exists" in result.output
