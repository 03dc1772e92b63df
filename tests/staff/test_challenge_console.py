"""My Story's staff pages through HTTP: the moderation queue, the rounds form, displays and kiosks."""
from __future__ import annotations

import base64
import io
import re
from datetime import date, time

import pytest
from PIL import Image

from app.challenge import rounds, screens, stories
from app.challenge.models import ChallengeRound
from app.clock import at_local
from app.extensions import db
from app.staff import audit, services
from tests.builders import make_day, make_slot, text
from tests.staff.conftest import page_csrf, sign_in

DAY = date(2026, 6, 14)  # the demo clock reads 10:30 on this day


def make_round(title: str = "Dream machines", start: time = time(10), end: time = time(12), beats: int = 3,
               session_id: int | None = None) -> ChallengeRound:
    return rounds.create_round(rounds.RoundForm(
        title=text(title), theme=text("A machine that learns to dream"), starts_at=at_local(DAY, start),
        ends_at=at_local(DAY, end), beat_count=beats, session_id=session_id), actor=None)


def png_data_url() -> str:
    picture = io.BytesIO()
    Image.new("RGB", (80, 45), "white").save(picture, "PNG")
    return "data:image/png;base64," + base64.b64encode(picture.getvalue()).decode()


def send_story(kiosk, title: str, *, beats=("A light comes on.", "It speaks.", "Tomorrow answers."),
               frames=None) -> int:
    body = {"author": "Lin", "title": title, "logline": "A message arrives early.", "beats": list(beats),
            "nonce": f"nonce-{title.encode().hex()[:40]}", "locale": "en"}
    if frames is not None:
        body["frames"] = frames
    answer, _created = stories.submit(body, kiosk=kiosk)
    return answer["id"]


@pytest.fixture
def kiosk(app):
    return services.add_staff("kiosk-1@devices.local", "kiosk", name="Kiosk by the stage").member


def round_form(**changes) -> dict:
    return {"title_zh": "第九轮：做梦的机器", "title_en": "Round 9: Dream machines", "theme_zh": "一台学会做梦的机器",
            "theme_en": "A machine that learns to dream", "day": DAY.isoformat(), "starts": "16:00",
            "ends": "17:00", "beat_count": "4", "session_id": "0", **changes}


def card_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-story-id="(\d+)"', page)]


def field_error(page: str, field_id: str) -> str:
    """The error text shown by one field of a server-rendered form."""
    block = re.search(rf'<div class="field field--error[^"]*">\s*<label for="{field_id}".*?</div>', page, re.S)
    assert block, f"{field_id} is not marked"
    assert 'aria-invalid="true"' in block.group(0)
    return re.search(r'class="field__error"[^>]*>(.*?)</small>', block.group(0), re.S).group(1)


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_my_story_pages_open_for_moderators_and_admins(app, client, role):
    make_round()
    sign_in(client, role)
    for path, heading in (("/staff/stories", "Stories"), ("/staff/rounds", "Rounds"),
                          ("/staff/screens", "Displays & kiosks")):
        page = client.get(path + "?lang=en")
        assert page.status_code == 200, path
        assert f"<h1>{heading}" in page.get_data(as_text=True)
    dashboard = client.get("/staff?lang=en").get_data(as_text=True)
    assert 'data-testid="dashboard-my-story"' in dashboard and "Dream machines" in dashboard
    assert 'href="/staff/stories"' in dashboard


def test_other_staff_see_neither_the_links_nor_the_card(app, client):
    sign_in(client, "gate")
    dashboard = client.get("/staff?lang=en").get_data(as_text=True)
    assert "dashboard-my-story" not in dashboard and 'href="/staff/stories"' not in dashboard
    assert client.get("/staff/stories").status_code == 403


def test_admin_adds_a_round_through_the_form(app, admin_client):
    make_day(DAY)
    session = make_slot(kind="challenge", start=time(16), end=time(17), title="My Story · Round 9")
    token = page_csrf(admin_client, "/staff/rounds/new")

    answer = admin_client.post("/staff/rounds/new",
                               data={**round_form(session_id=str(session.id)), "csrf_token": token})

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/staff/rounds")
    [listed] = admin_client.get("/api/v1/rounds").get_json()["rounds"]
    assert listed["title"] == {"zh": "第九轮：做梦的机器", "en": "Round 9: Dream machines"}
    assert listed["theme"]["en"] == "A machine that learns to dream"
    assert (listed["starts_at"], listed["ends_at"]) == ("2026-06-14T16:00:00+08:00", "2026-06-14T17:00:00+08:00")
    assert (listed["beat_count"], listed["session_id"], listed["status"]) == (4, session.id, "scheduled")
    assert audit.search(action="round.create")[0].actor.email == "admin@example.org"
    page = admin_client.get("/staff/rounds?lang=en").get_data(as_text=True)
    assert "Round 9: Dream machines" in page and "Scheduled" in page and "My Story · Round 9" in page


def test_a_refused_round_shows_each_problem_by_its_field_and_writes_nothing(app, admin_client):
    make_day(DAY)
    token = page_csrf(admin_client, "/staff/rounds/new")

    answer = admin_client.post("/staff/rounds/new?lang=en", data={
        **round_form(title_en="  ", starts="17:00", ends="16:00"), "csrf_token": token})

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert field_error(page, "title_en") == "Please fill this in."
    assert field_error(page, "ends") == "The end must come after the start."
    assert 'value="第九轮：做梦的机器"' in page  # what was typed is kept
    assert db.session.query(ChallengeRound).count() == 0

    answer = admin_client.post("/staff/rounds/new?lang=en", data={**round_form(beat_count="7"), "csrf_token": token})
    assert answer.status_code == 422
    assert field_error(answer.get_data(as_text=True), "beat_count")
    assert db.session.query(ChallengeRound).count() == 0


def test_an_overlapping_round_is_refused_naming_the_other(app, admin_client):
    make_day(DAY)
    make_round("Dream machines", time(15), time(16, 30))
    token = page_csrf(admin_client, "/staff/rounds/new")

    answer = admin_client.post("/staff/rounds/new?lang=en", data={**round_form(), "csrf_token": token})

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'role="alert">This overlaps the round \u201cDream machines\u201d', page)
    assert field_error(page, "starts") == "Overlaps another round."
    assert db.session.query(ChallengeRound).count() == 1
    assert len(audit.search(action="round.create")) == 1  # the first round's, made before


def test_a_round_form_without_csrf_token_changes_nothing(app, admin_client):
    make_day(DAY)
    answer = admin_client.post("/staff/rounds/new?lang=en", data=round_form())
    assert answer.status_code == 400
    assert db.session.query(ChallengeRound).count() == 0


def test_admin_edits_a_round_but_its_beats_stay_once_stories_came(app, admin_client, kiosk):
    make_day(DAY)
    challenge_round = make_round("Dream machines", beats=3)
    edit = f"/staff/rounds/{challenge_round.id}/edit"
    form_page = admin_client.get(edit + "?lang=en").get_data(as_text=True)
    assert 'value="10:00"' in form_page and 'value="12:00"' in form_page and 'value="Dream machines"' in form_page
    token = page_csrf(admin_client, edit)
    edited = round_form(title_en="Dream machines", starts="10:00", ends="12:30", beat_count="3")

    assert admin_client.post(edit, data={**edited, "csrf_token": token}).status_code == 302
    db.session.refresh(challenge_round)
    assert challenge_round.ends_at == at_local(DAY, time(12, 30))
    assert challenge_round.theme["zh"] == "一台学会做梦的机器"

    send_story(kiosk, "The first message")
    answer = admin_client.post(edit + "?lang=en", data={**edited, "beat_count": "5", "csrf_token": token})

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Stories were already sent to this round: its number of beats stays." in page
    assert field_error(page, "beat_count") == "Stories were already sent to this round."
    db.session.refresh(challenge_round)
    assert challenge_round.beat_count == 3


def test_moderators_open_and_close_rounds_but_do_not_edit_them(app, client):
    first = make_round("Dream machines", time(10), time(12))
    second = make_round("The last reel", time(13), time(14))
    sign_in(client, "moderator")
    page = client.get("/staff/rounds?lang=en").get_data(as_text=True)
    assert "Add a round" not in page and "/edit" not in page
    assert client.get("/staff/rounds/new").status_code == 403
    token = page_csrf(client, "/staff/rounds")

    # One round is open at a time: opening the second while the first runs is refused by name.
    answer = client.post(f"/staff/rounds/{second.id}/open?lang=en", data={"csrf_token": token},
                         follow_redirects=True)
    assert "This overlaps the round \u201cDream machines\u201d" in answer.get_data(as_text=True)
    assert client.get("/api/v1/rounds").get_json()["open_round_id"] == first.id

    answer = client.post(f"/staff/rounds/{first.id}/close?lang=en", data={"csrf_token": token},
                         follow_redirects=True)
    assert "is closed: the kiosks take no more stories for it." in answer.get_data(as_text=True)
    answer = client.post(f"/staff/rounds/{second.id}/open?lang=en", data={"csrf_token": token},
                         follow_redirects=True)
    assert "\u201cThe last reel\u201d is open" in answer.get_data(as_text=True)

    listed = {item["id"]: item for item in client.get("/api/v1/rounds").get_json()["rounds"]}
    assert client.get("/api/v1/rounds").get_json()["open_round_id"] == second.id
    assert (listed[first.id]["status"], listed[second.id]["status"]) == ("closed", "open")
    assert listed[second.id]["ends_at"] == "2026-06-14T14:00:00+08:00"


def test_the_queue_lists_flagged_stories_first_and_escapes_what_visitors_typed(app, client, kiosk):
    make_round()
    clean = send_story(kiosk, "Tomorrow calls")
    flagged = send_story(kiosk, "<script>alert(1)</script>", beats=("A light comes on.", "Oh shit, it speaks.",
                                                                      "Tomorrow answers."))
    sign_in(client, "moderator")

    page = client.get("/staff/stories?lang=en").get_data(as_text=True)

    assert card_ids(page) == [flagged, clean]
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Oh <mark>shit</mark>, it speaks." in page
    assert '<mark class="term">shit</mark>' in page
    assert "by Lin" in page and "Kiosk by the stage" in page and "Dream machines" in page
    assert re.search(r'data-testid="pending-count">2<', page) and re.search(r'data-testid="flagged-count">1 flagged<', page)
    # The live parts: one card, and the tabs with their counts.
    card = client.get(f"/staff/stories/{flagged}/card").get_data(as_text=True)
    assert card_ids(card) == [flagged] and "<script>alert" not in card
    assert card_ids(client.get("/staff/fragments/stories?status=pending").get_data(as_text=True)) == [flagged, clean]


def test_decisions_move_stories_between_the_tabs(app, client, kiosk):
    make_round()
    drawn = send_story(kiosk, "Drawn at dawn", frames=[png_data_url(), None, None])
    plain = send_story(kiosk, "Plain words")
    sign_in(client, "moderator")
    queue = client.get("/staff/stories?lang=en").get_data(as_text=True)
    assert f'src="/stories/{drawn}/frames/0.png"' in queue
    assert client.get(f"/stories/{drawn}/frames/0.png").mimetype == "image/png"  # moderators see pending drawings
    headers = {"X-CSRFToken": page_csrf(client, "/staff/stories")}

    assert client.post(f"/api/v1/stories/{drawn}/approve", headers=headers).get_json()["status"] == "approved"
    assert client.post(f"/api/v1/stories/{plain}/reject", headers=headers,
                       json={"reason": "Off topic"}).get_json()["status"] == "rejected"

    assert card_ids(client.get("/staff/stories").get_data(as_text=True)) == []
    approved = client.get("/staff/stories?status=approved&lang=en").get_data(as_text=True)
    assert card_ids(approved) == [drawn]
    assert "Approved by moderator" in approved
    assert "Spotlight on displays" in approved and "Withdraw from the screens" in approved
    rejected = client.get("/staff/stories?status=rejected&lang=en").get_data(as_text=True)
    assert card_ids(rejected) == [plain] and "Reason: Off topic" in rejected and "Approve after all" in rejected
    tabs = client.get("/staff/fragments/story-tabs?status=approved&lang=en").get_data(as_text=True)
    assert re.search(r'Approved <strong class="num">1<', tabs) and re.search(r'Rejected <strong class="num">1<', tabs)


def test_staff_pause_a_kiosk_and_switch_the_displays(app, client, kiosk):
    make_round()
    story = send_story(kiosk, "Spotlit")
    screens.note_display("hall-left")
    sign_in(client, "moderator")
    page = client.get("/staff/screens?lang=en").get_data(as_text=True)
    assert "hall-left" in page and "Kiosk by the stage" in page and "Running" in page
    token = page_csrf(client, "/staff/screens")

    answer = client.post(f"/staff/screens/kiosks/{kiosk.id}/pause?lang=en",
                         data={"csrf_token": token, "message": "Back at 14:00"}, follow_redirects=True)
    assert "Kiosk Kiosk by the stage is paused." in answer.get_data(as_text=True)
    [listed] = client.get("/api/v1/kiosks").get_json()["kiosks"]
    assert (listed["paused"], listed["message"]) == (True, "Back at 14:00")
    client.post(f"/staff/screens/kiosks/{kiosk.id}/resume", data={"csrf_token": token})
    assert client.get("/api/v1/kiosks").get_json()["kiosks"][0]["paused"] is False

    # The spotlight needs an approved story: refused with the reason, nothing changes.
    answer = client.post("/staff/screens/mode?lang=en", data={"csrf_token": token, "display": "",
                                                              "mode": "spotlight", "story_id": str(story)},
                         follow_redirects=True)
    assert "Choose an approved story to put in the spotlight." in answer.get_data(as_text=True)
    assert client.get("/api/v1/displays").get_json()["default"]["mode"] == "feed"

    stories.approve(stories.get_story(story), actor=None)
    client.post("/staff/screens/mode", data={"csrf_token": token, "display": "", "mode": "spotlight",
                                             "story_id": str(story)})
    client.post("/staff/screens/mode", data={"csrf_token": token, "display": "hall-left", "mode": "schedule",
                                             "story_id": ""})
    shown = client.get("/api/v1/displays").get_json()
    assert shown["default"] == {"mode": "spotlight", "spotlight_story_id": story}
    assert [(d["name"], d["mode"], d["follows_default"]) for d in shown["displays"]] == [
        ("hall-left", "schedule", False)]

    answer = client.post("/staff/screens/mode?lang=en", data={"csrf_token": token, "display": "hall-left",
                                                              "mode": ""}, follow_redirects=True)
    assert "Display hall-left follows the default again." in answer.get_data(as_text=True)
    assert client.get("/api/v1/displays").get_json()["displays"][0]["follows_default"] is True
