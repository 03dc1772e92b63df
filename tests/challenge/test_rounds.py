"""Challenge rounds: which one is open, and staff creating, changing, opening and closing them."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.challenge import rounds
from app.challenge.models import ChallengeRound
from app.clock import at_local
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.staff.models import AuditEntry
from app.staff.services import add_staff
from tests.builders import make_round, make_slot, make_story, text

DAY = date(2026, 6, 14)


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return at_local(day, time(hh, mm))


@pytest.fixture
def admin(app):
    return add_staff("admin@example.org", "admin").member


def form(start=at(14), end=at(15), **changes) -> rounds.RoundForm:
    values = dict(title=text("Round 9: Night Shift"), theme=text("Someone is still awake"),
                  starts_at=start, ends_at=end, beat_count=4, session_id=None)
    return rounds.RoundForm(**{**values, **changes})


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- Which round is open ---

def test_a_round_is_open_from_its_start_until_just_before_its_end(app):
    first = make_round(start=time(10), end=time(12))
    second = make_round(start=time(13), end=time(14))

    assert rounds.open_round(at(9, 59)) is None
    assert rounds.next_round(at(9, 59)) == first
    assert rounds.open_round(at(10)) == first
    assert rounds.next_round(at(10)) == second
    assert rounds.open_round(at(11, 59)) == first
    assert rounds.open_round(at(12)) is None            # the end is not inside
    assert rounds.next_round(at(12)) == second
    assert rounds.open_round(at(13)) == second
    assert rounds.next_round(at(13)) is None


def test_current_round_is_the_open_one_else_the_last_closed_else_the_next(app):
    assert rounds.current_round(at(11)) is None
    first = make_round(start=time(10), end=time(12))
    second = make_round(start=time(13), end=time(14))

    assert rounds.current_round(at(9)) == first          # nothing yet: the next
    assert rounds.current_round(at(11)) == first         # open
    assert rounds.current_round(at(12, 30)) == first     # between: the one that closed last
    assert rounds.current_round(at(13)) == second
    assert rounds.current_round(at(20)) == second


def test_status_at_the_edges(app):
    challenge_round = make_round(start=time(10), end=time(12))
    assert [challenge_round.status_at(moment) for moment in (at(9, 59), at(10), at(12))] == \
        ["scheduled", "open", "closed"]


# --- Creating and changing ---

def test_create_round_writes_it_and_its_audit_entry(app, admin):
    slot = make_slot(kind="challenge", start=time(14), end=time(15), title="My Story")

    created = rounds.create_round(form(session_id=slot.id), actor=admin)

    db.session.expire_all()
    stored = db.session.get(ChallengeRound, created.id)
    assert (stored.beat_count, stored.slot_id, stored.theme) == (4, slot.id, text("Someone is still awake"))
    assert stored.starts_at == at(14)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "round.create")).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "challengeround", created.id)


def test_text_is_cleaned_before_it_is_stored_and_only_zh_and_en_are_kept(app, admin):
    created = rounds.create_round(form(title={"zh": " 夜班\u200b ", "en": "Night\n Shift", "fr": "Nuit"}),
                                  actor=admin)
    assert created.title == {"zh": "夜班", "en": "Night Shift"}


def test_create_round_refuses_each_bad_field_and_writes_nothing(app, admin):
    for changes, field in (
        ({"title": {"zh": "", "en": "Night"}}, "title.zh"),
        ({"title": {"zh": "夜班"}}, "title.en"),
        ({"title": {"zh": 5, "en": "Night"}}, "title.zh"),
        ({"theme": {"zh": "主题", "en": "\u200b"}}, "theme.en"),
        ({"theme": {"zh": "光" * (rounds.TEXT_MAX + 1), "en": "Theme"}}, "theme.zh"),
        ({"theme": "not a dict"}, "theme.zh"),
        ({"beat_count": 2}, "beat_count"),
        ({"beat_count": 7}, "beat_count"),
        ({"ends_at": at(14)}, "ends_at"),
        ({"ends_at": at(13)}, "ends_at"),
        ({"session_id": 999}, "session_id"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            rounds.create_round(form(**changes), actor=admin)
        assert field in refused.value.fields, changes

    assert rounds.list_rounds() == []
    assert "round.create" not in audit_actions()


def test_a_round_must_run_in_a_challenge_session(app, admin):
    workshop = make_slot(kind="workshop", start=time(14), end=time(15))
    with pytest.raises(ValidationFailed) as refused:
        rounds.create_round(form(session_id=workshop.id), actor=admin)
    assert set(refused.value.fields) == {"session_id"}


def test_an_overlapping_round_is_refused_409_round_overlap(app, admin):
    make_round(start=time(10), end=time(12))

    for start, end in ((at(11), at(13)), (at(9), at(10, 1)), (at(10, 30), at(11)), (at(9), at(13))):
        with pytest.raises(DomainError) as refused:
            rounds.create_round(form(start, end), actor=admin)
        assert (refused.value.code, refused.value.status) == ("round_overlap", 409), (start, end)

    assert len(rounds.list_rounds()) == 1


def test_back_to_back_rounds_are_fine(app, admin):
    make_round(start=time(10), end=time(12))
    rounds.create_round(form(at(12), at(13)), actor=admin)
    rounds.create_round(form(at(9), at(10)), actor=admin)
    assert len(rounds.list_rounds()) == 3


def test_update_round_may_keep_its_own_window_and_is_audited(app, admin):
    challenge_round = make_round(start=time(10), end=time(12))

    rounds.update_round(challenge_round, rounds.form_of(challenge_round, ends_at=at(12, 30),
                                                        theme=text("A new prompt")), actor=admin)

    db.session.expire_all()
    stored = db.session.get(ChallengeRound, challenge_round.id)
    assert (stored.ends_at, stored.theme["en"]) == (at(12, 30), "A new prompt")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "round.update")).one()
    assert entry.details["ends_at"][1] == at(12, 30).isoformat()


def test_update_round_refuses_to_overlap_another(app, admin):
    make_round(start=time(10), end=time(12))
    later = make_round(start=time(13), end=time(14))

    with pytest.raises(DomainError) as refused:
        rounds.update_round(later, rounds.form_of(later, starts_at=at(11, 30)), actor=admin)

    assert refused.value.code == "round_overlap"
    db.session.expire_all()
    assert db.session.get(ChallengeRound, later.id).starts_at == at(13)


def test_the_number_of_beats_stays_once_stories_were_sent(app, admin):
    challenge_round = make_round(beat_count=3)
    make_story(challenge_round)

    with pytest.raises(DomainError) as refused:
        rounds.update_round(challenge_round, rounds.form_of(challenge_round, beat_count=4), actor=admin)
    assert (refused.value.code, refused.value.status) == ("round_has_stories", 409)

    # Everything else may still change.
    rounds.update_round(challenge_round, rounds.form_of(challenge_round, theme=text("Changed")), actor=admin)
    db.session.expire_all()
    stored = db.session.get(ChallengeRound, challenge_round.id)
    assert (stored.beat_count, stored.theme["en"]) == (3, "Changed")


def test_the_number_of_beats_may_change_while_no_story_was_sent(app, admin):
    challenge_round = make_round(beat_count=3)
    rounds.update_round(challenge_round, rounds.form_of(challenge_round, beat_count=6), actor=admin)
    assert db.session.get(ChallengeRound, challenge_round.id).beat_count == 6


# --- Opening and closing now ---

def test_open_now_moves_the_start_to_now_and_keeps_the_end(app, admin):
    later = make_round(start=time(14), end=time(16))

    rounds.open_now(later, actor=admin, now=at(11))

    assert (later.starts_at, later.ends_at) == (at(11), at(16))
    assert rounds.open_round(at(11)) == later
    assert audit_actions()[-1] == "round.update"


def test_open_now_of_a_closed_round_gives_it_an_hour(app, admin):
    earlier = make_round(start=time(8), end=time(9))
    rounds.open_now(earlier, actor=admin, now=at(11))
    assert (earlier.starts_at, earlier.ends_at) == (at(11), at(11) + timedelta(hours=1))


def test_open_now_of_an_open_round_changes_nothing(app, admin):
    open_one = make_round(start=time(10), end=time(12))
    rounds.open_now(open_one, actor=admin, now=at(11))
    assert (open_one.starts_at, open_one.ends_at) == (at(10), at(12))
    assert "round.update" not in audit_actions()


def test_open_now_refuses_while_another_round_is_open(app, admin):
    make_round(start=time(10), end=time(12))
    later = make_round(start=time(14), end=time(16))
    with pytest.raises(DomainError) as refused:
        rounds.open_now(later, actor=admin, now=at(11))
    assert refused.value.code == "round_overlap"


def test_close_now_moves_the_end_to_now(app, admin):
    open_one = make_round(start=time(10), end=time(12))

    rounds.close_now(open_one, actor=admin, now=at(11))

    assert open_one.ends_at == at(11)
    assert rounds.open_round(at(11)) is None
    assert audit_actions()[-1] == "round.update"


@pytest.mark.parametrize("start,end", [(time(12), time(13)), (time(8), time(9))])
def test_close_now_refuses_a_round_that_is_not_open(app, admin, start, end):
    challenge_round = make_round(start=start, end=end)
    with pytest.raises(DomainError) as refused:
        rounds.close_now(challenge_round, actor=admin, now=at(11))
    assert (refused.value.code, refused.value.status) == ("round_not_open", 409)


def test_get_round_of_an_unknown_id_is_404(app):
    with pytest.raises(DomainError) as refused:
        rounds.get_round(42)
    assert (refused.value.code, refused.value.status) == ("round_not_found", 404)
