"""Public pages through the test client, on a real database: languages, filters, errors, escaping."""
from __future__ import annotations

import re
from datetime import date, time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.schedule.models import Film, ProcessMaterial, Slot, Team
from tests.builders import make_slot, make_venue, text

DAY_ONE, DAY_TWO = date(2026, 6, 14), date(2026, 6, 15)
HOSTILE = "<img src=x onerror=alert(1)>"


def make_film(key: str = "lightcone", title: str = "Lightcone") -> Film:
    """A film with its team and one AI prompt, for the film pages."""
    team = Team(key=f"team-{key}", name=text(f"Team {title}"), description=text("A 1+1 team"))
    film = Film(key=key, team=team, title=text(title), logline=text("A logline"),
                synopsis=text("A synopsis"), runtime_minutes=12)
    film.materials.append(ProcessMaterial(key=f"{key}-prompt", kind="ai_prompt",
                                          title=text("Opening shot"), body=text("wide shot, dawn")))
    db.session.add(film)
    db.session.commit()
    return film


def page(client, path: str, locale: str = "en"):
    """GET a page as a visitor whose language cookie is `locale`."""
    client.set_cookie("lang", locale)
    return client.get(path)


def body(response) -> str:
    return response.get_data(as_text=True)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', body(response)).group(1)


def shown_titles(response) -> list[str]:
    """The session titles listed on a schedule page, in order."""
    return [unescape(title) for title in re.findall(
        r'<span class="slot__title">(?:<s>)?([^<]*)', body(response))]


@pytest.fixture
def week(app):
    """Two days, two venues, sessions of several kinds."""
    hall, studio = make_venue("Hall"), make_venue("Studio")
    film = make_film()
    make_slot(on=DAY_ONE, start=time(10), end=time(11), kind="open_set", title="Open set",
              venue=hall, film=film)
    make_slot(on=DAY_ONE, start=time(11), end=time(12), kind="workshop", title="Storyboards",
              venue=studio, capacity=40, seats_taken=12)
    make_slot(on=DAY_ONE, start=time(13), end=time(14), kind="workshop", title="Full house",
              venue=hall, capacity=10, seats_taken=10)
    make_slot(on=DAY_ONE, start=time(11), end=time(12), kind="talk", title="Called off",
              venue=hall, status="cancelled")
    make_slot(on=DAY_TWO, start=time(19), end=time(21), kind="premiere", title="Premiere",
              venue=hall)
    return {"hall": hall, "studio": studio, "film": film}


class TestEveryPage:
    #: A string each page shows in each language (English source, Chinese catalogue).
    EXPECTED = {
        "/": ("On now", "正在进行"),
        "/now": ("Up next", "即将开始"),
        "/schedule": ("All kinds", "全部类型"),
        "/films": ("Films", "影片"),
        "/about": ("The 1+1 model", "“1+1”创作模式"),
    }

    @pytest.mark.parametrize("locale", ["en", "zh"])
    def test_renders_in_the_visitors_language(self, client, programme, locale):
        slot = db.session.scalars(db.select(Slot).limit(1)).first()
        film = db.session.scalars(db.select(Film).limit(1)).first()
        expected = {**self.EXPECTED,
                    f"/schedule/{slot.id}": ("When", "时间"),
                    f"/films/{film.key}": ("How it was made", "创作过程")}
        for path, (english, chinese) in expected.items():
            response = page(client, path, locale)
            assert response.status_code == 200, path
            assert (english if locale == "en" else chinese) in body(response), path
            if path != "/now":
                assert html_lang(response) == locale, path

    def test_lang_query_overrides_the_cookie(self, client, week):
        response = page(client, "/schedule?lang=en", "zh")
        assert html_lang(response) == "en"
        assert "All kinds" in body(response)


class TestScheduleFilters:
    def test_default_day_is_today_at_the_app_clock(self, client, week):
        # The test clock reads 2026-06-14T10:30+08:00.
        titles = shown_titles(page(client, "/schedule"))
        assert titles == ["Open set", "Called off", "Storyboards", "Full house"]

    def test_day_venue_and_kind_narrow_the_list(self, client, week):
        hall = week["hall"].id
        assert shown_titles(page(client, "/schedule?day=2026-06-15")) == ["Premiere"]
        assert shown_titles(page(client, f"/schedule?day=2026-06-14&venue={hall}")) == [
            "Open set", "Called off", "Full house"]
        assert shown_titles(page(client, f"/schedule?day=2026-06-14&venue={hall}&kind=workshop")) == [
            "Full house"]

    def test_capacity_states_and_cancellation_are_shown(self, client, week):
        html = body(page(client, "/schedule?day=2026-06-14"))
        assert "28 places left" in html
        assert "Full" in html
        assert "Open to all" in html
        assert "<s>Called off</s>" in html and "Cancelled" in html

    @pytest.mark.parametrize("query, english, chinese", [
        ("day=2026-07-01", "“2026-07-01” is not a day of the exhibition.", "“2026-07-01”不是展览日。"),
        ("day=tomorrow", "“tomorrow” is not a day of the exhibition.", "“tomorrow”不是展览日。"),
        ("venue=999", "There is no venue “999”.", "没有场地“999”。"),
        ("kind=party", "“party” is not a kind of session.", "“party”不是有效的活动类型。"),
    ])
    def test_bad_filters_explain_themselves(self, client, week, query, english, chinese):
        for locale, message in (("en", english), ("zh", chinese)):
            response = page(client, f"/schedule?{query}", locale)
            assert response.status_code == 400
            assert message in body(response)
            assert shown_titles(response) == []

    def test_bad_filter_values_are_escaped(self, client, week):
        response = page(client, "/schedule?kind=<script>alert(1)</script>")
        assert response.status_code == 400
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body(response)
        assert "<script>alert" not in body(response)

    def test_empty_result_offers_to_clear_filters(self, client, week):
        response = page(client, "/schedule?day=2026-06-15&kind=workshop", "zh")
        assert response.status_code == 200
        assert "没有符合筛选条件的活动。" in body(response)
        assert 'href="/schedule?day=2026-06-15">清除筛选' in body(response)


class TestSessionDetail:
    def test_shows_remaining_places_against_capacity(self, client, week):
        slot = db.session.scalars(db.select(Slot).filter_by(capacity=40)).one()
        response = page(client, f"/schedule/{slot.id}")
        assert response.status_code == 200
        assert "28 of 40 places left" in body(response)
        assert "Sun 14 June" in body(response) and "11:00" in body(response)
        response = page(client, f"/schedule/{slot.id}", "zh")
        assert "剩余 28 个名额（共 40 个）" in body(response)
        assert "6月14日 周日" in body(response)

    def test_links_the_film_and_the_calendar(self, client, week):
        slot = db.session.scalars(db.select(Slot).filter_by(kind="open_set")).one()
        html = body(page(client, f"/schedule/{slot.id}"))
        assert 'href="/films/lightcone"' in html
        assert 'href="/api/v1/schedule.ics?lang=en"' in html

    @pytest.mark.parametrize("locale, message", [
        ("en", "This session does not exist."), ("zh", "没有这个场次。")])
    def test_unknown_session_is_a_localised_404(self, client, week, locale, message):
        response = page(client, "/schedule/999999", locale)
        assert response.status_code == 404
        assert message in body(response)
        assert html_lang(response) == locale


class TestFilms:
    def test_film_page_shows_team_sessions_and_prompts(self, client, week):
        html = body(page(client, "/films/lightcone"))
        assert "Team Lightcone" in html
        assert '<pre class="prompt"><code>wide shot, dawn</code></pre>' in html
        slot = db.session.scalars(db.select(Slot).filter_by(kind="open_set")).one()
        assert f'href="/schedule/{slot.id}"' in html

    @pytest.mark.parametrize("locale, message", [
        ("en", "This film does not exist."), ("zh", "没有这部影片。")])
    def test_unknown_film_is_a_localised_404(self, client, week, locale, message):
        response = page(client, "/films/nope", locale)
        assert response.status_code == 404
        assert message in body(response)
        assert html_lang(response) == locale


class TestHome:
    def test_shows_now_and_next_with_places(self, client, week):
        html = body(page(client, "/"))
        on_now, up_next = html.split('id="up-next-title"')
        assert "Open set" in on_now and "Storyboards" not in on_now
        assert "Storyboards" in up_next and "28 places left" in up_next
        assert "Called off" not in html

    def test_now_fragment_is_the_block_alone(self, client, week):
        response = page(client, "/now", "zh")
        assert response.headers["Cache-Control"] == "no-store"
        assert "<html" not in body(response)
        assert "正在进行" in body(response) and "Open set（中）" in body(response)


class TestLanguageSwitch:
    def test_sets_the_cookie_and_goes_back(self, client, week):
        response = client.get("/lang/en?next=/schedule%3Fday%3D2026-06-15")
        assert response.status_code == 302
        assert response.headers["Location"] == "/schedule?day=2026-06-15"
        assert "lang=en" in response.headers["Set-Cookie"]
        assert html_lang(client.get("/schedule")) == "en"

    @pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
    def test_never_redirects_off_site(self, client, week, target):
        response = client.get("/lang/zh", query_string={"next": target})
        assert response.headers["Location"] == "/"

    def test_page_links_come_back_to_the_same_page_without_lang(self, client, week):
        html = body(client.get("/schedule?day=2026-06-15&lang=en"))
        link = unescape(re.search(r'href="(/lang/zh\?[^"]+)"', html).group(1))
        assert parse_qs(urlsplit(link).query)["next"] == ["/schedule?day=2026-06-15"]


def test_visitor_text_is_escaped(client, week):
    slot = make_slot(on=DAY_ONE, start=time(10), end=time(11), title=HOSTILE, kind="challenge")
    for path in ("/", "/schedule", f"/schedule/{slot.id}"):
        html = body(page(client, path))
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert HOSTILE not in html, path
