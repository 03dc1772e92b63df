"""The notices pages through the Flask test client, CSRF on: write, preview (nothing written), send
(Post/Redirect/Get, once), and who may use them."""
from __future__ import annotations

from datetime import date, time
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.tickets import services
from app.tickets.models import Notice, OutboxMail
from app.tickets.rules import RegistrationRequest
from tests.builders import make_day, make_slot
from tests.staff.conftest import csrf_from, page_csrf, sign_in

DAY = date(2026, 6, 14)


def register(email, locale, slot):
    services.register(RegistrationRequest(name="Visitor", email=email, days=[DAY], session_ids=[slot.id],
                                          locale=locale, consent=True))


@pytest.fixture
def client(app):
    """A browser asking for English pages (the staff console's default language is Chinese)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def slot(app):
    make_day(DAY)
    slot = make_slot(start=time(14), end=time(15), capacity=5, title="Storyboards")
    register("ann@example.org", "en", slot)
    register("li@example.org", "zh", slot)
    return slot


def fields(slot, **changes) -> dict:
    return {"scope": "session", "slot_id": str(slot.id), "day_id": "0", "subject_zh": "改到 B 厅",
            "subject_en": "Moved to Hall B", "body_zh": "第一段。\n\n<script>x</script>",
            "body_en": "First paragraph.\n\n<script>x</script>", **changes}


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Notice)),
            db.session.scalar(select(func.count()).where(OutboxMail.kind == "notice")))


class _SendForm(HTMLParser):
    """The inputs of the preview's send form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields, self._inside = {}, False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._inside = attributes.get("data-testid") == "notice-send"
        elif tag == "input" and self._inside:
            self.fields[attributes["name"]] = attributes.get("value", "")


def hidden_fields(html: str) -> dict:
    """The send form's fields, as the browser would post them back."""
    parser = _SendForm()
    parser.feed(html)
    return parser.fields


def test_admin_previews_then_sends_a_notice(slot, client):
    sign_in(client, "admin")
    page = client.get("/staff/notices")
    assert page.status_code == 200 and 'data-testid="notice-form"' in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))

    preview = client.post("/staff/notices/preview", data={**fields(slot), "csrf_token": token})

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert counts() == (0, 0)  # the preview writes nothing
    assert 'data-testid="notice-addresses">2<' in html
    assert 'data-testid="notice-subject-zh">AI BACKLOT：改到 B 厅<' in html
    assert 'data-testid="notice-subject-en">AI BACKLOT: Moved to Hall B<' in html
    assert "<script>x</script>" not in html  # the text and the iframe's srcdoc are escaped
    posted = hidden_fields(html)
    assert posted["body_en"] == "First paragraph.\n\n<script>x</script>" and posted["nonce"]

    sent = client.post("/staff/notices/send", data=posted)

    assert sent.status_code == 302 and sent.headers["Location"].endswith("/staff/notices")
    assert counts() == (1, 2)
    listing = client.get("/staff/notices").get_data(as_text=True)
    assert "Notice sent: 2 mails are on their way." in listing
    assert "Moved to Hall B" in listing and "admin@example.org" in listing
    # A second click on Send (or the form sent again) sends nothing again.
    assert client.post("/staff/notices/send", data=posted).status_code == 302
    assert counts() == (1, 2)


def test_the_pages_follow_the_staff_members_language(slot, client):
    sign_in(client, "admin")
    token = page_csrf(client, "/staff/notices")
    response = client.post("/staff/notices/preview", headers={"Accept-Language": "zh"},
                           data={**fields(slot, subject_zh=""), "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "预览" in html and "必填" in html


def test_a_draft_with_problems_comes_back_with_them_marked(slot, client):
    sign_in(client, "admin")
    token = page_csrf(client, "/staff/notices")

    response = client.post("/staff/notices/preview", data={**fields(slot, slot_id="0", body_en=""),
                                                             "csrf_token": token})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a session." in html and "Required." in html
    assert 'value="Moved to Hall B"' in html  # what was typed stays
    assert client.post("/staff/notices/send", data={**fields(slot, body_en=""), "csrf_token": token}
                       ).status_code == 422
    assert counts() == (0, 0)


def test_edit_from_the_preview_brings_the_draft_back_into_the_form(slot, client):
    sign_in(client, "admin")
    token = page_csrf(client, "/staff/notices")
    html = client.post("/staff/notices/preview", data={**fields(slot), "csrf_token": token}).get_data(as_text=True)

    edit = client.post("/staff/notices", data=hidden_fields(html))

    assert edit.status_code == 200
    assert 'value="Moved to Hall B"' in edit.get_data(as_text=True)
    assert counts() == (0, 0)


def test_without_the_csrf_token_nothing_is_sent(slot, client):
    sign_in(client, "admin")
    response = client.post("/staff/notices/send", data={**fields(slot), "nonce": "n1"})
    assert response.status_code == 400
    assert counts() == (0, 0)


@pytest.mark.parametrize("role", ["moderator", "gate", "jury", "kiosk", "display"])
def test_other_roles_are_refused(slot, client, role):
    sign_in(client, role)
    token = page_csrf(client, "/staff")
    assert client.get("/staff/notices").status_code == 403
    for path in ("/staff/notices/preview", "/staff/notices/send", "/staff/notices"):
        assert client.post(path, data={**fields(slot), "nonce": "n1", "csrf_token": token}).status_code == 403
    assert 'href="/staff/notices"' not in client.get("/staff").get_data(as_text=True)
    assert counts() == (0, 0)


def test_signed_out_visitors_are_sent_to_sign_in(slot, client):
    response = client.get("/staff/notices")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_the_navigation_links_admins_to_the_notices(slot, client):
    sign_in(client, "admin")
    assert 'href="/staff/notices"' in client.get("/staff").get_data(as_text=True)
