"""The programme loader: the real seed file, idempotent re-runs, edits, shifts and bad files."""
from collections import defaultdict
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.challenge.models import ChallengeRound
from app.clock import local
from app.extensions import db
from app.schedule.models import (
    Exhibition,
    ExhibitionDay,
    Film,
    JuryMember,
    ProcessMaterial,
    Slot,
    Team,
    Venue,
)
from seed.loader import DEFAULT_PROGRAMME, SeedError, day_update_order, load_programme, read_programme
from tests.builders import make_slot
from tests.conftest import DEMO_CLOCK

MODELS = (Exhibition, ExhibitionDay, Venue, Team, Film, ProcessMaterial, JuryMember, Slot, ChallengeRound)
FIRST_DAY, SECOND_DAY = date(2026, 6, 14), date(2026, 6, 15)


def dump() -> dict[str, list[tuple]]:
    """Every row of every programme table, column by column, in id order."""
    db.session.expire_all()
    return {model.__tablename__: [tuple(row) for row in db.session.execute(
                select(model.__table__).order_by(model.__table__.c.id))]
            for model in MODELS}


def row_counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in MODELS}


def slot(key: str) -> Slot:
    return db.session.scalars(select(Slot).where(Slot.key == key)).one()


def edited_copy(tmp_path, *edits: tuple[str, str, str]):
    """The seed file with, per (key, old, new), the first `old` after `key = "<key>"` replaced."""
    text = DEFAULT_PROGRAMME.read_text(encoding="utf-8")
    for key, old, new in edits:
        at = text.index(f'key = "{key}"')
        text = text[:at] + text[at:].replace(old, new, 1)
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- The seed file itself ---

def test_no_two_sessions_overlap_in_a_venue():
    by_venue = defaultdict(list)
    for session in read_programme(DEFAULT_PROGRAMME).sessions:
        by_venue[session["venue"]].append(session)
    for venue, sessions in by_venue.items():
        sessions.sort(key=lambda session: session["starts_at"])
        for earlier, later in zip(sessions, sessions[1:]):
            assert earlier["ends_at"] <= later["starts_at"], (venue, earlier["key"], later["key"])


def test_every_film_has_open_sets_on_both_days():
    programme = read_programme(DEFAULT_PROGRAMME)
    open_sets = {(session["film"], session["day"]) for session in programme.sessions
                 if session["kind"] == "open_set"}
    assert open_sets == {(film["key"], day) for film in programme.films for day in (0, 1)}


def test_the_day_rows_move_without_ever_sharing_a_date():
    june = [date(2026, 6, 14), date(2026, 6, 15)]
    assert day_update_order(june, [date(2026, 6, 15), date(2026, 6, 16)]) == [1, 0]
    assert day_update_order(june, [date(2026, 6, 13), date(2026, 6, 14)]) == [0, 1]
    assert day_update_order(june[:1], june) == [0, 1]


# --- Loading into the database ---

def test_loads_the_whole_programme(app):
    report = load_programme(DEFAULT_PROGRAMME)

    assert report.total("created") == sum(row_counts().values())
    assert row_counts() == {"exhibition": 1, "exhibition_day": 2, "venue": 10, "team": 4,
                            "film": 4, "process_material": 16, "jury_member": 5, "slot": 65,
                            "challenge_round": 8}
    days = db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date)).all()
    assert [day.date for day in days] == [FIRST_DAY, SECOND_DAY]
    premiere = slot("d1-premiere")
    assert (premiere.kind, premiere.venue.key, premiere.day) == ("premiere", "jinjue-hall", days[0])
    assert local(premiere.starts_at).time() == time(14, 0)
    assert premiere.starts_at.utcoffset() == timedelta(0)


def test_a_second_run_changes_nothing(app):
    load_programme(DEFAULT_PROGRAMME)
    before = dump()

    report = load_programme(DEFAULT_PROGRAMME)

    assert (report.total("created"), report.total("updated")) == (0, 0)
    assert report.total("unchanged") == sum(len(rows) for rows in before.values())
    assert dump() == before


def test_an_edited_file_updates_rows_in_place(app, tmp_path):
    load_programme(DEFAULT_PROGRAMME)
    ids = {model.__tablename__: sorted(db.session.scalars(select(model.id))) for model in MODELS}
    staff_slot = make_slot(title="Staff-made extra session")
    path = edited_copy(tmp_path,
                       ("d1-ws-budget", "Budgeting an AI-assisted short", "Budgets for AI shorts"),
                       ("d1-ws-character", "capacity = 30", "capacity = 12"))

    report = load_programme(path)

    assert (report.total("created"), report.total("updated")) == (0, 2)
    assert report.counts["sessions"]["updated"] == 2
    assert slot("d1-ws-budget").title["en"] == "Workshop: Budgets for AI shorts"
    assert slot("d1-ws-character").capacity == 12
    assert db.session.get(Slot, staff_slot.id).title["en"] == "Staff-made extra session"
    ids["slot"].append(staff_slot.id)
    ids["venue"].append(staff_slot.venue_id)
    assert {model.__tablename__: sorted(db.session.scalars(select(model.id)))
            for model in MODELS} == ids


def test_start_moves_the_programme_through_the_cli(app, runner):
    load_programme(DEFAULT_PROGRAMME)
    before = {s.key: (s.id, s.day_id, local(s.starts_at), local(s.ends_at))
              for s in db.session.scalars(select(Slot))}
    day_ids = [day.id for day in db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date))]

    result = runner.invoke(args=["seed", "--start", "2027-06-12"])

    assert result.exit_code == 0, result.output
    assert "0 created" in result.output
    days = db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date)).all()
    assert [(day.id, day.date) for day in days] == list(zip(day_ids, [date(2027, 6, 12), date(2027, 6, 13)]))
    assert local(days[0].opens_at).time() == time(10, 0)
    shift = date(2027, 6, 12) - FIRST_DAY
    for session in db.session.scalars(select(Slot)):
        slot_id, day_id, starts, ends = before[session.key]
        assert (session.id, session.day_id) == (slot_id, day_id)
        assert local(session.starts_at).replace(tzinfo=None) == starts.replace(tzinfo=None) + shift
        assert local(session.ends_at).replace(tzinfo=None) == ends.replace(tzinfo=None) + shift


@pytest.mark.parametrize("start", [date(2026, 6, 15), date(2026, 6, 13)])
def test_a_shift_by_one_day_moves_days_onto_each_other_s_dates(app, start):
    load_programme(DEFAULT_PROGRAMME)
    day_ids = [day.id for day in db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date))]

    load_programme(DEFAULT_PROGRAMME, start=start)

    days = db.session.scalars(select(ExhibitionDay).order_by(ExhibitionDay.date)).all()
    assert [(day.id, day.date) for day in days] == list(zip(day_ids, [start, start + timedelta(1)]))


@pytest.mark.parametrize(("key", "old", "new", "message"), [
    ("d1-talk-budget", 'venue = "talk-hall"', 'venue = "nowhere"',
     "sessions 'd1-talk-budget': unknown venue 'nowhere'"),
    ("d2-screening-ni", 'film = "ni"', 'film = "nope"', "sessions 'd2-screening-ni': unknown film 'nope'"),
    ("d1-ws-sound", 'kind = "workshop"', 'kind = "party"', "sessions 'd1-ws-sound': kind must be one of"),
    ("d1-ws-sound", 'end = "18:30"', 'end = "16:00"',
     "sessions 'd1-ws-sound': end 16:00 is not after start 17:00"),
    ("d1-demo-open-play", 'title.zh = "AI 工具体验：自由创作"\n', "",
     "sessions 'd1-demo-open-play': title needs exactly the texts zh and en"),
    ("ni-prompt", 'kind = "ai_prompt"', 'kind = "poem"', "materials 'ni-prompt': kind must be one of"),
    ("d1-ws-sound", "capacity = 24", "capacity = 24\nbooking_closes_minutes = 30\nwaitlist_closes_minutes = 10",
     "sessions 'd1-ws-sound': waitlist_closes_minutes: The waiting list closes when booking closes at the latest."),
    ("d1-ws-sound", "capacity = 24", "capacity = 24\nno_show_release_minutes = 500",
     "sessions 'd1-ws-sound': no_show_release_minutes: Between 0 and 240 minutes"),
    ("d1-ws-sound", "capacity = 24", "capacity = 24\ncheckin_opens_minutes = true",
     "sessions 'd1-ws-sound': checkin_opens_minutes must be a whole number"),
])
def test_a_broken_file_is_refused_and_writes_nothing(app, tmp_path, key, old, new, message):
    path = edited_copy(tmp_path, (key, old, new))

    with pytest.raises(SeedError) as refused:
        load_programme(path)

    assert message in str(refused.value)
    assert set(row_counts().values()) == {0}


def test_a_session_s_operating_rules_come_from_the_file_and_the_others_stay_as_staff_set_them(app, tmp_path):
    rules = ("capacity = 30\ncheckin_opens_minutes = 45\nbooking_closes_minutes = 60\n"
             "waitlist_closes_minutes = 120\nno_show_release_minutes = false")
    load_programme(edited_copy(tmp_path, ("d1-ws-character", "capacity = 30", rules)))
    character = slot("d1-ws-character")
    assert (character.checkin_opens_minutes, character.no_show_release_minutes) == (45, None)
    assert (character.booking_closes_at, character.waitlist_closes_at) == (
        character.starts_at - timedelta(minutes=60), character.starts_at - timedelta(minutes=120))
    sound = slot("d1-ws-sound")  # names none: the defaults
    assert (sound.checkin_opens_minutes, sound.booking_closes_at, sound.no_show_release_minutes) == (30, None, 10)

    # Staff change a rule the file does not name; a re-run leaves it, and sets what the file names.
    db.session.execute(Slot.__table__.update().where(Slot.key.in_(["d1-ws-sound", "d1-ws-character"]))
                       .values(no_show_release_minutes=20, checkin_opens_minutes=15))
    db.session.commit()
    db.session.expire_all()
    load_programme(edited_copy(tmp_path, ("d1-ws-character", "capacity = 30", rules)))
    db.session.expire_all()
    assert (slot("d1-ws-sound").no_show_release_minutes, slot("d1-ws-sound").checkin_opens_minutes) == (20, 15)
    assert (slot("d1-ws-character").no_show_release_minutes, slot("d1-ws-character").checkin_opens_minutes) == (
        None, 45)


def test_a_capacity_below_the_seats_taken_is_refused(app, tmp_path):
    load_programme(DEFAULT_PROGRAMME)
    db.session.execute(Slot.__table__.update().where(Slot.key == "d1-ws-character").values(seats_taken=20))
    db.session.commit()
    before = dump()

    with pytest.raises(SeedError, match="'d1-ws-character': capacity 12 is below the 20 places"):
        load_programme(edited_copy(tmp_path, ("d1-ws-character", "capacity = 30", "capacity = 12")))

    assert dump() == before


# --- What the rest of Backlot relies on ---

def test_the_demo_clock_finds_the_day_open_workshops_ahead_and_a_round_running(programme):
    day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == FIRST_DAY)).one()
    assert day.opens_at <= DEMO_CLOCK < day.closes_at

    sessions = db.session.scalars(select(Slot).where(Slot.day == day)).all()
    later_workshops = [s for s in sessions if s.kind == "workshop" and s.starts_at > DEMO_CLOCK]
    assert later_workshops and all(s.capacity and s.requires_registration for s in later_workshops)
    running_rounds = [s for s in sessions if s.kind == "challenge" and s.starts_at <= DEMO_CLOCK < s.ends_at]
    assert [s.key for s in running_rounds] == ["d1-my-story-1"]


def test_the_four_films_and_the_jury(programme):
    films = db.session.scalars(select(Film).order_by(Film.position)).all()
    assert [film.team.name["en"] for film in films] == [
        "Lightcone", "N.I. (Neng Gong Zhi Ren)", "Tri-Head", "Bicycle Kids"]
    assert all({m.kind for m in film.materials} == {"footage", "storyboard", "ai_prompt", "review_note"}
               for film in films)
    jury = db.session.scalars(select(JuryMember).order_by(JuryMember.position)).all()
    assert [member.name["en"] for member in jury] == [
        "Huang Jianxin", "Gong Bo", "Mu Deyuan", "Yu Baimei", "Zhang Chiyu"]
    assert [member.name["zh"] for member in jury if member.is_chair] == ["黄建新"]


def test_the_seed_command_prints_the_summary(runner):
    first = runner.invoke(args=["seed"])
    again = runner.invoke(args=["seed"])

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Programme 2026-06-14 to 2026-06-15: 115 created, 0 updated")
    assert "sessions 65" in first.output
    assert "0 created, 0 updated, 115 unchanged" in again.output
