"""/vote on a phone in a real browser: prove a ticket (link, typed code, camera), vote, take back,
refusals in the visitor's language, and stories arriving live. Plus the page and its join QR
through the test client.

The live server is shared with the other browser tests: every ticket and story here is new,
and the stories go into the round the seeded programme has open (for votes too) at the demo clock.
"""
from __future__ import annotations

import re
import uuid

import pytest
import requests
import zxingcpp
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_scan import FAKE_CAMERA
from tests.live import StaffLogin, add_staff
from tests.tickets.test_console import rasterise

pytestmark = pytest.mark.e2e

DAY = "2026-06-14"
PHONE = {"width": 360, "height": 780}
TIMEOUT = 15_000


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def register(live_server: str) -> str:
    answer = requests.post(f"{live_server}/api/v1/registrations", timeout=10, json={
        "name": unique("Voter"), "email": f"{uuid.uuid4().hex[:10]}@example.org", "days": [DAY],
        "sessions": [], "locale": "en", "consent": True})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]["code"]


@pytest.fixture(scope="module")
def gate(live_server_env) -> StaffLogin:
    return add_staff(live_server_env, f"gate-{uuid.uuid4().hex[:8]}@devices.local", "gate")


def check_in(live_server: str, gate: StaffLogin, code: str) -> None:
    answer = requests.post(f"{live_server}/api/v1/checkins", timeout=10,
                           headers={"Authorization": f"Bearer {gate.token}"},
                           json={"scan": code, "gate": "North door", "session_id": None})
    assert answer.status_code == 200 and answer.json()["result"] == "ok", answer.text


def approved_story(live_server: str, kiosk: StaffLogin, moderator: StaffLogin, title: str) -> int:
    listing = requests.get(f"{live_server}/api/v1/rounds", timeout=10).json()
    [open_round] = [item for item in listing["rounds"] if item["id"] == listing["open_round_id"]]
    sent = requests.post(f"{live_server}/api/v1/stories", timeout=10,
                         headers={"Authorization": f"Bearer {kiosk.token}"},
                         json={"author": "Lin", "title": title, "logline": "A message arrives a day early.",
                               "beats": ["Tomorrow answers."] * open_round["beat_count"],
                               "nonce": uuid.uuid4().hex, "locale": "en"})
    assert sent.status_code == 201, sent.text
    story_id = sent.json()["id"]
    approved = requests.post(f"{live_server}/api/v1/stories/{story_id}/approve", timeout=10,
                             headers={"Authorization": f"Bearer {moderator.token}"})
    assert approved.status_code == 200, approved.text
    return story_id


def phone(browser: Browser, locale: str) -> Page:
    context = browser.new_context(viewport=PHONE, locale=locale, has_touch=True, is_mobile=True)
    context.add_init_script(FAKE_CAMERA)
    return context.new_page()


@pytest.fixture
def en_phone(browser: Browser):
    page = phone(browser, "en-GB")
    yield page
    page.context.close()


@pytest.fixture
def zh_phone(browser: Browser):
    page = phone(browser, "zh-CN")
    yield page
    page.context.close()


def card(page: Page, story_id: int):
    return page.locator(f'[data-stories] > li[data-story-id="{story_id}"]')


def test_vote_take_back_and_live_story(en_phone: Page, live_server, gate, kiosk, moderator, artifacts):
    page = en_phone
    first = approved_story(live_server, kiosk, moderator, unique("<b>Early</b> post"))
    second = approved_story(live_server, kiosk, moderator, unique("Night tram"))
    code = register(live_server)
    check_in(live_server, gate, code)

    page.goto(f"{live_server}/vote?code={code}&lang=en")
    expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left", timeout=TIMEOUT)
    assert "code=" not in page.url  # the credential leaves the address bar
    assert page.evaluate("localStorage.getItem('backlot.vote.ticket')") == code
    expect(page.locator("[data-live]")).to_have_attribute("data-state", "live", timeout=TIMEOUT)

    story = card(page, first)
    expect(story.locator(".story-card__title")).to_contain_text("<b>Early</b> post")  # text, not markup
    story.get_by_role("button", name="Vote").click()
    expect(page.get_by_test_id("votes-left")).to_have_text("2 of 3 votes left")
    expect(story).to_have_attribute("data-voted", "true")
    page.screenshot(path=str(artifacts / "vote-voted-en-360.png"), full_page=True)

    # Voting twice for one story is refused by the server: its own message.
    answer = requests.post(f"{live_server}/api/v1/votes", json={"ticket_code": code, "story_id": first},
                           headers={"Accept-Language": "en"}, timeout=10)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_voted"

    story.get_by_role("button", name="Take back").click()
    expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left")
    expect(story).to_have_attribute("data-voted", "false")

    # A story approved meanwhile appears without a reload.
    page.evaluate("window.sameDocument = true")
    late_title = unique("Late arrival")
    late = approved_story(live_server, kiosk, moderator, late_title)
    expect(card(page, late)).to_contain_text(late_title, timeout=TIMEOUT)
    # ... and one rejected afterwards goes.
    requests.post(f"{live_server}/api/v1/stories/{second}/reject", timeout=10,
                  headers={"Authorization": f"Bearer {moderator.token}"}, json={"reason": "test"})
    expect(card(page, second)).to_have_count(0, timeout=TIMEOUT)
    assert page.evaluate("window.sameDocument") is True
    expect(page.get_by_test_id("board")).to_be_visible()

    # The phone remembers the ticket; "use another ticket" forgets it.
    page.goto(f"{live_server}/vote")
    expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left", timeout=TIMEOUT)
    page.get_by_role("button", name="Use another ticket").click()
    expect(page.get_by_label("Ticket code")).to_be_visible()
    assert page.evaluate("localStorage.getItem('backlot.vote.ticket')") is None


def test_not_checked_in_is_refused_in_chinese(zh_phone: Page, live_server, kiosk, moderator, artifacts):
    page = zh_phone
    story_id = approved_story(live_server, kiosk, moderator, unique("Unchecked"))
    code = register(live_server)
    expected = requests.post(f"{live_server}/api/v1/votes", json={"ticket_code": code, "story_id": story_id},
                             headers={"Accept-Language": "zh"}, timeout=10).json()["error"]
    assert expected["code"] == "not_checked_in"

    page.goto(f"{live_server}/vote?code={code}")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.get_by_test_id("vote-banner")).to_be_visible(timeout=TIMEOUT)
    with page.expect_request(lambda request: request.method == "POST" and "/api/v1/votes" in request.url) as sent:
        card(page, story_id).locator("[data-vote]").click()
    assert sent.value.headers.get("accept-language") == "zh"
    message = page.get_by_test_id("vote-message")
    expect(message).to_have_attribute("data-code", "not_checked_in")
    expect(message.locator("[data-message-text]")).to_have_text(expected["message"])
    expect(message.locator("[data-message-hint]")).not_to_be_empty()
    expect(page.get_by_test_id("votes-left")).to_have_text(re.compile("3"))
    page.screenshot(path=str(artifacts / "vote-not-checked-in-zh-360.png"), full_page=True)


def test_typed_code_and_scanned_ticket(en_phone: Page, live_server, gate, kiosk, moderator, artifacts):
    page = en_phone
    approved_story(live_server, kiosk, moderator, unique("Typed"))
    typed, scanned = register(live_server), register(live_server)
    check_in(live_server, gate, typed)
    check_in(live_server, gate, scanned)

    page.goto(f"{live_server}/vote?lang=en")
    page.get_by_label("Ticket code").fill("nope-not-a-ticket-code-123")
    page.get_by_role("button", name="Use this ticket").click()
    expect(page.get_by_test_id("vote-message")).to_have_attribute("data-code", "ticket_not_found", timeout=TIMEOUT)
    expect(page.get_by_test_id("vote-message")).to_contain_text("We do not know this ticket")

    page.get_by_label("Ticket code").fill(typed)
    page.get_by_role("button", name="Use this ticket").click()
    expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left", timeout=TIMEOUT)
    assert page.evaluate("localStorage.getItem('backlot.vote.ticket')") == typed

    page.get_by_role("button", name="Use another ticket").click()
    page.get_by_role("button", name="Scan my ticket's QR code").click()
    expect(page.get_by_test_id("votes-left")).to_be_hidden()
    page.evaluate("url => window.__showTicket(url)", f"/t/{scanned}/qr.png")
    expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left", timeout=TIMEOUT)
    page.wait_for_function("code => localStorage.getItem('backlot.vote.ticket') === code", arg=scanned)
    page.screenshot(path=str(artifacts / "vote-scanned-en-360.png"), full_page=True)


def test_ticket_page_links_to_the_vote(en_phone: Page, live_server):
    code = register(live_server)
    page = en_phone
    page.goto(f"{live_server}/t/{code}?lang=en")
    page.get_by_test_id("vote-link").click()
    expect(page.get_by_test_id("votes-left")).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("localStorage.getItem('backlot.vote.ticket')") == code


@pytest.mark.parametrize(("lang", "heading"), [("en", "Vote in My Story"), ("zh", None)])
def test_vote_page_renders_in_both_languages(client, lang, heading):
    response = client.get(f"/vote?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert "data-vote-app" in html and "<script>" not in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if heading:
        assert heading in html


def test_vote_qr_decodes_to_the_vote_url(app, client):
    response = client.get("/vote/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    [code] = zxingcpp.read_barcodes(rasterise(response.get_data(as_text=True)))
    assert code.text == "http://localhost/vote"
    app.config["BACKLOT_BASE_URL"] = "https://backlot.example.org"
    [code] = zxingcpp.read_barcodes(rasterise(client.get("/vote/qr.svg").get_data(as_text=True)))
    assert code.text == "https://backlot.example.org/vote"
