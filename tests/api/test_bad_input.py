"""Bad input at every door that takes some: too big, the wrong type, not UTF-8, nested too deeply,
null characters, invisible characters, drawings that are not PNGs. Each is a clear error in the
visitor's language (never a 500) and changes nothing; on SQLite and on PostgreSQL (which refuses
a null character in text)."""
from __future__ import annotations

import io
import json
import random
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.challenge.models import Story
from app.checkin.models import Scan
from app.extensions import db
from app.inputs import MAX_DEPTH, depth
from app.staff import services as staff
from app.tickets.models import Registration, Ticket
from tests.api.test_staff_api import bearer
from tests.builders import data_url, make_day, make_round, make_story, png

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
HAN = re.compile(r"[\u4e00-\u9fff]")
CAP = 8 * 1024 * 1024


def counts() -> tuple[int, ...]:
    db.session.rollback()  # a fresh look at what the requests committed
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Registration, Ticket, Story, Scan))


@pytest.fixture
def doors(app):
    """The demo day and an open round, and the credentials of the doors that need one."""
    make_day()
    make_round()
    headers = {role: bearer(staff.add_staff(f"{role}@example.org", role).token) for role in ("gate", "kiosk")}
    db.session.commit()
    return headers


def registration(**changes) -> dict:
    return {"name": "Ann", "email": "ann@example.org", "days": ["2026-06-14"], "locale": "en", "consent": True,
            **changes}


def story(**changes) -> dict:
    return {"author": "Xiao Li", "title": "Tomorrow", "logline": "A phone rings with tomorrow's news.",
            "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": "nonce-0001", "locale": "en",
            **changes}


def scan(**changes) -> dict:
    return {"scan": "no-such-ticket", "gate": "A", "session_id": None, "nonce": "scan-0001", **changes}


#: (path, role, a good body) of each JSON door that visitors' devices use.
DOORS = [("/api/v1/registrations", None, registration()), ("/api/v1/checkins", "gate", scan()),
         ("/api/v1/stories", "kiosk", story()), ("/api/v1/votes", None, {"ticket_code": "x", "story_id": 1})]


def post(client, doors, door, data, *, content_type="application/json", headers=EN, chunked=False):
    """POST `data` to a door; `chunked`: without Content-Length, as a chunked upload arrives."""
    path, role, _ = door
    body = ({"input_stream": io.BytesIO(data.encode() if isinstance(data, str) else data),
             "environ_overrides": {"wsgi.input_terminated": True}} if chunked else {"data": data})
    return client.post(path, content_type=content_type, headers={**headers, **(doors[role] if role else {})},
                       **body)


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)
    return response.get_json()["error"]


def test_every_json_door_refuses_bad_bodies_clearly(client, doors):
    before = counts()
    for door in DOORS:
        too_big = json.dumps({**door[2], "padding": "x" * CAP})
        for chunked in (False, True):  # werkzeug cuts a chunked body at the cap: it was a 400
            assert error(post(client, doors, door, too_big, chunked=chunked), 413) == {
                "code": "too_large", "message": "The request is too large."}
        assert error(post(client, doors, door, json.dumps(door[2]), content_type="text/plain"),
                     400)["code"] == "bad_json"
        assert error(post(client, doors, door, b'{"name": "\xff\xfe"}'), 400) == {
            "code": "bad_json", "message": "The body is not valid JSON in UTF-8."}
        # 5,000 levels of [ used to end in a RecursionError and a 500.
        assert error(post(client, doors, door, "[" * 5000 + "]" * 5000), 400) == {
            "code": "bad_json", "message": f"This JSON is nested too deeply (at most {MAX_DEPTH} levels)."}
        deep = {**door[2], "extra": json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)}
        assert error(post(client, doors, door, json.dumps(deep)), 400)["code"] == "bad_json"
    assert counts() == before


def test_the_errors_are_in_the_visitors_language(client, doors):
    door = DOORS[0]
    for data, status in ((b"x" * (CAP + 1), 413), ("[" * 5000, 400), (b'{"name": "\xff"}', 400),
                         (json.dumps(registration(name="A\x00")), 422)):
        with client.application.app_context():  # flask-babel keeps the locale per context
            body = error(post(client, doors, door, data, headers=ZH), status)
        assert HAN.search(body["message"]), body
        assert all(HAN.search(text) for text in body.get("fields", {}).values()), body


#: (door, body with a null character, the field named): every text field of every visitor door.
NULS = [
    (0, registration(name="A\x00nn"), "name"),
    (0, registration(email="ann\x00@example.org"), "email"),
    (0, registration(companions=[{"name": "Bo"}, {"name": "\x00"}]), "companions.1.name"),
    (0, registration(locale="e\x00"), "locale"),
    (1, scan(scan="abc\x00"), "scan"),
    (1, scan(gate="A\x00"), "gate"),
    (1, scan(nonce="scan\x00"), "nonce"),
    (2, story(author="Li\x00"), "author"),
    (2, story(beats=["One.", "Tw\x00o.", "Three."]), "beats.1"),
    (2, story(nonce="nonce\x000001"), "nonce"),
    (2, story(ticket_code="\x00"), "ticket_code"),
    (3, {"ticket_code": "x\x00", "story_id": 1}, "ticket_code"),
]


def test_a_null_character_in_any_text_is_a_422_naming_its_field(client, doors):
    before = counts()
    for door, body, field in NULS:
        refused = error(post(client, doors, DOORS[door], json.dumps(body)), 422)
        assert refused["fields"] == {field: "Must not contain a null character."}, (DOORS[door][0], field)
    assert counts() == before


def test_a_null_character_in_a_path_or_query_is_a_422_too(client, doors):
    for path, field in (("/api/v1/tickets/abc%00", "code"), ("/api/v1/votes?ticket_code=a%00b", "ticket_code")):
        assert error(client.get(path, headers=EN), 422)["fields"] == {field: "Must not contain a null character."}
    page = client.get("/schedule?day=2026-06-14%00", headers=EN)
    assert page.status_code == 422
    assert "<code>day</code>: Must not contain a null character." in page.get_data(as_text=True)


def form_post(client, body: bytes):
    client.application.config["WTF_CSRF_ENABLED"] = False
    return client.post("/register", data=body, content_type="application/x-www-form-urlencoded", headers=EN)


def test_a_form_too_big_not_utf8_or_holding_a_null_gets_a_clear_page(client, doors):
    before = counts()
    for body, message in ((b"name=%FF%FEAnn", "This text is not valid UTF-8."),
                          (b"name=A%00nn", "Must not contain a null character.")):
        response = form_post(client, body + b"&email=ann%40example.org&days=2026-06-14&consent=y")
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and response.mimetype == "text/html"
        assert f"<code>name</code>: {message}" in page and "Traceback" not in page
    # Readable, the same form is judged by the form itself (here: days and consent are missing).
    assert "error-page__fields" not in form_post(client, b"name=%E5%85%89&email=ann%40example.org").get_data(
        as_text=True)
    for chunked in (False, True):
        response = post(client, doors, ("/register", None, {}), b"name=" + b"x" * CAP,
                        content_type="application/x-www-form-urlencoded", chunked=chunked)
        assert response.status_code == 413 and response.mimetype == "text/html"
        assert "The request is too large." in response.get_data(as_text=True)
    assert counts() == before


def test_invisible_characters_leave_names_and_stories(client, doors):
    """What a display shows cannot pass for another entry: bidi controls and zero-width
    characters are dropped from names and stories."""
    answer = client.post("/api/v1/registrations", headers=EN, json=registration(
        name="\u202eAnn\u202c", companions=[{"name": "B\u200bo\u2066"}]))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert [answer.get_json()["ticket"]["holder_name"], answer.get_json()["companions"][0]["holder_name"]] == [
        "Ann", "Bo"]
    sent = client.post("/api/v1/stories", headers={**EN, **doors["kiosk"]}, json=story(
        author="\u2067Li\u2069", title="To\u200dmo\ufeffrrow", beats=["It\u200b rings.", "She answers.", "Hi\u00ad."]))
    assert sent.status_code == 201, sent.get_data(as_text=True)
    kept = db.session.get(Story, sent.get_json()["id"])
    assert (kept.author, kept.title, kept.beats) == ("Li", "Tomorrow", ["It rings.", "She answers.", "Hi."])


def test_text_of_invisible_characters_only_is_refused(client, doors):
    before = counts()
    for door, body, field in ((0, registration(name="\u202e\u200b\u2060"), "name"),
                              (0, registration(email="ann\u200b@example.org"), "email"),
                              (2, story(title="\u200b\u200d\ufeff"), "title")):
        assert field in error(post(client, doors, DOORS[door], json.dumps(body)), 422)["fields"]
    assert counts() == before


def huge_png_header() -> bytes:
    """A valid little PNG file that claims 100,000 × 100,000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 45), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


def noise_png(side: int) -> bytes:
    """Pixels that do not compress: a PNG of about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def corrupt_pixels() -> bytes:
    """A PNG whose header is right and whose pixel data is not (the CRCs still match)."""
    good = png()
    start = good.index(b"IDAT") + 4
    length = struct.unpack(">I", good[start - 8:start - 4])[0]
    garbage = bytes(length)
    crc = struct.pack(">I", zlib.crc32(b"IDAT" + garbage))
    return good[:start] + garbage + crc + good[start + length + 4:]


FRAMES = [
    ("jpeg", data_url(jpeg(), "image/jpeg"), "A drawing must be a PNG image."),
    ("jpeg labelled png", data_url(jpeg()), "A drawing must be a PNG image."),
    ("not base64", "data:image/png;base64,%%%", "A drawing must be a PNG image."),
    ("truncated", data_url(png()[:60]), "A drawing must be a PNG image."),
    ("corrupt pixels", data_url(corrupt_pixels()), "A drawing must be a PNG image."),
    ("too many pixels", data_url(huge_png_header()), "A drawing may be at most 1600 pixels a side."),
    ("too big", data_url(noise_png(400)), "This drawing is too large (at most 256 KB)."),
    ("not text", 42, "A drawing must be a PNG image."),
]


def test_a_drawing_that_is_not_a_small_png_is_refused_and_nothing_is_kept(client, doors):
    before = counts()
    for case, frame, message in FRAMES:
        refused = error(post(client, doors, DOORS[2], json.dumps(story(frames=[data_url(png()), frame]))), 422)
        assert refused["fields"] == {"frames.1": message}, case
    assert counts() == before


def test_depth_counts_nesting_without_recursion():
    assert [depth(1), depth([]), depth({"a": [1, {"b": []}]})] == [0, 1, 4]
    nested = []
    for _ in range(100_000):
        nested = [nested]
    assert depth(nested) == 100_001


def test_staff_doors_with_an_optional_body_refuse_one_that_is_not_a_json_object(app, client):
    """Approve, reject, reveal and the pauses take an optional body: a broken one is a 400, not
    taken for no body (a reason typed and lost, a reveal stepping on)."""
    pending = make_story(make_round())
    kiosk = staff.add_staff("kiosk@devices.local", "kiosk").member
    moderator, admin = (bearer(staff.add_staff(f"{role}@example.org", role).token) for role in ("moderator", "admin"))
    db.session.commit()
    doors = [(f"/api/v1/stories/{pending.id}/approve", moderator), (f"/api/v1/stories/{pending.id}/reject", moderator),
             (f"/api/v1/rounds/{pending.round_id}/reveal", moderator), (f"/api/v1/kiosks/{kiosk.id}/pause", moderator),
             ("/api/v1/gates/North/pause", admin)]
    for path, headers in doors:
        for data in ('{"reason": "Rude"', "[1]", '"Rude"'):
            answer = client.post(path, data=data, content_type="application/json", headers={**EN, **headers})
            assert error(answer, 400)["code"] == "bad_json", path
    db.session.expire_all()
    assert db.session.get(Story, pending.id).status == "pending"
    assert client.get(f"/api/v1/leaderboard?round_id={pending.round_id}").get_json()["revealed"] is None
