"""Jury accounts: `backlot staff add --role jury --juror KEY`, `backlot staff add-jury`, and the
juror select of the console's Accounts page."""
import re

from sqlalchemy import select

from app.extensions import db
from app.schedule.models import JuryMember
from app.staff import services
from app.staff.models import StaffMember
from tests.staff.conftest import page_csrf

SEED_JURORS = ["huang-jianxin", "gong-bo", "mu-deyuan", "yu-baimei", "zhang-chiyu"]


def juror(key: str) -> JuryMember:
    return db.session.scalars(select(JuryMember).where(JuryMember.key == key)).one()


def account_of(key: str) -> StaffMember | None:
    return db.session.scalars(select(StaffMember).where(StaffMember.jury_member_id == juror(key).id)).first()


# --- backlot staff add ---

def test_add_with_juror_ties_the_account_and_keeps_the_contract(programme, runner):
    result = runner.invoke(args=["staff", "add", "chair@example.org", "--role", "jury", "--juror", "huang-jianxin"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("token: ")
    password = next(line.split(": ", 1)[1] for line in lines if line.startswith("password: "))
    member = services.authenticate_password("chair@example.org", password)
    assert member is not None and member.role == "jury"
    assert member.jury_member.key == "huang-jianxin"
    assert member.name == "Huang Jianxin"  # the juror's name unless --name says otherwise
    assert services.authenticate_token(lines[-1].removeprefix("token: ")) == member


def test_add_jury_without_juror_still_works(programme, runner):
    result = runner.invoke(args=["staff", "add", "guest-juror@example.org", "--role", "jury", "--name", "Guest"])

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("token: ")
    member = db.session.scalars(select(StaffMember).where(StaffMember.email == "guest-juror@example.org")).one()
    assert member.jury_member_id is None and member.name == "Guest"


def test_add_refuses_an_unknown_juror_another_role_and_a_second_account(programme, runner):
    unknown = runner.invoke(args=["staff", "add", "x@example.org", "--role", "jury", "--juror", "nobody"])
    assert unknown.exit_code != 0
    assert "nobody" in unknown.output and "huang-jianxin" in unknown.output

    wrong_role = runner.invoke(args=["staff", "add", "y@example.org", "--role", "gate", "--juror", "gong-bo"])
    assert wrong_role.exit_code != 0 and "jury" in wrong_role.output

    first = runner.invoke(args=["staff", "add", "gong@example.org", "--role", "jury", "--juror", "gong-bo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["staff", "add", "gong-2@example.org", "--role", "jury", "--juror", "gong-bo"])
    assert second.exit_code != 0
    assert "already has an account" in second.output
    assert db.session.scalars(select(StaffMember).where(StaffMember.email.in_(
        ["x@example.org", "y@example.org", "gong-2@example.org"]))).all() == []


# --- backlot staff add-jury ---

def test_add_jury_makes_one_account_per_juror_then_none(programme, runner):
    result = runner.invoke(args=["staff", "add-jury"])

    assert result.exit_code == 0, result.output
    output = result.output
    for key in SEED_JURORS:
        member = account_of(key)
        assert member is not None and member.role == "jury" and member.email == f"{key}@jury.local"
        block = re.search(rf"^{re.escape(member.email)}  (.+)\n  password: (\S+)\n  token: (\S+)$", output, re.M)
        assert block, output
        assert block.group(1) == member.name
        assert services.authenticate_password(member.email, block.group(2)) == member
        assert services.authenticate_token(block.group(3)) == member
    # The chair first, then the programme's order.
    assert [line.split()[0] for line in output.splitlines() if "@jury.local" in line] == \
        [f"{key}@jury.local" for key in SEED_JURORS]
    assert "Added 5 jury account(s)" in output

    again = runner.invoke(args=["staff", "add-jury"])
    assert again.exit_code == 0, again.output
    assert "none added" in again.output
    assert "password" not in again.output
    assert len(db.session.scalars(select(StaffMember).where(StaffMember.role == "jury")).all()) == 5


def test_add_jury_adds_only_the_missing_ones_with_a_domain(programme, runner):
    assert runner.invoke(args=["staff", "add", "chair@festival.example", "--role", "jury",
                               "--juror", "huang-jianxin"]).exit_code == 0

    result = runner.invoke(args=["staff", "add-jury", "--domain", "jury.siff.example"])

    assert result.exit_code == 0, result.output
    assert account_of("huang-jianxin").email == "chair@festival.example"
    assert "huang-jianxin@" not in result.output
    for key in SEED_JURORS[1:]:
        assert account_of(key).email == f"{key}@jury.siff.example"
    assert "Added 4 jury account(s); 1 juror(s) had one already." in result.output


def test_add_jury_without_a_programme_says_so(app, runner):
    result = runner.invoke(args=["staff", "add-jury"])
    assert result.exit_code != 0
    assert "backlot seed" in result.output


# --- The console's Accounts page ---

def test_the_accounts_page_offers_jurors_without_an_account(programme, admin_client):
    services.add_staff("gong@example.org", "jury", jury_member=juror("gong-bo"))
    page = admin_client.get("/staff/accounts?lang=en").get_data(as_text=True)

    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>',
                         page[page.index('name="jury_member"'):].split("</select>")[0])
    assert [name for _value, name in options] == ["— none —", "Huang Jianxin", "Mu Deyuan", "Yu Baimei", "Zhang Chiyu"]


def test_the_console_adds_a_jury_account_for_a_juror(programme, admin_client):
    token = page_csrf(admin_client, "/staff/accounts")
    response = admin_client.post("/staff/accounts?lang=en", data={
        "csrf_token": token, "email": "Mu@Example.org", "name": "", "role": "jury",
        "jury_member": str(juror("mu-deyuan").id)})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="issued-token"' in page
    member = account_of("mu-deyuan")
    assert member.email == "mu@example.org" and member.name == "Mu Deyuan" and member.role == "jury"
    # The juror is no longer offered.
    select_html = page[page.index('name="jury_member"'):].split("</select>")[0]
    assert "Mu Deyuan" not in select_html


def test_the_console_refuses_a_juror_for_another_role_or_one_taken(programme, admin_client):
    token = page_csrf(admin_client, "/staff/accounts")
    gong = juror("gong-bo")
    refused = admin_client.post("/staff/accounts?lang=en", data={
        "csrf_token": token, "email": "gate@example.org", "role": "gate", "jury_member": str(gong.id)})
    assert refused.status_code == 200
    assert "Only a jury account belongs to a juror." in refused.get_data(as_text=True)
    assert account_of("gong-bo") is None

    services.add_staff("gong@example.org", "jury", jury_member=gong)  # another admin, meanwhile
    taken = admin_client.post("/staff/accounts?lang=en", data={
        "csrf_token": token, "email": "gong-2@example.org", "role": "jury", "jury_member": str(gong.id)})
    text = taken.get_data(as_text=True)
    assert "This juror already has an account." in text
    assert 'data-testid="issued-token"' not in text
    assert account_of("gong-bo").email == "gong@example.org"


def test_the_console_adds_a_jury_account_without_juror(programme, admin_client):
    token = page_csrf(admin_client, "/staff/accounts")
    response = admin_client.post("/staff/accounts", data={
        "csrf_token": token, "email": "guest@example.org", "role": "jury", "jury_member": "0"})
    assert 'data-testid="issued-token"' in response.get_data(as_text=True)
    member = db.session.scalars(select(StaffMember).where(StaffMember.email == "guest@example.org")).one()
    assert member.jury_member_id is None


def test_a_juror_landing_on_the_console_goes_to_scoring(programme, client):
    from tests.staff.conftest import sign_in

    sign_in(client, "jury")
    response = client.get("/staff")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/jury")
    assert client.get("/staff", follow_redirects=True).request.path == "/jury"
