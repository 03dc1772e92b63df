"""/staff/show in a real browser, on a phone (390×844): a moderator by the stage freezes the board,
reveals it place by place (a double tap shows one place, not two), and undoes the reveal.

The live server is shared with the other browser tests: the stories here have names of their own,
the number of places is read from the page, and the round, the displays and the board are put
back as they were at the end.
"""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.test_moderation import send_story, sign_in
from tests.live import StaffLogin, csrf_token, signed_in

pytestmark = pytest.mark.e2e

#: Socket.IO push + the page's fetch: generous, it is a real server on a busy machine.
LIVE_TIMEOUT = 10_000


@pytest.fixture
def browser_context_args(browser_context_args):
    """A phone held in one hand."""
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
            "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def staff_api(live_server, live_admin):
    browser = signed_in(live_server, live_admin)
    browser.headers.update({"X-CSRFToken": csrf_token(browser, f"{live_server}/staff"), "Accept-Language": "en"})
    return browser


@pytest.fixture
def stories(live_server, kiosk, staff_api) -> list[dict]:
    """Three approved stories in the round open now (the one the show picks by default)."""
    sent = []
    for _ in range(3):
        title = f"Show {uuid.uuid4().hex[:8]}"
        story = send_story(live_server, kiosk, title)
        answer = staff_api.post(f"{live_server}/api/v1/stories/{story['id']}/approve")
        assert answer.status_code == 200, answer.text
        sent.append({**story, "title": title})
    return sent


@pytest.fixture
def put_back(live_server, staff_api):
    """The default display mode, the board and the reveal of the round as they were."""
    displays = staff_api.get(f"{live_server}/api/v1/displays").json()["default"]
    board = staff_api.get(f"{live_server}/api/v1/leaderboard").json()
    yield
    round_id = board["round"]["id"]
    staff_api.post(f"{live_server}/api/v1/rounds/{round_id}/reveal/reset")
    if not board["frozen"]:
        staff_api.post(f"{live_server}/api/v1/rounds/{round_id}/unfreeze")
    staff_api.put(f"{live_server}/api/v1/displays",
                  json={"mode": displays["mode"], "story_id": displays["spotlight_story_id"]})


def places_of(page: Page) -> int:
    progress = page.get_by_test_id("reveal-progress").inner_text()
    return int(re.search(r"(\d+) places", progress).group(1))


def test_a_moderator_freezes_reveals_place_by_place_and_undoes(page: Page, live_server: str, moderator: StaffLogin,
                                                               stories: list[dict], staff_api: requests.Session,
                                                               put_back, artifacts):
    sign_in(page, live_server, moderator)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Show")
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT)
    page.evaluate("window.sameDocument = true")
    live_board = page.get_by_test_id("live-board")
    for story in stories:
        expect(live_board.get_by_text(story["title"])).to_be_visible()
    expect(page.get_by_test_id("frozen-banner")).to_be_hidden()
    places = places_of(page)
    assert places >= 3
    expect(page.get_by_test_id("reveal-progress")).to_have_text(f"Not begun · {places} places")

    # Thumb-sized: every control is at least 64 px tall and fits the phone's width.
    for test_id in ("open-voting", "close-voting", "freeze", "unfreeze", "reveal-next", "undo-reveal"):
        box = page.get_by_test_id(test_id).bounding_box()
        assert box["height"] >= 64 and box["x"] >= 0 and box["x"] + box["width"] <= 390, test_id

    page.get_by_test_id("freeze").tap()
    banner = page.get_by_test_id("frozen-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("FROZEN")
    expect(page.get_by_test_id("board-state")).to_have_text("❄ Frozen")
    expect(page.get_by_test_id("show")).to_have_class(re.compile(r"\bshow--frozen\b"))
    expect(page.get_by_test_id("public-board").get_by_text("❄ Frozen")).to_be_visible()
    expect(page.get_by_test_id("freeze")).to_be_disabled()
    expect(page.get_by_test_id("unfreeze")).to_be_enabled()
    assert staff_api.get(f"{live_server}/api/v1/leaderboard").json()["frozen"] is True
    assert page.title().startswith("❄ FROZEN")

    page.get_by_test_id("reveal-next").tap()
    expect(page.get_by_test_id("reveal-progress")).to_have_text(f"Revealed 1 of {places} places")
    expect(page.get_by_test_id("public-board").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("reveal-next")).to_contain_text(f"Next: place {places - 1}")

    # A double tap shows one more place, not two.
    page.get_by_test_id("reveal-next").dblclick()
    expect(page.get_by_test_id("reveal-progress")).to_have_text(f"Revealed 2 of {places} places")
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("reveal-progress")).to_have_text(f"Revealed 2 of {places} places")
    assert staff_api.get(f"{live_server}/api/v1/leaderboard").json()["revealed"] == 2
    expect(page.get_by_test_id("public-board").locator("tbody tr")).to_have_count(2)
    expect(banner).to_be_visible()  # still frozen, whatever the reveal does
    page.screenshot(path=str(artifacts / "show-phone-frozen-reveal.png"), full_page=True)
    page.get_by_test_id("public-board").scroll_into_view_if_needed()
    expect(banner).to_be_in_viewport()  # the banner stays on screen while scrolling

    # Undo asks first: saying no changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("undo-reveal").tap()
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("reveal-progress")).to_have_text(f"Revealed 2 of {places} places")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("undo-reveal").tap()
    expect(page.get_by_test_id("reveal-progress")).to_have_text(re.compile(r"^Not begun · \d+ places$"))
    expect(page.get_by_test_id("undo-reveal")).to_be_disabled()
    assert staff_api.get(f"{live_server}/api/v1/leaderboard").json()["revealed"] is None

    # Someone else unfreezes (another phone): this page follows over the socket.
    round_id = page.get_by_test_id("show").get_attribute("data-round-id")
    staff_api.post(f"{live_server}/api/v1/rounds/{round_id}/unfreeze")
    expect(banner).to_be_hidden(timeout=LIVE_TIMEOUT)
    expect(page.get_by_test_id("board-state")).to_have_text("Live")

    page.get_by_test_id("displays-leaderboard").tap()
    expect(page.get_by_role("status").filter(has_text="show the leaderboard now")).to_be_visible()
    assert staff_api.get(f"{live_server}/api/v1/displays").json()["default"]["mode"] == "leaderboard"
    assert page.evaluate("window.sameDocument") is True  # all in place, never reloaded
    page.screenshot(path=str(artifacts / "show-phone.png"))

    # The boards: stacked on the phone, side by side on a wide screen.
    public, live = page.get_by_test_id("public-board"), page.get_by_test_id("live-board")
    assert live.bounding_box()["y"] > public.bounding_box()["y"] + public.bounding_box()["height"] - 1
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(live).to_be_visible()
    assert abs(live.bounding_box()["y"] - public.bounding_box()["y"]) < 2
    assert live.bounding_box()["x"] > public.bounding_box()["x"] + public.bounding_box()["width"] - 1
    page.screenshot(path=str(artifacts / "show-wide.png"), full_page=True)
