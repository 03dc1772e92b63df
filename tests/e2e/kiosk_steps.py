"""Driving the My Story kiosk (/kiosk) as a visitor does: its on-screen keyboard, a finger
drawing on the canvas, and its buttons. Used by the kiosk tests and by tests that follow a
story from a kiosk to a display.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

TIMEOUT = 15_000


def open_kiosk(page: Page, base_url: str, token: str, **query: str) -> None:
    """/kiosk launched the way a kiosk is (`#token=` in the URL), until it invites visitors."""
    page.goto(f"{base_url}/kiosk{'?' + urlencode(query) if query else ''}#token={token}")
    expect(page.get_by_test_id("touch-to-start")).to_be_visible(timeout=TIMEOUT)


def key(page: Page, name: str):
    """One key of the on-screen keyboard, by what it types ("a", "<") or its name ("{shift}")."""
    return page.locator(f".hg-button[data-skbtn={json.dumps(name, ensure_ascii=False)}]")


def type_keys(page: Page, text: str) -> None:
    """Tap `text` on the on-screen keyboard, with shift for the keys on its shifted layer."""
    for character in text:
        wanted = key(page, "{space}" if character == " " else character)
        if not wanted.count():
            key(page, "{shift}").click()
        wanted.click()


def pick(page: Page, character: str) -> None:
    """Tap a character in the pinyin candidate bar."""
    page.locator("[data-candidate-list]").get_by_role("button", name=character, exact=True).click()


def draw_frame(page: Page) -> None:
    """Draw a zigzag on the current beat's frame and save it."""
    page.locator("[data-draw-open]").click()
    canvas = page.get_by_test_id("draw-canvas")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 120, box["y"] + 120)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + 120 + step * 60, box["y"] + 120 + (step % 2) * 220, steps=3)
    page.mouse.up()
    page.locator("[data-draw-save]").click()
    expect(page.locator("[data-frame-thumb]")).to_be_visible()


def next_step(page: Page) -> None:
    page.get_by_test_id("next").click()


def write_story(page: Page, *, title: str, beats: list[str], draw: bool = True,
                logline: str = "A story written at the kiosk", author: str = "Kiosk tester") -> int | None:
    """From the attract loop, write and send a story in English (ASCII text) on the kiosk's own
    keyboard, with a drawn frame per beat when `draw`. Returns the new story's id (None when
    the kiosk had to keep it for later, being offline).
    """
    page.get_by_test_id("touch-to-start").click()
    page.locator("[data-screen=flow] [data-language=en]").click()
    roles = page.locator("[data-theme-roles] li")
    expect(roles.first).to_be_visible()
    assert roles.count() == len(beats), f"this round has {roles.count()} beats"
    next_step(page)
    for text in (title, logline):
        type_keys(page, text)
        next_step(page)
    for beat in beats:
        type_keys(page, beat)
        if draw:
            draw_frame(page)
        next_step(page)
    type_keys(page, author)
    next_step(page)
    next_step(page)  # no ticket: Skip
    expect(page.get_by_test_id("preview")).to_be_visible()
    next_step(page)  # Send my story
    thanks = page.get_by_test_id("thanks")
    expect(thanks).to_be_visible(timeout=TIMEOUT)
    story_id = thanks.get_attribute("data-story-id")
    return int(story_id) if story_id else None
