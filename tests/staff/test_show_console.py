"""/staff/show through HTTP: who may open it, what it shows (a frozen board above all), the state
JSON the page follows, and the results as CSV and on paper."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

import app.api  # noqa: F401  (first: app.challenge.serializers and app.api import each other)
from app import clock
from app.challenge import show
from app.challenge.models import JuryScore
from app.extensions import db
from app.staff import services
from tests.builders import make_round, make_story
from tests.staff.conftest import page_csrf, sign_in

#: Every route of the blueprint, with a round id filled in by the test.
ROUTES = ("/staff/show", "/staff/show?round_id={id}", "/staff/show/{id}/state", "/staff/show/{id}/results.csv",
          "/staff/show/{id}/results.csv?marks=1", "/staff/show/{id}/results", "/staff/show/{id}/results?marks=1")


@pytest.fixture
def contest(app):
    """The round open at the demo clock, two approved stories (one titled like a formula), a juror's marks."""
    challenge_round = make_round()
    first = make_story(challenge_round, status="approved", title="Lightcone")
    formula = make_story(challenge_round, status="approved", title="=1+1",
                         created_at=challenge_round.starts_at + timedelta(minutes=8))
    juror = services.add_staff("wang@example.org", "jury", name="Wang Wei").member
    db.session.add_all([JuryScore(story_id=first.id, juror_id=juror.id, updated_at=clock.now(),
                                  scores={"story": 9, "emotion": 9, "use_of_ai": 8, "craft": 8}),
                        JuryScore(story_id=formula.id, juror_id=juror.id, updated_at=clock.now(),
                                  scores={"story": 5, "emotion": 5, "use_of_ai": 5, "craft": 5})])
    db.session.commit()
    return {"round": challenge_round, "first": first, "formula": formula, "juror": juror}


def test_every_route_of_the_blueprint_is_covered(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("show_console.")}
    covered = {re.sub(r"\?.*", "", path).replace("{id}", "<int:round_id>") for path in ROUTES}
    assert rules <= covered | {"/staff/show/"}, rules - covered


def test_visitors_are_sent_to_sign_in(contest, client):
    for path in ROUTES:
        response = client.get(path.format(id=contest["round"].id))
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["gate", "jury", "kiosk", "display"])
def test_other_roles_are_refused(contest, client, role):
    sign_in(client, role, email=f"{role}-show@example.org")
    for path in ROUTES:
        assert client.get(path.format(id=contest["round"].id)).status_code == 403, (role, path)


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_run_the_show(contest, client, role):
    sign_in(client, role)
    for path in ROUTES:
        assert client.get(path.format(id=contest["round"].id)).status_code == 200, (role, path)


def test_the_page_shows_the_default_round_its_state_and_both_boards(contest, client):
    sign_in(client, "moderator")
    page = client.get("/staff/show?lang=en").get_data(as_text=True)
    assert "<h1>Show" in page
    assert f'data-round-id="{contest["round"].id}"' in page  # leaderboard.board_round(): open for voting now
    assert re.search(r'data-testid="voting-state">Open<', page)
    assert "follows the round" in page
    assert re.search(r'data-testid="board-state">Live<', page)
    assert "Not begun · 2 places" in page
    assert 'data-testid="frozen-banner" hidden' in page
    assert page.count('show-table__title">Lightcone<') == 2  # the public board and the live ranking
    assert "=1+1" in page
    assert f'href="/staff/show/{contest["round"].id}/results.csv"' in page
    assert f'href="/staff/show/{contest["round"].id}/results"' in page


def test_a_frozen_board_is_unmistakable(contest, client):
    moderator = sign_in(client, "moderator").member
    show.freeze(contest["round"], actor=moderator)
    show.close_voting(contest["round"], actor=moderator)
    page = client.get(f"/staff/show?round_id={contest['round'].id}&lang=en").get_data(as_text=True)
    banner = re.search(r'<div class="show-frozen"[^>]*>', page).group(0)
    assert "hidden" not in banner
    assert "FROZEN" in page and "Displays hold the board as it was at the freeze" in page
    assert 'class="show show--frozen"' in page and 'data-frozen="true"' in page
    assert re.search(r'data-testid="board-state">❄ Frozen<', page)
    assert re.search(r'data-public-frozen>❄ Frozen', page)  # on the public board itself
    assert "The displays are frozen: they do not show this ranking." in page
    assert re.search(r'data-testid="freeze"\s+disabled', page)
    assert "· frozen" in page  # in the round picker too
    assert re.search(r'data-testid="voting-state">Closed<', page) and "set by staff" in page


def test_reveal_progress_is_shown(contest, client):
    moderator = sign_in(client, "moderator").member
    show.reveal(contest["round"], actor=moderator)
    page = client.get("/staff/show?lang=en").get_data(as_text=True)
    assert "Revealed 1 of 2 places" in page
    assert "Next: place 1" in page
    state = client.get(f"/staff/show/{contest['round'].id}/state").get_json()
    assert state["show"]["revealed"] == 1 and state["show"]["places"] == 2
    assert [entry["title"] for entry in state["public"]["entries"]] == ["=1+1"]  # the last place first
    assert len(state["live"]["entries"]) == 2
    assert state["round_id"] == contest["round"].id


def test_no_round_yet(app, client):
    sign_in(client, "admin")
    page = client.get("/staff/show?lang=en")
    assert page.status_code == 200
    assert "There is no round to show yet." in page.get_data(as_text=True)


def test_an_unknown_round_is_404(app, client):
    sign_in(client, "admin")
    assert client.get("/staff/show/999/results.csv").status_code == 404
    assert client.get("/staff/show/999/state").status_code == 404


def test_results_csv(contest, client):
    sign_in(client, "moderator")
    round_id = contest["round"].id
    response = client.get(f"/staff/show/{round_id}/results.csv?lang=en")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="results-round-{round_id}-' in disposition
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == ["Rank", "Story id", "Title", "Author", "Submitted at (Shanghai)", "Votes",
                      "Wang Wei: mean", "Jury mean", "Score"]
    assert [row[2] for row in rows] == ["Lightcone", "'=1+1"]
    assert rows[0][:2] == ["1", str(contest["first"].id)] and rows[0][6:8] == ["8.5", "8.5"]
    assert rows[1][4] == clock.local(contest["formula"].created_at).strftime("%Y-%m-%d %H:%M")

    marks = client.get(f"/staff/show/{round_id}/results.csv?marks=1&lang=en")
    assert "-marks-" in marks.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(marks.get_data().decode("utf-8-sig"))))
    assert header[6:11] == ["Wang Wei: mean", "Wang Wei: Story", "Wang Wei: Emotion", "Wang Wei: Use of AI",
                            "Wang Wei: Craft"]


def test_printable_results(contest, client):
    sign_in(client, "admin")
    round_id = contest["round"].id
    page = client.get(f"/staff/show/{round_id}/results?lang=en").get_data(as_text=True)
    assert 'class="results-sheet"' in page and "js/print.js" in page and "data-print" in page
    assert "Provisional order" in page
    assert "Wang Wei" in page and "=1+1" in page
    rows = re.findall(r'<tr data-story-id="(\d+)"', page)
    assert rows == [str(contest["first"].id), str(contest["formula"].id)]
    show.reveal(contest["round"], actor=None)
    assert "Final order" in client.get(f"/staff/show/{round_id}/results?lang=en").get_data(as_text=True)
    marks = client.get(f"/staff/show/{round_id}/results?marks=1&lang=en").get_data(as_text=True)
    assert "Use of AI" in marks and "results-sheet--marks" in marks


def test_the_page_drives_the_api_with_its_csrf_token(contest, client):
    """What show.js does: the show's API with the session and the page's X-CSRFToken."""
    sign_in(client, "moderator")
    round_id = contest["round"].id
    headers = {"X-CSRFToken": page_csrf(client, "/staff/show")}
    assert client.post(f"/api/v1/rounds/{round_id}/freeze", headers=headers).status_code == 200
    for _ in range(2):  # a double tap shows one place, not two
        answer = client.post(f"/api/v1/rounds/{round_id}/reveal", json={"places": 1}, headers=headers)
        assert answer.status_code == 200 and answer.get_json()["revealed"] == 1
    page = client.get("/staff/show?lang=en").get_data(as_text=True)
    assert "Revealed 1 of 2 places" in page and 'data-frozen="true"' in page
