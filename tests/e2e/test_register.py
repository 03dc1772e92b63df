"""Registering on a phone in a real browser: the form, its script, the ticket and its QR code."""
from __future__ import annotations

import re
import uuid

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(browser: Browser):
    """A page on a phone-sized screen whose browser asks for Chinese."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_a_visitor_registers_in_chinese_and_gets_a_scannable_ticket(phone_page, live_server, artifacts):
    page = phone_page
    page.goto(f"{live_server}/register")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    first_day, second_day = (page.locator(f"[data-session-day='{day}']") for day in ("2026-06-14", "2026-06-15"))
    # register.js shows a day's sessions once the day is chosen.
    expect(first_day).to_be_hidden()
    page.locator("input[name=days][value='2026-06-14']").check()
    expect(first_day).to_be_visible()
    expect(second_day).to_be_hidden()

    workshop = first_day.locator(".choice--session").filter(has=page.locator(".badge--workshop")).first
    title = workshop.locator(".choice__title").inner_text()
    workshop.locator("input").check()
    page.locator("#name").fill("李雷")
    page.locator("#email").fill(f"li-{uuid.uuid4().hex[:8]}@example.org")
    expect(page.locator("#companions-0")).to_be_hidden()
    page.locator("[data-add-companion]").click()
    page.locator("#companions-0").fill("韩梅梅")
    page.locator("#consent").check()
    page.locator(".register__submit").click()

    # The registrant lands on the ticket's management link; its QR code is the plain ticket URL.
    expect(page).to_have_url(re.compile(r"/t/[\w-]{22}\?key=[\w-]{22}$"))
    expect(page.get_by_test_id("manage-note")).to_be_visible()
    expect(page.locator(".flashes .notice--ok")).to_be_visible()
    expect(page.locator(".pass__holder")).to_have_text("李雷")
    expect(page.locator(".booked__title")).to_have_text(title)
    expect(page.locator(".seat-status")).to_have_text("已确认")
    expect(page.locator(".group__name")).to_have_text("韩梅梅")

    shot = artifacts / "register-ticket-qr.png"
    page.locator("#ticket-qr").screenshot(path=str(shot))
    page.screenshot(path=str(artifacts / "register-ticket-zh-390.png"), full_page=True)
    assert [result.text for result in zxingcpp.read_barcodes(Image.open(shot))] == [page.url.partition("?")[0]]

    # Giving up the workshop asks first (confirm.js), then shows the place as cancelled.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".booked__item").get_by_role("button").click()
    expect(page.locator(".seat-status")).to_have_text("已取消")

    # The page the QR code opens shows the ticket, but no cancel button: that takes the mailed link.
    page.goto(page.url.partition("?")[0])
    expect(page.get_by_test_id("manage-by-mail")).to_be_visible()
    expect(page.locator(".ticket-cancel button")).to_have_count(0)
