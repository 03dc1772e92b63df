"""/jury in a real browser on a tablet (820×1180, touch): a juror scores a story, sees the progress
change, gets the validation message of a mark left out, sees a newly approved story come in live,
and is told when a story they are scoring is withdrawn.

The live server is shared with the other browser tests: the stories here have names of their own
and the counts are read from the page.
"""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.test_moderation import send_story
from tests.live import StaffLogin, add_staff, csrf_token, signed_in

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 10_000


@pytest.fixture
def browser_context_args(browser_context_args):
    """A tablet held by a juror."""
    return {**browser_context_args, "viewport": {"width": 820, "height": 1180}, "device_scale_factor": 2,
            "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def juror(live_server_env) -> StaffLogin:
    return add_staff(live_server_env, f"juror-{uuid.uuid4().hex[:8]}@jury.local", "jury")


@pytest.fixture(scope="module")
def staff_api(live_server, live_admin):
    browser = signed_in(live_server, live_admin)
    browser.headers.update({"X-CSRFToken": csrf_token(browser, f"{live_server}/staff"), "Accept-Language": "en"})
    return browser


def approved_story(live_server: str, kiosk: StaffLogin, staff_api: requests.Session, title: str) -> dict:
    story = send_story(live_server, kiosk, title, drawn=True)
    answer = staff_api.post(f"{live_server}/api/v1/stories/{story['id']}/approve")
    assert answer.status_code == 200, answer.text
    return story


def progress_of(page: Page) -> tuple[int, int]:
    scored, total = re.fullmatch(r"(\d+) of (\d+) scored", page.get_by_test_id("jury-progress").inner_text()).groups()
    return int(scored), int(total)


def test_a_juror_scores_on_a_tablet(page: Page, live_server: str, juror: StaffLogin, kiosk: StaffLogin,
                                    staff_api: requests.Session, artifacts):
    first = approved_story(live_server, kiosk, staff_api, f"Jury {uuid.uuid4().hex[:8]}")
    doomed = approved_story(live_server, kiosk, staff_api, f"Withdrawn {uuid.uuid4().hex[:8]}")

    page.goto(f"{live_server}/lang/en?next=/staff/login")
    page.get_by_label("Email").fill(juror.email)
    page.get_by_label("Password").fill(juror.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/jury")  # a juror's console is the scoring page
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT)
    page.evaluate("window.sameDocument = true")

    scored, total = progress_of(page)
    assert scored == 0 and total >= 2
    card = page.locator(f'[data-story-id="{first["id"]}"]')
    expect(card.locator(".jury-card__title")).to_have_text(re.compile(r"^Jury [0-9a-f]{8}$"))
    expect(card.locator(".jury-beat__frame").first).to_be_visible()
    expect(card.get_by_test_id("jury-state")).to_have_text("Not scored yet")

    page.screenshot(path=str(artifacts / "jury-tablet-start.png"))
    # Big touch targets, inside the tablet's width.
    mark = card.locator(".jury-mark").first.bounding_box()
    assert mark["height"] >= 48 and mark["width"] >= 40
    save = card.get_by_role("button", name="Save").bounding_box()
    assert save["height"] >= 48 and save["x"] + save["width"] <= 820

    criteria = card.locator("[data-criterion]")
    count = criteria.count()
    assert count == 4
    # Every criterion but the last: the server says what is missing, next to it, in English.
    for index in range(count - 1):
        criteria.nth(index).locator(".jury-mark", has_text=re.compile(rf"^{index + 6}$")).tap()
    expect(card.get_by_test_id("jury-state")).to_have_text("Changed: not saved yet")
    card.get_by_role("button", name="Save").tap()
    expect(card.get_by_test_id("jury-state")).to_have_text("Some marks need attention: see the marked criteria.")
    last_error = criteria.nth(count - 1).locator("[data-error-for]")
    expect(last_error).to_be_visible()
    expect(last_error).to_have_text("A whole number from 1 to 10.")
    assert progress_of(page) == (0, total)
    page.screenshot(path=str(artifacts / "jury-tablet-error.png"), full_page=True)

    criteria.nth(count - 1).locator(".jury-mark", has_text=re.compile(r"^10$")).tap()
    expect(last_error).to_be_hidden()
    card.get_by_label("Comment (optional)").fill("Bold <b>ending</b>.")
    card.get_by_role("button", name="Save").tap()
    expect(card.get_by_test_id("jury-state")).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    expect(card.locator("[data-badge]")).to_have_text("Scored")
    expect(page.get_by_test_id("jury-progress")).to_have_text(f"1 of {total} scored")

    own = staff_api.get(f"{live_server}/api/v1/leaderboard?live=1").json()  # the server kept the marks
    assert any(entry["story_id"] == first["id"] and entry["jury"] is not None for entry in own["entries"])

    # Filters: the scored one alone, then the unscored ones alone.
    page.get_by_role("button", name="Scored only", exact=True).tap()
    expect(card).to_be_visible()
    expect(page.locator(f'[data-story-id="{doomed["id"]}"]')).to_be_hidden()
    page.get_by_role("button", name="Unscored only", exact=True).tap()
    expect(card).to_be_hidden()
    expect(page.locator(f'[data-story-id="{doomed["id"]}"]')).to_be_visible()
    page.get_by_role("button", name="Unscored first").tap()

    # A story approved meanwhile comes in live.
    newcomer = approved_story(live_server, kiosk, staff_api, f"Newcomer {uuid.uuid4().hex[:8]}")
    expect(page.locator(f'[data-story-id="{newcomer["id"]}"]')).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(page.get_by_test_id("jury-progress")).to_have_text(f"1 of {total + 1} scored")
    expect(page.get_by_test_id("jury-notice")).to_contain_text("New story to score")

    # A story being scored is withdrawn by a moderator: the juror is told, the list follows.
    doomed_card = page.locator(f'[data-story-id="{doomed["id"]}"]')
    doomed_card.locator("[data-criterion]").first.locator(".jury-mark").nth(4).tap()
    assert staff_api.post(f"{live_server}/api/v1/stories/{doomed['id']}/reject",
                          json={"reason": "test"}).status_code == 200
    expect(doomed_card).to_have_count(0, timeout=LIVE_TIMEOUT)
    expect(page.get_by_test_id("jury-notice")).to_contain_text("is no longer approved")
    expect(page.get_by_test_id("jury-progress")).to_have_text(f"1 of {total} scored")
    # The saved card kept its state through the refreshes.
    expect(card.get_by_test_id("jury-state")).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    assert page.evaluate("window.sameDocument") is True
    page.screenshot(path=str(artifacts / "jury-tablet.png"), full_page=True)

    # A reload shows the juror's own marks as saved.
    page.reload()
    card = page.locator(f'[data-story-id="{first["id"]}"]')
    expect(card.locator("textarea")).to_have_value("Bold <b>ending</b>.")
    expect(card.locator('input[value="10"]:checked')).to_have_count(1)
    expect(page.get_by_test_id("jury-progress")).to_have_text(f"1 of {total} scored")
