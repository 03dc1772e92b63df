"""The gate scanner in a real browser: a fake camera shows a ticket's QR, the page answers.

The camera is an init script: getUserMedia returns a canvas stream, and the test draws a
ticket's QR (its real /t/<code>/qr.png) on that canvas, or clears it.
"""
from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.live import add_staff

pytestmark = pytest.mark.e2e

DAY = "2026-06-14"
TIMEOUT = 15_000

FAKE_CAMERA = """
(() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 480;
  const ctx = canvas.getContext("2d");
  let image = null;
  function draw() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (image) { ctx.drawImage(image, 170, 90, 300, 300); }
  }
  draw();
  setInterval(draw, 100);
  let loaded = null;
  // Load first (e.g. before going offline), show later.
  window.__loadTicket = (url) => new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => { loaded = img; resolve(true); };
    img.onerror = () => reject(new Error("no QR at " + url));
    img.src = url;
  });
  window.__showLoaded = () => { image = loaded; draw(); };
  window.__showTicket = (url) => window.__loadTicket(url).then(window.__showLoaded);
  window.__clearCamera = () => { image = null; draw(); };
  navigator.mediaDevices.getUserMedia = async () => canvas.captureStream(10);
})();
"""


def register_visitor(live_server: str, name: str) -> str:
    response = requests.post(f"{live_server}/api/v1/registrations", timeout=10, json={
        "name": name, "email": f"{uuid.uuid4().hex[:10]}@example.org", "days": [DAY], "sessions": [],
        "locale": "en", "consent": True})
    assert response.status_code == 201, response.text
    return response.json()["ticket"]["code"]


def sign_in_gate(page: Page, live_server, live_server_env):
    """A new gate account, signed in on `page`, with the fake camera ready for /scan."""
    gate = add_staff(live_server_env, f"gate-{uuid.uuid4().hex[:8]}@devices.local", "gate")
    page.add_init_script(FAKE_CAMERA)
    page.goto(f"{live_server}/lang/en?next=/staff/login")
    page.get_by_label("Email").fill(gate.email)
    page.get_by_label("Password").fill(gate.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff")
    return gate


@pytest.fixture
def gate_page(page: Page, live_server, live_server_env) -> Page:
    """A gate account signed in, on /scan at the Entrance, camera on."""
    sign_in_gate(page, live_server, live_server_env)
    page.goto(f"{live_server}/scan")
    page.get_by_label("Gate name").fill("North door")
    page.get_by_label("Checking in for").select_option(label="Entrance")
    page.get_by_role("button", name="Start scanning").click()
    expect(page.get_by_test_id("scanner-bar")).to_be_visible()
    return page


def show_ticket(page: Page, code: str) -> None:
    page.evaluate("url => window.__showTicket(url)", f"/t/{code}/qr.png")


def test_camera_scan_says_ok_then_already_checked_in(gate_page: Page, live_server):
    name = f"Visitor {uuid.uuid4().hex[:6]}"
    code = register_visitor(live_server, name)
    answer = gate_page.get_by_test_id("scan-answer")

    show_ticket(gate_page, code)
    expect(answer).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    expect(answer).to_contain_text(name)
    expect(answer).to_contain_text("Welcome in")

    # The same QR still in front of the camera: sent again after the 3 s pause.
    expect(answer).to_have_attribute("data-result", "already_checked_in", timeout=TIMEOUT)
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("Already checked in")
    expect(answer).to_contain_text("North door")


def test_offline_scan_is_answered_locally_and_synced(gate_page: Page, live_server):
    name = f"Offline {uuid.uuid4().hex[:6]}"
    code = register_visitor(live_server, name)  # before the pack is loaded below
    page = gate_page
    page.reload()  # the pack is fetched when scanning starts
    page.get_by_label("Gate name").fill("South door")
    page.get_by_role("button", name="Start scanning").click()
    scanner = page.locator("[data-scanner]")
    expect(scanner).to_have_attribute("data-pack-loaded", "true", timeout=TIMEOUT)
    waiting = page.get_by_test_id("waiting")
    answer = page.get_by_test_id("scan-answer")

    page.evaluate("url => window.__loadTicket(url)", f"/t/{code}/qr.png")
    page.context.set_offline(True)
    expect(page.locator("[data-net]")).to_have_text("Offline")
    page.evaluate("window.__showLoaded()")
    expect(answer).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    expect(answer).to_have_attribute("data-local", "true")
    expect(waiting).to_have_text("1 waiting")
    page.evaluate("window.__clearCamera()")

    page.context.set_offline(False)
    expect(page.locator("[data-net]")).to_have_text("Connected", timeout=TIMEOUT)
    expect(waiting).to_have_text("0 waiting", timeout=TIMEOUT)
    expect(page.locator("[data-conflict-count]")).to_have_text("0")

    # The server has the check-in: an online scan of the same ticket is refused.
    page.evaluate("window.__showLoaded()")
    expect(answer).to_have_attribute("data-result", "already_checked_in", timeout=TIMEOUT)
    expect(answer).to_have_attribute("data-local", "false")
    expect(answer).to_contain_text(name)
    expect(answer).to_contain_text("South door")
