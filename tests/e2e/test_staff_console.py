"""The staff console in a real browser: sign in, add a session, clashes, the live dashboard.

All tests share one live server and its database, so each one adds sessions with
titles of its own, in a venue and at a time that no other test (and no seeded
session) uses on 14 June.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.live import StaffLogin

pytestmark = pytest.mark.e2e

DAY = "2026-06-14"
#: Socket.IO push + re-fetch: generous, it is a real server on a busy machine.
LIVE_TIMEOUT = 10_000


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def sign_in(page: Page, live_server: str, admin: StaffLogin) -> None:
    """Through the real sign-in form, in English."""
    page.goto(f"{live_server}/lang/en?next=/staff/login")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff")
    expect(page.locator(".site-nav")).to_contain_text("Sessions")


def fill_session(page: Page, *, title_en: str, title_zh: str, venue: str, starts: str, ends: str,
                 kind: str = "Workshop", capacity: str = "") -> None:
    """Fill the "Add a session" form (already open) and save it."""
    page.get_by_label("Title (Chinese)").fill(title_zh)
    page.get_by_label("Title (English)").fill(title_en)
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label("Venue").select_option(label=venue)
    page.get_by_label("Day").select_option(DAY)
    page.get_by_label("Starts").fill(starts)
    page.get_by_label("Ends").fill(ends)
    page.get_by_label(re.compile("^Capacity")).fill(capacity)
    page.get_by_role("button", name="Save").click()


def add_session(page: Page, live_server: str, **fields) -> None:
    """From the Sessions page, as an admin would; lands back on the list with the day shown."""
    page.goto(f"{live_server}/staff/schedule?day={DAY}")
    page.get_by_role("link", name="Add a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a session")
    fill_session(page, **fields)
    expect(page.get_by_role("status").filter(has_text="Session added.")).to_be_visible()


def console_row(page: Page, title: str):
    return page.get_by_test_id("console-sessions").locator("tr", has_text=title)


def test_admin_adds_a_workshop_and_the_public_schedule_shows_it(page: Page, live_server: str,
                                                                live_admin: StaffLogin):
    title = unique("Workshop: Prompting light")
    sign_in(page, live_server, live_admin)

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions")
    page.get_by_role("link", name="Add a session").click()
    # Workshop Room A is free between 12:30 and 14:00 on 14 June in the seed.
    fill_session(page, title_en=title, title_zh="工作坊：提示词布光", venue="Workshop Room A",
                 starts="12:30", ends="13:30", capacity="16")

    expect(page).to_have_url(re.compile(rf"/staff/schedule\?day={DAY}$"))
    expect(page.get_by_role("status").filter(has_text="Session added.")).to_be_visible()
    row = console_row(page, title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("12:30–13:30")
    expect(row).to_contain_text("Workshop Room A")
    expect(row).to_contain_text("0 / 16")

    page.goto(f"{live_server}/schedule?lang=en&day={DAY}&kind=workshop")
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("14 Jun")
    expect(page.locator(".chip[aria-current]")).to_have_text("Workshop")
    card = page.locator(".slot", has_text=title)
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-kind", "workshop")
    expect(card.locator(".slot__time")).to_have_text("12:30–13:30")
    expect(card.locator(".slot__venue")).to_have_text("Workshop Room A")
    expect(card.locator(".slot__places")).to_have_text("16 places left")


def test_a_clash_in_the_same_venue_is_refused_naming_the_other_session(page: Page, live_server: str,
                                                                       live_admin: StaffLogin):
    first = unique("Talk: Lighting the hall")
    second = unique("Talk: Double booked")
    sign_in(page, live_server, live_admin)
    # JINJUE Hall only has the premiere (14:00–16:00) on 14 June.
    add_session(page, live_server, title_en=first, title_zh="讲座：大厅布光", venue="JINJUE Hall",
                kind="Talk", starts="17:00", ends="18:00")

    page.get_by_role("link", name="Add a session").click()
    fill_session(page, title_en=second, title_zh="讲座：重复预订", venue="JINJUE Hall",
                 kind="Talk", starts="17:30", ends="18:30")

    expect(page.get_by_role("alert").filter(has_text="JINJUE Hall is taken by")).to_have_text(
        f"JINJUE Hall is taken by \u201c{first}\u201d from 17:00 to 18:00.")
    expect(page.locator(".field--error", has=page.get_by_label("Starts"))).to_contain_text(
        "Overlaps another session in this venue.")
    expect(page.get_by_label("Starts")).to_have_attribute("aria-invalid", "true")
    # What was typed is kept, ready to be moved to another time.
    expect(page.get_by_label("Title (English)")).to_have_value(second)

    page.goto(f"{live_server}/staff/schedule?day={DAY}")
    expect(console_row(page, first)).to_have_count(1)
    expect(console_row(page, second)).to_have_count(0)


def test_dashboard_shows_a_cancellation_without_a_reload(page: Page, new_context, live_server: str,
                                                         live_admin: StaffLogin):
    title = unique("Workshop: Night shoot")
    sign_in(page, live_server, live_admin)
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live")
    today = page.get_by_test_id("today-sessions")
    page.evaluate("window.sameDocument = true")

    editor = new_context().new_page()
    sign_in(editor, live_server, live_admin)
    # Workshop Room B is free after 18:30 on 14 June in the seed.
    add_session(editor, live_server, title_en=title, title_zh="工作坊：夜景拍摄", venue="Workshop Room B",
                starts="19:00", ends="19:45", capacity="12")

    watched = today.locator("tr", has_text=title)
    expect(watched).to_contain_text("0 / 12", timeout=LIVE_TIMEOUT)
    expect(watched).not_to_contain_text("Cancelled")

    # Cancelling asks first; saying no changes nothing.
    cancel = console_row(editor, title).get_by_role("button", name="Cancel")
    editor.once("dialog", lambda dialog: dialog.dismiss())
    cancel.click()
    expect(console_row(editor, title)).not_to_contain_text("Cancelled")

    questions = []
    editor.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    cancel.click()
    expect(editor.get_by_role("status").filter(has_text="Session cancelled.")).to_be_visible()
    expect(console_row(editor, title)).to_contain_text("Cancelled")
    assert questions and title in questions[0]

    expect(watched).to_contain_text("Cancelled", timeout=LIVE_TIMEOUT)
    expect(watched).to_have_class(re.compile(r"\bis-cancelled\b"))
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded


def test_demo_clock_banner_is_on_staff_pages(page: Page, live_server: str, live_admin: StaffLogin):
    page.goto(f"{live_server}/lang/en?next=/staff/login")
    banner = page.get_by_test_id("demo-clock")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Demo clock")
    expect(banner).to_contain_text("14 June")

    sign_in(page, live_server, live_admin)
    for path in ("/staff", "/staff/schedule", "/staff/venues", "/staff/accounts", "/staff/audit"):
        page.goto(live_server + path)
        expect(page.get_by_test_id("demo-clock")).to_be_visible()
        expect(page.get_by_test_id("demo-clock")).to_contain_text("14 June")


def test_new_credentials_are_shown_once_and_destructive_actions_ask_first(page: Page, live_server: str,
                                                                          live_admin: StaffLogin):
    gate = f"gate-{uuid.uuid4().hex[:8]}@example.org"
    kiosk = f"kiosk-{uuid.uuid4().hex[:8]}@devices.local"
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    sign_in(page, live_server, live_admin)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Accounts").click()

    page.get_by_label(re.compile("^Email")).fill(gate)
    page.get_by_label("Role").select_option("gate")
    page.get_by_role("button", name="Add", exact=True).click()
    issued = page.get_by_test_id("issued-credentials")
    expect(issued).to_contain_text(gate)
    first_password = page.get_by_test_id("issued-password").inner_text()
    row = page.get_by_test_id("accounts").locator("tr", has_text=gate)
    expect(row).to_contain_text("gate")

    page.reload()
    expect(issued).to_have_count(0)

    row.get_by_role("button", name="New password").click()
    expect(page.get_by_test_id("issued-password")).not_to_have_text(first_password)
    expect(issued).to_contain_text(gate)
    assert gate in questions[-1]

    # The add form on the page a re-issue answered with still adds an account.
    page.get_by_label(re.compile("^Email")).fill(kiosk)
    page.get_by_label("Role").select_option("kiosk")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(issued).to_contain_text(kiosk)
    expect(page.get_by_test_id("issued-token")).to_have_text(re.compile(r"^blt_"))
    expect(page.get_by_test_id("accounts").locator("tr", has_text=kiosk)).to_contain_text("kiosk")

    row.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("status").filter(has_text="Account updated.")).to_be_visible()
    expect(row).to_contain_text("Disabled")
    assert "Disable" in questions[-1] and gate in questions[-1]
