"""My Story from end to end, with two browser pages side by side as in the hall: a visitor
writes a story with a drawn frame on the kiosk, a moderator approves it through the API,
and the public display shows it within two seconds, frame included."""
from __future__ import annotations

import time
import uuid

import requests
from playwright.sync_api import Browser, expect

from tests.e2e.kiosk_steps import open_kiosk, write_story
from tests.live import StaffLogin

#: The issue's promise, from the moment the approval is answered.
ON_SCREEN_WITHIN_MS = 2_000


def test_a_story_goes_from_the_kiosk_to_the_display_once_approved(browser: Browser, live_server, kiosk: StaffLogin,
                                                                   moderator: StaffLogin, artifacts):
    moderator_api = requests.Session()
    moderator_api.headers["Authorization"] = f"Bearer {moderator.token}"
    display_name = f"hall-{uuid.uuid4().hex[:6]}"
    hall = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        display, kiosk_page = hall.new_page(), hall.new_page()
        display.goto(f"{live_server}/display?display={display_name}")
        expect(display.locator("body")).to_have_attribute("data-connection", "live", timeout=15_000)
        # This display shows the live feed whatever other tests left as the default.
        moderator_api.put(f"{live_server}/api/v1/displays/{display_name}", json={"mode": "feed"},
                      timeout=10).raise_for_status()
        expect(display.locator("body")).to_have_attribute("data-mode", "feed", timeout=15_000)

        title = f"The last reel {uuid.uuid4().hex[:6]}"
        open_kiosk(kiosk_page, live_server, kiosk.token)
        beat_count = requests.get(f"{live_server}/api/v1/rounds", timeout=10).json()
        beat_count = next(r["beat_count"] for r in beat_count["rounds"] if r["id"] == beat_count["open_round_id"])
        story_id = write_story(kiosk_page, title=title, beats=[f"Beat {n}" for n in range(1, beat_count + 1)])
        assert story_id is not None

        card = display.locator(f'.feed .card[data-story-id="{story_id}"]')
        display.wait_for_timeout(500)
        expect(card).to_have_count(0)  # pending: not on the screen

        moderator_api.post(f"{live_server}/api/v1/stories/{story_id}/approve", timeout=10).raise_for_status()
        approved_at = time.monotonic()
        expect(card).to_be_visible(timeout=ON_SCREEN_WITHIN_MS)
        shown_after = time.monotonic() - approved_at
        expect(card).to_contain_text(title)
        frame = card.locator("img")
        expect(frame).to_have_attribute("src", f"/stories/{story_id}/frames/0.png")
        display.wait_for_function("img => img.complete && img.naturalWidth === 800", arg=frame.element_handle(),
                                  timeout=10_000)
        expect(kiosk_page.get_by_test_id("thanks")).to_contain_text("big screen")
        display.wait_for_timeout(2500)  # the card's arrival and the frame's fade-in, for the picture
        display.screenshot(path=artifacts / "my-story-display.png")
        kiosk_page.screenshot(path=artifacts / "my-story-kiosk-approved.png")
        print(f"approved story on the display {shown_after * 1000:.0f} ms after the approval answered")
    finally:
        hall.close()
