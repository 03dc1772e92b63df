"""My Story over HTTP: every endpoint's codes and bodies (checked against the OpenAPI document),
who may call what, and the drawn frames and screen pages."""
import re
from datetime import time

import pytest

from app.challenge import screens
from app.staff import services
from tests.api import assert_valid
from tests.api.test_staff_api import bearer
from tests.builders import data_url, make_round, make_slot, make_story, png, text
from tests.staff.conftest import page_csrf, sign_in

ROLES = ("admin", "gate", "moderator", "jury", "kiosk", "display")
MODERATORS = ("moderator", "admin")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


class Tokens(dict):
    """A bearer token per role, its account added on first use (hashing a password takes a while)."""

    def __missing__(self, role: str) -> str:
        self[role] = services.add_staff(f"{role}@example.org", role).token
        return self[role]


@pytest.fixture
def tokens(app) -> Tokens:
    return Tokens()


def documented_statuses(document: dict, method: str, path: str) -> set[str]:
    """The response codes the document gives for this request (its path matched to a template)."""
    path = path.partition("?")[0]
    for template, item in document["paths"].items():
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path) and method.lower() in item:
            return set(item[method.lower()]["responses"])
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


@pytest.fixture
def api(client, tokens, document):
    """call(method, path, role=None, json=None, status=..., schema=...): the response's JSON, after
    checking its status (which the document must list) and validating it (errors against Error)."""
    def call(method: str, path: str, *, role: str | None = None, status: int = 200, schema: str | None = None,
             headers: dict | None = None, **options):
        headers = {**(bearer(tokens[role]) if role else {}), **(headers or {})}
        response = client.open(f"/api/v1{path}", method=method, headers=headers, **options)
        assert response.status_code == status, response.get_data(as_text=True)
        assert str(status) in documented_statuses(document, method, path), (method, path, status)
        body = response.get_json()
        if status >= 400:
            assert_valid(document, "Error", body)
        elif schema:
            assert_valid(document, schema, body)
        return body
    return call


def story_body(nonce: str = "kiosk-1-0001", **changes) -> dict:
    values = {"author": "小李", "title": "明天的来电", "logline": "A phone rings with tomorrow's news.",
              "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": nonce, "locale": "zh"}
    return {**values, **changes}


def round_body(start: str = "2026-06-14T14:00:00+08:00", end: str = "2026-06-14T15:00:00+08:00",
               **changes) -> dict:
    values = {"title": text("Round 9: Night Shift"), "theme": text("Someone is still awake"),
              "starts_at": start, "ends_at": end, "beat_count": 4, "session_id": None}
    return {**values, **changes}


#: Every My Story endpoint that needs a credential, and the roles it allows.
GUARDED = [
    ("POST", "/stories", ("kiosk",)),
    ("POST", "/cowriter", ("kiosk",)),
    ("GET", "/stories", MODERATORS),
    ("GET", "/stories/1", MODERATORS),
    ("POST", "/stories/1/approve", MODERATORS),
    ("POST", "/stories/1/reject", MODERATORS),
    ("GET", "/challenge/settings", MODERATORS),
    ("PUT", "/challenge/settings", MODERATORS),
    ("POST", "/rounds", ("admin",)),
    ("PUT", "/rounds/1", ("admin",)),
    ("POST", "/rounds/1/open", MODERATORS),
    ("POST", "/rounds/1/close", MODERATORS),
    ("GET", "/displays", MODERATORS),
    ("PUT", "/displays", MODERATORS),
    ("PUT", "/displays/main", MODERATORS),
    ("GET", "/kiosks", MODERATORS),
    ("POST", "/kiosks/1/pause", MODERATORS),
    ("POST", "/kiosks/1/resume", MODERATORS),
]


def test_every_endpoint_is_401_without_a_credential_and_403_for_other_roles(app, api):
    for method, path, allowed in GUARDED:
        assert api(method, path, status=401, json={})["error"]["code"] == "unauthorized", path
        for role in sorted(set(ROLES) - set(allowed)):
            assert api(method, path, role=role, status=403, json={})["error"]["code"] == "forbidden", \
                (method, path, role)


def test_the_guarded_list_names_every_my_story_endpoint(app):
    """A new endpoint in app/api/challenge.py joins GUARDED (or is public on purpose, like GET /rounds)."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == "app.api.challenge":
            path = re.sub(r"<int:\w+>", "1", rule.rule.removeprefix("/api/v1")).replace("<name>", "main")
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(method, path) for method, path, _ in GUARDED} | {("GET", "/rounds")}


# --- Stories from kiosks ---

def test_a_kiosk_sends_a_story_and_a_re_send_gets_the_same_answer(app, api):
    challenge_round = make_round()

    first = api("POST", "/stories", role="kiosk", json=story_body(), status=201, schema="StoryAnswer")
    again = api("POST", "/stories", role="kiosk", json=story_body(), status=200, schema="StoryAnswer")

    assert first == again == {"id": first["id"], "round_id": challenge_round.id, "status": "pending"}


def test_a_bad_story_is_422_with_its_fields(app, api):
    make_round()
    body = story_body(title="", beats=["One.", "光" * 141, "Three."], nonce="short",
                      frames=[None, "data:image/jpeg;base64,/9j/", None])

    error = api("POST", "/stories", role="kiosk", json=body, status=422)["error"]

    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"title", "beats.1", "frames.1", "nonce"}


def test_an_unknown_ticket_is_422_at_ticket_code(app, api):
    make_round()
    error = api("POST", "/stories", role="kiosk", json=story_body(ticket_code="AbCdEfGhIjKlMnOpQrStUv"),
                status=422)["error"]
    assert set(error["fields"]) == {"ticket_code"}


def test_no_open_round_is_409_round_closed(app, api):
    make_round(start=time(14), end=time(15))
    assert api("POST", "/stories", role="kiosk", json=story_body(), status=409)["error"]["code"] == "round_closed"


def test_a_body_that_is_not_a_json_object_is_400(app, api):
    make_round()
    for payload in ({"data": "not json"}, {"json": ["a", "list"]}):
        assert api("POST", "/stories", role="kiosk", status=400, **payload)["error"]["code"] == "bad_json"


@pytest.mark.parametrize("language,chinese", [("zh-CN,zh;q=0.9", True), ("en", False)])
def test_messages_follow_accept_language(app, api, language, chinese):
    make_round()
    headers = {"Accept-Language": language}

    invalid = api("POST", "/stories", role="kiosk", json=story_body(title=""), status=422, headers=headers)
    forbidden = api("POST", "/stories/1/approve", role="kiosk", status=403, headers=headers)

    for error in (invalid["error"], forbidden["error"]):
        assert bool(HAN.search(error["message"])) is chinese, error


# --- Moderating ---

def test_the_queue_lists_staff_stories(app, api):
    challenge_round = make_round()
    flagged = make_story(challenge_round, flagged_terms=("ass",))
    approved = make_story(challenge_round, status="approved")

    pending = api("GET", "/stories", role="moderator", schema="StaffStoryList")["stories"]
    everything = api("GET", f"/stories?status=all&round_id={challenge_round.id}", role="admin",
                     schema="StaffStoryList")["stories"]

    assert [story["id"] for story in pending] == [flagged.id]
    assert (pending[0]["flagged"], pending[0]["flagged_terms"]) == (True, ["ass"])
    assert {story["id"] for story in everything} == {flagged.id, approved.id}
    assert api("GET", "/stories?status=approved&round_id=999", role="moderator")["stories"] == []
    assert "status" in api("GET", "/stories?status=lost", role="moderator", status=422)["error"]["fields"]


def test_one_story_for_moderators(app, api):
    story = make_story(frames={1: png()})

    body = api("GET", f"/stories/{story.id}", role="moderator", schema="StaffStory")

    assert body["frames"] == [None, f"/stories/{story.id}/frames/1.png", None]
    assert (body["status"], body["has_ticket"], body["approved_at"]) == ("pending", False, None)
    assert api("GET", "/stories/999", role="moderator", status=404)["error"]["code"] == "story_not_found"


def test_approve_and_reject(app, api):
    story = make_story()

    approved = api("POST", f"/stories/{story.id}/approve", role="moderator", schema="StaffStory")
    again = api("POST", f"/stories/{story.id}/approve", role="admin", schema="StaffStory")
    rejected = api("POST", f"/stories/{story.id}/reject", role="admin", json={"reason": "Off topic"},
                   schema="StaffStory")

    assert approved["status"] == again["status"] == "approved"
    assert again["moderated_by_id"] == approved["moderated_by_id"]  # the repeat changed nothing
    assert (rejected["status"], rejected["reason"]) == ("rejected", "Off topic")
    assert rejected["approved_at"] == approved["approved_at"]
    assert "reason" in api("POST", f"/stories/{story.id}/reject", role="admin", json={"reason": 5},
                           status=422)["error"]["fields"]
    assert api("POST", "/stories/999/approve", role="admin", status=404)["error"]["code"] == "story_not_found"


def test_a_signed_in_moderator_approves_with_the_csrf_token(app, client, document):
    story = make_story()
    sign_in(client, "moderator")

    without = client.post(f"/api/v1/stories/{story.id}/approve")
    with_token = client.post(f"/api/v1/stories/{story.id}/approve", headers={"X-CSRFToken": page_csrf(client)})

    assert without.status_code == 400
    assert with_token.status_code == 200 and with_token.get_json()["status"] == "approved"
    assert_valid(document, "StaffStory", with_token.get_json())


def test_challenge_settings(app, api):
    assert api("GET", "/challenge/settings", role="moderator", schema="ChallengeSettings") == {"auto_approve": False}
    assert api("PUT", "/challenge/settings", role="admin", json={"auto_approve": True},
               schema="ChallengeSettings") == {"auto_approve": True}
    assert api("GET", "/challenge/settings", role="admin") == {"auto_approve": True}
    assert "auto_approve" in api("PUT", "/challenge/settings", role="admin", json={"auto_approve": "yes"},
                                 status=422)["error"]["fields"]


def test_auto_approve_through_the_api(app, api):
    make_round()
    api("PUT", "/challenge/settings", role="moderator", json={"auto_approve": True})

    clean = api("POST", "/stories", role="kiosk", json=story_body("kiosk-1-0001"), status=201)
    drawn = api("POST", "/stories", role="kiosk", json=story_body("kiosk-1-0002", frames=[data_url(png())]),
                status=201)

    assert (clean["status"], drawn["status"]) == ("approved", "pending")


# --- Rounds ---

def test_rounds_are_public(app, api):
    open_one = make_round(start=time(10), end=time(12))
    later = make_round(start=time(14), end=time(15))

    body = api("GET", "/rounds", schema="Rounds")

    assert body["open_round_id"] == open_one.id
    assert [(item["id"], item["status"]) for item in body["rounds"]] == [(open_one.id, "open"),
                                                                         (later.id, "scheduled")]
    assert body["rounds"][0]["starts_at"] == "2026-06-14T10:00:00+08:00"
    assert body["now"].startswith("2026-06-14T10:3") and body["now"].endswith("+08:00")


def test_admins_add_and_change_rounds(app, api):
    session = make_slot(kind="challenge", start=time(14), end=time(15), title="My Story")

    created = api("POST", "/rounds", role="admin", json=round_body(session_id=session.id), status=201,
                  schema="Round")
    changed = api("PUT", f"/rounds/{created['id']}", role="admin",
                  json=round_body(end="2026-06-14T15:30:00+08:00", beat_count=5), schema="Round")

    assert (created["status"], created["beat_count"], created["session_id"]) == ("scheduled", 4, session.id)
    assert (changed["ends_at"], changed["beat_count"], changed["session_id"]) == \
        ("2026-06-14T15:30:00+08:00", 5, None)


def test_a_bad_round_is_422_at_its_field(app, api):
    for changes, field in (
        ({"title": "Night Shift"}, "title"),
        ({"theme": {"zh": "", "en": "Theme"}}, "theme.zh"),
        ({"theme": {"zh": 5, "en": "Theme"}}, "theme.zh"),
        ({"starts_at": "2026-06-14T14:00:00"}, "starts_at"),      # no offset
        ({"ends_at": "three o'clock"}, "ends_at"),
        ({"ends_at": "2026-06-14T13:00:00+08:00"}, "ends_at"),   # before the start
        ({"beat_count": "4"}, "beat_count"),
        ({"beat_count": True}, "beat_count"),
        ({"beat_count": 7}, "beat_count"),
        ({"session_id": "1"}, "session_id"),
        ({"session_id": 999}, "session_id"),
    ):
        error = api("POST", "/rounds", role="admin", json=round_body(**changes), status=422)["error"]
        assert field in error["fields"], changes
    assert api("GET", "/rounds")["rounds"] == []


def test_round_conflicts_are_409(app, api):
    open_one = make_round(start=time(10), end=time(12), beat_count=3)
    make_story(open_one)

    overlap = api("POST", "/rounds", role="admin", json=round_body(start="2026-06-14T11:00:00+08:00"), status=409)
    beats = api("PUT", f"/rounds/{open_one.id}", role="admin",
                json=round_body("2026-06-14T10:00:00+08:00", "2026-06-14T12:00:00+08:00", beat_count=4),
                status=409)

    assert overlap["error"]["code"] == "round_overlap"
    assert beats["error"]["code"] == "round_has_stories"
    assert api("PUT", "/rounds/999", role="admin", json=round_body(), status=404)["error"]["code"] == \
        "round_not_found"


def test_moderators_open_and_close_rounds_now(app, api):
    later = make_round(start=time(14), end=time(15))

    opened = api("POST", f"/rounds/{later.id}/open", role="moderator", schema="Round")
    closed = api("POST", f"/rounds/{later.id}/close", role="moderator", schema="Round")
    not_open = api("POST", f"/rounds/{later.id}/close", role="admin", status=409)

    assert (opened["status"], opened["ends_at"]) == ("open", "2026-06-14T15:00:00+08:00")
    assert closed["status"] == "closed"
    assert not_open["error"]["code"] == "round_not_open"
    assert api("POST", "/rounds/999/open", role="admin", status=404)["error"]["code"] == "round_not_found"


# --- Displays and kiosks ---

def test_display_modes(app, api):
    screens.note_display("hall-a")
    screens.note_display("hall-b")
    story = make_story(status="approved")

    default = api("PUT", "/displays", role="moderator", json={"mode": "spotlight", "story_id": story.id},
                  schema="ModeAnswer")
    own = api("PUT", "/displays/hall-a", role="admin", json={"mode": "schedule"}, schema="ModeAnswer")
    listed = api("GET", "/displays", role="moderator", schema="Displays")

    assert default == {"display": None, "mode": "spotlight", "spotlight_story_id": story.id}
    assert own == {"display": "hall-a", "mode": "schedule", "spotlight_story_id": None}
    assert listed["default"] == {"mode": "spotlight", "spotlight_story_id": story.id}
    assert [(d["name"], d["mode"], d["follows_default"]) for d in listed["displays"]] == \
        [("hall-a", "schedule", False), ("hall-b", "spotlight", True)]

    back = api("PUT", "/displays/hall-a", role="admin", json={"mode": None}, schema="ModeAnswer")
    assert back == {"display": "hall-a", "mode": "spotlight", "spotlight_story_id": story.id}


def test_display_mode_refusals(app, api):
    pending = make_story()
    assert api("PUT", "/displays/nowhere", role="admin", json={"mode": "feed"}, status=404)["error"]["code"] == \
        "display_not_found"
    for body, field in (({"mode": "disco"}, "mode"), ({"mode": None}, "mode"), ({"mode": 3}, "mode"),
                        ({"mode": "spotlight", "story_id": pending.id}, "story_id"),
                        ({"mode": "spotlight", "story_id": "1"}, "story_id")):
        assert field in api("PUT", "/displays", role="admin", json=body, status=422)["error"]["fields"], body


def test_kiosks_are_listed_paused_and_resumed(app, api):
    kiosk_id = api("GET", "/staff/me", role="kiosk")["id"]

    listed = api("GET", "/kiosks", role="moderator", schema="Kiosks")["kiosks"]
    paused = api("POST", f"/kiosks/{kiosk_id}/pause", role="moderator", json={"message": "Back at 14:00"},
                 schema="Kiosk")
    quiet = api("POST", f"/kiosks/{kiosk_id}/pause", role="moderator", schema="Kiosk")  # no body
    resumed = api("POST", f"/kiosks/{kiosk_id}/resume", role="admin", schema="Kiosk")

    assert listed == [{"id": kiosk_id, "name": "kiosk", "paused": False, "message": None, "last_seen_at": None}]
    assert (paused["paused"], paused["message"]) == (True, "Back at 14:00")
    assert (quiet["paused"], quiet["message"]) == (True, None)
    assert (resumed["paused"], resumed["message"]) == (False, None)
    moderator_id = api("GET", "/staff/me", role="moderator")["id"]
    assert api("POST", f"/kiosks/{moderator_id}/pause", role="admin", status=404)["error"]["code"] == \
        "kiosk_not_found"
    assert "message" in api("POST", f"/kiosks/{kiosk_id}/pause", role="admin", json={"message": 5},
                            status=422)["error"]["fields"]


# --- The co-writer ---

def test_the_co_writer_answers_kiosks(app, api):
    make_round()
    for kind in ("title", "beat", "twist"):
        answer = api("POST", "/cowriter", role="kiosk", schema="Suggestion",
                     json={"kind": kind, "locale": "en", "title": "", "logline": "", "beats": ["It rings."]})
        assert answer["kind"] == kind and answer["text"].strip()
    fields = api("POST", "/cowriter", role="kiosk", json={"kind": "poem", "beats": "no", "title": 3},
                 status=422)["error"]["fields"]
    assert set(fields) == {"kind", "beats", "title"}


# --- Drawn frames and the screen pages ---

def test_a_pending_frame_exists_only_for_moderators(app, client, tokens):
    drawing = png(800, 450)
    story = make_story(frames={0: drawing})
    url = f"/stories/{story.id}/frames/0.png"

    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(tokens["kiosk"])).status_code == 404
    assert client.get(url, headers=bearer("not-a-token")).status_code == 404
    by_token = client.get(url, headers=bearer(tokens["admin"]))
    assert (by_token.status_code, by_token.data) == (200, drawing)
    sign_in(client, "jury")
    assert client.get(url).status_code == 404
    assert client.post("/staff/logout", data={"csrf_token": page_csrf(client)}).status_code == 302
    sign_in(client, "moderator")
    seen = client.get(url)
    assert (seen.status_code, seen.mimetype, seen.data) == (200, "image/png", drawing)
    assert "no-store" in seen.headers["Cache-Control"]


def test_an_approved_frame_is_public_with_the_bytes_sent(app, api, client):
    make_round()
    drawing = png(800, 450, "teal")
    answer = api("POST", "/stories", role="kiosk", status=201,
                 json=story_body(frames=[None, data_url(drawing), None]))
    api("POST", f"/stories/{answer['id']}/approve", role="moderator")

    shown = client.get(f"/stories/{answer['id']}/frames/1.png")

    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", drawing)
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/stories/{answer['id']}/frames/0.png").status_code == 404  # no drawing there
    assert client.get("/stories/999/frames/0.png").status_code == 404
    api("POST", f"/stories/{answer['id']}/reject", role="moderator")
    assert client.get(f"/stories/{answer['id']}/frames/1.png").status_code == 404  # withdrawn


def test_the_screen_pages_answer(app, client):
    for path in ("/kiosk", "/display", "/display?display=hall-a"):
        page = client.get(path)
        assert (page.status_code, page.mimetype) == (200, "text/html"), path
