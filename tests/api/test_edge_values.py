"""Values at the edges: ids past the database's integer range and times the API cannot write are
the caller's error; a day at the calendar's edge is just a day.

Found by tests/api/test_fuzz.py: each of these used to end in a 500 (an integer too large for
the database, a round in the year 306 whose wall-clock offset has seconds, the audit log of
0001-01-01 whose UTC start is before the calendar's)."""
import pytest

from app.ids import MAX_ID
from tests.api.test_challenge_api import api, document, round_body, tokens  # noqa: F401 (fixtures)
from tests.builders import make_day

PAST_THE_RANGE = (MAX_ID + 1, 10**30)


@pytest.mark.parametrize("big", PAST_THE_RANGE)
@pytest.mark.parametrize(("method", "path", "role"), [
    ("GET", "/stories/{}", "moderator"),
    ("POST", "/stories/{}/approve", "moderator"),
    ("POST", "/rounds/{}/open", "moderator"),
    ("POST", "/rounds/{}/freeze", "moderator"),
    ("POST", "/kiosks/{}/resume", "moderator"),
])
def test_an_id_past_the_range_in_the_path_is_not_found(api, method, path, role, big):
    assert api(method, path.format(big), role=role, status=404)["error"]["code"] == "not_found"


@pytest.mark.parametrize("big", PAST_THE_RANGE)
@pytest.mark.parametrize(("method", "path", "role", "body", "field"), [
    ("POST", "/votes", None, {"ticket_code": "x" * 22, "story_id": "{}"}, "story_id"),
    ("POST", "/checkins", "gate", {"scan": "x" * 22, "gate": "North", "session_id": "{}"}, "session_id"),
    ("POST", "/registrations", None, {"name": "Li Lei", "email": "li@example.org", "days": ["2026-06-14"],
                                      "sessions": ["{}"], "consent": True}, "sessions.0"),
    ("PUT", "/displays", "moderator", {"mode": "spotlight", "story_id": "{}"}, "story_id"),
])
def test_an_id_past_the_range_in_a_body_is_invalid(api, method, path, role, body, field, big):
    make_day()
    body = {key: big if value == "{}" else [big] if value == ["{}"] else value for key, value in body.items()}

    assert field in api(method, path, role=role, json=body, status=422)["error"]["fields"]


def test_an_id_past_the_range_in_the_audit_query_is_invalid(api):
    assert "actor_id" in api("GET", f"/audit?actor_id={MAX_ID + 1}", role="admin", status=422)["error"]["fields"]


@pytest.mark.parametrize("start", ["0306-02-10T23:44:46Z", "0001-01-01T00:00:00+05:00"])
def test_a_round_time_the_api_cannot_write_is_invalid(api, start):
    answer = api("POST", "/rounds", role="admin", json=round_body(start=start), status=422)

    assert "starts_at" in answer["error"]["fields"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_audit_log_of_a_day_at_the_calendars_edge_is_empty(api, day):
    assert api("GET", f"/audit?day={day}", role="admin")["entries"] == []
