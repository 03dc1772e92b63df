"""My Story's votes, leaderboard, show and jury over HTTP: every endpoint's codes and bodies (each
checked against the OpenAPI document by the `api` helper of test_challenge_api), who may call what,
the per-ticket rate limit, and the show's controls being harmless to repeat."""
import re
from datetime import time
from itertools import count

import pytest

from app.checkin.services import ScanRequest, check_in
from app.staff import services as staff
from app.tickets import services as tickets
from app.tickets.rules import RegistrationRequest
from tests.api.test_challenge_api import (  # noqa: F401 (fixtures)
    HAN, MODERATORS, ROLES, api, document, tokens)
from tests.api.test_staff_api import bearer
from tests.builders import make_day, make_round, make_story
from tests.conftest import DEMO_CLOCK

JURY = ("jury",)
EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN,zh;q=0.9"}
_emails = count(1)


def voter(*, checked_in: bool = True) -> str:
    """A ticket for the demo day, as a visitor registers it; scanned in at the entrance unless not."""
    make_day(DEMO_CLOCK.date())
    registration = tickets.register(RegistrationRequest(
        name="Wang Fang", email=f"voter{next(_emails)}@example.org", days=[DEMO_CLOCK.date()], session_ids=[],
        locale="en", consent=True))
    code = registration.tickets[0].code
    if checked_in:
        assert check_in(ScanRequest(scan=code, gate="North door"))["result"] == "ok"
    return code


def vote(code: str, story) -> dict:
    return {"ticket_code": code, "story_id": story if isinstance(story, int) else story.id}


def stories(challenge_round, number: int) -> list:
    return [make_story(challenge_round, status="approved", title=f"Story {n + 1}") for n in range(number)]


# --- Who may call what ---

#: Every endpoint of app/api/voting.py that needs a credential, and the roles it allows.
GUARDED = [
    ("POST", "/rounds/1/voting/open", MODERATORS),
    ("POST", "/rounds/1/voting/close", MODERATORS),
    ("POST", "/rounds/1/freeze", MODERATORS),
    ("POST", "/rounds/1/unfreeze", MODERATORS),
    ("POST", "/rounds/1/reveal", MODERATORS),
    ("POST", "/rounds/1/reveal/reset", MODERATORS),
    ("GET", "/leaderboard?live=1", MODERATORS),
    # The criteria are not secret: the show's staff may read them too (app/api/voting.py).
    ("GET", "/jury/criteria", (*JURY, *MODERATORS)),
    ("PUT", "/jury/scores/1", JURY),
    ("GET", "/jury/scores", JURY),
]
#: Public on purpose: phones vote with their ticket code, displays read the board.
PUBLIC = {("POST", "/votes"), ("DELETE", "/votes"), ("GET", "/votes"), ("GET", "/leaderboard")}


def test_every_staff_endpoint_is_401_without_a_credential_and_403_for_other_roles(app, api):
    for method, path, allowed in GUARDED:
        assert api(method, path, status=401, json={})["error"]["code"] == "unauthorized", path
        for role in sorted(set(ROLES) - set(allowed)):
            assert api(method, path, role=role, status=403, json={})["error"]["code"] == "forbidden", \
                (method, path, role)


def test_the_guarded_list_names_every_voting_endpoint(app):
    """A new endpoint in app/api/voting.py joins GUARDED, or PUBLIC when anyone may call it."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == "app.api.voting":
            path = re.sub(r"<int:\w+>", "1", rule.rule.removeprefix("/api/v1"))
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    guarded = {(method, path) for method, path, _ in GUARDED if "?" not in path}  # ?live=1: in PUBLIC
    assert routes == guarded | PUBLIC


def test_the_live_board_is_for_moderators_and_admins_only(app, api):
    make_round()
    assert api("GET", "/leaderboard?live=1", status=401)["error"]["code"] == "unauthorized"
    for role in ("jury", "gate", "display", "kiosk"):
        assert api("GET", "/leaderboard?live=1", role=role, status=403)["error"]["code"] == "forbidden", role
    for role in MODERATORS:
        api("GET", "/leaderboard?live=1", role=role, schema="Leaderboard")
    api("GET", "/leaderboard", schema="Leaderboard")  # the public one needs nothing


def test_the_live_board_asks_for_a_credential_before_saying_there_is_no_round(app, api):
    assert api("GET", "/leaderboard?live=1", status=401)["error"]["code"] == "unauthorized"
    assert api("GET", "/leaderboard?live=1", role="moderator", status=404)["error"]["code"] == "round_not_found"
    assert api("GET", "/leaderboard", status=404)["error"]["code"] == "round_not_found"


# --- Votes ---

def test_a_vote_is_201_with_the_ballot_the_ballot_shows_it_and_a_withdrawal_is_204(app, api, client):
    challenge_round = make_round()
    first, second = stories(challenge_round, 2)
    code = voter()

    cast = api("POST", "/votes", json=vote(code, first), status=201, schema="Ballot")
    by_url = api("POST", "/votes", json=vote(f"https://backlot.example/t/{code}", second), status=201,
                 schema="Ballot")
    shown = api("GET", f"/votes?ticket_code={code}", schema="Ballot")

    assert cast == {"round_id": challenge_round.id, "votes_per_ticket": 3, "left": 2, "story_ids": [first.id],
                    "checked_in": True}
    assert by_url == shown == {**cast, "left": 1, "story_ids": [first.id, second.id]}

    withdrawn = client.delete("/api/v1/votes", json=vote(code, first))
    assert (withdrawn.status_code, withdrawn.data) == (204, b"")
    api("DELETE", "/votes", json=vote(code, first), status=204)  # taking back no vote is harmless
    assert api("GET", f"/votes?ticket_code={code}", schema="Ballot") == {**cast, "story_ids": [second.id]}
    board = api("GET", "/leaderboard", schema="Leaderboard")
    assert {entry["story_id"]: entry["votes"] for entry in board["entries"]} == {first.id: 0, second.id: 1}


def test_the_ballot_of_a_ticket_not_checked_in_or_with_no_round_open(app, api):
    code = voter(checked_in=False)
    assert api("GET", f"/votes?ticket_code={code}", schema="Ballot") == {
        "round_id": None, "votes_per_ticket": 0, "left": 0, "story_ids": [], "checked_in": False}
    challenge_round = make_round()
    assert api("GET", f"/votes?ticket_code={code}", schema="Ballot") == {
        "round_id": challenge_round.id, "votes_per_ticket": 3, "left": 3, "story_ids": [], "checked_in": False}


class Refusals(dict):
    """{code: (English message, Chinese message)} of the refusals met, each checked for its status."""

    def __init__(self, api):
        super().__init__()
        self.api = api

    def __call__(self, method: str, body: dict, status: int, code: str) -> None:
        english = self.api(method, "/votes", json=body, status=status, headers=EN)["error"]
        chinese = self.api(method, "/votes", json=body, status=status, headers=ZH)["error"]
        assert english["code"] == chinese["code"] == code, (english, chinese)
        assert not HAN.search(english["message"]), english
        self[code] = (english["message"], chinese["message"])

    def untranslated(self) -> list[str]:
        return sorted(code for code, (english, chinese) in self.items()
                      if not HAN.search(chinese) or chinese == english)


def test_every_vote_refusal_has_its_status_code_and_message_in_both_languages(app, api):
    challenge_round = make_round()
    first, second, third, fourth = stories(challenge_round, 4)
    pending = make_story(challenge_round)
    earlier = make_story(make_round(start=time(8), end=time(9)), status="approved")
    code = voter()
    refused = Refusals(api)

    refused("POST", vote("AbCdEfGhIjKlMnOpQrStUv", first), 404, "ticket_not_found")
    refused("POST", vote(code, 999), 404, "story_not_found")
    refused("POST", vote(voter(checked_in=False), first), 403, "not_checked_in")
    refused("POST", vote(code, pending), 409, "story_not_votable")
    refused("POST", vote(code, earlier), 409, "story_not_votable")   # of another round
    refused("DELETE", vote(code, earlier), 409, "story_not_votable")

    api("POST", "/votes", json=vote(code, first), status=201)
    refused("POST", vote(code, first), 409, "already_voted")
    api("POST", "/votes", json=vote(code, second), status=201)
    api("POST", "/votes", json=vote(code, third), status=201)
    refused("POST", vote(code, fourth), 409, "no_votes_left")

    cancelled = voter()
    api("POST", "/votes", json=vote(cancelled, first), status=201)
    tickets.cancel_ticket(tickets.get_ticket(cancelled))
    refused("POST", vote(cancelled, second), 403, "ticket_cancelled")
    refused("DELETE", vote(cancelled, first), 403, "ticket_cancelled")
    assert api("GET", f"/votes?ticket_code={cancelled}", status=403)["error"]["code"] == "ticket_cancelled"
    assert api("GET", "/votes?ticket_code=AbCdEfGhIjKlMnOpQrStUv", status=404)["error"]["code"] == \
        "ticket_not_found"

    api("POST", f"/rounds/{challenge_round.id}/voting/close", role="moderator", schema="Show")
    refused("POST", vote(code, fourth), 409, "voting_closed")
    refused("DELETE", vote(code, first), 409, "voting_closed")
    assert api("GET", f"/votes?ticket_code={code}", schema="Ballot")["round_id"] is None
    board = api("GET", f"/leaderboard?round_id={challenge_round.id}", schema="Leaderboard")
    assert {entry["story_id"]: entry["votes"] for entry in board["entries"]} == \
        {first.id: 2, second.id: 1, third.id: 1, fourth.id: 0}   # no refusal left a vote behind

    # Accept-Language: zh gives each message in Chinese (app/translations/zh).
    untranslated = refused.untranslated()
    assert not untranslated, f"no Chinese message for: {', '.join(untranslated)}"


def test_bad_vote_bodies_are_422_at_their_fields(app, api):
    story = stories(make_round(), 1)[0]
    code = voter()
    for method in ("POST", "DELETE"):
        for body, fields in (({}, {"ticket_code", "story_id"}),
                             ({"ticket_code": " ", "story_id": story.id}, {"ticket_code"}),
                             ({"ticket_code": 12, "story_id": story.id}, {"ticket_code"}),
                             ({"ticket_code": code, "story_id": str(story.id)}, {"story_id"}),
                             ({"ticket_code": code, "story_id": True}, {"story_id"}),
                             ({"ticket_code": code, "story_id": 1.5}, {"story_id"})):
            error = api(method, "/votes", json=body, status=422)["error"]
            assert (error["code"], set(error["fields"])) == ("validation_failed", fields), (method, body)
        for payload in ({"data": "not json"}, {"json": ["a", "list"]}):
            assert api(method, "/votes", status=400, **payload)["error"]["code"] == "bad_json"
    assert set(api("GET", "/votes", status=422)["error"]["fields"]) == {"ticket_code"}
    assert api("GET", f"/votes?ticket_code={code}")["story_ids"] == []


def test_votes_are_limited_per_ticket_never_per_address(app, api, client):
    challenge_round = make_round()
    first, second = stories(challenge_round, 2)
    busy, other = voter(), voter()

    api("POST", "/votes", json=vote(busy, first), status=201)
    for _ in range(29):   # a script hammering one ticket: refusals count too
        api("POST", "/votes", json=vote(busy, first), status=409)
    limited = api("POST", "/votes", json=vote(busy, second), status=429, headers=ZH)["error"]

    assert limited["code"] == "rate_limited" and HAN.search(limited["message"])
    # The same address (the test client's), another ticket: it votes freely.
    assert api("POST", "/votes", json=vote(other, second), status=201)["story_ids"] == [second.id]
    for _ in range(29):  # one budget per ticket: its vote above and its ballot reads count together
        api("GET", f"/votes?ticket_code={other}")
    assert api("GET", f"/votes?ticket_code={other}", status=429)["error"]["code"] == "rate_limited"
    board = api("GET", "/leaderboard", schema="Leaderboard")
    assert {entry["story_id"]: entry["votes"] for entry in board["entries"]} == {first.id: 1, second.id: 1}


# --- Rounds: votes_per_ticket and weights ---

def test_a_round_change_of_only_votes_per_ticket_or_weights_changes_just_that(app, api):
    challenge_round = make_round()
    before = api("GET", "/rounds")["rounds"][0]

    more = api("PUT", f"/rounds/{challenge_round.id}", role="admin", json={"votes_per_ticket": 5}, schema="Round")
    weighed = api("PUT", f"/rounds/{challenge_round.id}", role="admin",
                  json={"weights": {"audience": 70, "jury": 30}}, schema="Round")

    assert more == {**before, "votes_per_ticket": 5}
    assert weighed == {**before, "votes_per_ticket": 5, "weights": {"audience": 70, "jury": 30}}
    assert api("GET", f"/votes?ticket_code={voter()}")["votes_per_ticket"] == 5
    show = api("POST", f"/rounds/{challenge_round.id}/freeze", role="moderator", schema="Show")
    assert (show["votes_per_ticket"], show["weights"]) == (5, {"audience": 70, "jury": 30})


@pytest.mark.parametrize("body,field", [
    ({"votes_per_ticket": 0}, "votes_per_ticket"),
    ({"votes_per_ticket": 21}, "votes_per_ticket"),
    ({"votes_per_ticket": "5"}, "votes_per_ticket"),
    ({"votes_per_ticket": True}, "votes_per_ticket"),
    ({"votes_per_ticket": 2.5}, "votes_per_ticket"),
    ({"weights": {"audience": -1, "jury": 50}}, "weights"),
    ({"weights": {"audience": 0, "jury": 0}}, "weights"),
    ({"weights": {"audience": 50}}, "weights"),
    ({"weights": {"audience": 50, "jury": 50, "crowd": 1}}, "weights"),
    ({"weights": {"audience": "50", "jury": 50}}, "weights"),
    ({"weights": {"audience": True, "jury": 50}}, "weights"),
    ({"weights": "50/50"}, "weights"),
    ({"weights": None}, "weights"),
])
def test_a_bad_votes_per_ticket_or_weights_is_422_and_changes_nothing(app, api, body, field):
    challenge_round = make_round()
    before = api("GET", "/rounds")["rounds"][0]

    error = api("PUT", f"/rounds/{challenge_round.id}", role="admin", json=body, status=422)["error"]

    assert field in error["fields"], error
    assert api("GET", "/rounds")["rounds"][0] == before


# --- The leaderboard and the show ---

def vote_for(api, story, times: int) -> None:
    for _ in range(times):
        api("POST", "/votes", json=vote(voter(), story), status=201)


def test_a_frozen_public_board_holds_still_while_the_live_one_counts_on(app, api):
    challenge_round = make_round()
    first, second = stories(challenge_round, 2)
    vote_for(api, first, 2)
    vote_for(api, second, 1)
    control = f"/rounds/{challenge_round.id}"

    frozen = api("POST", f"{control}/freeze", role="moderator", schema="Show")
    public = api("GET", "/leaderboard", schema="Leaderboard")
    vote_for(api, second, 3)
    public_after = api("GET", "/leaderboard", schema="Leaderboard")
    live = api("GET", "/leaderboard?live=1", role="moderator", schema="Leaderboard")

    assert (frozen["frozen"], frozen["leaderboard"]) == (True, public)
    assert public_after == public
    assert [(entry["story_id"], entry["votes"]) for entry in public["entries"]] == [(first.id, 2), (second.id, 1)]
    assert [(entry["story_id"], entry["votes"]) for entry in live["entries"]] == [(second.id, 4), (first.id, 2)]
    assert live["frozen"] is True   # staff see that the displays are frozen

    thawed = api("POST", f"{control}/unfreeze", role="admin", schema="Show")
    assert thawed["frozen"] is False
    assert thawed["leaderboard"] == api("GET", "/leaderboard?live=1", role="admin") == \
        api("GET", "/leaderboard", schema="Leaderboard")


def test_the_reveal_answers_the_board_with_one_more_place_each_time(app, api):
    challenge_round = make_round()
    first, second, third = stories(challenge_round, 3)
    vote_for(api, first, 3)
    vote_for(api, second, 2)
    vote_for(api, third, 1)
    reveal = f"/rounds/{challenge_round.id}/reveal"

    assert api("GET", "/leaderboard")["revealed"] is None
    steps = [api("POST", reveal, role="moderator", schema="Leaderboard") for _ in range(3)]

    assert [step["revealed"] for step in steps] == [1, 2, 3]
    assert [[entry["story_id"] for entry in step["entries"]] for step in steps] == \
        [[third.id], [second.id, third.id], [first.id, second.id, third.id]]
    assert [entry["rank"] for entry in steps[-1]["entries"]] == [1, 2, 3]
    assert api("POST", reveal, role="admin", schema="Leaderboard") == steps[-1]   # nothing more to show
    assert api("POST", reveal, role="admin", json={"places": 2}, schema="Leaderboard") == steps[-1]  # re-sent
    assert api("GET", "/leaderboard", schema="Leaderboard") == steps[-1]
    for places in (-1, "two", True, 1.5):
        assert "places" in api("POST", reveal, role="admin", json={"places": places}, status=422)["error"]["fields"]

    reset = api("POST", f"{reveal}/reset", role="moderator", schema="Show")
    assert (reset["revealed"], reset["places"], reset["leaderboard"]["revealed"]) == (None, None, None)
    assert len(reset["leaderboard"]["entries"]) == 3
    assert api("POST", reveal, role="moderator", json={"places": 2}, schema="Leaderboard")["revealed"] == 2


def test_the_show_controls_answer_the_show_and_404_an_unknown_round(app, api):
    challenge_round = make_round()
    control = f"/rounds/{challenge_round.id}"

    opened = api("POST", f"{control}/voting/open", role="moderator", schema="Show")

    assert (opened["round_id"], opened["voting"], opened["voting_set_by"], opened["status"]) == \
        (challenge_round.id, "open", "staff", "open")
    assert (opened["frozen"], opened["revealed"], opened["winners_told"]) == (False, None, False)
    assert opened["leaderboard"] == api("GET", "/leaderboard")
    for action in ("voting/open", "voting/close", "freeze", "unfreeze", "reveal", "reveal/reset"):
        assert api("POST", f"/rounds/999/{action}", role="admin", status=404)["error"]["code"] == \
            "round_not_found", action


def test_voting_stays_open_after_the_round_stops_taking_stories_until_staff_close_it(app, api):
    challenge_round = make_round()
    story = stories(challenge_round, 1)[0]
    api("POST", f"/rounds/{challenge_round.id}/voting/open", role="moderator")
    api("POST", f"/rounds/{challenge_round.id}/close", role="moderator", schema="Round")

    assert api("POST", "/votes", json=vote(voter(), story), status=201)["round_id"] == challenge_round.id
    api("POST", f"/rounds/{challenge_round.id}/voting/close", role="moderator")
    assert api("POST", "/votes", json=vote(voter(), story), status=409)["error"]["code"] == "voting_closed"
    assert api("GET", "/leaderboard", schema="Leaderboard")["round"]["id"] == challenge_round.id  # closed last


@pytest.mark.parametrize("action,audit", [
    ("voting/close", "voting.close"),
    ("voting/open", "voting.open"),
    ("freeze", "leaderboard.freeze"),
    ("unfreeze", "leaderboard.unfreeze"),
    ("reveal/reset", "leaderboard.reveal_reset"),
])
def test_each_show_control_is_harmless_to_repeat_and_logged_once(app, api, action, audit):
    challenge_round = make_round()
    stories(challenge_round, 2)
    control = f"/rounds/{challenge_round.id}"
    before = {"voting/open": "voting/close", "unfreeze": "freeze", "reveal/reset": "reveal"}.get(action)
    if before:
        api("POST", f"{control}/{before}", role="admin")

    first = api("POST", f"{control}/{action}", role="moderator", schema="Show")
    again = api("POST", f"{control}/{action}", role="moderator", schema="Show")

    assert again == first
    entries = api("GET", f"/audit?action={audit}", role="admin", schema="AuditLog")["entries"]
    assert [(entry["action"], entry["target_id"]) for entry in entries] == [(audit, challenge_round.id)]


def test_a_reveal_step_re_sent_with_its_places_is_logged_once(app, api):
    challenge_round = make_round()
    stories(challenge_round, 3)
    reveal = f"/rounds/{challenge_round.id}/reveal"

    api("POST", reveal, role="moderator", json={"places": 1})
    api("POST", reveal, role="moderator", json={"places": 1})

    entries = api("GET", "/audit?action=leaderboard.reveal", role="admin", schema="AuditLog")["entries"]
    assert [entry["details"]["revealed"] for entry in entries] == [1]


# --- The jury ---

def marks(story=8, emotion=7, use_of_ai=9, craft=6) -> dict:
    return {"story": story, "emotion": emotion, "use_of_ai": use_of_ai, "craft": craft}


def test_the_criteria_in_the_jurors_language(app, api):
    english = api("GET", "/jury/criteria", role="jury", headers=EN, schema="JuryCriteria")
    chinese = api("GET", "/jury/criteria", role="jury", headers=ZH, schema="JuryCriteria")

    assert [item["key"] for item in english["criteria"]] == ["story", "emotion", "use_of_ai", "craft"]
    assert (english["min"], english["max"]) == (1, 10)
    assert english["criteria"][0]["name"] == "Story" and chinese["criteria"][0]["name"] == "故事"


def test_a_juror_scores_changes_and_sees_only_their_own_marks(app, api):
    challenge_round = make_round()
    first, second = stories(challenge_round, 2)
    other = staff.add_staff("jury-2@example.org", "jury").token

    saved = api("PUT", f"/jury/scores/{first.id}", role="jury", json={"scores": marks(), "comment": " Bold. "},
                schema="JuryScore")
    changed = api("PUT", f"/jury/scores/{first.id}", role="jury", json={"scores": marks(craft=10)},
                  schema="JuryScore")
    api("PUT", f"/jury/scores/{second.id}", json={"scores": marks(2, 2, 2, 2)}, headers=bearer(other),
        schema="JuryScore")
    own = api("GET", "/jury/scores", role="jury", schema="JuryScores")
    other_own = api("GET", f"/jury/scores?round_id={challenge_round.id}", headers=bearer(other), schema="JuryScores")

    assert (saved["story_id"], saved["scores"], saved["comment"], saved["mean"]) == (first.id, marks(), "Bold.", 7.5)
    assert (changed["scores"]["craft"], changed["comment"], changed["mean"]) == (10, None, 8.5)
    assert (own["round_id"], own["scored"], own["stories"]) == (challenge_round.id, 1, 2)
    assert [(score["story_id"], score["mean"]) for score in own["scores"]] == [(first.id, 8.5)]
    assert [(score["story_id"], score["mean"]) for score in other_own["scores"]] == [(second.id, 2.0)]
    # Times as the API writes them: the exhibition's wall clock, +08:00, whether just saved or read back.
    assert changed["updated_at"].endswith("+08:00") and own["scores"][0]["updated_at"] == changed["updated_at"]
    board = {entry["story_id"]: entry["jury"] for entry in api("GET", "/leaderboard")["entries"]}
    assert board == {first.id: 8.5, second.id: 2.0}


def test_jury_refusals(app, api):
    challenge_round = make_round()
    story = stories(challenge_round, 1)[0]
    pending = make_story(challenge_round)
    for body, fields in (({}, {"scores"}),
                         ({"scores": marks(story=11)}, {"scores.story"}),
                         ({"scores": marks(emotion=0)}, {"scores.emotion"}),
                         ({"scores": {**marks(), "craft": "6"}}, {"scores.craft"}),
                         ({"scores": {**marks(), "luck": 5}}, {"scores.luck"}),
                         ({"scores": {"story": 8}}, {"scores.emotion", "scores.use_of_ai", "scores.craft"}),
                         ({"scores": marks(), "comment": 5}, {"comment"}),
                         ({"scores": marks(), "comment": "好" * 1001}, {"comment"})):
        error = api("PUT", f"/jury/scores/{story.id}", role="jury", json=body, status=422)["error"]
        assert set(error["fields"]) == fields, body
    assert api("PUT", f"/jury/scores/{story.id}", role="jury", json=["x"], status=400)["error"]["code"] == "bad_json"
    assert api("PUT", "/jury/scores/999", role="jury", json={"scores": marks()}, status=404)["error"]["code"] == \
        "story_not_found"
    assert api("PUT", f"/jury/scores/{pending.id}", role="jury", json={"scores": marks()},
               status=409)["error"]["code"] == "story_not_scorable"
    assert api("GET", "/jury/scores?round_id=999", role="jury", status=404)["error"]["code"] == "round_not_found"

    api("POST", f"/rounds/{challenge_round.id}/reveal", role="moderator")
    final = api("PUT", f"/jury/scores/{story.id}", role="jury", json={"scores": marks()}, status=409, headers=ZH)
    assert final["error"]["code"] == "round_revealed"
    api("POST", f"/rounds/{challenge_round.id}/reveal/reset", role="moderator")
    api("PUT", f"/jury/scores/{story.id}", role="jury", json={"scores": marks()}, schema="JuryScore")


def test_round_and_status_filters_of_the_board(app, api):
    earlier = make_round(start=time(8), end=time(9))
    now_open = make_round()
    stories(earlier, 1)
    stories(now_open, 2)

    default = api("GET", "/leaderboard", schema="Leaderboard")
    asked = api("GET", f"/leaderboard?round_id={earlier.id}", schema="Leaderboard")

    assert (default["round"]["id"], default["round"]["status"], default["voting"]) == (now_open.id, "open", "open")
    assert (asked["round"], asked["voting"], len(asked["entries"])) == (
        {"id": earlier.id, "title": earlier.title, "status": "closed"}, "closed", 1)
    assert api("GET", "/leaderboard?round_id=999", status=404)["error"]["code"] == "round_not_found"
