"""Accessibility in a real browser: axe-core on every public page and the kiosk, in Chinese and
English, failing on any serious or critical violation; the register form, the schedule filters,
the vote page and the kiosk's main flow by keyboard alone; the ticket QR's text alternative.

axe-core is vendored under static/vendor/axe-core (`make vendor`) and injected by the test
only: no page loads it.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.kiosk_steps import open_kiosk
from tests.e2e.public_pages import public_pages, register_ticket

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
PAGES = ("home", "schedule", "session", "films", "film", "about", "register", "find-ticket", "ticket",
         "vote")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, heading order, …); only the serious and
# critical ones fail the test, the others are printed.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                      "best-practice"]},
               "resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def pages(live_server) -> dict[str, str]:
    return public_pages(live_server)


def new_page(browser: Browser, language: str, **options) -> Page:
    """A fresh context in `language`; bypass_csp lets the test inject axe-core as an inline script."""
    context = browser.new_context(locale=LOCALES[language], bypass_csp=True, **{"viewport": PHONE, **options})
    return context.new_page()


@pytest.fixture
def open_page(browser: Browser):
    opened: list[Page] = []

    def opener(language: str, **options) -> Page:
        opened.append(new_page(browser, language, **options))
        return opened[-1]
    yield opener
    for page in opened:
        page.context.close()


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:160]}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page once its finite animations have ended (a card still fading in
    has not its final contrast yet); the minor and moderate ones are printed."""
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter(animation => animation.effect && animation.effect.getTiming().iterations !== Infinity)
        .map(animation => animation.finished))""")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("options => axe.run(document, options).then(result => result.violations)",
                               AXE_OPTIONS)
    if violations:
        print(readable(violations))
    return [item for item in violations if item["impact"] in ("serious", "critical")]


def assert_no_serious_violations(page: Page) -> None:
    serious = axe_violations(page)
    assert not serious, f"{page.url}:\n{readable(serious)}"


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("name", PAGES)
def test_public_page_has_no_serious_violations(open_page, live_server, pages, name, language):
    page = open_page(language)
    page.goto(f"{live_server}{pages[name]}", wait_until="load")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_no_serious_violations(page)


#: Each visible text field's outline against what surrounds it: WCAG 1.4.11 (non-text contrast)
#: asks 3:1, which axe does not measure. The outline is drawn by the border the field is given.
FIELD_OUTLINES = """() => {
  const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((value) => {
    value /= 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, value, index) => sum + value * [0.2126, 0.7152, 0.0722][index], 0);
  const behind = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const fields = [...document.querySelectorAll(
    "input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=submit]), select, textarea")]
    .filter((field) => field.getClientRects().length);
  return fields.map((field) => {
    const [a, b] = [luminance(rgb(getComputedStyle(field).borderTopColor)), luminance(behind(field))];
    return { field: field.name || field.id, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
  });
}"""


@pytest.mark.parametrize("name", ("register", "schedule", "find-ticket", "vote"))
def test_text_fields_stand_out_from_the_page(open_page, live_server, pages, name):
    page = open_page("en")
    page.goto(f"{live_server}{pages[name]}", wait_until="load")
    outlines = page.evaluate(FIELD_OUTLINES)
    assert outlines, "no field to measure"
    faint = [outline for outline in outlines if outline["ratio"] < 3]
    assert not faint, faint


@pytest.mark.parametrize("language", LOCALES)
def test_register_form_errors_are_tied_to_their_inputs(open_page, live_server, language):
    """A form sent empty: each error is announced and named by its input's aria-describedby."""
    page = open_page(language)
    page.goto(f"{live_server}/register")
    page.locator(".register__submit").click()
    page.wait_for_load_state("load")
    for field in ("#name", "#email", "#consent"):
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
        described = page.locator(field).get_attribute("aria-describedby").split()
        error = f"{field[1:]}-error"
        assert error in described
        expect(page.locator(f"#{error}")).not_to_be_empty()
    expect(page.locator("#days")).to_have_attribute("aria-describedby", "days-error")
    assert_no_serious_violations(page)


@pytest.fixture(scope="module")
def kiosk_device(live_server_env, live_server):
    from tests.live import add_staff
    return add_staff(live_server_env, f"kiosk-a11y-{uuid.uuid4().hex[:6]}@devices.local", "kiosk")


@pytest.mark.parametrize("language", LOCALES)
def test_kiosk_has_no_serious_violations(open_page, live_server, kiosk_device, language):
    page = open_page(language, viewport={"width": 1920, "height": 1080})
    open_kiosk(page, live_server, kiosk_device.token)
    page.locator(f"[data-screen=attract] [data-language={language}]").click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{language}"))
    assert_no_serious_violations(page)
    page.get_by_test_id("touch-to-start").click()
    expect(page.locator("[data-step=theme]")).to_be_visible()
    assert_no_serious_violations(page)
    page.get_by_test_id("next").click()
    expect(page.locator("[data-step=text]")).to_be_visible()
    assert_no_serious_violations(page)


# Keyboard alone ---------------------------------------------------------------------------------

def focused(page: Page, selector: str) -> bool:
    return page.evaluate("selector => document.activeElement && document.activeElement.matches(selector)",
                         selector)


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus, and check that the focus shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            outline = page.evaluate("""() => {
                const style = getComputedStyle(document.activeElement);
                return [style.outlineStyle, style.outlineWidth, style.boxShadow];
            }""")
            assert outline[0] != "none" and outline[1] != "0px" or outline[2] != "none", \
                f"{selector} has the focus but does not show it: {outline}"
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def test_a_visitor_registers_by_keyboard_alone(open_page, live_server):
    page = open_page("en")
    page.goto(f"{live_server}/register")
    tab_to(page, "#name")
    page.keyboard.type("Keyboard Visitor")
    tab_to(page, "#email")
    page.keyboard.type(f"keys-{uuid.uuid4().hex[:8]}@example.org")
    tab_to(page, "input[name=days][value='2026-06-14']")
    page.keyboard.press("Space")
    sessions = page.locator("[data-session-day='2026-06-14'] input[name=sessions]")
    expect(sessions.first).to_be_visible()
    tab_to(page, "[data-session-day='2026-06-14'] input[name=sessions]")
    page.keyboard.press("Space")
    tab_to(page, "[data-add-companion]")
    page.keyboard.press("Enter")
    expect(page.locator("#companions-0")).to_be_visible()
    tab_to(page, "#companions-0")
    page.keyboard.type("Keyboard Friend")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, ".register__submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/t/[\w-]{22}\?key="))
    expect(page.locator(".pass__holder")).to_have_text("Keyboard Visitor")
    expect(page.locator(".group__name")).to_have_text("Keyboard Friend")


def test_schedule_filters_by_keyboard(open_page, live_server):
    page = open_page("en")
    page.goto(f"{live_server}/schedule")
    tab_to(page, ".day-tab:not([aria-current])")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"day=2026-06-15"))
    tab_to(page, ".chip:not([aria-current])")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=\w+"))
    # The venue list: arrowing through it must not reload the page at each option.
    tab_to(page, "#venue-select")
    page.evaluate("window.notReloaded = true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    wanted = page.locator("#venue-select").evaluate("select => select.value")
    assert wanted
    tab_to(page, ".venue-filter button[type=submit]")
    assert page.evaluate("window.notReloaded") and "venue=" not in page.url
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"venue={wanted}"))
    expect(page).to_have_url(re.compile(r"day=2026-06-15"))


def test_the_vote_page_by_keyboard(open_page, live_server):
    """A typed ticket code by keyboard; the ballot's buttons are reachable after it."""
    code = register_ticket(live_server)
    page = open_page("en")
    page.goto(f"{live_server}/vote")
    tab_to(page, "[data-scan-start]")
    tab_to(page, "#vote-code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("votes-left")).to_be_visible()
    tab_to(page, "[data-forget]")
    page.keyboard.press("Enter")
    expect(page.locator("#vote-code")).to_be_visible()


def test_the_kiosk_main_flow_by_keyboard(open_page, live_server, kiosk_device):
    page = open_page("en", viewport={"width": 1920, "height": 1080})
    open_kiosk(page, live_server, kiosk_device.token)
    tab_to(page, "[data-screen=attract] [data-language=en]")
    page.keyboard.press("Enter")
    tab_to(page, "[data-attract-touch]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-step=theme]")).to_be_visible()
    tab_to(page, "[data-next]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-step=text]")).to_be_visible()
    tab_to(page, "[data-back]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-step=theme]")).to_be_visible()
    tab_to(page, "[data-quit]")
    page.keyboard.press("Enter")
    tab_to(page, "[data-confirm-yes]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("touch-to-start")).to_be_visible()


# The ticket QR's text alternative ------------------------------------------------------------------

@pytest.mark.parametrize("language, label", [("zh", "票码："), ("en", "Ticket code: ")])
def test_the_ticket_qr_reads_its_code_aloud_in_groups_of_four(open_page, live_server, language, label):
    code = register_ticket(live_server)
    grouped = " ".join(code[index:index + 4] for index in range(0, len(code), 4))
    page = open_page(language)
    page.goto(f"{live_server}/t/{code}")
    qr = page.get_by_role("img", name=re.compile(re.escape(grouped)))
    expect(qr).to_have_attribute("aria-label", label + grouped)
    expect(page.locator(".pass__qr-text")).to_have_text(grouped)
    assert len(grouped.split()) == 6  # 22 characters: five groups of four and one of two
