"""My Story's staff pages in a real browser: the live moderation queue, auto-approve, pausing a kiosk.

Stories come in as a kiosk sends them, through the HTTP API with a kiosk token, into the
round the seeded programme has open at the demo clock. The live server is shared with the
other browser tests, so every story and account here has a name of its own, and every
switch flipped is flipped back.
"""
from __future__ import annotations

import base64
import io
import re
import uuid

import pytest
import requests
from PIL import Image
from playwright.sync_api import Page, expect

from tests.live import StaffLogin, csrf_token, signed_in

pytestmark = pytest.mark.e2e

#: Socket.IO push + the card's fetch: generous, it is a real server on a busy machine.
LIVE_TIMEOUT = 10_000


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def staff_api(live_server, live_admin):
    """Another member of staff working at the same time: the JSON API with a signed-in session."""
    browser = signed_in(live_server, live_admin)
    browser.headers.update({"X-CSRFToken": csrf_token(browser, f"{live_server}/staff"), "Accept-Language": "en"})
    return browser


def sign_in(page: Page, live_server: str, login: StaffLogin) -> None:
    """Through the real sign-in form, in English."""
    page.goto(f"{live_server}/lang/en?next=/staff/login")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff")


def open_queue(page: Page, live_server: str, login: StaffLogin) -> None:
    sign_in(page, live_server, login)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Stories").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stories")
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live")


def png_data_url() -> str:
    picture = io.BytesIO()
    Image.new("RGB", (80, 45), "white").save(picture, "PNG")
    return "data:image/png;base64," + base64.b64encode(picture.getvalue()).decode()


def send_story(live_server: str, kiosk: StaffLogin, title: str, *, beat: str = "Tomorrow answers.",
               drawn: bool = False) -> dict:
    """A story as the kiosk sends it, fitted to the round open now: the API's answer."""
    listing = requests.get(f"{live_server}/api/v1/rounds", timeout=10).json()
    [open_round] = [item for item in listing["rounds"] if item["id"] == listing["open_round_id"]]
    beats = [beat] * open_round["beat_count"]
    body = {"author": "Lin", "title": title, "logline": "A message arrives a day early.", "beats": beats,
            "nonce": uuid.uuid4().hex, "locale": "en"}
    if drawn:
        body["frames"] = [png_data_url()] + [None] * (len(beats) - 1)
    answer = requests.post(f"{live_server}/api/v1/stories", json=body, timeout=10,
                           headers={"Authorization": f"Bearer {kiosk.token}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def story_ids(page: Page) -> list[int]:
    return page.locator("[data-story-queue] > li").evaluate_all("cards => cards.map(c => +c.dataset.storyId)")


def test_stories_come_in_live_and_one_tap_approves(page: Page, live_server: str, moderator: StaffLogin,
                                                   kiosk: StaffLogin, staff_api: requests.Session):
    open_queue(page, live_server, moderator)
    page.evaluate("window.sameDocument = true")
    queue = page.get_by_test_id("story-queue")

    plain_title = unique("<b>Tomorrow</b>")
    plain = send_story(live_server, kiosk, plain_title)
    flagged = send_story(live_server, kiosk, unique("Early post"), beat="Oh shit, it speaks.")

    plain_card = queue.locator("li", has_text=plain_title)
    expect(plain_card).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(plain_card.locator(".story-card__title")).to_have_text(plain_title)  # text, not markup
    flagged_card = queue.locator(f'[data-story-id="{flagged["id"]}"]')
    expect(flagged_card).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(flagged_card.locator("mark").first).to_have_text("shit")
    ids = story_ids(page)
    assert ids.index(flagged["id"]) < ids.index(plain["id"])  # flagged on top

    plain_card.get_by_role("button", name="Approve").click()
    expect(plain_card).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="is approved")).to_contain_text(plain_title)
    story = staff_api.get(f"{live_server}/api/v1/stories/{plain['id']}").json()
    assert story["status"] == "approved" and story["moderated_by_id"] is not None

    # Another moderator's decision shows at once.
    staff_api.post(f"{live_server}/api/v1/stories/{flagged['id']}/reject", json={"reason": "Rude"})
    expect(flagged_card).to_have_count(0, timeout=LIVE_TIMEOUT)
    expect(page.get_by_role("status").filter(has_text="was rejected meanwhile")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True  # all in place, never reloaded


def test_auto_approve_takes_only_unflagged_stories_without_drawings(page: Page, live_server: str,
                                                                    moderator: StaffLogin, kiosk: StaffLogin,
                                                                    staff_api: requests.Session):
    settings = f"{live_server}/api/v1/challenge/settings"
    open_queue(page, live_server, moderator)
    switch = page.get_by_role("switch", name="Auto-approve")
    expect(switch).not_to_be_checked()
    expect(page.locator("#auto-approve-hint")).to_contain_text("Only unflagged stories without drawings")
    try:
        switch.click()
        expect(page.get_by_role("status").filter(has_text="Auto-approve is on.")).to_be_visible()
        assert staff_api.get(settings).json() == {"auto_approve": True}

        assert send_story(live_server, kiosk, unique("Plain words"))["status"] == "approved"
        drawn_title = unique("Drawn at dawn")
        assert send_story(live_server, kiosk, drawn_title, drawn=True)["status"] == "pending"
        drawn_card = page.get_by_test_id("story-queue").locator("li", has_text=drawn_title)
        expect(drawn_card).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(drawn_card.get_by_role("img", name="Drawing for beat 1")).to_be_visible()

        switch.click()
        expect(page.get_by_role("status").filter(has_text="Auto-approve is off")).to_be_visible()
        assert staff_api.get(settings).json() == {"auto_approve": False}
    finally:
        staff_api.put(settings, json={"auto_approve": False})


def test_pausing_a_kiosk_from_the_screens_page(page: Page, live_server: str, moderator: StaffLogin,
                                               kiosk: StaffLogin, staff_api: requests.Session):
    kiosks = f"{live_server}/api/v1/kiosks"
    name = kiosk.email.split("@")[0]

    def listed() -> dict:
        return next(item for item in staff_api.get(kiosks).json()["kiosks"] if item["name"] == name)

    sign_in(page, live_server, moderator)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Displays & kiosks").click()
    row = page.get_by_test_id("kiosks").locator("tr", has_text=kiosk.email)
    expect(row).to_contain_text("Running")

    row.get_by_label(re.compile("^Message on")).fill("Back at 14:00")
    row.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status").filter(has_text="is paused.")).to_be_visible()
    expect(row).to_contain_text("Paused")
    expect(row).to_contain_text("Back at 14:00")
    assert (listed()["paused"], listed()["message"]) == (True, "Back at 14:00")

    row.get_by_role("button", name="Resume").click()
    expect(row).to_contain_text("Running")
    assert listed()["paused"] is False

    # A pause from elsewhere shows without a reload.
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live")
    page.evaluate("window.sameDocument = true")
    try:
        staff_api.post(f"{kiosks}/{listed()['id']}/pause", json={"message": "Paper jam"})
        expect(row).to_contain_text("Paper jam", timeout=LIVE_TIMEOUT)
        assert page.evaluate("window.sameDocument") is True
    finally:
        staff_api.post(f"{kiosks}/{listed()['id']}/resume")
