"""The personal-data purge: nothing of a visitor's identity survives, in the rows or in the
database files, while the counts, the stories and the results stay as they were."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

from app.challenge.models import ChallengeRound, JuryScore, Story, Vote
from app.challenge.results import round_results
from app.checkin.models import Presence, Scan
from app.extensions import db
from app.ops.purge import purge_personal_data
from app.staff.models import AuditEntry
from app.tickets.models import DayEntry, OutboxMail, Registration, Seat, Ticket
from tests.ops.population import Population, populate


def kept() -> dict:
    """What the purge keeps: counts per day and session, check-ins, votes per story, stories, results."""
    db.session.rollback()

    def grouped(*columns):
        return sorted(db.session.execute(select(*columns, func.count()).group_by(*columns)).all())

    return {
        "registrations": db.session.scalar(select(func.count()).select_from(Registration)),
        "tickets": grouped(Ticket.status, Ticket.is_primary),
        "per_day": grouped(DayEntry.day_id),
        "per_session": grouped(Seat.slot_id, Seat.status),
        "presence": grouped(Presence.day_id, Presence.slot_id, Presence.inside),
        "scans": grouped(Scan.gate, Scan.direction, Scan.result),
        "votes": grouped(Vote.story_id),
        "stories": db.session.execute(select(Story.id, Story.author, Story.title, Story.logline, Story.beats,
                                             Story.status).order_by(Story.id)).all(),
        "jury": db.session.execute(select(JuryScore.story_id, JuryScore.juror_id, JuryScore.scores,
                                          JuryScore.comment).order_by(JuryScore.id)).all(),
        "results": [(row.rank, row.story_id, row.author, row.votes, row.jury, row.score) for row in
                    round_results(db.session.scalars(select(ChallengeRound)).one()).rows],
    }


def needles(population: Population) -> set[bytes]:
    """Each name, email and code as bytes, as text and as JSON writes it (non-ASCII escaped)."""
    values = population.personal + population.codes
    return {form.encode() for value in values for form in (value, json.dumps(value)[1:-1])}


def text_everywhere() -> str:
    """Every column of every table (those outside the app's models too), cast to text."""
    inspector = sa.inspect(db.engine)
    found = []
    with db.engine.connect() as connection:
        for table in inspector.get_table_names():
            columns = [column["name"] for column in inspector.get_columns(table)]
            casts = ", ".join(f'CAST("{column}" AS TEXT)' for column in columns)
            found += [value for row in connection.exec_driver_sql(f'SELECT {casts} FROM "{table}"')
                      for value in row if value is not None]
    return "\n".join(found)


def file_bytes() -> bytes:
    """The SQLite database file and its WAL, as they are on disk."""
    path = Path(db.engine.url.database)
    return b"".join(part.read_bytes() for part in (path, path.with_name(path.name + "-wal")) if part.exists())


def test_the_purge_removes_every_visitors_identity_and_keeps_counts_stories_and_results(app, client):
    population = populate()
    before = kept()
    mails = db.session.scalar(select(func.count()).select_from(OutboxMail))
    everything = text_everywhere()
    assert all(value in everything for value in population.personal + population.codes)  # the check can fail
    sqlite = db.engine.dialect.name == "sqlite"

    report = purge_personal_data()

    assert asdict(report) == {"registrations": 4, "tickets": 6, "mails": mails, "audit_entries": 3,
                              "scans": 6, "stories": 1}
    assert kept() == before
    everything = text_everywhere()
    leaks = [value for value in population.personal + population.codes if value in everything]
    assert leaks == []
    if sqlite:
        on_disk = file_bytes()
        assert [needle for needle in needles(population) if needle in on_disk] == []
    for code in population.codes:
        assert client.get(f"/t/{code}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    assert db.session.scalars(select(Story.ticket_id)).all() == [None, None]
    assert set(db.session.scalars(select(Ticket.manage_key_hash))) == {""}  # no key manages a ticket
    purge = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.purge")).one()
    assert (purge.summary, purge.details) == (report.summary(), asdict(report))


def test_the_command_refuses_without_yes_and_a_second_run_finds_nothing_left(app, runner):
    populate()
    with_email = select(func.count()).select_from(Registration).where(Registration.email.is_not(None))

    refused = runner.invoke(args=["purge-personal-data"])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert db.session.scalar(with_email) == 3

    done = runner.invoke(args=["purge-personal-data", "--yes"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Purged: 4 registrations, 6 tickets, 3 audit entries,")
    again = runner.invoke(args=["purge-personal-data", "--yes"])
    assert again.output == ("Purged: 0 registrations, 0 tickets, 0 audit entries, 0 scans, 0 stories' tickets; "
                            "0 mails deleted.\n")
    db.session.rollback()
    assert db.session.scalar(with_email) == 0
