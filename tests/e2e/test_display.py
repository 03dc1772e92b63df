"""The public display (/display) in a real browser against a real `backlot serve`.

Stories go in the way they do in the hall: a kiosk sends them through the API with its
token and a moderator approves or rejects them; the display hears of it over Socket.IO.
The live server is shared with other tests, so every story and display name here is
unique, and each display pins its own mode unless the test is about the default.
"""
from __future__ import annotations

import base64
import io
import re
import uuid
from pathlib import Path

import pytest
import requests
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.live import StaffLogin, add_staff, backlot, free_port, server_environment, serving

pytestmark = pytest.mark.e2e

#: Socket.IO push on a real server on a busy machine: generous.
LIVE_TIMEOUT = 15_000
#: A restarted server takes a few seconds to start, and the display retries every 5 s at most.
RECONNECT_TIMEOUT = 45_000
#: The display's own refresh (SYNC_EVERY_MS in display.js).
SYNC_EVERY_MS = 60_000
XSS = "<img src=x onerror=alert(1)>"
#: The author line holds at most 24 characters: a shorter tag that would also run script.
XSS_AUTHOR = "<svg onload=alert(1)>"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def call(base_url: str, login: StaffLogin, method: str, path: str, body: dict | None = None) -> dict:
    answer = requests.request(method, f"{base_url}/api/v1{path}", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {login.token}"})
    assert answer.ok, answer.text
    return answer.json()


def png_data_url(colour: str) -> str:
    """A drawn frame as the kiosk sends it: a PNG data URL (800×450)."""
    image = Image.new("RGB", (800, 450), colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def open_beat_count(base_url: str) -> int:
    rounds = requests.get(f"{base_url}/api/v1/rounds", timeout=30).json()
    return next(r["beat_count"] for r in rounds["rounds"] if r["id"] == rounds["open_round_id"])


def send_story(base_url: str, kiosk: StaffLogin, *, title: str, logline: str = "A logline.",
               beats: list[str] | None = None, author: str = "Mei", frames: list | None = None) -> int:
    """A story from the kiosk into the open round (cut to its number of beats); its id."""
    beat_count = open_beat_count(base_url)
    beats = beats or [f"Beat {number}." for number in range(1, beat_count + 1)]
    body = {"author": author, "title": title, "logline": logline, "beats": beats[:beat_count],
            "nonce": uuid.uuid4().hex, "locale": "en"}
    if frames is not None:
        body["frames"] = frames[:beat_count]
    return call(base_url, kiosk, "POST", "/stories", body)["id"]


def moderate(base_url: str, moderator: StaffLogin, story_id: int, decision: str) -> None:
    assert call(base_url, moderator, "POST", f"/stories/{story_id}/{decision}")["status"] == \
        ("approved" if decision == "approve" else "rejected")


def open_display(page: Page, base_url: str, name: str) -> None:
    """The display page, connected and drawn from its first `state`."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base_url}/display?display={name}")
    expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=LIVE_TIMEOUT)
    expect(page.locator("body")).to_have_attribute("data-mode", re.compile("."), timeout=LIVE_TIMEOUT)
    expect(page.locator(".corner__name")).to_have_text(name)


def settled(page: Page, shown) -> None:
    """The card has finished arriving and the feed has finished fading in (for a screenshot)."""
    expect(shown).not_to_have_class(re.compile(r"\bcard--arriving\b"), timeout=LIVE_TIMEOUT)
    expect(page.locator(".view--attract")).to_be_hidden()
    expect(page.locator(".band")).to_have_css("margin-top", "0px")


def card(page: Page, story_id: int):
    return page.locator(f'.feed .card[data-story-id="{story_id}"]')


def test_visitor_text_shows_as_text_never_as_markup(page: Page, live_server: str, kiosk: StaffLogin,
                                                    moderator: StaffLogin, artifacts: Path):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    name = unique("xss")
    open_display(page, live_server, name)
    call(live_server, moderator, "PUT", f"/displays/{name}", {"mode": "feed"})

    story_id = send_story(live_server, kiosk, title=XSS, logline=f"{XSS} logline", author=XSS_AUTHOR,
                          beats=[f"{XSS} beat {number}" for number in range(1, 7)])
    moderate(live_server, moderator, story_id, "approve")

    shown = card(page, story_id)
    expect(shown).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(shown.locator(".card__title")).to_have_text(XSS)
    expect(shown.locator(".card__logline")).to_have_text(f"{XSS} logline")
    expect(shown.locator(".card__beat").first).to_have_text(f"{XSS} beat 1")
    expect(shown.locator(".card__author")).to_have_text(f"— {XSS_AUTHOR}")
    assert XSS in shown.inner_text()
    assert shown.locator("img, svg").count() == 0
    settled(page, shown)
    page.screenshot(path=str(artifacts / "display-xss.png"))

    # The same story in the spotlight, full-screen.
    call(live_server, moderator, "PUT", f"/displays/{name}", {"mode": "spotlight", "story_id": story_id})
    spotlight = page.locator(f'.spotlight[data-story-id="{story_id}"]')
    expect(spotlight.locator(".spotlight__title")).to_have_text(XSS, timeout=LIVE_TIMEOUT)
    expect(spotlight.locator(".storyboard__beat").first).to_have_text(f"{XSS} beat 1")
    assert spotlight.locator("img, svg").count() == 0
    assert dialogs == []


def test_the_feed_shows_a_story_once_approved_and_drops_it_when_rejected(
        page: Page, live_server: str, kiosk: StaffLogin, moderator: StaffLogin):
    name = unique("feed")
    open_display(page, live_server, name)
    call(live_server, moderator, "PUT", f"/displays/{name}", {"mode": "feed"})
    expect(page.locator("body")).to_have_attribute("data-view", "feed", timeout=LIVE_TIMEOUT)
    # The open round's theme is in the band, in both languages.
    band = page.locator(".band__round")
    expect(band).to_contain_text("一条来自明天的消息，今天到了")
    expect(band).to_contain_text("A message from tomorrow arrives today")

    still_pending = send_story(live_server, kiosk, title=unique("Not yet approved"))
    story_id = send_story(live_server, kiosk, title=unique("The lighthouse keeper"),
                          logline="She answers a call from 2040.", author="Lin")

    moderate(live_server, moderator, story_id, "approve")
    shown = card(page, story_id)
    expect(shown).to_be_visible(timeout=LIVE_TIMEOUT)
    # Sent before it, but never approved: not on the display.
    expect(card(page, still_pending)).to_have_count(0)
    expect(page.locator(".feed .card").first).to_have_attribute("data-story-id", str(story_id))
    expect(shown.locator(".card__logline")).to_have_text("She answers a call from 2040.")
    expect(shown.locator(".card__beat").first).to_have_text("Beat 1.")
    expect(shown.locator(".card__author")).to_have_text("— Lin")

    moderate(live_server, moderator, story_id, "reject")
    expect(card(page, story_id)).to_have_count(0, timeout=LIVE_TIMEOUT)


def test_staff_switch_one_display_by_name_or_all_that_follow_the_default(
        context: BrowserContext, live_server: str, kiosk: StaffLogin, moderator: StaffLogin):
    title = unique("Two frames")
    story_id = send_story(live_server, kiosk, title=title, frames=[png_data_url("#d94f2b"), None])
    moderate(live_server, moderator, story_id, "approve")
    named, follower = unique("stage-left"), unique("foyer")
    pinned, following = context.new_page(), context.new_page()
    open_display(pinned, live_server, named)
    open_display(following, live_server, follower)
    try:
        call(live_server, moderator, "PUT", "/displays", {"mode": "feed"})
        for screen in (pinned, following):
            expect(screen.locator("body")).to_have_attribute("data-mode", "feed", timeout=LIVE_TIMEOUT)

        # One display by name: only that one changes.
        call(live_server, moderator, "PUT", f"/displays/{named}", {"mode": "spotlight", "story_id": story_id})
        expect(pinned.locator("body")).to_have_attribute("data-view", "spotlight", timeout=LIVE_TIMEOUT)
        spotlight = pinned.locator(f'.spotlight[data-story-id="{story_id}"]')
        expect(spotlight.locator(".spotlight__title")).to_have_text(title)
        panels = spotlight.locator(".storyboard__panel")
        expect(panels).to_have_count(open_beat_count(live_server))
        frame = panels.nth(0).locator("img.storyboard__image")
        expect(frame).to_have_attribute("src", f"/stories/{story_id}/frames/0.png")
        # The frame really loaded (the kiosk drew it 800 px wide).
        pinned.wait_for_function("image => image.complete && image.naturalWidth === 800",
                                 arg=frame.element_handle(), timeout=LIVE_TIMEOUT)
        expect(panels.nth(1).locator("img")).to_have_count(0)
        expect(panels.nth(1).locator(".storyboard__number")).to_have_text("2")

        # Every display that follows the default: the named one keeps its own mode.
        call(live_server, moderator, "PUT", "/displays", {"mode": "schedule"})
        expect(following.locator("body")).to_have_attribute("data-view", "schedule", timeout=LIVE_TIMEOUT)
        expect(pinned.locator("body")).to_have_attribute("data-view", "spotlight")
        on_now = following.locator('[data-schedule="on_now"]')
        expect(on_now).to_contain_text("My Story · 第一轮：来自明天的消息")
        expect(on_now).to_contain_text("My Story · Round 1: A Message from Tomorrow")
        expect(on_now).to_contain_text("10:00–12:00")

        # Back to the default for the named one.
        call(live_server, moderator, "PUT", f"/displays/{named}", {"mode": None})
        expect(pinned.locator("body")).to_have_attribute("data-view", "schedule", timeout=LIVE_TIMEOUT)

        # The leaderboard ranks the round's approved stories; attract shows the round's theme in both languages.
        call(live_server, moderator, "PUT", f"/displays/{follower}", {"mode": "leaderboard"})
        expect(following.locator(".view--leaderboard .standing[data-story-id]").first).to_be_visible(
            timeout=LIVE_TIMEOUT)
        call(live_server, moderator, "PUT", f"/displays/{follower}", {"mode": "attract"})
        theme = following.locator(".attract__theme")
        expect(theme).to_contain_text("一条来自明天的消息，今天到了", timeout=LIVE_TIMEOUT)
        expect(theme).to_contain_text("A message from tomorrow arrives today")
        expect(following.locator(".attract__story .attract__title")).not_to_have_count(0)
    finally:
        call(live_server, moderator, "PUT", "/displays", {"mode": "feed"})


def own_instance(folder: Path, clock: str | None = None) -> dict:
    """A seeded database of the test's own, for a server it may stop, restart or start late in a round."""
    folder.mkdir()
    env = server_environment(folder)
    if clock:
        env["BACKLOT_CLOCK"] = clock
    backlot(env, "db", "upgrade")
    backlot(env, "seed")
    return env


def test_a_display_rides_out_a_server_restart_and_catches_up(page: Page, tmp_path: Path):
    instance = tmp_path / "instance"
    env = own_instance(instance)
    own_kiosk = add_staff(env, "restart-kiosk@devices.local", "kiosk")
    own_moderator = add_staff(env, "restart-moderator@example.org", "moderator")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    port, log = free_port(), instance / "server.log"

    with serving(env, log, port=port) as base_url:
        open_display(page, base_url, "hall")
        shown_before = send_story(base_url, own_kiosk, title="Shown before the restart")
        moderate(base_url, own_moderator, shown_before, "approve")
        expect(card(page, shown_before)).to_be_visible(timeout=LIVE_TIMEOUT)
        waiting = send_story(base_url, own_kiosk, title="Approved while the display was away")

    # The server is gone: the screen keeps what it showed and says, discreetly, that it reconnects.
    expect(page.locator("body")).to_have_attribute("data-connection", "offline", timeout=LIVE_TIMEOUT)
    expect(page.locator(".corner__connection")).to_be_visible()
    expect(page.locator(".corner__connection")).to_contain_text("Reconnecting…")
    expect(card(page, shown_before)).to_be_visible()

    # Meanwhile, through another server on the same database, moderation goes on.
    with serving(env, instance / "other-server.log") as other_url:
        moderate(other_url, own_moderator, waiting, "approve")
        moderate(other_url, own_moderator, shown_before, "reject")

    with serving(env, log, port=port):
        expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=RECONNECT_TIMEOUT)
        expect(card(page, waiting)).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(card(page, shown_before)).to_have_count(0)
        expect(page.locator(".corner__connection")).to_be_hidden()
    assert errors == []


def test_a_display_moves_on_by_itself_when_the_round_ends(page: Page, tmp_path: Path):
    # Round 1 ends at 12:00 and round 2 starts at 12:30. The server says nothing at 12:00:
    # the display asks again by itself, before its once-a-minute refresh would have.
    instance = tmp_path / "instance"
    env = own_instance(instance, clock="2026-06-14T11:59:45+08:00")
    with serving(env, instance / "server.log") as base_url:
        open_display(page, base_url, "round-edge")
        band = page.locator(".band__round")
        expect(band).to_contain_text("A message from tomorrow arrives today")
        expect(band).to_contain_text("The last reel of film in the world", timeout=SYNC_EVERY_MS - 15_000)
        expect(band).to_contain_text("世界上最后一卷胶片")
        expect(band).to_contain_text("12:30")
