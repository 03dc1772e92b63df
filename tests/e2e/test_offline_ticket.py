"""The ticket offline: once opened, the ticket page and its QR code come back with no network
(static/js/ticket-sw.js), and a management link's key is never what is kept."""
from __future__ import annotations

import uuid

import pytest
import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def registered(live_server: str) -> dict:
    """A fresh ticket for 14 June through the API: its T object (code, url, manage_key, manage_url)."""
    answer = requests.post(f"{live_server}/api/v1/registrations", timeout=10, json={
        "name": f"Offline {uuid.uuid4().hex[:6]}", "email": f"{uuid.uuid4().hex[:10]}@example.org",
        "days": ["2026-06-14"], "sessions": [], "locale": "en", "consent": True})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    yield context
    context.close()


def open_and_keep(page: Page, url: str) -> None:
    """Open the ticket online and wait until the worker controls the page and has kept it."""
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("html")).to_have_attribute("data-offline", "ready")


def kept_urls(page: Page) -> list[str]:
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        }
        return urls;
    }""")


def kept_bodies(page: Page) -> str:
    return page.evaluate("""async () => {
        let all = "";
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) all += (await (await cache.match(request)).text());
        }
        return all;
    }""")


def test_an_opened_ticket_shows_its_qr_code_with_no_network(phone, live_server, artifacts):
    ticket = registered(live_server)
    holder = requests.get(f"{live_server}/api/v1/tickets/{ticket['code']}", timeout=10).json()
    page = phone.new_page()
    open_and_keep(page, ticket["url"])
    name = page.locator(".pass__holder").inner_text()

    phone.set_offline(True)
    page.reload()
    expect(page.locator(".pass__holder")).to_have_text(name)
    assert name.startswith("Offline ")
    # The stylesheets came from the kept copy too.
    assert page.evaluate("""[...document.querySelectorAll("link[rel=stylesheet]")]
        .every((link) => link.sheet && link.sheet.cssRules.length > 0)""")
    # The QR image (the "Save the QR code" file) loads offline ...
    saved = page.locator(".ticket-actions a[download]").get_attribute("href")
    width = page.evaluate("""(src) => new Promise((resolve) => {
        const image = new Image();
        image.onload = () => resolve(image.naturalWidth);
        image.onerror = () => resolve(0);
        image.src = src;
    })""", saved)
    assert width > 0
    # ... and the QR on the page decodes to the ticket's URL.
    shot = artifacts / "offline-ticket-qr.png"
    page.locator("#ticket-qr").screenshot(path=str(shot))
    page.screenshot(path=str(artifacts / "offline-ticket-390.png"), full_page=True)
    assert [result.text for result in zxingcpp.read_barcodes(Image.open(shot))] == [ticket["url"]]
    assert holder["ticket"]["url"] == ticket["url"]


def test_a_management_link_is_kept_without_its_key(phone, live_server):
    """The registrant first lands on the management link: the copy kept is the plain ticket,
    and the key is nowhere in the cache (neither in a URL nor in a page's forms)."""
    ticket = registered(live_server)
    page = phone.new_page()
    open_and_keep(page, ticket["manage_url"])
    expect(page.get_by_test_id("manage-note")).to_be_visible()
    page.reload()  # now under the worker's control: the keyed page passes through it
    expect(page.get_by_test_id("manage-note")).to_be_visible()

    urls = kept_urls(page)
    assert ticket["url"] in urls
    assert not [url for url in urls if ticket["manage_key"] in url or "key=" in url]
    assert ticket["manage_key"] not in kept_bodies(page)

    # Offline, the management link still shows the ticket (without the cancel buttons).
    phone.set_offline(True)
    page.goto(ticket["manage_url"])
    expect(page.locator("#ticket-qr")).to_be_visible()
    expect(page.get_by_test_id("manage-by-mail")).to_be_visible()
    expect(page.locator("form[action$='/cancel']")).to_have_count(0)


def test_staff_pages_are_outside_the_workers_scope(phone, live_server):
    ticket = registered(live_server)
    page = phone.new_page()
    open_and_keep(page, ticket["url"])
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.scope)")
    assert scope == f"{live_server}/t/"
    page.goto(f"{live_server}/staff/login")
    assert page.evaluate("navigator.serviceWorker.controller") is None
    assert not [url for url in kept_urls(page) if "/staff" in url]
