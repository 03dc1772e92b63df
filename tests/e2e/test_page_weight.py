"""Light pages on a phone: each public page, loaded cold (a fresh context, nothing cached), asks
nothing of another origin and transfers under 200 KB in all; at 360 px wide nothing scrolls
sideways (screenshots at 360×740 and 1920×1080 go to test-artifacts/); and Chinese renders in
a CJK font the machine has (the documented fonts-noto-cjk), not in tofu.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.public_pages import public_pages

pytestmark = pytest.mark.e2e

BUDGET = 200 * 1024
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1920, "height": 1080}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
PAGES = ("home", "schedule", "session", "films", "film", "about", "register", "find-ticket", "ticket",
         "vote")
WEIGHTS: dict[tuple[str, str], int] = {}


@pytest.fixture(scope="module")
def pages(live_server) -> dict[str, str]:
    return public_pages(live_server)


@pytest.fixture(scope="module", autouse=True)
def weight_table():
    """After the module: every page's total, printed and kept in test-artifacts/page-weight.txt."""
    yield
    if WEIGHTS:
        lines = [f"{'page':<14}{'lang':<6}{'bytes':>9}", *(f"{name:<14}{lang:<6}{total:>9,}"
                                                           for (name, lang), total in sorted(WEIGHTS.items()))]
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "page-weight.txt").write_text("\n".join(lines) + "\n")
        print("\n" + "\n".join(lines))


@pytest.fixture
def cold_page(browser: Browser):
    """Opens a page in a fresh context: an empty cache, no service worker to answer for the network."""
    contexts = []

    def opener(language: str) -> Page:
        context = browser.new_context(viewport=PHONE, locale=LOCALES[language], service_workers="block")
        contexts.append(context)
        return context.new_page()
    yield opener
    for context in contexts:
        context.close()


def body_bytes(request: Request) -> int:
    response = request.response()
    if response is None or 300 <= response.status < 400:
        return 0
    try:
        return len(response.body())
    except Exception:  # noqa: BLE001 - a body the browser did not keep (a websocket upgrade)
        return request.sizes()["responseBodySize"]


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_light_local_and_fits_a_phone(cold_page, live_server, pages, name, language, artifacts):
    page = cold_page(language)
    finished: list[Request] = []
    page.context.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{live_server}{pages[name]}", wait_until="load")
    page.wait_for_load_state("networkidle")

    origin = urlsplit(live_server)[:2]
    foreign = [request.url for request in finished
               if not request.url.startswith("data:") and urlsplit(request.url)[:2] != origin]
    assert not foreign, f"{name} ({language}) asks other origins for:\n" + "\n".join(foreign)

    sizes = sorted(((body_bytes(request), request.url.removeprefix(live_server)) for request in finished),
                   reverse=True)
    total = sum(size for size, _ in sizes)
    WEIGHTS[name, language] = total
    table = "\n".join(f"{size:>9,}  {path[:100]}" for size, path in sizes) + f"\n{total:>9,}  total"
    print(f"\n{name} ({language}):\n{table}")
    assert total < BUDGET, f"{name} ({language}) transfers {total:,} bytes, over {BUDGET:,}:\n{table}"

    page.screenshot(path=str(artifacts / f"page-{name}-{language}-360.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} ({language}) scrolls sideways at 360 px: {width} px wide"
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(artifacts / f"page-{name}-{language}-1920.png"), full_page=True)


CJK_SAMPLE = "影展报名我的故事"


def platform_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew an element's text with (family → glyphs), from DevTools."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    root = devtools.send("DOM.getDocument")["root"]["nodeId"]
    node = devtools.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_chinese_renders_in_a_cjk_font_without_web_fonts(cold_page, live_server):
    """Every glyph of a zh page's heading and of visitor-typed text comes from a CJK font on the
    machine: the pages load no font file, and no character falls to a font without CJK glyphs."""
    page = cold_page("zh")
    fonts_requested: list[str] = []
    page.on("request", lambda request: request.resource_type == "font" and fonts_requested.append(request.url))
    page.goto(f"{live_server}/schedule", wait_until="load")
    assert fonts_requested == []
    heading = page.locator("h1").inner_text()
    assert all("\u4e00" <= character <= "\u9fff" for character in heading), heading
    cjk = ("Noto Sans CJK", "Source Han Sans", "PingFang", "Microsoft YaHei", "Hiragino Sans GB")
    drawn = platform_fonts(page, "h1")
    assert drawn and all(family.startswith(cjk) for family in drawn), drawn
    # Text no template holds (a visitor's name or story) is drawn in the same stack.
    page.evaluate("text => { const p = document.createElement('p'); p.id = 'typed'; p.textContent = text;"
                  " document.querySelector('main').append(p); }", CJK_SAMPLE + "龘")
    drawn = platform_fonts(page, "#typed")
    assert drawn and all(family.startswith(cjk) for family in drawn), drawn
    assert sum(drawn.values()) == len(CJK_SAMPLE) + 1
