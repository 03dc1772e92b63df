"""/jury, the juror's scoring page, through the test client: who may open it, what it lists, its
languages, the juror's own marks only, and the read-only state once the reveal began."""
import re
from datetime import time

import pytest

from app.challenge import jury
from app.staff import services
from tests.builders import make_round, make_story, png
from tests.staff.conftest import sign_in


@pytest.fixture
def contest(app):
    """The round open now (board_round's default) with stories in every state, and another round."""
    challenge_round = make_round()
    approved = make_story(challenge_round, status="approved", title="Paper <b>Moon</b>", frames={1: png()})
    second = make_story(challenge_round, status="approved", title="Night Bus")
    pending = make_story(challenge_round, status="pending", title="Still Waiting")
    rejected = make_story(challenge_round, status="rejected", title="Said No")
    later = make_round(start=time(14), end=time(15))
    elsewhere = make_story(later, status="approved", title="Other Round Story")
    return {"round": challenge_round, "approved": approved, "second": second, "pending": pending,
            "rejected": rejected, "later": later, "elsewhere": elsewhere}


def test_visitors_sign_in_first(contest, client):
    for path in ("/jury", f"/jury/rounds/{contest['round'].id}/stories"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["moderator", "gate", "admin", "kiosk", "display"])
def test_other_roles_are_refused(contest, client, role):
    sign_in(client, role)
    assert client.get("/jury").status_code == 403
    assert client.get(f"/jury/rounds/{contest['round'].id}/stories").status_code == 403


def test_a_juror_sees_the_rounds_approved_stories_only(contest, client):
    sign_in(client, "jury")
    response = client.get("/jury?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-round-id="{contest["round"].id}"' in page
    assert "Paper &lt;b&gt;Moon&lt;/b&gt;" in page and "<b>Moon" not in page  # escaped
    assert "Night Bus" in page
    for hidden in ("Still Waiting", "Said No", "Other Round Story"):
        assert hidden not in page
    assert len(re.findall(r'data-testid="jury-story"', page)) == 2
    # The frame of beat 2 of the first story, and one 1–10 control per criterion per story.
    assert f'src="/stories/{contest["approved"].id}/frames/1.png"' in page
    for criterion in jury.criteria():
        assert page.count(f'data-criterion="{criterion["key"]}"') == 2
        assert page.count(f'name="{criterion["key"]}" value="10"') == 2
    assert re.search(r'data-testid="jury-progress"[^>]*>0 of 2 scored<', page)
    assert "Save" in page
    # Strict CSP: no inline script (only JSON data blocks).
    assert "Content-Security-Policy" in response.headers
    for script in re.findall(r"<script([^>]*)>", page):
        assert "src=" in script or 'type="application/json"' in script, script


def test_another_round_is_chosen_with_round_id(contest, client):
    sign_in(client, "jury")
    page = client.get(f"/jury?round_id={contest['later'].id}&lang=en").get_data(as_text=True)
    assert "Other Round Story" in page and "Night Bus" not in page


def test_the_page_speaks_chinese_and_english(contest, client):
    sign_in(client, "jury")
    english = client.get("/jury?lang=en").get_data(as_text=True)
    chinese = client.get("/jury?lang=zh").get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="zh">' in chinese
    for criterion in jury.criteria():
        assert f">{criterion['label']['en']}</legend>" in english
        assert f">{criterion['label']['zh']}</legend>" in chinese


def test_only_the_jurors_own_marks_are_shown(contest, client):
    me = sign_in(client, "jury").member
    other = services.add_staff("other-juror@example.org", "jury").member
    marks = {item["key"]: 7 for item in jury.criteria()}
    jury.save_score(other, contest["approved"], {"scores": {key: 3 for key in marks}, "comment": "Their secret note"})
    jury.save_score(me, contest["second"], {"scores": marks, "comment": "My own note"})

    page = client.get("/jury?lang=en").get_data(as_text=True)

    assert "My own note" in page and "Their secret note" not in page
    assert re.search(r'data-testid="jury-progress"[^>]*>1 of 2 scored<', page)
    first_card = page[page.index(f'data-story-id="{contest["approved"].id}"'):]
    first_card = first_card[:first_card.index("</article>")]
    assert "checked" not in first_card  # the other juror's 3s are not mine
    second_card = page[page.index(f'data-story-id="{contest["second"].id}"'):]
    second_card = second_card[:second_card.index("</article>")]
    assert second_card.count(' checked') == len(marks) and 'value="7" checked' in second_card
    assert 'data-scored="true"' in second_card and "Saved at" in second_card
    # Unscored first.
    assert page.index(f'data-story-id="{contest["approved"].id}"') < page.index(f'data-story-id="{contest["second"].id}"')
    # Never the ranking or the votes before the reveal.
    assert "jury-results" not in page


def test_the_fragment_lists_the_same_and_follows_moderation(contest, client):
    sign_in(client, "jury")
    url = f"/jury/rounds/{contest['round'].id}/stories?lang=en"
    fragment = client.get(url)
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    assert 'data-total="2"' in fragment.get_data(as_text=True)
    from app.challenge import stories

    stories.approve(contest["pending"], actor=None)
    again = client.get(url).get_data(as_text=True)
    assert "Still Waiting" in again and 'data-total="3"' in again
    assert client.get("/jury/rounds/999/stories").status_code == 404


def test_once_revealed_the_scores_are_final(contest, client):
    me = sign_in(client, "jury").member
    jury.save_score(me, contest["approved"], {"scores": {item["key"]: 9 for item in jury.criteria()}})
    from app.challenge import show

    show.reveal(contest["round"], actor=None)

    page = client.get("/jury?lang=en").get_data(as_text=True)
    assert 'data-testid="jury-final"' in page
    assert "Scores are final" in page
    assert 'data-revealed="true"' in page
    assert page.count('class="jury-marksheet" disabled') == 2
    assert 'data-save' not in page
    assert 'data-testid="jury-results"' in page  # the places revealed so far (public)


def test_no_round_yet(app, client):
    sign_in(client, "jury")
    page = client.get("/jury?lang=en").get_data(as_text=True)
    assert 'data-testid="no-round"' in page
