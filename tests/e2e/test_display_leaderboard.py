"""The public display's leaderboard in a real browser against a real `backlot serve`: the board
live as votes arrive, the join card in every mode (its QR really decodes to /vote), and the
reveal, place by place, from the last up to the winner, then undone.

The live server is shared with the other browser tests: stories, tickets and display names are
new here, and the round's show (freeze, reveal) and the displays' modes are put back as they were.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.test_display import LIVE_TIMEOUT, moderate, open_display, png_data_url, send_story
from tests.e2e.test_display import unique as display_name
from tests.e2e.test_vote_page import approved_story, check_in, gate, register, unique  # noqa: F401 (gate: fixture)
from tests.live import StaffLogin

pytestmark = pytest.mark.e2e

#: Moments play one after another (board.js: at most three at once, 4.2 s each).
MOMENTS_TIMEOUT = 30_000
ROWS = 8  # board.js ROWS


def api(base_url: str, login: StaffLogin | None, method: str, path: str, body: dict | None = None):
    headers = {"Authorization": f"Bearer {login.token}"} if login else {}
    answer = requests.request(method, f"{base_url}/api/v1{path}", json=body, headers=headers, timeout=30)
    assert answer.ok, answer.text
    return answer.json() if answer.content else None


#: Each moment whose author line finished coming in, by story id: recorded by the page as it
#: happens, so a busy machine's slow polling cannot miss a moment that has already left.
RECORD_AUTHORS_IN = """
window.authorsIn = [];
document.addEventListener("animationend", (event) => {
  if (event.target.matches(".moment__author")) window.authorsIn.push(event.target.closest(".moment").dataset.storyId);
});
"""


def author_came_in(page: Page, story_id: int) -> None:
    page.wait_for_function("id => window.authorsIn.includes(id)", arg=str(story_id), timeout=LIVE_TIMEOUT)


def unpin(base_url: str, login: StaffLogin, name: str) -> None:
    """Put a display's mode back; one that never connected has nothing to put back."""
    answer = requests.put(f"{base_url}/api/v1/displays/{name}", json={"mode": None},
                          headers={"Authorization": f"Bearer {login.token}"}, timeout=30)
    assert answer.ok or answer.json()["error"]["code"] == "display_not_found", answer.text


def vote(base_url: str, code: str, story_id: int) -> None:
    answer = requests.post(f"{base_url}/api/v1/votes", json={"ticket_code": code, "story_id": story_id}, timeout=10)
    assert answer.status_code == 201, answer.text


def voter(base_url: str, gate_login: StaffLogin) -> str:
    code = register(base_url)
    check_in(base_url, gate_login, code)
    return code


def board_display(page: Page, base_url: str, moderator: StaffLogin, name: str):
    """A display of its own pinned to the leaderboard; its view's root."""
    open_display(page, base_url, name)
    api(base_url, moderator, "PUT", f"/displays/{name}", {"mode": "leaderboard"})
    expect(page.locator("body")).to_have_attribute("data-view", "leaderboard", timeout=LIVE_TIMEOUT)
    return page.locator(".view--leaderboard")


def row(view, story_id: int):
    return view.locator(f'.standing[data-story-id="{story_id}"]')


def entry_of(board: dict, story_id: int) -> dict:
    return next(entry for entry in board["entries"] if entry["story_id"] == story_id)


def ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_board_moves_with_the_votes_and_the_join_card_is_in_every_mode(
        page: Page, live_server: str, gate, kiosk, moderator, artifacts: Path):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))  # CSP too
    # As long as a title may be (40), mostly Chinese: too wide for the first size, whole at a smaller one.
    title = unique("<b>Counted</b> 来自明天的消息在午夜响起她接起电")
    assert len(title) == 40
    story_id = approved_story(live_server, kiosk, moderator, title)
    name = display_name("board")
    try:
        view = board_display(page, live_server, moderator, name)
        expect(view).to_have_attribute("data-phase", "board", timeout=LIVE_TIMEOUT)
        expect(view).to_have_attribute("data-voting", "open")
        expect(view.locator(".leaderboard__status")).to_contain_text("Live count")
        expect(view.locator(".standing").first).to_be_visible()

        # Two votes: the story climbs to the top of the board, live (no other story of the round
        # holds more votes than that in the shared server's tests), with the API's numbers.
        for _ in range(2):
            vote(live_server, voter(live_server, gate), story_id)
        board = api(live_server, None, "GET", "/leaderboard")
        entry = entry_of(board, story_id)
        assert entry["votes"] == 2 and entry["rank"] <= ROWS, entry
        shown = row(view, story_id)
        expect(shown).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(shown.locator(".standing__votes .standing__number")).to_have_text("2", timeout=LIVE_TIMEOUT)
        expect(shown).to_have_attribute("data-rank", str(entry["rank"]))
        expect(shown.locator(".standing__title")).to_have_text(title)  # text, never markup
        assert shown.locator("b").count() == 0
        fitted = shown.locator(".standing__title").evaluate(
            "title => ({size: title.dataset.size, width: title.clientWidth, needs: title.scrollWidth})")
        assert fitted["needs"] <= fitted["width"] and fitted["size"] != "0", fitted  # smaller, and whole
        expect(shown.locator(".standing__author")).to_have_text("— Lin")
        expect(shown.locator(".standing__score .standing__number")).to_have_text(
            re.compile(rf"^{round(entry['score'], 1):g}(\.0)?$"))
        if entry["jury"] is None:
            expect(shown.locator(".standing__pending")).to_contain_text("Jury: not yet")
        # The rows are in the board's order.
        ids = view.locator(".standing").evaluate_all("rows => rows.map(row => Number(row.dataset.storyId))")
        assert ids == [item["story_id"] for item in board["entries"][:ROWS]]

        # A third vote, from one more visitor: the number follows.
        vote(live_server, voter(live_server, gate), story_id)
        expect(shown.locator(".standing__votes .standing__number")).to_have_text("3", timeout=LIVE_TIMEOUT)
        page.screenshot(path=str(artifacts / "display-leaderboard.png"))

        # The join card: there, readable, and its QR is the /vote address.
        join = page.locator("[data-join]")
        expect(join).to_be_visible()
        expect(join).to_contain_text("Vote on your phone")
        expect(join.locator("[data-join-url]")).to_have_text(re.sub(r"^https?://", "", live_server) + "/vote")
        qr = page.locator("[data-join-qr]")
        expect(qr).to_have_attribute("src", "/vote/qr.svg")
        page.wait_for_function("image => image.complete && image.naturalWidth > 0",
                               arg=qr.element_handle(), timeout=LIVE_TIMEOUT)
        [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert decoded.text == f"{live_server}/vote"
        assert not boxes_overlap(join.bounding_box(), view.bounding_box())

        # ... and in the feed, beside the cards rather than over them.
        api(live_server, moderator, "PUT", f"/displays/{name}", {"mode": "feed"})
        expect(page.locator("body")).to_have_attribute("data-view", "feed", timeout=LIVE_TIMEOUT)
        expect(join).to_be_visible()
        expect(page.locator(".view--feed")).to_be_visible()
        expect(page.locator(".view--leaderboard")).to_be_hidden()
        assert not boxes_overlap(join.bounding_box(), page.locator(".view--feed").bounding_box())
        [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert decoded.text == f"{live_server}/vote"
        page.screenshot(path=str(artifacts / "display-feed-join.png"))
    finally:
        api(live_server, moderator, "PUT", f"/displays/{name}", {"mode": None})
    assert errors == []


def test_the_reveal_from_the_last_place_up_to_the_winner_and_back(
        context: BrowserContext, live_server: str, gate, kiosk, moderator, artifacts: Path):
    # A story with a frame that the audience loves: the winner, most likely, and a moment with a picture.
    favourite_title = unique("The last reel")
    favourite = send_story(live_server, kiosk, title=favourite_title, author="Ada",
                           frames=[png_data_url("#2b6fd9")])
    moderate(live_server, moderator, favourite, "approve")
    approved_story(live_server, kiosk, moderator, unique("Also ran"))
    for _ in range(4):
        vote(live_server, voter(live_server, gate), favourite)

    before = api(live_server, moderator, "GET", "/leaderboard?live=1")
    round_id, was_frozen = before["round"]["id"], before["frozen"]
    assert before["revealed"] is None, "a reveal was left running on the shared server"
    # Chromium draws a page behind another only once a second: the screen under test stays in front.
    screen = context.new_page()
    screen.add_init_script(RECORD_AUTHORS_IN)
    errors: list[str] = []
    screen.on("pageerror", lambda error: errors.append(str(error)))
    names = [display_name("reveal"), display_name("latecomer")]
    try:
        view = board_display(screen, live_server, moderator, names[0])
        expect(view).to_have_attribute("data-phase", "board", timeout=LIVE_TIMEOUT)
        expect(view).to_have_css("opacity", "1")  # faded in
        # The show: freeze the board, then reveal it place by place.
        frozen = api(live_server, moderator, "POST", f"/rounds/{round_id}/freeze")["leaderboard"]
        ranking = frozen["entries"]
        places = len(ranking)
        assert places >= 3
        expect(view).to_have_attribute("data-frozen", "true", timeout=LIVE_TIMEOUT)
        moment = view.locator("[data-reveal-moment]")

        # The last place first: its moment, then its row at the bottom of the list.
        first = api(live_server, moderator, "POST", f"/rounds/{round_id}/reveal")
        assert first["revealed"] == 1
        [last] = first["entries"]
        assert last["story_id"] == ranking[-1]["story_id"]
        expect(view).to_have_attribute("data-revealed", "1", timeout=LIVE_TIMEOUT)
        playing = moment.locator(f'.moment[data-story-id="{last["story_id"]}"]')
        expect(playing).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(playing).to_have_attribute("data-rank", str(last["rank"]))
        expect(playing.locator(".moment__place")).to_contain_text(f"{ordinal(last['rank'])} place")
        expect(playing.locator(".moment__title")).to_have_text(last["title"])
        author_came_in(screen, last["story_id"])
        screen.screenshot(path=str(artifacts / "display-reveal-last.png"))
        expect(moment).to_be_hidden(timeout=LIVE_TIMEOUT)
        expect(view.locator(".standing")).to_have_count(1)
        expect(row(view, last["story_id"])).to_be_visible()
        expect(view).to_have_attribute("data-shown", "1")
        expect(view.locator(".leaderboard__status")).to_contain_text("Final results")

        # Up to the second place in one go: its moment plays, the places before settle at once.
        api(live_server, moderator, "POST", f"/rounds/{round_id}/reveal", {"places": places - 1})
        expect(view).to_have_attribute("data-revealed", str(places - 1), timeout=LIVE_TIMEOUT)
        expect(view).to_have_attribute("data-shown", str(places - 1), timeout=MOMENTS_TIMEOUT)
        expect(moment).to_be_hidden(timeout=MOMENTS_TIMEOUT)
        second = ranking[1]
        expect(view.locator(".standing").first).to_have_attribute("data-story-id", str(second["story_id"]))
        expect(view.locator(".standing")).to_have_count(min(places - 1, ROWS))
        # The winner is not on the board yet.
        expect(row(view, ranking[0]["story_id"])).to_have_count(0)

        # A display that connects mid-reveal shows the places revealed so far at once, no moments.
        # (This one asks for reduced motion: the winner's moment still plays, as a plain fade.)
        latecomer = context.new_page()
        latecomer.emulate_media(reduced_motion="reduce")
        late_view = board_display(latecomer, live_server, moderator, names[1])
        expect(late_view).to_have_attribute("data-shown", str(places - 1), timeout=LIVE_TIMEOUT)
        expect(late_view.locator(".standing")).to_have_count(min(places - 1, ROWS))
        expect(late_view.locator("[data-reveal-moment]")).to_be_hidden()
        expect(late_view.locator(".standing").first).to_have_attribute("data-story-id", str(second["story_id"]))

        screen.bring_to_front()  # (the latecomer opened in front of it)

        # The winner last, with a bigger moment; then on top of the list.
        final = api(live_server, moderator, "POST", f"/rounds/{round_id}/reveal")
        assert final["revealed"] == places and final["entries"][0]["rank"] == 1
        winner = final["entries"][0]
        expect(view).to_have_attribute("data-revealed", str(places), timeout=LIVE_TIMEOUT)
        crowned = moment.locator(f'.moment--winner[data-story-id="{winner["story_id"]}"]')
        expect(crowned).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(crowned).to_have_attribute("data-rank", "1")
        expect(crowned.locator(".moment__place")).to_contain_text("1st place")
        expect(crowned.locator(".moment__title")).to_have_text(winner["title"])
        if winner["story_id"] == favourite:
            expect(crowned.locator("img.moment__image")).to_have_attribute("src", winner["frame"])
        author_came_in(screen, winner["story_id"])
        screen.screenshot(path=str(artifacts / "display-reveal-winner.png"))
        expect(moment).to_be_hidden(timeout=LIVE_TIMEOUT)
        expect(view.locator(".standing").first).to_have_attribute("data-story-id", str(winner["story_id"]))
        expect(view.locator(".standing").first).to_have_attribute("data-rank", "1")
        expect(view).to_have_attribute("data-shown", str(places))
        # The latecomer follows along (it was on screen for this step: it plays the winner too).
        expect(late_view).to_have_attribute("data-shown", str(places), timeout=LIVE_TIMEOUT)
        expect(late_view.locator("[data-reveal-moment]")).to_be_hidden()
        expect(late_view.locator(".standing").first).to_have_attribute(
            "data-story-id", str(winner["story_id"]), timeout=LIVE_TIMEOUT)
        screen.screenshot(path=str(artifacts / "display-reveal-done.png"))

        # Undo: back to the normal board, cleanly.
        api(live_server, moderator, "POST", f"/rounds/{round_id}/reveal/reset")
        expect(view).not_to_have_attribute("data-revealed", re.compile(".*"), timeout=LIVE_TIMEOUT)
        expect(view).to_have_attribute("data-phase", "board")
        expect(moment).to_be_hidden()
        expect(view.locator(".standing")).to_have_count(min(places, ROWS))
        expect(view.locator(".standings--reveal")).to_have_count(0)
    finally:
        api(live_server, moderator, "POST", f"/rounds/{round_id}/reveal/reset")
        if not was_frozen:
            api(live_server, moderator, "POST", f"/rounds/{round_id}/unfreeze")
        for name in names:
            unpin(live_server, moderator, name)
    after = api(live_server, moderator, "GET", "/leaderboard?live=1")
    assert after["revealed"] is None and after["frozen"] == was_frozen
    assert errors == []
