"""GET /api/v1/schedule and /api/v1/schedule.ics on a real database."""
from __future__ import annotations

from datetime import date, time

import pytest
from icalendar import Calendar

from app.extensions import db
from tests.api import assert_valid
from tests.builders import make_day, make_slot, make_venue, text

JUNE_14, JUNE_15 = date(2026, 6, 14), date(2026, 6, 15)


@pytest.fixture
def programme_rows(app):
    """Two days, two venues; a booked workshop, an open set, a cancelled talk, a premiere."""
    make_day(JUNE_14, capacity=100).entries_taken = 7
    make_day(JUNE_15, capacity=80)
    hall, studio = make_venue("Hall", position=1), make_venue("Studio", position=2)
    return {
        "workshop": make_slot(on=JUNE_14, start=time(11), end=time(12, 30), venue=studio,
                              title="Prompting", capacity=20, seats_taken=5),
        "open_set": make_slot(on=JUNE_14, start=time(10), end=time(18), venue=hall,
                              kind="open_set", title="Open set"),
        "talk": make_slot(on=JUNE_14, start=time(15), end=time(16), venue=hall, kind="talk",
                          title="Talk", status="cancelled"),
        "premiere": make_slot(on=JUNE_15, start=time(19), end=time(21), venue=hall,
                              kind="premiere", title="Premiere", capacity=200),
    }


def ids(response) -> list[int]:
    return [session["id"] for session in response.get_json()["sessions"]]


def test_schedule_lists_event_days_venues_and_sessions(client, programme_rows):
    workshop = programme_rows["workshop"]

    response = client.get("/api/v1/schedule")

    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["event", "days", "venues", "sessions"]
    assert body["event"] == {"name": text("AI BACKLOT"), "timezone": "Asia/Shanghai"}
    assert body["days"] == [{"date": "2026-06-14", "capacity": 100, "remaining": 93},
                            {"date": "2026-06-15", "capacity": 80, "remaining": 80}]
    assert [venue["name"]["en"] for venue in body["venues"]] == ["Hall", "Studio"]
    assert body["venues"][1] == {"id": workshop.venue_id, "name": text("Studio"),
                                 "site": text("Shanghai Film Art Center")}
    assert ids(response) == [programme_rows[name].id
                             for name in ("open_set", "workshop", "talk", "premiere")]
    assert body["sessions"][1] == {
        "id": workshop.id,
        "kind": "workshop",
        "title": text("Prompting"),
        "venue_id": workshop.venue_id,
        "starts_at": "2026-06-14T11:00:00+08:00",
        "ends_at": "2026-06-14T12:30:00+08:00",
        "capacity": 20,
        "remaining": 15,
        "requires_registration": True,
        "status": "scheduled",
        "description": text("About Prompting"),
        "film_id": None,
        # Bookable at the demo clock (10:30) until its start, the default window.
        "booking_opens_at": None,
        "booking_closes_at": "2026-06-14T11:00:00+08:00",
        "waitlist_closes_at": "2026-06-14T11:00:00+08:00",
        "bookable": True,
    }


def test_open_sessions_have_null_capacity_and_cancelled_ones_are_marked(client, programme_rows):
    body = client.get("/api/v1/schedule").get_json()
    sessions = {session["id"]: session for session in body["sessions"]}

    open_set = sessions[programme_rows["open_set"].id]
    assert (open_set["capacity"], open_set["remaining"], open_set["requires_registration"]) == \
        (None, None, False)
    assert sessions[programme_rows["talk"].id]["status"] == "cancelled"
    assert sessions[programme_rows["premiere"].id]["starts_at"] == "2026-06-15T19:00:00+08:00"


def test_schedule_validates_against_the_openapi_document(client, programme_rows):
    document = client.get("/api/v1/openapi.json").get_json()

    assert_valid(document, "Schedule", client.get("/api/v1/schedule").get_json())


@pytest.mark.parametrize("query, expected", [
    ("day=2026-06-15", ["premiere"]),
    ("kind=open_set", ["open_set"]),
    ("venue_id={studio}", ["workshop"]),
    ("day=2026-06-14&venue_id={hall}&kind=talk", ["talk"]),
    ("day=&venue_id=&kind=", ["open_set", "workshop", "talk", "premiere"]),
])
def test_filters_narrow_the_sessions_only(client, programme_rows, query, expected):
    hall, studio = programme_rows["open_set"].venue_id, programme_rows["workshop"].venue_id

    response = client.get(f"/api/v1/schedule?{query.format(hall=hall, studio=studio)}")

    assert response.status_code == 200
    assert ids(response) == [programme_rows[name].id for name in expected]
    assert len(response.get_json()["days"]) == 2
    assert len(response.get_json()["venues"]) == 2


@pytest.mark.parametrize("path", ["/api/v1/schedule", "/api/v1/schedule.ics"])
@pytest.mark.parametrize("query, bad", [
    ("day=14-06-2026", ["day"]),
    ("day=2026-06-16", ["day"]),
    ("venue_id=abc", ["venue_id"]),
    ("venue_id=9999", ["venue_id"]),
    ("kind=party", ["kind"]),
    ("day=tomorrow&venue_id=-1&kind=Workshop", ["day", "venue_id", "kind"]),
])
def test_bad_filters_are_422_with_fields(client, programme_rows, path, query, bad):
    response = client.get(f"{path}?{query}", headers={"Accept-Language": "en"})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert sorted(error["fields"]) == sorted(bad)
    assert all(error["fields"].values())


@pytest.mark.parametrize("path", ["/api/v1/schedule", "/api/v1/schedule.ics"])
def test_without_a_programme_the_schedule_is_503(client, path):
    response = client.get(path)

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "no_programme"


def calendar_of(response) -> Calendar:
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def test_ics_has_one_event_per_session_not_cancelled(client, programme_rows):
    response = client.get("/api/v1/schedule.ics?lang=en")

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=ai-backlot.ics"
    calendar = calendar_of(response)
    assert calendar["PRODID"] and calendar["VERSION"] == "2.0"
    assert calendar["X-WR-CALNAME"] == "AI BACKLOT"
    assert calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    shown = [programme_rows[name] for name in ("open_set", "workshop", "premiere")]
    assert sorted(events) == sorted(f"slot-{slot.id}@backlot" for slot in shown)

    workshop = programme_rows["workshop"]
    event = events[f"slot-{workshop.id}@backlot"]
    assert event.decoded("DTSTART") == workshop.starts_at
    assert event.decoded("DTSTART").tzname() == "CST"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTEND") == workshop.ends_at
    assert event.decoded("DTSTAMP")
    assert event["SUMMARY"] == "Prompting"
    assert event["DESCRIPTION"] == "About Prompting"
    assert event["LOCATION"] == "Studio, Shanghai Film Art Center"
    assert event["URL"] == f"http://localhost/schedule/{workshop.id}"
    assert [str(category) for category in event["CATEGORIES"].cats] == ["workshop"]


@pytest.mark.parametrize("query, headers, summary", [
    ("", {}, "Prompting（中）"),
    ("?lang=en", {}, "Prompting"),
    ("?lang=zh", {"Accept-Language": "en"}, "Prompting（中）"),
    ("", {"Accept-Language": "en-GB,en;q=0.9"}, "Prompting"),
    ("", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "Prompting（中）"),
])
def test_ics_language_follows_lang_then_accept_language(client, programme_rows, query, headers,
                                                        summary):
    response = client.get(f"/api/v1/schedule.ics{query}", headers=headers)

    workshop_uid = f"slot-{programme_rows['workshop'].id}@backlot"
    events = [event for event in calendar_of(response).walk("VEVENT")
              if event["UID"] == workshop_uid]
    assert [event["SUMMARY"] for event in events] == [summary]
    assert response.headers["Content-Language"] == ("en" if summary == "Prompting" else "zh")


def test_ics_uses_the_configured_base_url_and_filters(app, client, programme_rows):
    app.config["BACKLOT_BASE_URL"] = "https://backlot.example.org"
    premiere = programme_rows["premiere"]

    calendar = calendar_of(client.get("/api/v1/schedule.ics?day=2026-06-15"))

    assert [event["URL"] for event in calendar.walk("VEVENT")] == \
        [f"https://backlot.example.org/schedule/{premiere.id}"]


def uids(client) -> set[str]:
    calendar = calendar_of(client.get("/api/v1/schedule.ics"))
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_ics_uids_are_stable_when_the_programme_changes(client, programme_rows):
    before = uids(client)
    added = make_slot(on=JUNE_15, start=time(10), end=time(11), title="Late addition")
    programme_rows["workshop"].title = text("Prompting, renamed")
    db.session.commit()

    assert uids(client) == before | {f"slot-{added.id}@backlot"}
