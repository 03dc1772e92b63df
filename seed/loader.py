"""Loads the programme file into the database: validate everything, then upsert by key.

Reading (`read_programme`) checks the whole file and turns it into column values
without touching the database; writing creates or updates rows in one unit of
work. Rows are matched by their `key` (days by their position: day 1, day 2, …),
so a re-run updates them in place and a shifted re-run moves them. Nothing is
deleted, and rows without a key (sessions staff created) are never touched.
"""
from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, null, select

from app.challenge.models import ChallengeRound, Story
from app.challenge.rules import BEATS_MAX, BEATS_MIN
from app.clock import EVENT_TZ, at_local, local
from app.config import ConfigError
from app.db import unit_of_work
from app.extensions import db
from app.schedule.models import (
    MATERIAL_KINDS,
    SLOT_KINDS,
    Exhibition,
    ExhibitionDay,
    Film,
    JuryMember,
    ProcessMaterial,
    Slot,
    Team,
    Venue,
)
from app.schedule.rules import SlotDraft, operating_errors

DEFAULT_PROGRAMME = Path(__file__).with_name("programme.toml")
LANGUAGES = ("zh", "en")
#: Record kinds, parents first: the order they are written in and reported.
KINDS = ("exhibition", "days", "venues", "teams", "films", "materials", "jury", "sessions", "rounds")

Reader = Callable[[Any], Any]


class SeedError(ConfigError):
    """The programme file is invalid; nothing was written.

    A ConfigError, so that `backlot seed` reports it as one line, not a traceback.
    """


# --- Reading single values: each reader converts a value or raises ValueError. ---

def text(value: Any) -> dict:
    """Visitor text: a table with non-empty `zh` and `en`."""
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ValueError("needs exactly the texts zh and en")
    if not all(isinstance(value[lang], str) and value[lang].strip() for lang in LANGUAGES):
        raise ValueError("needs non-empty zh and en text")
    return dict(value)


def string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def tables(value: Any) -> list:
    if not isinstance(value, list):
        raise ValueError("must be a list of tables")
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def parse_date(value: Any) -> date:
    """A calendar date written as "YYYY-MM-DD"."""
    try:
        return date.fromisoformat(string(value))
    except ValueError:
        raise ValueError(f'must be a date "YYYY-MM-DD", not {value!r}') from None


def parse_time(value: Any) -> time:
    """A wall-clock time in Asia/Shanghai written as "HH:MM"."""
    try:
        return datetime.strptime(string(value), "%H:%M").time()
    except ValueError:
        raise ValueError(f'must be a time "HH:MM", not {value!r}') from None


def one_of(*choices: str) -> Reader:
    def read(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
        return value
    return read


def optional(reader: Reader) -> Reader:
    """A reader that also accepts a missing value (None)."""
    return lambda value: None if value is None else reader(value)


def shift_dates(dates: list[date], start: date | None) -> list[date]:
    """The dates moved by one same number of days so that the first is `start`."""
    delta = (start - dates[0]) if start else timedelta(0)
    return [day + delta for day in dates]


# --- Reading records ---

def read_record(raw: Any, where: str, fields: dict[str, Reader]) -> dict:
    """One record's fields, read; any problem raises SeedError naming `where`.

    `demo` (true, or the list of invented fields) documents the data and is not stored.
    """
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: must be a table")
    unknown = sorted(set(raw) - set(fields) - {"demo"})
    if unknown:
        raise SeedError(f"{where}: unknown field(s) {', '.join(unknown)}")
    demo = raw.get("demo", False)
    if not (isinstance(demo, bool) or isinstance(demo, list)
            and all(isinstance(name, str) and name.split(".")[0] in fields for name in demo)):
        raise SeedError(f"{where}: demo must be true or a list of this record's fields")
    values = {}
    for name, reader in fields.items():
        try:
            values[name] = reader(raw.get(name))
        except ValueError as error:
            problem = "is missing" if raw.get(name) is None else str(error)
            raise SeedError(f"{where}: {name} {problem}") from None
    return values


def read_records(raw: Any, label: str, fields: dict[str, Reader]) -> list[dict]:
    """A list of keyed records; keys must be unique. Missing positions follow the file order."""
    if not isinstance(raw, list):
        raise SeedError(f"{label}: must be a list of tables ([[{label}]])")
    records = []
    for number, item in enumerate(raw, start=1):
        key = item.get("key") if isinstance(item, dict) else None
        record = read_record(item, f"{label} {key or number!r}", {"key": string, **fields})
        if "position" in record and record["position"] is None:
            record["position"] = number
        records.append(record)
    refuse_duplicates(label, records)
    return records


def refuse_duplicates(label: str, records: list[dict]) -> None:
    """Keys identify rows across re-runs, so each may appear only once."""
    keys = Counter(record["key"] for record in records)
    duplicates = sorted(key for key, seen in keys.items() if seen > 1)
    if duplicates:
        raise SeedError(f"{label}: duplicate key(s) {', '.join(duplicates)}")


def require_known(where: str, name: str, value: str | None, known: set[str]) -> None:
    if value is not None and value not in known:
        raise SeedError(f"{where}: unknown {name} {value!r}")


@dataclass
class Programme:
    """The validated file as column values; references to other records are still keys."""

    exhibition: dict
    days: list[dict]
    venues: list[dict]
    teams: list[dict]
    films: list[dict]
    materials: list[dict]
    jury: list[dict]
    sessions: list[dict]
    rounds: list[dict]


def read_programme(path: Path | str, *, start: date | None = None) -> Programme:
    """Read and check the whole programme file, moved to `start` if given; writes nothing."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SeedError(f"{path}: {error}") from None

    exhibition = read_record(raw.get("exhibition"), "exhibition", {
        "key": string, "name": text, "timezone": one_of(EVENT_TZ.key), "site": text,
        "description": text})
    days = _read_days(raw.get("days"), start)
    venues = read_records(raw.get("venues"), "venues", {
        "name": text, "site": text, "description": text, "position": optional(count)})
    teams = read_records(raw.get("teams"), "teams", {
        "name": text, "description": text, "position": optional(count)})
    films = read_records(raw.get("films"), "films", {
        "team": string, "title": text, "logline": text, "synopsis": text,
        "runtime_minutes": optional(count), "position": optional(count),
        "materials": optional(tables)})
    materials = _read_materials(films)
    jury = read_records(raw.get("jury"), "jury", {
        "name": text, "role": text, "is_chair": flag, "position": optional(count)})
    sessions = _read_sessions(raw.get("sessions"), days, {v["key"] for v in venues},
                              {f["key"] for f in films})

    film_of_team = {}
    for film in films:
        where = f"films {film['key']!r}"
        require_known(where, "team", film["team"], {team["key"] for team in teams})
        if film["team"] in film_of_team:
            raise SeedError(f"{where}: team {film['team']!r} already made {film_of_team[film['team']]!r}")
        film_of_team[film["team"]] = film["key"]
    if jury and sum(member["is_chair"] for member in jury) != 1:
        raise SeedError("jury: exactly one member must have is_chair = true")
    rounds = _read_rounds(raw.get("rounds"), sessions)
    return Programme(exhibition, days, venues, teams, films, materials, jury, sessions, rounds)


def _read_days(raw: Any, start: date | None) -> list[dict]:
    """The exhibition days in date order, moved to `start`; each keeps its wall-clock hours."""
    if not isinstance(raw, list) or not raw:
        raise SeedError("days: must be a non-empty list of tables ([[days]])")
    days = [read_record(item, f"day {number}", {
        "date": parse_date, "opens": parse_time, "closes": parse_time, "entry_capacity": count})
        for number, item in enumerate(raw, start=1)]
    dates = [day["date"] for day in days]
    if dates != sorted(set(dates)):
        raise SeedError("days: dates must be different and in order")
    for number, (day, moved) in enumerate(zip(days, shift_dates(dates, start)), start=1):
        if day["closes"] <= day["opens"]:
            raise SeedError(f"day {number}: closes must be after opens")
        day.update(file_date=day["date"], date=moved,
                   opens_at=at_local(moved, day["opens"]), closes_at=at_local(moved, day["closes"]))
    return days


def _read_materials(films: list[dict]) -> list[dict]:
    """Each film's process materials, in file order, pointing back to the film by key."""
    materials = []
    for film in films:
        items = read_records(film.pop("materials") or [], f"films {film['key']!r} materials", {
            "kind": one_of(*MATERIAL_KINDS), "title": text, "body": text})
        for position, material in enumerate(items, start=1):
            materials.append({**material, "film": film["key"], "position": position})
    refuse_duplicates("materials", materials)
    return materials


def minutes_or_never(value: Any) -> int | None:
    """Minutes (0 or more), or false for never."""
    if value is False:
        return None
    return count(value)


#: A session's operating rules, each optional: a rule the file leaves out is not written, so
#: what staff set in the console stands. Minutes count from the session's start.
_SESSION_RULES = {"checkin_opens_minutes": optional(count), "booking_closes_minutes": optional(count),
                  "waitlist_closes_minutes": optional(count),
                  "no_show_release_minutes": optional(minutes_or_never)}
#: The cut-offs the file gives in minutes before the start, and the instants they become.
_CUT_OFFS = {"booking_closes_minutes": "booking_closes_at", "waitlist_closes_minutes": "waitlist_closes_at"}


def _session_rules(session: dict, raw_session: dict, where: str) -> None:
    """Turn the rules the record gives into column values, checked as the console checks them
    (app.schedule.rules.operating_errors)."""
    given = {name: session.pop(name) for name in _SESSION_RULES}
    values = {_CUT_OFFS.get(name, name): (session["starts_at"] - timedelta(minutes=value) if name in _CUT_OFFS
                                          else value)
              for name, value in given.items() if name in raw_session}
    draft = SlotDraft(kind=session["kind"], title=session["title"], description=session["description"],
                      venue_id=0, starts_at=session["starts_at"], ends_at=session["ends_at"],
                      capacity=session["capacity"], **values)
    for column, message in operating_errors(draft).items():
        name = next((name for name, cut_off in _CUT_OFFS.items() if cut_off == column), column)
        raise SeedError(f"{where}: {name}: {message}")
    session.update(values)


def _read_sessions(raw: Any, days: list[dict], venues: set[str], films: set[str]) -> list[dict]:
    """Sessions with their UTC times; each must lie within its day's opening hours."""
    day_index = {day["file_date"]: index for index, day in enumerate(days)}
    sessions = read_records(raw, "sessions", {
        "day": parse_date, "start": parse_time, "end": parse_time, "venue": string,
        "kind": one_of(*SLOT_KINDS), "title": text, "description": text,
        "film": optional(string), "capacity": optional(count), **_SESSION_RULES})
    for session in sessions:
        where = f"sessions {session['key']!r}"
        require_known(where, "venue", session["venue"], venues)
        require_known(where, "film", session["film"], films)
        if session["day"] not in day_index:
            raise SeedError(f"{where}: day {session['day']} is not one of the exhibition days")
        day = days[day_index[session["day"]]]
        if session["end"] <= session["start"]:
            raise SeedError(f"{where}: end {session['end']:%H:%M} is not after "
                            f"start {session['start']:%H:%M}")
        if session["start"] < day["opens"] or session["end"] > day["closes"]:
            raise SeedError(f"{where}: must lie within the day's hours "
                            f"{day['opens']:%H:%M}-{day['closes']:%H:%M}")
        session.update(
            day=day_index[session["day"]],
            starts_at=at_local(day["date"], session.pop("start")),
            ends_at=at_local(day["date"], session.pop("end")),
            # A capacity means places are handed out by registration.
            requires_registration=session["capacity"] is not None)
    for session, raw_session in zip(sessions, raw):
        _session_rules(session, raw_session, f"sessions {session['key']!r}")
    return sessions


def _read_rounds(raw: Any, sessions: list[dict]) -> list[dict]:
    """My Story rounds, each running through the whole of its challenge session."""
    by_key = {session["key"]: session for session in sessions}
    rounds = read_records(raw or [], "rounds", {"session": string, "theme": text, "beat_count": count,
                                                "closes": optional(parse_time)})
    for challenge_round in rounds:
        where = f"rounds {challenge_round['key']!r}"
        session = by_key.get(challenge_round["session"])
        if session is None or session["kind"] != "challenge":
            raise SeedError(f"{where}: session {challenge_round['session']!r} is not a challenge session")
        if not BEATS_MIN <= challenge_round["beat_count"] <= BEATS_MAX:
            raise SeedError(f"{where}: beat_count must be from {BEATS_MIN} to {BEATS_MAX}")
        ends_at = session["ends_at"]
        closes = challenge_round.pop("closes")
        if closes is not None:
            # Stories may stop before the session ends (the final round's reveal).
            ends_at = at_local(local(session["starts_at"]).date(), closes)
            if not session["starts_at"] < ends_at <= session["ends_at"]:
                raise SeedError(f"{where}: closes {closes:%H:%M} must lie within its session")
        challenge_round.update(title=session["title"], starts_at=session["starts_at"], ends_at=ends_at)
    if len({r["session"] for r in rounds}) != len(rounds):
        raise SeedError("rounds: one round per challenge session")
    return rounds


# --- Writing ---

@dataclass
class SeedReport:
    """What a load did: per kind, how many records were created, updated or unchanged."""

    first_day: date
    last_day: date
    counts: dict[str, Counter] = field(default_factory=lambda: {kind: Counter() for kind in KINDS})

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def total(self, outcome: str) -> int:
        """All records with `outcome` ("created", "updated" or "unchanged")."""
        return sum(outcomes[outcome] for outcomes in self.counts.values())

    def summary(self) -> str:
        sizes = ", ".join(f"{kind} {sum(outcomes.values())}" for kind, outcomes in self.counts.items())
        return (f"Programme {self.first_day} to {self.last_day}: {self.total('created')} created, "
                f"{self.total('updated')} updated, {self.total('unchanged')} unchanged ({sizes}).")


def load_programme(path: Path | str, *, start: date | None = None) -> SeedReport:
    """Validate the programme file, then create or update its rows in one transaction."""
    programme = read_programme(path, start=start)
    report = SeedReport(programme.days[0]["date"], programme.days[-1]["date"])
    with unit_of_work():
        _write(programme, report)
    return report


def _write(programme: Programme, report: SeedReport) -> None:
    """Upsert every record, parents first, resolving references by key to rows."""
    exhibition = _save_keyed(report, "exhibition", Exhibition, [programme.exhibition])[
        programme.exhibition["key"]]
    days = _save_days(report, exhibition, programme.days)
    venues = _save_keyed(report, "venues", Venue, programme.venues)
    teams = _save_keyed(report, "teams", Team, programme.teams)
    films = _save_keyed(report, "films", Film, [
        {**film, "team": teams[film["team"]]} for film in programme.films])
    _save_keyed(report, "materials", ProcessMaterial, [
        {**material, "film": films[material["film"]]} for material in programme.materials])
    _save_keyed(report, "jury", JuryMember, programme.jury)
    sessions = [{**session, "day": days[session["day"]], "venue": venues[session["venue"]],
                 "film": films[session["film"]] if session["film"] else None}
                for session in programme.sessions]
    existing = _rows_by_key(Slot, sessions)
    for session in sessions:
        _check_room(f"sessions {session['key']!r}", existing.get(session["key"]), "seats_taken",
                    session["capacity"])
    slots = _save_keyed(report, "sessions", Slot, sessions, existing)
    db.session.flush()
    existing_rounds = _rows_by_key(ChallengeRound, programme.rounds)
    for challenge_round in programme.rounds:
        _check_beats(f"rounds {challenge_round['key']!r}", existing_rounds.get(challenge_round["key"]),
                     challenge_round["beat_count"])
    _save_keyed(report, "rounds", ChallengeRound, [
        {**{k: v for k, v in challenge_round.items() if k != "session"},
         "slot_id": slots[challenge_round["session"]].id} for challenge_round in programme.rounds], existing_rounds)


def _save(report: SeedReport, kind: str, model: type, row: Any, values: dict) -> Any:
    """Create the row if there is none, else set only the fields whose values changed."""
    if row is None:
        row = model(**values)
        columns = model.__table__.c
        for name, value in values.items():
            if value is None and name in columns and columns[name].default is not None:
                setattr(row, name, null())  # a None left out of the INSERT would take the default
        db.session.add(row)
        report.add(kind, "created")
        return row
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    report.add(kind, "updated" if changed else "unchanged")
    return row


def _rows_by_key(model: type, records: list[dict]) -> dict[str, Any]:
    keys = [record["key"] for record in records]
    return {row.key: row for row in db.session.scalars(select(model).where(model.key.in_(keys)))}


def _save_keyed(report: SeedReport, kind: str, model: type, records: list[dict],
                existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create or update each record matched on its key; returns the rows by key."""
    if existing is None:
        existing = _rows_by_key(model, records)
    return {record["key"]: _save(report, kind, model, existing.get(record["key"]), record)
            for record in records}


def _save_days(report: SeedReport, exhibition: Exhibition, days: list[dict]) -> list[ExhibitionDay]:
    """Create or update the days, matched by position so that a shifted re-run moves them."""
    current = list(exhibition.days)
    rows = {}
    for index in day_update_order([row.date for row in current], [day["date"] for day in days]):
        row = current[index] if index < len(current) else None
        _check_room(f"day {index + 1}", row, "entries_taken", days[index]["entry_capacity"])
        values = {name: days[index][name] for name in ("date", "opens_at", "closes_at", "entry_capacity")}
        rows[index] = _save(report, "days", ExhibitionDay, row, {**values, "exhibition": exhibition})
        # The date is unique: write each move before the next day may take the freed date.
        db.session.flush()
    return [rows[index] for index in range(len(days))]


def day_update_order(current: list[date], wanted: list[date]) -> list[int]:
    """The order to move day rows in so that no two ever share a date (the column is unique).

    Days moving earlier go first, earliest first; then days moving later, latest first;
    new days last.
    """
    matched = range(min(len(current), len(wanted)))
    earlier = [index for index in matched if wanted[index] <= current[index]]
    later = [index for index in matched if wanted[index] > current[index]]
    return earlier + later[::-1] + list(range(len(current), len(wanted)))


def _check_beats(where: str, row: ChallengeRound | None, beat_count: int) -> None:
    """Stories keep the shape of their round: its number of beats stays once one was sent."""
    if row is not None and row.beat_count != beat_count and db.session.scalar(
            select(func.count()).select_from(Story).where(Story.round_id == row.id)):
        raise SeedError(f"{where}: stories were sent to this round, its beat_count stays {row.beat_count}")


def _check_room(where: str, row: Any, taken: str, capacity: int | None) -> None:
    """Refuse a capacity below the places already handed out on an existing row."""
    if row is not None and capacity is not None and getattr(row, taken) > capacity:
        raise SeedError(f"{where}: capacity {capacity} is below the {getattr(row, taken)} "
                        "places already taken")
