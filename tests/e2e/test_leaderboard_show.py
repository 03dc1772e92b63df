"""The whole show in real browsers: three phones vote while a display shows the ranking change
live; a moderator on /staff/show freezes it (the display holds still while the API's live view
goes on counting) and reveals it place by place up to the winner.

The module has a server of its own, so the round holds exactly the three stories it votes on
(the display shows the top places only, and each reveal step is a moment of a few seconds).
"""
from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import seeded_environment, serve
from tests.e2e.test_display import call, open_display
from tests.e2e.test_moderation import sign_in
from tests.e2e.test_vote_page import approved_story, card, check_in, gate, phone, register, unique  # noqa: F401
from tests.live import StaffLogin

pytestmark = pytest.mark.e2e

TIMEOUT = 15_000
#: The display promises to be at most 1 s behind; a change that has not come after this never will.
SETTLE_MS = 2_500


@pytest.fixture(scope="module")
def live_server_env(tmp_path_factory) -> dict:
    return seeded_environment(tmp_path_factory.mktemp("show-instance"))


@pytest.fixture(scope="module")
def live_server(live_server_env):
    with serve(live_server_env) as url:
        yield url


def display_row(display: Page, story_id: int):
    return display.locator(f'.view--leaderboard li.standing[data-story-id="{story_id}"]')


def votes_shown(display: Page, story_id: int):
    return display_row(display, story_id).locator(".standing__votes .standing__number")


def live_votes(live_server: str, moderator: StaffLogin, story_id: int) -> int:
    board = requests.get(f"{live_server}/api/v1/leaderboard?live=1", timeout=10,
                         headers={"Authorization": f"Bearer {moderator.token}"}).json()
    return next(entry["votes"] for entry in board["entries"] if entry["story_id"] == story_id)


def vote(page: Page, story_id: int, left: str) -> None:
    card(page, story_id).get_by_role("button", name="Vote").click()
    expect(page.get_by_test_id("votes-left")).to_have_text(left, timeout=TIMEOUT)


@pytest.fixture
def phones(browser: Browser, live_server, gate):  # noqa: F811 (the gate fixture, imported)
    """Three visitors with tickets checked in at the door, each on their own phone."""
    pages = []
    for _ in range(3):
        code = register(live_server)
        check_in(live_server, gate, code)
        page = phone(browser, "en-GB")
        page.goto(f"{live_server}/vote?code={code}&lang=en")
        expect(page.get_by_test_id("votes-left")).to_have_text("3 of 3 votes left", timeout=TIMEOUT)
        pages.append(page)
    yield pages
    for page in pages:
        page.context.close()


@pytest.fixture
def board_display(browser: Browser, live_server, moderator):
    """A display of its own switched to the leaderboard; back to the default afterwards."""
    name = f"stage-{uuid.uuid4().hex[:6]}"
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    open_display(page, live_server, name)
    call(live_server, moderator, "PUT", f"/displays/{name}", {"mode": "leaderboard"})
    expect(page.locator(".view--leaderboard")).to_be_visible(timeout=TIMEOUT)
    yield page
    call(live_server, moderator, "PUT", f"/displays/{name}", {"mode": None})
    context.close()


def test_three_phones_vote_the_display_follows_staff_freeze_and_reveal(
        browser: Browser, live_server, kiosk, moderator, phones, board_display, artifacts):
    first, second, third = (approved_story(live_server, kiosk, moderator, unique(title))
                            for title in ("Lantern", "Harbour", "Paper moon"))
    display = board_display
    for story_id in (first, second, third):
        expect(display_row(display, story_id)).to_be_visible(timeout=TIMEOUT)
        expect(votes_shown(display, story_id)).to_have_text("0")

    # Three phones vote; the display follows each vote without a reload.
    display.evaluate("window.sameDocument = true")
    one, two, three = phones
    vote(one, first, "2 of 3 votes left")
    expect(votes_shown(display, first)).to_have_text("1", timeout=TIMEOUT)
    vote(two, second, "2 of 3 votes left")
    vote(three, second, "2 of 3 votes left")
    expect(votes_shown(display, second)).to_have_text("2", timeout=TIMEOUT)
    # Two votes rank above one (the same render that showed the count placed the row).
    assert int(display_row(display, second).get_attribute("data-rank")) < \
        int(display_row(display, first).get_attribute("data-rank"))
    display.screenshot(path=str(artifacts / "show-display-live.png"))

    # A moderator by the stage freezes the public board.
    staff = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    sign_in(staff, live_server, moderator)
    round_id = call(live_server, moderator, "GET", "/leaderboard")["round"]["id"]
    staff.goto(f"{live_server}/staff/show?round_id={round_id}")
    staff.get_by_test_id("freeze").click()
    expect(staff.get_by_test_id("frozen-banner")).to_be_visible(timeout=TIMEOUT)
    expect(display.locator(".view--leaderboard")).to_have_attribute("data-frozen", "true", timeout=TIMEOUT)

    # Votes go on: the API's live view counts them, the display holds the frozen ranking.
    vote(one, third, "1 of 3 votes left")
    vote(two, third, "1 of 3 votes left")
    vote(three, third, "1 of 3 votes left")
    assert live_votes(live_server, moderator, third) == 3
    display.wait_for_timeout(SETTLE_MS)  # longer than the display may lag: a change would be here by now
    expect(votes_shown(display, third)).to_have_text("0")
    expect(votes_shown(display, second)).to_have_text("2")
    expect(staff.get_by_test_id("live-board")).to_contain_text("3", timeout=TIMEOUT)
    staff.screenshot(path=str(artifacts / "show-staff-frozen.png"), full_page=True)

    # The reveal, one tap a place, from the last place up to the winner.
    view = display.locator(".view--leaderboard")
    places = call(live_server, moderator, "GET", "/leaderboard")["entries"]
    assert [entry["story_id"] for entry in places] == [second, first, third]  # as frozen
    last_place = len(places)
    for shown in range(1, last_place + 1):
        staff.get_by_test_id("reveal-next").click()
        expect(view).to_have_attribute("data-revealed", str(shown), timeout=TIMEOUT)
        if shown == 1:
            display.screenshot(path=str(artifacts / "show-display-reveal-moment.png"))
        expect(view.locator("li.standing")).to_have_count(shown, timeout=TIMEOUT)  # the moment settles
        revealed_ranks = sorted(int(rank) for rank in
                                view.locator("li.standing").evaluate_all("rows => rows.map(r => r.dataset.rank)"))
        assert revealed_ranks == list(range(last_place - shown + 1, last_place + 1))
    winner = next(entry for entry in places if entry["rank"] == 1)
    expect(view.locator(f'li.standing[data-rank="1"]')).to_have_attribute("data-story-id", str(winner["story_id"]))
    expect(staff.get_by_test_id("reveal-progress")).to_contain_text(f"{last_place} of {last_place}", timeout=TIMEOUT)
    display.screenshot(path=str(artifacts / "show-display-winner.png"))
    assert display.evaluate("window.sameDocument") is True
    staff.context.close()
