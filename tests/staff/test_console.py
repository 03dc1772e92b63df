"""The staff console through HTTP: sign-in, scheduling forms, accounts, audit, CSRF."""
from datetime import date, time

import pytest

from app.extensions import db
from app.schedule.models import Slot
from app.staff import audit, services
from tests.builders import make_day, make_slot, make_venue
from tests.staff.conftest import csrf_from, page_csrf, sign_in

DAY = date(2026, 6, 14)


def slot_form(venue, **changes) -> dict:
    return {"kind": "workshop", "title_zh": "AI 分镜工作坊", "title_en": "AI storyboard workshop",
            "description_zh": "", "description_en": "Draw with an AI co-pilot.", "venue_id": str(venue.id),
            "day": DAY.isoformat(), "starts": "15:00", "ends": "16:00", "capacity": "24",
            "film_id": "0", "checkin_opens_minutes": "30", "no_show_release_minutes": "10", **changes}


def test_sign_in_with_a_wrong_password_is_refused(app, client):
    services.add_staff("gate@example.org", "gate")
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/login?lang=en", data={"email": "gate@example.org", "password": "nope",
                                                 "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302


def test_sign_in_is_rate_limited_per_email_not_per_address(app, client):
    services.add_staff("gate@example.org", "gate")
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    attempt = {"email": "gate@example.org", "password": "guess", "csrf_token": token}
    codes = [client.post("/staff/login", data=attempt).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    # A colleague on the same venue Wi-Fi still signs in.
    sign_in(client, "moderator")


def test_a_form_post_without_csrf_token_changes_nothing(app, admin_client):
    make_day(DAY)
    venue = make_venue()
    response = admin_client.post("/staff/schedule/new?lang=en", data=slot_form(venue))
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert db.session.query(Slot).count() == 0
    assert audit.search(action="slot.") == []


def test_admin_adds_a_session_and_the_public_sees_it(app, admin_client):
    make_day(DAY)
    venue = make_venue("Workshop Room B")
    token = page_csrf(admin_client, "/staff/schedule/new")

    response = admin_client.post("/staff/schedule/new", data={**slot_form(venue), "csrf_token": token})

    assert response.status_code == 302
    [slot] = db.session.query(Slot).all()
    assert slot.title == {"zh": "AI 分镜工作坊", "en": "AI storyboard workshop"} and slot.capacity == 24
    schedule = admin_client.get("/api/v1/schedule").get_json()
    assert [s["title"]["en"] for s in schedule["sessions"]] == ["AI storyboard workshop"]
    assert schedule["sessions"][0]["starts_at"] == "2026-06-14T15:00:00+08:00"
    assert "AI storyboard workshop" in admin_client.get("/schedule?lang=en").get_data(as_text=True)
    assert audit.search(action="slot.create")[0].actor.email == "admin@example.org"


def test_overlap_is_refused_with_the_clash_named(app, admin_client):
    venue = make_venue("Studio 2")
    make_slot(venue=venue, start=time(14, 30), end=time(15, 30), title="Open set: Tri-Head")
    token = page_csrf(admin_client, "/staff/schedule/new")

    response = admin_client.post("/staff/schedule/new?lang=en", data={**slot_form(venue), "csrf_token": token})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Open set: Tri-Head" in page and "14:30" in page
    assert db.session.query(Slot).count() == 1


def test_end_before_start_is_shown_by_the_field(app, admin_client):
    make_day(DAY)
    venue = make_venue()
    token = page_csrf(admin_client, "/staff/schedule/new")
    response = admin_client.post("/staff/schedule/new?lang=en",
                                 data={**slot_form(venue, starts="16:00", ends="15:00"), "csrf_token": token})
    assert response.status_code == 422
    assert "The end must be after the start." in response.get_data(as_text=True)


def test_cancel_from_the_console(app, admin_client):
    slot = make_slot(title="Talk")
    token = page_csrf(admin_client, "/staff/schedule")
    response = admin_client.post(f"/staff/schedule/{slot.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).is_cancelled
    assert admin_client.get("/api/v1/schedule").get_json()["sessions"][0]["status"] == "cancelled"


def test_accounts_show_credentials_once_and_disable_ends_access(app, admin_client, client):
    token = page_csrf(admin_client, "/staff/accounts")
    page = admin_client.post("/staff/accounts", data={"email": "kiosk-9@devices.local", "role": "kiosk",
                                                      "name": "Kiosk 9", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert 'data-testid="issued-token"' in html
    member = next(m for m in services.list_staff() if m.email == "kiosk-9@devices.local")
    assert 'data-testid="issued-token"' not in admin_client.get("/staff/accounts").get_data(as_text=True)

    admin_client.post(f"/staff/accounts/{member.id}/disable", data={"csrf_token": token})

    assert not services.get_staff(member.id).active
    assert [e.action for e in audit.search(action="staff.")][:2] == ["staff.disable", "staff.add"]


def test_audit_log_filters_by_action(app, admin_client):
    make_slot(title="Seeded")
    services.add_staff("jury@example.org", "jury")
    page = admin_client.get("/staff/audit?action=staff.add").get_data(as_text=True)
    assert "jury@example.org" in page
    assert "signed in" not in page


def test_demo_clock_banner_on_staff_pages(app, admin_client):
    assert 'data-testid="demo-clock"' in admin_client.get("/staff").get_data(as_text=True)
    app.config["BACKLOT_CLOCK"] = None
    assert 'data-testid="demo-clock"' not in admin_client.get("/staff").get_data(as_text=True)


def test_security_headers(app, client):
    response = client.get("/staff/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(("role", "path"), [
    ("admin", "/staff/show?round_id={}"),
    ("jury", "/jury?round_id={}"),
    ("admin", "/staff/audit?actor={}"),
    (None, "/register?session={}"),
])
def test_an_id_past_the_database_range_in_a_staff_or_visitor_query_is_ignored(app, client, programme, role, path):
    """Read like any non-number: the page as without it (a number past SQLite's 64 bits was a 500)."""
    if role:
        sign_in(client, role)
    assert client.get(path.format(10**30)).status_code == 200
