"""The public schedule in a real browser: it renders, its filters narrow it, the language switches."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def open_schedule(page: Page, live_server: str, locale: str = "en") -> None:
    """Go to the schedule through the language switch, as a visitor who chose `locale`."""
    page.goto(f"{live_server}/lang/{locale}?next=/schedule")
    expect(page.locator("html")).to_have_attribute("lang", locale)


def shown_kinds(page: Page) -> list[str]:
    return page.locator(".slot").evaluate_all("slots => slots.map(slot => slot.dataset.kind)")


def test_schedule_renders_today_grouped_by_time(page: Page, live_server: str):
    open_schedule(page, live_server)

    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")
    # The demo clock reads 14 June 2026, 10:30 in Shanghai.
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("14 Jun")
    expect(page.locator(".time-group__time").first).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.locator(".slot").first).to_be_visible()
    expect(page.locator(".slot__places").first).to_have_text(
        re.compile(r"places? left|Full|Open to all"))


def test_day_kind_and_venue_filters_narrow_the_list(page: Page, live_server: str):
    open_schedule(page, live_server)
    first_day = page.locator(".slot__title").all_inner_texts()

    page.locator(".day-tabs").get_by_role("link", name=re.compile("15 Jun")).click()
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("15 Jun")
    expect(page).to_have_url(re.compile(r"day=2026-06-15"))
    second_day = page.locator(".slot__title").all_inner_texts()
    assert second_day and second_day != first_day

    page.locator(".chips").get_by_role("link", name="Workshop", exact=True).click()
    expect(page.locator(".chip[aria-current]")).to_have_text("Workshop")
    expect(page).to_have_url(re.compile(r"day=2026-06-15.*kind=workshop|kind=workshop.*day=2026-06-15"))
    workshops = shown_kinds(page)
    assert 0 < len(workshops) < len(second_day)
    assert set(workshops) == {"workshop"}
    expect(page.locator(".slot .badge").first).to_have_text("Workshop")

    # The venue list applies on change (filters.js), keeping the day and kind.
    venue = page.locator("#venue-select")
    room = page.locator(".slot__venue").first.inner_text()
    with page.expect_navigation():
        venue.select_option(label=room)
    expect(page).to_have_url(re.compile(r"venue=\d+"))
    expect(venue.locator("option:checked")).to_have_text(room)
    expect(page.locator(".slot__venue").first).to_be_visible()
    assert set(page.locator(".slot__venue").all_inner_texts()) == {room}
    assert set(shown_kinds(page)) == {"workshop"}


def test_language_switch_changes_the_text_and_keeps_the_page(page: Page, live_server: str):
    open_schedule(page, live_server)
    page.locator(".day-tabs").get_by_role("link", name=re.compile("15 Jun")).click()
    expect(page).to_have_url(re.compile(r"day=2026-06-15"))

    page.locator(".lang-switch").get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.get_by_role("heading", level=1)).to_have_text("日程")
    expect(page.locator(".site-nav")).to_contain_text("影片")
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("6月15日")
    expect(page).to_have_url(re.compile(r"/schedule\?day=2026-06-15$"))

    page.locator(".lang-switch").get_by_role("link", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("15 Jun")


def test_home_refreshes_now_and_next_by_itself(page: Page, live_server: str):
    page.clock.install()
    page.goto(f"{live_server}/lang/en?next=/")
    block = page.locator("#now-next")
    expect(block.locator(".section-title").first).to_have_text("On now")
    block.evaluate("element => { element.textContent = 'stale'; }")

    page.clock.run_for(31_000)  # live.js re-fetches the block every 30 s

    expect(block.locator(".section-title").first).to_have_text("On now")
    expect(block.locator(".slot").first).to_be_visible()
