"""Dates and times follow the visitor's locale, on the Asia/Shanghai wall clock (issue 14).

Times are stored in UTC; visitors read them on the exhibition's clock (UTC+8), whatever the
machine's zone: every test here runs with TZ set to Los Angeles (UTC−7 in June), where a time
converted with the machine's zone would be fifteen hours off and often on another day."""
from __future__ import annotations

import re
import time as system_time
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.i18n import LOCALES
from app.schedule.formatting import day_label, day_short, hm, weekday
from app.tickets import outbox, services
from app.tickets.rules import RegistrationRequest
from tests.builders import make_slot
from tests.conftest import make_app
from tests.test_languages import visible
from tests.tickets.conftest import mail_app, smtp  # noqa: F401 (fixtures: a real SMTP server)

UTC = timezone.utc
DAY, DAY_TWO = date(2026, 6, 14), date(2026, 6, 15)


@pytest.fixture(autouse=True)
def far_from_shanghai(monkeypatch):
    """The machine's zone is America/Los_Angeles for the test, and what it was afterwards."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    system_time.tzset()
    assert datetime(2026, 6, 14, 16, 30, tzinfo=UTC).astimezone().hour == 9  # the zone is in force
    yield
    monkeypatch.undo()
    system_time.tzset()


@pytest.fixture
def plain_app(tmp_path):
    """An app for the filters alone: they read no database."""
    app = make_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    with app.app_context():
        yield app


# (the instant, its Shanghai time, day_label, day_short, weekday in zh and in en)
MOMENTS = [
    pytest.param(datetime(2026, 6, 14, 2, 30, tzinfo=UTC), "10:30",
                 {"zh": ("6月14日 周日", "6月14日", "周日"), "en": ("Sun 14 June", "14 Jun", "Sun")},
                 id="morning of the 14th"),
    pytest.param(datetime(2026, 6, 14, 15, 59, tzinfo=UTC), "23:59",
                 {"zh": ("6月14日 周日", "6月14日", "周日"), "en": ("Sun 14 June", "14 Jun", "Sun")},
                 id="last minute of the 14th"),
    pytest.param(datetime(2026, 6, 14, 16, 30, tzinfo=UTC), "00:30",
                 {"zh": ("6月15日 周一", "6月15日", "周一"), "en": ("Mon 15 June", "15 Jun", "Mon")},
                 id="past Shanghai midnight: the 15th"),
    pytest.param(datetime(2026, 6, 14, 9, 30, tzinfo=ZoneInfo("America/Los_Angeles")), "00:30",
                 {"zh": ("6月15日 周一", "6月15日", "周一"), "en": ("Mon 15 June", "15 Jun", "Mon")},
                 id="given in another zone"),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("moment", "shanghai", "days"), MOMENTS)
def test_the_filters_write_the_shanghai_wall_clock_in_the_visitors_language(plain_app, locale, moment,
                                                                              shanghai, days):
    with force_locale(locale):
        assert (hm(moment), day_label(moment), day_short(moment), weekday(moment)) == (shanghai, *days[locale])


@pytest.mark.parametrize(("locale", "expected"), [("zh", ("6月15日 周一", "6月15日", "周一")),
                                                  ("en", ("Mon 15 June", "15 Jun", "Mon"))])
def test_a_calendar_date_is_shown_as_it_is(plain_app, locale, expected):
    with force_locale(locale):
        assert (day_label(DAY_TWO), day_short(DAY_TWO), weekday(DAY_TWO)) == expected


# --- pages, mail and calendar --------------------------------------------------------------------

@pytest.fixture
def sessions(app):
    """A talk at 10:30 on the 14th (02:30 UTC) and a workshop just past Shanghai midnight, at 00:30
    on the 15th (16:30 UTC on the 14th: the 14th in UTC and in Los Angeles)."""
    morning = make_slot(start=time(10, 30), end=time(11, 15), kind="talk", title="Morning talk")
    late = make_slot(on=DAY_TWO, start=time(0, 30), end=time(1, 15), capacity=5, title="Night workshop")
    assert (morning.starts_at, late.starts_at) == (datetime(2026, 6, 14, 2, 30, tzinfo=UTC),
                                                   datetime(2026, 6, 14, 16, 30, tzinfo=UTC))
    return morning, late


def register(locale: str, late) -> str:
    """A visitor for both days with the late workshop; their ticket code."""
    return services.register(RegistrationRequest(
        name="Li Lei", email="li@example.org", days=[DAY, DAY_TWO], session_ids=[late.id], locale=locale,
        consent=True)).tickets[0].code


def page_text(client, path: str, locale: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return " ".join(visible(response.get_data(as_text=True), locale).parts)


#: The days and the late workshop as each language writes them; the other language's forms must not show.
WRITTEN = {"zh": {"day": "6月14日 周日", "late day": "6月15日 周一", "not": ("Sun", "Mon", "June")},
           "en": {"day": "Sun 14 June", "late day": "Mon 15 June", "not": ("周", "月")}}
#: The two sessions' starts in UTC and on the Los Angeles clock: never shown.
WRONG_TIMES = ("02:30", "16:30", "19:30", "09:30")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_schedule_shows_shanghai_times_and_the_visitors_dates(sessions, client, locale):
    client.get(f"/lang/{locale}")
    written = WRITTEN[locale]

    first = page_text(client, "/schedule?day=2026-06-14", locale)
    second = page_text(client, "/schedule?day=2026-06-15", locale)

    assert f"{written['day']} · " in first and "10:30 – 11:15" in first
    assert f"{written['late day']} · " in second and "00:30 – 01:15" in second
    assert "Night workshop" not in first and "10:30 – 11:15" not in second  # each on its Shanghai day
    for text in (first, second):
        assert not any(wrong in text for wrong in WRONG_TIMES + written["not"]), text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_ticket_shows_shanghai_times_and_the_visitors_dates(sessions, client, locale):
    code = register(locale, sessions[1])
    client.get(f"/lang/{locale}")
    written = WRITTEN[locale]

    text = page_text(client, f"/t/{code}", locale)

    assert f"{written['day']} · 10:00–18:00" in text and f"{written['late day']} · 10:00–18:00" in text
    assert f"{written['late day']} · 00:30 – 01:15" in text
    assert not any(wrong in text for wrong in WRONG_TIMES + written["not"]), text


@pytest.mark.parametrize(("locale", "shown"), [("zh", "本场预约将于6月15日 周一 00:00 开放。"),
                                               ("en", "Booking for this session opens on Mon 15 June at 00:00.")])
def test_a_booking_that_opens_later_says_when_on_the_shanghai_clock(app, client, locale, shown):
    make_slot(on=DAY_TWO, start=time(11), end=time(12), capacity=5, title="Later workshop",
              booking_opens_at=datetime(2026, 6, 14, 16, 0, tzinfo=UTC))  # Shanghai midnight
    client.get(f"/lang/{locale}")

    assert shown in page_text(client, "/register", locale)


@pytest.mark.parametrize(("locale", "lines"), [
    ("zh", ("入场 · 6月14日 周日", "入场 · 6月15日 周一", "活动 · 6月15日 周一 00:30–01:15 · ")),
    ("en", ("Entry · Sun 14 June", "Entry · Mon 15 June", "Session · Mon 15 June 00:30–01:15 · ")),
])
def test_the_confirmation_mail_writes_dates_the_visitors_way(sessions, mail_app, smtp, locale, lines):  # noqa: F811
    register(locale, sessions[1])
    assert outbox.deliver_due().sent == 1
    [received] = smtp.received
    text = received.message.get_body(("plain",)).get_content()
    html = " ".join(visible(received.message.get_body(("html",)).get_content(), locale).parts)

    assert all(line in text for line in lines), text
    assert f"{WRITTEN[locale]['late day']} 00:30–01:15 · " in html
    for body in (text, html):
        assert not any(wrong in body for wrong in WRONG_TIMES + WRITTEN[locale]["not"]), body


def test_the_tickets_calendar_is_on_the_shanghai_clock(sessions, client):
    code = register("en", sessions[1])

    ics = client.get(f"/t/{code}/ticket.ics").get_data(as_text=True)

    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n" in ics
    assert "DTSTART;TZID=Asia/Shanghai:20260615T003000\r\n" in ics  # the workshop
    assert "DTSTART;TZID=Asia/Shanghai:20260614T100000\r\n" in ics  # entry on the 14th


def test_the_demo_clock_in_the_footer_is_on_the_shanghai_clock(sessions, client):
    """The demo clock stands at 10:30 on 14 June in Shanghai (02:30 UTC, 19:30 on the 13th in LA)."""
    for locale, shown in (("zh", "演示时钟：6月14日 周日 10:30"), ("en", "Demo clock: Sun 14 June 10:30")):
        client.get(f"/lang/{locale}")
        assert shown in page_text(client, "/", locale)


def test_times_shown_to_visitors_carry_their_offset_in_the_page(sessions, client):
    """The <time datetime> of a session names the same instant as the text (machine-readable)."""
    html = client.get("/schedule?day=2026-06-15").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]+)">00:30</time>', html)
    assert len(stamps) == 2  # the time group's heading and the session
    assert {datetime.fromisoformat(stamp) for stamp in stamps} == {
        datetime(2026, 6, 15, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))}
