"""Registration rush on loopback: thousands of visitors booking the same few sessions at once.

    .venv/bin/python bench/register.py [--quick] [--registrations 2000] [--clients 32]

Prepares a throw-away Backlot on SQLite and on PostgreSQL (migrate, seed; five of 14 June's
bookable sessions given a capacity of 100, the day room for everyone), starts `backlot serve
--no-access-log`, and sends POST /api/v1/registrations from 32 client threads, every visitor
with their own email and one of the five sessions in turn. Afterwards it counts, in the
database, each session's confirmed seats (exactly 100 where more asked), its waiting list,
and every answered registration's ticket. Prints a Markdown section.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import fresh_postgres, run_phase  # noqa: E402
from tests.live import backlot, server_environment, serving  # noqa: E402

DAY = date(2026, 6, 14)
SESSIONS, CAPACITY = 5, 100


def _open_sessions(env: dict, visitors: int) -> list[int]:
    """Five bookable sessions of the day still to start, each of CAPACITY places; the day with
    room for every visitor."""
    from sqlalchemy import select

    from app import clock
    from app.extensions import db
    from app.factory import create_app
    from app.schedule.models import ExhibitionDay, Slot

    app = create_app(environ=env)
    with app.app_context():
        day = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == DAY)).one()
        day.entry_capacity = day.entries_taken + visitors
        slots = db.session.scalars(select(Slot).where(Slot.day_id == day.id, Slot.requires_registration,
                                                      Slot.status == "scheduled", Slot.starts_at > clock.now())
                                   .order_by(Slot.starts_at).limit(SESSIONS)).all()
        for slot in slots:
            slot.capacity, slot.seats_taken = CAPACITY, 0
        db.session.commit()
        ids = [slot.id for slot in slots]
        db.engine.dispose()
    return ids


def _count(env: dict, session_ids: list[int]) -> dict:
    """What the database holds afterwards: per session confirmed and waitlisted, and tickets."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.factory import create_app
    from app.schedule.models import Slot
    from app.tickets.models import Seat, Ticket

    app = create_app(environ=env)
    with app.app_context():
        seats = dict(db.session.execute(select(Seat.slot_id, func.count()).where(Seat.status == "confirmed")
                                        .group_by(Seat.slot_id)).all())
        waiting = dict(db.session.execute(select(Seat.slot_id, func.count()).where(Seat.status == "waitlisted")
                                          .group_by(Seat.slot_id)).all())
        taken = dict(db.session.execute(select(Slot.id, Slot.seats_taken).where(Slot.id.in_(session_ids))).all())
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        db.engine.dispose()
    return {"confirmed": [seats.get(i, 0) for i in session_ids], "waiting": [waiting.get(i, 0) for i in session_ids],
            "taken": [taken.get(i, 0) for i in session_ids], "tickets": tickets}


def measure(database: str, registrations: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp, ExitStack() as stack:
        instance = Path(tmp)
        extra = {"DATABASE_URL": stack.enter_context(fresh_postgres())} if database == "postgresql" else {}
        env = server_environment(instance, **extra)
        print(f"registration rush on {database}: preparing…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        session_ids = _open_sessions(env, registrations)
        bodies = [{"name": f"Visitor {n}", "email": f"visitor-{n}@example.org", "days": [DAY.isoformat()],
                   "sessions": [session_ids[n % len(session_ids)]], "locale": "en", "consent": True}
                  for n in range(registrations)]
        with serving(env, instance / "serve.log", options=("--no-access-log",)) as base_url:
            print(f"  {registrations} registrations from {clients} clients…", file=sys.stderr)
            outcome = run_phase(f"{base_url}/api/v1/registrations", bodies, clients, 120)
        outcome.update(_count(env, session_ids), database=database)
    return outcome


def section(quick: bool = False, registrations: int | None = None, clients: int = 32) -> str:
    registrations = registrations or (600 if quick else 2000)
    lines = [
        "### Registration rush",
        "",
        f"{registrations} registrations (POST /api/v1/registrations) from {clients} clients at once, each visitor "
        f"booking one of {SESSIONS} sessions of {CAPACITY} places; counted in the database afterwards.",
        "",
        "| Database | Registrations | Registrations/s | p50 ms | p99 ms | errors | answers | confirmed per session | "
        "waiting lists | tickets in the database |",
        "|---|---:|---:|---:|---:|---:|---|---|---|---:|",
    ]
    verdicts = []
    for database in ("sqlite", "postgresql"):
        row = measure(database, registrations, clients)
        answers = ", ".join(f"{name} {count}" for name, count in sorted(row["results"].items()))
        lines.append(f"| {database} | {row['count']} | {row['rate']:.0f} | {row['p50']:.0f} | {row['p99']:.0f} | "
                     f"{row['errors']} | {answers} | {' / '.join(map(str, row['confirmed']))} | "
                     f"{' / '.join(map(str, row['waiting']))} | {row['tickets']} |")
        asked = registrations // SESSIONS
        exact = (all(count == min(CAPACITY, asked) for count in row["confirmed"]) and row["taken"] == row["confirmed"]
                 and row["tickets"] == row["results"].get("ok", 0) and row["errors"] == 0)
        verdicts.append(f"{database}: {'exact, no error' if exact else 'NOT exact or errors'}")
    lines += ["", "Capacity: " + "; ".join(verdicts) + " (every session's confirmed seats equal its counter and "
              "its capacity, one ticket per answered registration)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="600 registrations, for a smoke run")
    parser.add_argument("--registrations", type=int)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    print(section(args.quick, args.registrations, args.clients))


if __name__ == "__main__":
    main()
