"""My Story rounds from the seed: one per challenge session, idempotent, open at the demo clock."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.challenge import rounds
from app.challenge.models import ChallengeRound
from app.extensions import db
from app.schedule.formatting import hm
from app.schedule.models import Slot
from seed.loader import DEFAULT_PROGRAMME, SeedError, load_programme, read_programme
from tests.conftest import DEMO_CLOCK
from tests.seed.test_loader import edited_copy


def all_rounds() -> list[ChallengeRound]:
    db.session.expire_all()
    return list(db.session.scalars(select(ChallengeRound).order_by(ChallengeRound.starts_at)))


def round_rows() -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(ChallengeRound.__table__).order_by(ChallengeRound.__table__.c.id))]


def test_each_challenge_session_has_one_round_in_its_time(programme):
    challenge = db.session.scalars(select(Slot).where(Slot.kind == "challenge").order_by(Slot.starts_at)).all()
    seeded = all_rounds()

    assert len(seeded) == len(challenge) == 8
    for challenge_round, session in zip(seeded, challenge):
        assert challenge_round.slot_id == session.id
        assert challenge_round.starts_at == session.starts_at
        # Open to the session's end, but the final round stops taking stories for the reveal.
        closes = "19:00" if challenge_round.key == "round-final" else hm(session.ends_at)
        assert hm(challenge_round.ends_at) == closes
        assert challenge_round.title == session.title
        assert 3 <= challenge_round.beat_count <= 6
        assert challenge_round.theme["zh"] and challenge_round.theme["en"]
    assert [r.key for r in seeded] == ["round-1", "round-2", "round-3", "round-4", "round-5", "round-6",
                                       "round-7", "round-final"]


def test_round_1_is_open_at_the_demo_clock(programme):
    open_now = rounds.open_round(DEMO_CLOCK)

    assert (open_now.key, open_now.beat_count) == ("round-1", 3)
    assert open_now.theme["en"] == "A message from tomorrow arrives today"
    assert rounds.next_round(DEMO_CLOCK).key == "round-2"


def test_seeded_rounds_never_overlap():
    seeded = sorted(read_programme(DEFAULT_PROGRAMME).rounds, key=lambda r: r["starts_at"])
    for earlier, later in zip(seeded, seeded[1:]):
        assert earlier["ends_at"] <= later["starts_at"], (earlier["key"], later["key"])


def test_a_second_run_leaves_the_rounds_as_they_are(programme):
    before = round_rows()

    report = load_programme(DEFAULT_PROGRAMME)

    assert dict(report.counts["rounds"]) == {"unchanged": 8}
    assert round_rows() == before


def test_an_edited_theme_updates_the_round_in_place(programme, tmp_path):
    before = {r.key: r.id for r in all_rounds()}

    report = load_programme(edited_copy(tmp_path, ("round-2", "beat_count = 4", "beat_count = 5"),
                                        ("round-2", "The last reel of film in the world", "The last reel")))

    assert dict(report.counts["rounds"]) == {"updated": 1, "unchanged": 7}
    changed = db.session.scalars(select(ChallengeRound).where(ChallengeRound.key == "round-2")).one()
    assert (changed.id, changed.beat_count, changed.theme["en"]) == (before["round-2"], 5, "The last reel")


def test_rounds_move_with_their_sessions(programme):
    first = {r.key: (r.starts_at, r.ends_at) for r in all_rounds()}

    load_programme(DEFAULT_PROGRAMME, start=date(2027, 6, 12))

    shift = date(2027, 6, 12) - date(2026, 6, 14)
    assert {r.key: (r.starts_at, r.ends_at) for r in all_rounds()} == \
        {key: (start + shift, end + shift) for key, (start, end) in first.items()}
    assert all(r.starts_at == db.session.get(Slot, r.slot_id).starts_at for r in all_rounds())


def test_a_bad_round_is_refused_and_writes_nothing(app, tmp_path):
    for key, old, new, message in (
        ("round-3", 'session = "d1-my-story-3"', 'session = "d1-nowhere"',
         "rounds 'round-3': session 'd1-nowhere' is not a challenge session"),
        ("round-3", 'session = "d1-my-story-3"', 'session = "d1-premiere"',
         "rounds 'round-3': session 'd1-premiere' is not a challenge session"),
        ("round-3", "beat_count = 3", "beat_count = 7", "rounds 'round-3': beat_count must be from 3 to 6"),
        ("round-3", "beat_count = 3", "beat_count = 2", "rounds 'round-3': beat_count must be from 3 to 6"),
        ("round-3", 'session = "d1-my-story-3"', 'session = "d1-my-story-1"',
         "rounds: one round per challenge session"),
        ("round-final", 'closes = "19:00"', 'closes = "19:45"',
         "rounds 'round-final': closes 19:45 must lie within its session"),
        ("round-3", 'theme.zh = "两个陌生人，接着写完彼此的故事"\n', "",
         "rounds 'round-3': theme needs exactly the texts zh and en"),
    ):
        with pytest.raises(SeedError) as refused:
            load_programme(edited_copy(tmp_path, (key, old, new)))
        assert message in str(refused.value)

    assert db.session.scalar(select(func.count()).select_from(ChallengeRound)) == 0
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 0  # nor anything else


def test_a_bad_round_leaves_a_loaded_programme_as_it_was(programme, tmp_path):
    before = round_rows()

    with pytest.raises(SeedError):
        load_programme(edited_copy(tmp_path, ("round-final", "beat_count = 6", "beat_count = 7")))

    assert round_rows() == before



def test_a_round_with_stories_keeps_its_beats_on_a_re_run(programme, tmp_path):
    """The seed obeys the console's rule: stories keep the shape of the round they joined."""
    from tests.builders import make_story

    round_2 = next(r for r in all_rounds() if r.key == "round-2")
    make_story(round_2)
    before = round_rows()

    with pytest.raises(SeedError) as refused:
        load_programme(edited_copy(tmp_path, ("round-2", "beat_count = 4", "beat_count = 5")))

    assert "rounds 'round-2': stories were sent to this round, its beat_count stays 4" in str(refused.value)
    assert round_rows() == before
