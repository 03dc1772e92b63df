"""Pausing a gate, seen live on its scanner: an admin pauses, the open /scan page shows it at
once (no reload), a scan there answers entry_paused, and resuming clears it."""
from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.test_scan import TIMEOUT, register_visitor, show_ticket, sign_in_gate

pytestmark = pytest.mark.e2e


def switch(live_server: str, admin, gate: str, action: str, **body) -> dict:
    answer = requests.post(f"{live_server}/api/v1/gates/{quote(gate)}/{action}", timeout=10, json=body or None,
                           headers={"Authorization": f"Bearer {admin.token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("language,title", [("en", "Entry paused at this gate"), ("zh", "本入口暂停入场")])
def test_a_paused_gate_shows_on_its_scanner_live_and_refuses_entries(page: Page, live_server, live_server_env,
                                                                      live_admin, artifacts, language, title):
    gate_name = f"Gate {uuid.uuid4().hex[:6]}"  # of its own: the live server is shared
    sign_in_gate(page, live_server, live_server_env)
    page.goto(f"{live_server}/lang/{language}?next=/scan")
    page.locator("#scan-gate").fill(gate_name)
    page.locator("[data-setup] button[type=submit]").click()
    scanner = page.locator("[data-scanner]")
    expect(scanner).to_have_attribute("data-pack-loaded", "true", timeout=TIMEOUT)
    banner = page.get_by_test_id("gate-paused")
    answer = page.get_by_test_id("scan-answer")
    expect(banner).to_be_hidden()

    try:
        # Staff name the gate as they type it: another case is the same gate.
        switch(live_server, live_admin, gate_name.upper(), "pause", reason="Queue to the street")
        expect(banner).to_be_visible(timeout=TIMEOUT)
        expect(banner).to_contain_text(title)
        expect(banner).to_contain_text("Queue to the street")

        code = register_visitor(live_server, f"Paused {uuid.uuid4().hex[:6]}")
        show_ticket(page, code)
        expect(answer).to_have_attribute("data-result", "entry_paused", timeout=TIMEOUT)
        expect(answer).to_contain_text(title)
        page.screenshot(path=str(artifacts / f"gate-paused-{language}.png"))
        page.evaluate("window.__clearCamera()")
    finally:
        switch(live_server, live_admin, gate_name.lower(), "resume")
    expect(banner).to_be_hidden(timeout=TIMEOUT)
    # Resumed: the ticket that was refused comes in (after the scanner's same-text pause).
    show_ticket(page, code)
    expect(answer).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
