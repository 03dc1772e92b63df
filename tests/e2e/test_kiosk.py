"""The My Story kiosk in a real browser (1920×1080), against a real server: stories typed on
its own on-screen keyboard (pinyin included), drawn frames, limits, offline sending, the idle
reset, and staff driving it live over Socket.IO.
"""
from __future__ import annotations

import io
import time
import uuid

import pytest
import requests
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.kiosk_steps import (TIMEOUT, draw_frame, key, next_step, open_kiosk, pick, type_keys,
                                   write_story)
from tests.live import StaffLogin, add_staff

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(browser_context_args):
    """The hall's landscape touch screen."""
    return {**browser_context_args, "viewport": {"width": 1920, "height": 1080}}


@pytest.fixture(scope="module")
def kiosk_login(live_server_env, live_server) -> StaffLogin:
    return add_staff(live_server_env, "kiosk-e2e@devices.local", "kiosk")


@pytest.fixture
def staff_api(live_admin) -> requests.Session:
    """The API as an admin (a moderator could do the same)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {live_admin.token}"
    return session


# The page runs under the app's strict CSP: any refused script, style or eval is recorded.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
"""


@pytest.fixture
def kiosk(page: Page, live_server, kiosk_login) -> Page:
    """A kiosk in its attract loop; afterwards, nothing it did may have broken the CSP."""
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    open_kiosk(page, live_server, kiosk_login.token)
    yield page
    assert page.evaluate("window.__cspViolations") == []


def unique_title(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def stories_titled(staff_api: requests.Session, base_url: str, title: str) -> list[dict]:
    answer = staff_api.get(f"{base_url}/api/v1/stories", params={"status": "all"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return [story for story in answer.json()["stories"] if story["title"] == title]


def wait_for_story(staff_api, base_url: str, title: str, deadline: float = 20.0) -> dict:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        found = stories_titled(staff_api, base_url, title)
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no story titled {title!r} reached the server")


def start_writing(page: Page, *, language: str | None = None) -> None:
    """From the attract loop to the title step."""
    page.get_by_test_id("touch-to-start").click()
    if language:
        page.locator(f"[data-screen=flow] [data-language={language}]").click()
    next_step(page)


def test_a_story_typed_in_pinyin_with_a_drawn_frame_reaches_the_server(kiosk: Page, live_server, staff_api,
                                                                        artifacts):
    start_writing(kiosk)  # zh: the kiosk's default language, keyboard in pinyin
    counter, field = kiosk.get_by_test_id("counter"), kiosk.get_by_test_id("field")
    expect(kiosk.get_by_test_id("next")).to_be_disabled()
    type_keys(kiosk, "ji")
    expect(kiosk.get_by_test_id("composition")).to_have_text("ji")
    expect(field).to_have_value("")  # pinyin waits in the candidate bar until a character is picked
    pick(kiosk, "机")
    type_keys(kiosk, "qi")
    pick(kiosk, "器")
    serial = uuid.uuid4().int % 10**6
    type_keys(kiosk, f"{serial}")  # digits go straight in
    title = f"机器{serial}"
    expect(field).to_have_value(title)
    expect(counter).to_have_text(f"{len(title)} / 40")
    next_step(kiosk)

    type_keys(kiosk, "wo")
    pick(kiosk, "我")
    type_keys(kiosk, "jiqi")  # two syllables: the first one's characters come first
    pick(kiosk, "机")
    pick(kiosk, "器")
    type_keys(kiosk, ".")  # a full stop in Chinese text
    expect(field).to_have_value("我机器。")
    next_step(kiosk)

    beats = ["人", "你", "好"]  # the demo's open round has 3 beats
    for index, (syllable, character) in enumerate(zip(("ren", "ni", "hao"), beats)):
        type_keys(kiosk, syllable)
        key(kiosk, "{space}").click()  # space takes the first candidate
        expect(field).to_have_value(character)
        if index == 0:
            draw_frame(kiosk)
        next_step(kiosk)

    type_keys(kiosk, "wo")
    pick(kiosk, "我")
    next_step(kiosk)
    expect(field).to_have_value("")
    expect(kiosk.get_by_test_id("next")).to_be_enabled()  # the ticket is optional
    next_step(kiosk)

    preview = kiosk.get_by_test_id("preview")
    expect(preview.locator("[data-preview-title]")).to_have_text(title)
    expect(preview.locator("[data-beat-text]")).to_have_text(beats)
    expect(preview.locator("[data-beat-frame]").first).to_be_visible()
    kiosk.screenshot(path=str(artifacts / "kiosk-preview.png"))
    next_step(kiosk)

    thanks = kiosk.get_by_test_id("thanks")
    expect(thanks).to_be_visible(timeout=TIMEOUT)
    expect(thanks).not_to_have_attribute("data-story-id", "")
    story = wait_for_story(staff_api, live_server, title)
    assert story["status"] == "pending"
    assert story["logline"] == "我机器。"
    assert story["beats"] == beats
    assert story["author"] == "我"
    assert story["locale"] == "zh"
    assert story["has_ticket"] is False
    assert story["frames"][0] and story["frames"][1:] == [None, None]
    assert thanks.get_attribute("data-story-id") == str(story["id"])

    # Approved: the kiosk tells its author at once, and the frame is public as a real PNG.
    approved = staff_api.post(f"{live_server}/api/v1/stories/{story['id']}/approve", timeout=10)
    assert approved.status_code == 200, approved.text
    expect(thanks).to_have_attribute("data-status", "approved", timeout=TIMEOUT)
    kiosk.locator("[data-screen=thanks] [data-language=en]").click()
    expect(kiosk.get_by_test_id("thanks-message")).to_have_text("Your story is on the big screen!")
    kiosk.screenshot(path=str(artifacts / "kiosk-thanks-approved.png"))
    frame = requests.get(live_server + story["frames"][0], timeout=10)
    assert frame.status_code == 200 and frame.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(frame.content)) as image:
        assert (image.format, image.size) == ("PNG", (800, 450))
        assert len(image.getcolors(maxcolors=1 << 16)) > 1  # something was drawn


def test_limits_show_as_you_type_and_server_refusals_in_the_kiosk_language(kiosk: Page, live_server, staff_api,
                                                                            artifacts):
    start_writing(kiosk, language="en")
    next_button, counter = kiosk.get_by_test_id("next"), kiosk.get_by_test_id("counter")
    reason = kiosk.get_by_test_id("next-reason")
    expect(next_button).to_be_disabled()
    expect(reason).to_have_text("Give your story a title.")
    expect(counter).to_have_text("0 / 40")

    type_keys(kiosk, "x" * 41)
    expect(counter).to_have_text("41 / 40")
    expect(counter).to_have_class("counter is-over")
    expect(next_button).to_be_disabled()
    expect(reason).to_have_text("Too long: 41 characters, at most 40. Remove 1.")
    kiosk.screenshot(path=str(artifacts / "kiosk-title-too-long.png"))
    key(kiosk, "{bksp}").click()
    expect(counter).to_have_text("40 / 40")
    expect(next_button).to_be_enabled()

    kiosk.locator("[data-clear]").click()
    title = unique_title("Limits")
    type_keys(kiosk, title)
    next_step(kiosk)
    for text in ("One line", "Begin", "Turn", "End", "Tester"):  # logline, 3 beats, nickname
        type_keys(kiosk, text)
        next_step(kiosk)

    type_keys(kiosk, "short")  # not a ticket code: refused before anything is sent
    expect(next_button).to_be_disabled()
    expect(reason).to_have_text("A ticket code is 16 to 64 letters, digits, - or _.")
    kiosk.locator("[data-clear]").click()
    type_keys(kiosk, "nosuchticket0123456789")  # well-formed, but no such ticket
    next_step(kiosk)
    next_step(kiosk)  # send: the server refuses the code, the kiosk takes the visitor back to it

    expect(kiosk.get_by_test_id("field-error")).to_have_text(
        "We do not know this ticket code. Check it, or leave it out.", timeout=TIMEOUT)
    expect(kiosk.locator("[data-text-question]")).to_have_text("Your ticket code (optional)")
    kiosk.screenshot(path=str(artifacts / "kiosk-unknown-ticket.png"))
    assert stories_titled(staff_api, live_server, title) == []  # nothing half-stored

    kiosk.locator("[data-clear]").click()
    next_step(kiosk)  # Skip
    next_step(kiosk)  # send again, without the ticket
    expect(kiosk.get_by_test_id("thanks")).to_be_visible(timeout=TIMEOUT)
    assert len(stories_titled(staff_api, live_server, title)) == 1


def test_the_co_writer_suggests_and_never_hangs_the_kiosk(kiosk: Page):
    start_writing(kiosk, language="en")
    suggestion, field = kiosk.get_by_test_id("suggestion"), kiosk.get_by_test_id("field")
    kiosk.locator("[data-cowriter=title]").click()
    use = suggestion.locator("[data-suggestion-use]")
    expect(use).to_be_visible(timeout=TIMEOUT)
    text = suggestion.locator("[data-suggestion-text]").text_content()
    use.click()
    expect(field).to_have_value(text)
    expect(suggestion).to_be_hidden()

    kiosk.route("**/api/v1/cowriter", lambda route: None)  # the co-writer never answers
    kiosk.locator("[data-cowriter=title]").click()
    expect(suggestion).to_have_attribute("data-state", "busy")
    expect(suggestion).to_have_attribute("data-state", "failed", timeout=10_000)  # given up after 6 s
    expect(suggestion.locator("[data-suggestion-text]")).to_contain_text("The co-writer is taking a break")
    expect(use).to_be_hidden()
    kiosk.locator("[data-suggestion-dismiss]").click()
    expect(suggestion).to_be_hidden()
    expect(field).to_have_value(text)
    expect(kiosk.get_by_test_id("next")).to_be_enabled()


def test_an_entry_sent_offline_is_kept_and_sent_once_when_back(kiosk: Page, live_server, staff_api, artifacts):
    title = unique_title("Offline")
    kiosk.context.set_offline(True)
    try:
        assert write_story(kiosk, title=title, beats=["Rain", "Wind", "Sun"], draw=False) is None
        expect(kiosk.get_by_test_id("thanks-message")).to_have_text(
            "Saved. It will be sent when the network is back.")
        kiosk.screenshot(path=str(artifacts / "kiosk-saved-offline.png"))
        outbox = kiosk.evaluate("JSON.parse(localStorage.getItem('backlot.kiosk.outbox'))")
        assert [entry["body"]["title"] for entry in outbox] == [title]
        assert stories_titled(staff_api, live_server, title) == []
    finally:
        kiosk.context.set_offline(False)

    expect(kiosk.get_by_test_id("thanks-message")).to_have_text(
        "Your story is with our moderators. Keep an eye on the big screen!", timeout=TIMEOUT)
    story = wait_for_story(staff_api, live_server, title)
    assert story["beats"] == ["Rain", "Wind", "Sun"]
    assert kiosk.evaluate("JSON.parse(localStorage.getItem('backlot.kiosk.outbox'))") == []
    kiosk.evaluate("window.dispatchEvent(new Event('online'))")  # another flush finds nothing to send
    assert len(stories_titled(staff_api, live_server, title)) == 1


def test_a_lost_answer_is_retried_with_the_same_nonce_and_makes_one_story(kiosk: Page, live_server, staff_api):
    """The server stores the story but its answer never arrives: the retry gets the first answer."""
    posts = []

    def swallow_the_answer(route):
        posts.append(route.request.post_data_json)
        route.fetch()   # the story reaches the server...
        route.abort()   # ...and the kiosk sees a network failure

    title = unique_title("Lost answer")
    kiosk.route("**/api/v1/stories", swallow_the_answer)
    assert write_story(kiosk, title=title, beats=["A", "B", "C"], draw=False) is None
    kiosk.unroute("**/api/v1/stories")
    assert len(stories_titled(staff_api, live_server, title)) == 1

    kiosk.evaluate("window.dispatchEvent(new Event('online'))")  # what the kiosk does when back online
    expect(kiosk.get_by_test_id("thanks")).to_have_attribute("data-status", "pending", timeout=TIMEOUT)
    story = stories_titled(staff_api, live_server, title)
    assert len(story) == 1
    assert kiosk.get_by_test_id("thanks").get_attribute("data-story-id") == str(story[0]["id"])
    assert len(posts) == 1 and len(posts[0]["nonce"]) == 32


def test_staff_set_the_kiosk_up_with_its_device_token(page: Page, live_server, kiosk_login, live_admin):
    page.goto(f"{live_server}/kiosk")
    setup = page.locator("[data-screen=setup]")
    expect(setup).to_be_visible(timeout=TIMEOUT)
    setup.locator("[data-language=en]").click()
    token = page.locator("[data-setup-token]")
    token.fill("blt_not-a-token")
    token.press("Enter")
    expect(setup.locator("[data-setup-error]")).to_have_text(
        "This token was refused. Check it, or issue a new one in the staff console.")
    token.fill(live_admin.token)
    token.press("Enter")
    expect(setup.locator("[data-setup-error]")).to_have_text("This token belongs to an account that is not a kiosk.")
    token.fill(kiosk_login.token)
    token.press("Enter")
    expect(page.get_by_test_id("touch-to-start")).to_be_visible(timeout=TIMEOUT)

    # Launched as `chromium --kiosk 'http://host/kiosk#token=…'`: kept, and gone from the address.
    page.evaluate("localStorage.clear()")
    page.goto("about:blank")
    open_kiosk(page, live_server, kiosk_login.token)
    assert "#" not in page.url
    assert page.evaluate("localStorage.getItem('backlot.kiosk.token')") == kiosk_login.token


def test_idle_clears_the_visit_and_returns_to_the_attract_loop(page: Page, live_server, kiosk_login):
    open_kiosk(page, live_server, kiosk_login.token, idle="3")
    start_writing(page, language="en")
    type_keys(page, "Forgotten")
    expect(page.get_by_test_id("field")).to_have_value("Forgotten")

    expect(page.get_by_test_id("touch-to-start")).to_be_visible(timeout=8000)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # back to the default language
    start_writing(page)
    expect(page.get_by_test_id("field")).to_have_value("")
    expect(page.get_by_test_id("counter")).to_have_text("0 / 40")


def test_staff_pause_and_resume_the_kiosk_live(kiosk: Page, live_server, staff_api, kiosk_login, artifacts):
    me = requests.get(f"{live_server}/api/v1/staff/me", timeout=10,
                      headers={"Authorization": f"Bearer {kiosk_login.token}"}).json()
    message = "Back at 11:00 <b>soon</b>"
    paused = staff_api.post(f"{live_server}/api/v1/kiosks/{me['id']}/pause", json={"message": message}, timeout=10)
    assert paused.status_code == 200, paused.text
    try:
        expect(kiosk.get_by_test_id("paused")).to_be_visible(timeout=TIMEOUT)
        expect(kiosk.get_by_test_id("paused-message")).to_have_text(message)
        kiosk.screenshot(path=str(artifacts / "kiosk-paused.png"))
    finally:
        resumed = staff_api.post(f"{live_server}/api/v1/kiosks/{me['id']}/resume", timeout=10)
        assert resumed.status_code == 200, resumed.text
    expect(kiosk.get_by_test_id("paused")).to_be_hidden(timeout=TIMEOUT)
    kiosk.get_by_test_id("touch-to-start").click()
    expect(kiosk.get_by_test_id("next")).to_be_visible()


def test_a_round_closing_mid_story_keeps_the_draft_and_says_so(kiosk: Page, live_server, staff_api):
    rounds = staff_api.get(f"{live_server}/api/v1/rounds", timeout=10).json()
    open_round = next(item for item in rounds["rounds"] if item["id"] == rounds["open_round_id"])
    start_writing(kiosk, language="en")
    type_keys(kiosk, "Too late")
    closed = staff_api.post(f"{live_server}/api/v1/rounds/{open_round['id']}/close", timeout=10)
    assert closed.status_code == 200, closed.text
    try:
        expect(kiosk.get_by_test_id("round-closed")).to_be_visible(timeout=TIMEOUT)
        kiosk.locator("[data-closed-review]").click()
        expect(kiosk.get_by_test_id("preview")).to_be_visible()
        expect(kiosk.locator("[data-preview-title]")).to_have_text("Too late")
        expect(kiosk.get_by_test_id("next")).to_be_disabled()
        expect(kiosk.get_by_test_id("next-reason")).to_have_text("This round is closed: the story cannot be sent.")
    finally:
        restored = staff_api.put(f"{live_server}/api/v1/rounds/{open_round['id']}", timeout=10, json={
            key: open_round[key] for key in ("title", "theme", "starts_at", "ends_at", "beat_count", "session_id")})
        assert restored.status_code == 200, restored.text
    # Open again (staff closed it by mistake): the draft may go on, once it is complete.
    expect(kiosk.get_by_test_id("next-reason")).to_have_text("Some parts need fixing first: tap Edit on them.",
                                                             timeout=TIMEOUT)
    expect(kiosk.locator("[data-preview-title]")).to_have_text("Too late")


def test_markup_typed_by_a_visitor_is_shown_as_text(kiosk: Page, artifacts):
    dialogs = []
    kiosk.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    start_writing(kiosk, language="en")
    title = "<b>Bold</b>"
    type_keys(kiosk, title)
    next_step(kiosk)
    logline = "<img src=x onerror=alert(1)>"
    type_keys(kiosk, logline)
    next_step(kiosk)
    while kiosk.locator("[data-text-question]").text_content() != "Your ticket code (optional)":
        type_keys(kiosk, "x")  # each beat, then the nickname
        next_step(kiosk)
    next_step(kiosk)  # Skip the ticket

    preview = kiosk.get_by_test_id("preview")
    expect(preview.locator("[data-preview-title]")).to_have_text(title)
    expect(preview.locator("[data-preview-logline]")).to_have_text(logline)
    assert preview.locator("b, [data-preview-logline] img").count() == 0
    kiosk.screenshot(path=str(artifacts / "kiosk-markup-as-text.png"))
    assert dialogs == []
