"""The screens gallery: one clean screenshot of each of Backlot's screens, on the device it is
made for, with what the screen must show asserted first.

The module has a server of its own, so the day looks like a real one and nothing else: the
seeded demo programme, a family registered in Chinese, visitors checked in at the door, My
Story entries in Chinese and English (drawn frames included), a few waiting for a moderator,
votes, and a juror's scores. Every shot goes to test-artifacts/screens/; with
UPDATE_DOCS_SCREENSHOTS=1 (`make screenshots`) it is also written to docs/screenshots/,
optimised, for docs/screens.md and the README.
"""
from __future__ import annotations

import base64
import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import ARTIFACTS, seeded_environment, serve
from tests.e2e.kiosk_steps import open_kiosk, pick, type_keys
from tests.e2e.test_display import open_display
from tests.e2e.test_moderation import sign_in
from tests.e2e.test_scan import FAKE_CAMERA
from tests.live import StaffLogin, add_staff

pytestmark = pytest.mark.e2e

DAY = "2026-06-14"
TIMEOUT = 15_000
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESK = {"width": 1440, "height": 900}
SCREEN = {"width": 1920, "height": 1080}  # the kiosk's and the displays' landscape screens
SHOTS = ARTIFACTS / "screens"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: The hall's address as the screens show it (plain http: the test server has no certificate).
PUBLIC_ORIGIN = "http://backlot.siff.example"
#: What one committed screenshot may weigh.
DOCS_MAX_BYTES = 250 * 1024


def keep(target: Page | Locator, name: str, *, full_page: bool = False, down_to: Locator | None = None) -> None:
    """Screenshot `target` as <name>.png into the artefacts and, when asked, into docs/ (optimised).

    `down_to`: the page from its top down to the bottom of that element (a long page's first part)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}.png"
    options = {"path": str(shot), "animations": "disabled", "caret": "hide"}
    if isinstance(target, Locator):
        target.screenshot(**options)
    elif down_to is not None:
        target.evaluate("window.scrollTo(0, 0)")  # sticky bars in their place at the top
        box = down_to.bounding_box()
        bottom = box["y"] + box["height"] + 32
        target.screenshot(**options, full_page=True,
                          clip={"x": 0, "y": 0, "width": target.viewport_size["width"], "height": bottom})
    else:
        target.screenshot(**options, full_page=full_page)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        published = DOCS / f"{name}.png"
        with Image.open(shot) as image:
            image = image.convert("RGB")
            image.save(published, optimize=True)
            if published.stat().st_size > DOCS_MAX_BYTES:  # a palette keeps UI screens crisp at a third
                image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(published, optimize=True)
        assert published.stat().st_size <= DOCS_MAX_BYTES, f"{published} weighs {published.stat().st_size} bytes"


# --- The day's data, made through the API as phones, kiosks, gates and staff make it -----------

def frame(sky: str, ground: str, moon: str) -> str:
    """A kiosk drawing (800×450 PNG data URL): a sky, a skyline and a moon."""
    image = Image.new("RGB", (800, 450), sky)
    pen = ImageDraw.Draw(image)
    pen.ellipse((560, 60, 660, 160), fill=moon)
    for index, (width, height) in enumerate([(90, 170), (60, 240), (120, 130), (70, 300), (100, 190),
                                             (80, 150), (110, 220), (70, 120)]):
        left = index * 100
        pen.rectangle((left, 450 - height, left + width, 450), fill=ground)
        for row in range(450 - height + 20, 440, 36):
            pen.rectangle((left + 14, row, left + 28, row + 14), fill=moon)
    pen.line([(0, 430), (800, 430)], fill=moon, width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


#: Round 1 of the demo programme (open at the demo clock, 3 beats): "A message from tomorrow arrives today".
STORIES = [
    {"locale": "zh", "author": "小雨", "title": "明天的来信",
     "logline": "邮差把一封明天寄出的信，提前一天送到了外婆手里。",
     "beats": ["信封上的邮戳，是明天的日期。", "外婆照着信里的话，出门时带上了伞。", "第二天果然下雨，她笑着给昨天的自己回了信。"],
     "frames": [frame("#1d2a4a", "#0d1324", "#f2c14e"), None, frame("#37506b", "#17202c", "#cfe3f2")]},
    {"locale": "en", "author": "Mei", "title": "The Lighthouse Keeper",
     "logline": "On her last night at the lighthouse, she answers a radio call from 2040.",
     "beats": ["The radio crackles with a voice that sounds like her own.",
               "It asks her to keep the light burning one more night.",
               "At dawn a ship she saved comes home, carrying her granddaughter."],
     "frames": [frame("#23395b", "#101826", "#ffd166"), frame("#3c1f4d", "#1b0f24", "#f28482"), None]},
    {"locale": "zh", "author": "阿杰", "title": "未来的天气预报",
     "logline": "一台旧收音机，每天播报的是明天真实发生的事。",
     "beats": ["他在旧货市场买下一台会说明天的收音机。", "他试着改变预报里的一场事故。", "收音机第一次沉默了，城市照常醒来。"],
     "frames": [frame("#2a3d2f", "#111a13", "#e9f5db"), None, None]},
    {"locale": "en", "author": "Tom", "title": "Night Tram to Tomorrow",
     "logline": "The last tram of the night stops at a station that opens tomorrow.",
     "beats": ["A sleepy commuter misses his stop.", "The doors open onto a platform still being built.",
               "He leaves a note for the builders, and they leave one back."],
     "frames": None},
    {"locale": "zh", "author": "Lina", "title": "时间胶囊",
     "logline": "十年前埋下的时间胶囊，今天寄回了一张明天的照片。",
     "beats": ["同学们约好十年后一起打开胶囊。", "胶囊里只有一张照片，拍的是明天的聚会。", "照片里多了一个人，他们决定去找她。"],
     "frames": None},
]
#: Left for a moderator: one that the abuse screen flags, one plain.
WAITING = [
    {"locale": "en", "author": "Sam", "title": "Paper Moon",
     "logline": "A child folds a paper moon that rises tonight.",
     "beats": ["God damn, the paper moon actually floats.", "The whole street looks up.", "By morning it is a real one."]},
    {"locale": "zh", "author": "小周", "title": "雨后的站台",
     "logline": "雨停之后，站台上出现了一把明天才会丢的伞。",
     "beats": ["她捡起那把伞。", "伞柄上写着她自己的名字。", "第二天，她在同一个站台把伞借给了一个陌生人。"]},
]
#: Visitors at the door this morning (each checked in, each with 3 votes): who votes for what.
VOTERS = {"王芳": [0, 1, 2], "陈晨": [0, 1], "Olivia Brown": [0, 3], "李娜": [1, 0, 4],
          "James Miller": [0, 2], "张伟": [1, 3], "Chloé Martin": [0]}
JURY_MARKS = {0: ({"story": 9, "emotion": 9, "use_of_ai": 7, "craft": 8}, "温暖又克制的结尾。"),
              1: ({"story": 8, "emotion": 9, "use_of_ai": 8, "craft": 9}, "A strong, simple idea."),
              2: ({"story": 7, "emotion": 6, "use_of_ai": 9, "craft": 7}, "")}


@dataclass(frozen=True)
class Day:
    """What the module's day holds: ids and codes the screens are checked against."""
    family_code: str          # 林小雨's ticket (registered in Chinese with two companions)
    voter_code: str           # Olivia Brown's ticket: checked in, votes cast
    story_ids: list[int]      # STORIES, approved, in order
    waiting_ids: list[int]    # WAITING, pending
    round_id: int


def api(base_url: str, login: StaffLogin | None, method: str, path: str, body: dict | None = None,
        status: int = 200) -> dict | None:
    headers = {"Authorization": f"Bearer {login.token}"} if login else {}
    answer = requests.request(method, f"{base_url}/api/v1{path}", json=body, headers=headers, timeout=30)
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


def register(base_url: str, name: str, *, locale: str = "en", companions: tuple[str, ...] = (),
             sessions: tuple[int, ...] = ()) -> dict:
    slug = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) or "visitor"
    return api(base_url, None, "POST", "/registrations", {
        "name": name, "email": f"{slug}.{uuid.uuid4().hex[:6]}@example.org", "days": [DAY],
        "sessions": list(sessions), "locale": locale, "consent": True,
        "companions": [{"name": companion} for companion in companions]}, status=201)


@pytest.fixture(scope="module")
def live_server_env(tmp_path_factory) -> dict:
    env = seeded_environment(tmp_path_factory.mktemp("gallery-instance"))
    # QR codes and the displays' join card show a public address rather than the test's port.
    return {**env, "BACKLOT_BASE_URL": PUBLIC_ORIGIN}


@pytest.fixture(scope="module")
def live_server(live_server_env):
    with serve(live_server_env) as url:
        yield url


@pytest.fixture(scope="module")
def admin(live_server_env) -> StaffLogin:
    return add_staff(live_server_env, "duty-manager@siff.example.org", "admin")


@pytest.fixture(scope="module")
def gate(live_server_env) -> StaffLogin:
    return add_staff(live_server_env, "gate-north@devices.local", "gate")


@pytest.fixture(scope="module")
def juror(live_server_env) -> StaffLogin:
    return add_staff(live_server_env, "juror-1@jury.local", "jury")


@pytest.fixture(scope="module")
def day(live_server, admin, gate, kiosk, juror) -> Day:
    schedule = api(live_server, None, "GET", "/schedule")
    workshops = [item["id"] for item in schedule["sessions"]
                 if item["kind"] == "workshop" and item["requires_registration"] and item["starts_at"].startswith(DAY)]
    family = register(live_server, "林小雨", locale="zh", companions=("林大山", "Anna Lin"), sessions=tuple(workshops[:1]))

    story_ids = []
    for story in STORIES:
        body = {key: value for key, value in story.items() if value is not None}
        sent = api(live_server, kiosk, "POST", "/stories", {**body, "nonce": uuid.uuid4().hex}, status=201)
        api(live_server, admin, "POST", f"/stories/{sent['id']}/approve")
        story_ids.append(sent["id"])
    waiting_ids = [api(live_server, kiosk, "POST", "/stories", {**story, "nonce": uuid.uuid4().hex}, status=201)["id"]
                   for story in WAITING]

    codes = {}
    for name, choices in VOTERS.items():
        code = register(live_server, name, locale="zh" if re.search(r"[\u4e00-\u9fff]", name) else "en")["ticket"]["code"]
        checked = api(live_server, gate, "POST", "/checkins", {"scan": code, "gate": "North door", "session_id": None})
        assert checked["result"] == "ok", checked
        for index in choices:
            api(live_server, None, "POST", "/votes", {"ticket_code": code, "story_id": story_ids[index]}, status=201)
        codes[name] = code
    for index, (marks, comment) in JURY_MARKS.items():
        api(live_server, juror, "PUT", f"/jury/scores/{story_ids[index]}", {"scores": marks, "comment": comment})
    round_id = api(live_server, None, "GET", "/leaderboard")["round"]["id"]
    return Day(family_code=family["ticket"]["code"], voter_code=codes["Olivia Brown"], story_ids=story_ids,
               waiting_ids=waiting_ids, round_id=round_id)


@pytest.fixture
def device(browser: Browser):
    """new(viewport, locale, ...) → a page in a context of its own, at 1 device pixel a CSS pixel."""
    contexts: list[BrowserContext] = []

    def new(viewport: dict, locale: str = "en-GB", *, touch: bool = False, camera: bool = False) -> Page:
        context = browser.new_context(viewport=viewport, locale=locale, device_scale_factor=1,
                                      has_touch=touch, is_mobile=touch and viewport["width"] < 800,
                                      timezone_id="Asia/Shanghai")
        if camera:
            context.add_init_script(FAKE_CAMERA)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def staff_desk(browser: Browser, live_server, admin):
    """The duty manager's laptop, signed in once for the staff screens (sign-in is rate-limited)."""
    context = browser.new_context(viewport=DESK, locale="en-GB", device_scale_factor=1, timezone_id="Asia/Shanghai")
    page = context.new_page()
    sign_in(page, live_server, admin)
    yield page
    context.close()


# --- The visitor's phone -----------------------------------------------------------------------

def test_visitor_home_in_chinese(device, live_server, day):
    page = device(PHONE, "zh-CN", touch=True)
    page.goto(f"{live_server}/?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator(".hero__title")).to_contain_text("AI BACKLOT")
    expect(page.locator("#now-next")).to_contain_text("第一轮")  # the My Story round on now
    keep(page, "visitor-home-zh")


def test_schedule_in_english(device, live_server, day):
    page = device(PHONE, touch=True)
    page.goto(f"{live_server}/schedule?lang=en&day={DAY}")
    expect(page.locator(".day-tab[aria-current]")).to_contain_text("14 Jun")
    expect(page.locator(".slot").first).to_be_visible()
    expect(page.locator(".slot", has_text="My Story").first).to_be_visible()
    keep(page, "schedule-en")


def test_register_form(device, live_server, day):
    page = device(PHONE, touch=True)
    page.goto(f"{live_server}/register?lang=en")
    page.locator(f"input[name=days][value='{DAY}']").check()
    workshop = page.locator(f"[data-session-day='{DAY}'] .choice--session").filter(
        has=page.locator(".badge--workshop")).first
    expect(workshop).to_be_visible()
    workshop.locator("input").check()
    page.locator("#name").fill("Emma Walker")
    page.locator("#email").fill("emma.walker@example.org")
    page.locator("[data-add-companion]").click()
    page.locator("#companions-0").fill("Noah Walker")
    page.locator("#consent").check()
    expect(page.locator("#companions-0")).to_have_value("Noah Walker")
    expect(workshop.locator("input")).to_be_checked()
    keep(page, "register-en", down_to=workshop)  # about you, the day chosen, the workshop booked


def test_ticket_with_its_qr(device, live_server, day):
    page = device(PHONE, "zh-CN", touch=True)
    page.goto(f"{live_server}/t/{day.family_code}?lang=zh")
    expect(page.locator(".pass__holder")).to_have_text("林小雨")
    qr = page.locator("#ticket-qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("aria-label", re.compile(day.family_code[:4]))
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert decoded.text == f"{PUBLIC_ORIGIN}/t/{day.family_code}"
    expect(page.locator(".group__name")).to_have_text(["林大山", "Anna Lin"])
    keep(page, "ticket-zh", full_page=True)


def test_vote_page(device, live_server, day):
    page = device(PHONE, touch=True)
    page.goto(f"{live_server}/vote?code={day.voter_code}&lang=en")
    expect(page.get_by_test_id("votes-left")).to_have_text("1 of 3 votes left", timeout=TIMEOUT)
    expect(page.locator("[data-live]")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
    voted = page.locator(f'[data-stories] > li[data-story-id="{day.story_ids[0]}"]')
    expect(voted).to_have_attribute("data-voted", "true")
    expect(voted).to_contain_text("明天的来信")
    keep(page, "vote-en")


# --- The door ----------------------------------------------------------------------------------

def test_gate_scanner_lets_a_visitor_in(device, live_server, gate, day):
    holder = register(live_server, "Emma Walker", companions=("Noah Walker",))["ticket"]["code"]
    page = device(PHONE, camera=True, touch=True)
    sign_in(page, live_server, gate)
    page.goto(f"{live_server}/scan")
    page.get_by_label("Gate name").fill("North door")
    page.get_by_label("Checking in for").select_option(label="Entrance")
    page.get_by_role("button", name="Start scanning").click()
    expect(page.get_by_test_id("scanner-bar")).to_be_visible()
    page.evaluate("url => window.__showTicket(url)", f"/t/{holder}/qr.png")
    answer = page.get_by_test_id("scan-answer")
    expect(answer).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    page.evaluate("window.__clearCamera()")  # one scan: the QR leaves the camera
    expect(answer).to_contain_text("Emma Walker")
    expect(answer).to_contain_text("Welcome in")
    keep(page, "gate-scanner-ok")


# --- The hall: kiosk and displays --------------------------------------------------------------

def test_kiosk_writing_a_story_in_pinyin(device, live_server, kiosk, day):
    page = device(SCREEN, "zh-CN", touch=True)
    open_kiosk(page, live_server, kiosk.token)
    page.get_by_test_id("touch-to-start").click()
    expect(page.locator("[data-theme-roles] li").first).to_be_visible()
    page.get_by_test_id("next").click()
    for syllable, character in (("ming", "明"), ("tian", "天"), ("de", "的")):
        type_keys(page, syllable)
        pick(page, character)
    type_keys(page, "xin")  # left in the candidate bar: the screen shows how pinyin is picked
    expect(page.get_by_test_id("field")).to_have_value("明天的")
    expect(page.get_by_test_id("composition")).to_have_text("xin")
    expect(page.get_by_test_id("counter")).to_have_text("3 / 40")
    keep(page, "kiosk-writing")


@pytest.fixture(scope="module")
def hall_display(browser: Browser, live_server, admin, day):
    """A display of the hall on its 1920×1080 screen."""
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", device_scale_factor=1, timezone_id="Asia/Shanghai")
    page = context.new_page()
    open_display(page, live_server, "main-hall")
    yield page
    context.close()


def test_display_feed(hall_display, live_server, admin, day):
    page = hall_display
    api(live_server, admin, "PUT", "/displays/main-hall", {"mode": "feed"})
    expect(page.locator("body")).to_have_attribute("data-view", "feed", timeout=TIMEOUT)
    newest = page.locator(f'.feed .card[data-story-id="{day.story_ids[-1]}"]')
    expect(newest.locator(".card__title")).to_have_text("时间胶囊", timeout=TIMEOUT)
    expect(page.locator(".feed .card").first).to_be_visible()
    expect(page.locator(f'.feed .card[data-story-id="{day.waiting_ids[0]}"]')).to_have_count(0)
    expect(newest).not_to_have_class(re.compile(r"\bcard--arriving\b"), timeout=TIMEOUT)
    keep(page, "display-feed")


def test_display_leaderboard(hall_display, live_server, admin, day):
    page = hall_display
    api(live_server, admin, "PUT", "/displays/main-hall", {"mode": "leaderboard"})
    view = page.locator(".view--leaderboard")
    expect(view).to_have_attribute("data-phase", "board", timeout=TIMEOUT)
    leader = view.locator(".standing").first
    expect(leader).to_have_attribute("data-story-id", str(day.story_ids[0]))
    expect(leader.locator(".standing__title")).to_have_text("明天的来信")
    expect(leader.locator(".standing__votes .standing__number")).to_have_text("6")
    expect(page.locator("[data-join] [data-join-url]")).to_have_text("backlot.siff.example/vote")
    expect(view).to_have_css("opacity", "1")
    keep(page, "display-leaderboard")


# --- Jury and staff ----------------------------------------------------------------------------

def test_jury_scoring_on_a_tablet(device, live_server, juror, day):
    page = device(TABLET, touch=True)
    page.goto(f"{live_server}/lang/en?next=/staff/login")
    page.get_by_label("Email").fill(juror.email)
    page.get_by_label("Password").fill(juror.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/jury")
    expect(page.get_by_test_id("jury-progress")).to_have_text(f"{len(JURY_MARKS)} of {len(STORIES)} scored")
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
    card = page.locator(f'[data-story-id="{day.story_ids[3]}"]')  # unscored first: Night Tram to Tomorrow
    expect(card.get_by_test_id("jury-state")).to_have_text("Not scored yet")
    criteria = card.locator("[data-criterion]")
    for index, mark in enumerate((8, 7)):  # halfway through scoring it
        criteria.nth(index).locator(".jury-mark", has_text=re.compile(rf"^{mark}$")).tap()
    expect(card.get_by_test_id("jury-state")).to_have_text("Changed: not saved yet")
    keep(page, "jury-tablet", down_to=criteria.nth(1))


def test_staff_dashboard(staff_desk, live_server, day):
    page = staff_desk
    page.goto(f"{live_server}/staff")
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
    expect(page.get_by_test_id("today-sessions")).to_contain_text("My Story")
    expect(page.get_by_test_id("demo-clock")).to_contain_text("14 June")
    attendance = page.get_by_test_id("dashboard-attendance")
    expect(attendance).to_contain_text("Checked in today")
    assert int(attendance.get_by_test_id("checked-in").inner_text()) >= len(VOTERS)  # the visitors at the door
    keep(page, "staff-dashboard", down_to=attendance)


def test_moderation_queue(staff_desk, live_server, day):
    page = staff_desk
    page.goto(f"{live_server}/staff/stories")
    expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
    queue = page.get_by_test_id("story-queue")
    flagged, plain = (queue.locator(f'[data-story-id="{story_id}"]') for story_id in day.waiting_ids)
    expect(flagged.locator(".story-card__title")).to_have_text("Paper Moon")
    expect(flagged.locator("mark").first).to_have_text(re.compile("damn", re.I))
    expect(plain.locator(".story-card__title")).to_have_text("雨后的站台")
    keep(page, "staff-moderation")


def test_show_console(staff_desk, live_server, day):
    page = staff_desk
    page.goto(f"{live_server}/staff/show?round_id={day.round_id}")
    board = page.get_by_test_id("live-board")
    expect(board).to_contain_text("明天的来信", timeout=TIMEOUT)
    expect(page.get_by_test_id("freeze")).to_be_visible()
    keep(page, "staff-show")
