"""Notices in a real browser: an admin writes one to a session's visitors, previews it and sends it;
each visitor's mail arrives at a real SMTP server (aiosmtpd), in the language that visitor chose."""
from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import seeded_environment, serve
from tests.e2e.public_pages import DAY
from tests.e2e.test_staff_console import sign_in
from tests.live import add_staff
from tests.tickets.smtp import SMTPServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mailing_server(tmp_path_factory, smtp):
    """A live server of its own whose mails go to the module's SMTP server; (url, environment)."""
    env = seeded_environment(tmp_path_factory.mktemp("notices-instance"))
    env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    with serve(env) as url:
        yield url, env


def register(url: str, session_id: int, locale: str) -> str:
    """A visitor booked on the session through the API; their email address."""
    address = f"{uuid.uuid4().hex[:10]}@example.org"
    answer = requests.post(f"{url}/api/v1/registrations", timeout=10, json={
        "name": f"Visitor {locale}", "email": address, "days": [DAY], "sessions": [session_id],
        "locale": locale, "consent": True})
    assert answer.status_code == 201, answer.text
    return address


def press_below_the_previews(page: Page, name: str) -> None:
    """Click a button under the sandboxed mail previews once the page has settled where it scrolled.

    Chromium runs a sandboxed iframe in a process of its own and routes a click by where the frames
    were last drawn: a click sent in the same instant as the scroll that brings the button into view
    lands in the preview above it instead (a person's click never comes that fast)."""
    button = page.get_by_role("button", name=name)
    button.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    button.click()


def test_an_admin_previews_and_sends_a_notice_and_each_visitor_gets_it_in_their_language(
        page: Page, mailing_server, smtp):
    url, env = mailing_server
    schedule = requests.get(f"{url}/api/v1/schedule", timeout=10).json()
    session = next(item for item in schedule["sessions"]
                   if item["bookable"] and item["starts_at"].startswith(DAY))
    visitors = {register(url, session["id"], "zh"): "zh", register(url, session["id"], "en"): "en"}
    tickets_mailed = len(smtp.wait_for(2))

    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sign_in(page, url, add_staff(env, "notices-admin@example.org", "admin"))
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices to visitors")
    page.get_by_label("Session", exact=True).select_option(str(session["id"]))
    page.get_by_label("Subject (Chinese)").fill("场地变更")
    page.get_by_label("Subject (English)").fill("A change of room")
    page.get_by_label("Message (Chinese)").fill("工作坊改在二号厅。\n\n请提前十分钟到场。")
    page.get_by_label("Message (English)").fill("The workshop moves to Hall 2.\n\nPlease come ten minutes early.")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview the notice")
    expect(page.get_by_test_id("notice-addresses")).to_have_text("2")
    expect(page.get_by_test_id("notice-subject-zh")).to_contain_text("场地变更")
    # Each preview looks as the mail will: its inline styles apply (allowed by their hashes alone).
    for locale, paragraph in (("zh", "工作坊改在二号厅。"), ("en", "The workshop moves to Hall 2.")):
        mail = page.get_by_test_id(f"notice-preview-{locale}").frame_locator("iframe")
        expect(mail.locator("body")).to_have_css("background-color", "rgb(241, 238, 233)")
        expect(mail.get_by_text("AI BACKLOT", exact=True)).to_have_css("color", "rgb(242, 181, 58)")
        expect(mail.get_by_text(paragraph)).to_be_visible()
    assert refused == []
    sent_form = page.get_by_test_id("notice-send").evaluate(
        "form => Object.fromEntries(new FormData(form))")
    press_below_the_previews(page, "Send to 2 addresses")

    expect(page.get_by_role("status").filter(has_text="Notice sent: 2 mails")).to_be_visible()
    expect(page.get_by_test_id("notices-sent")).to_contain_text("A change of room")
    notices = smtp.wait_for(tickets_mailed + 2)[tickets_mailed:]
    subjects = {"zh": "AI BACKLOT：场地变更", "en": "AI BACKLOT: A change of room"}
    assert {received.rcpt_tos[0]: received.message["Subject"] for received in notices} == {
        address: subjects[locale] for address, locale in visitors.items()}

    # The same preview sent again (a double tap, a resent form): its nonce mails nobody twice.
    again = page.request.post(f"{url}/staff/notices/send", form=sent_form)
    assert again.ok and "Notices to visitors" in again.text()
    page.reload()
    expect(page.get_by_test_id("notices-sent").locator("tbody tr")).to_have_count(1)
    assert len(smtp.received) == tickets_mailed + 2
