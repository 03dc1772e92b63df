"""Check-in load on loopback, beside the stack's floor (bench/floor.py), in the same run.

    .venv/bin/python bench/checkin.py [--quick] [--per-phase 600] [--seconds 8]

For SQLite and then PostgreSQL: prepares a throw-away Backlot (migrate, seed, a gate account,
tickets inserted in bulk) and the floor's table with as many tickets, starts `backlot serve
--no-access-log` and the floor app the same way (gunicorn, one eventlet worker) on free
loopback ports, then for 1, 8 and 32 scanner threads sends valid first scans, the same scans
again, and unknown codes: each phase to Backlot and at once the same phase to the floor, so
that machine noise hits both. A phase stops at its count or its time. Prints a Markdown section.
"""
from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import floor  # noqa: E402
from bench.common import add_tickets, fresh_postgres, run_phase, serve_wsgi  # noqa: E402
from tests.live import add_staff, backlot, server_environment, serving  # noqa: E402

LEVELS = (1, 8, 32)
KINDS = ("valid", "repeated", "unknown")
WARM_UP = 50
#: The issue's goal at 8 scanners: throughput against the floor, p99, errors.
GOAL_RATIO, GOAL_P99_MS = 0.5, 50.0


def _phases(codes: list[str], per_phase: int, level: int) -> dict[str, list[str]]:
    fresh = codes[WARM_UP + level * per_phase:WARM_UP + (level + 1) * per_phase]
    return {"valid": fresh, "repeated": fresh, "unknown": [f"UnknownBenchTicket{n:06d}" for n in range(per_phase)]}


def measure(database: str, per_phase: int, seconds: float) -> list[tuple]:
    """Rows (database, scanners, kind, backlot, floor) for 'sqlite' or 'postgresql'."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp, ExitStack() as stack:
        instance = Path(tmp)
        if database == "postgresql":
            backlot_url, floor_url = stack.enter_context(fresh_postgres()), stack.enter_context(fresh_postgres())
            env = server_environment(instance, DATABASE_URL=backlot_url)
        else:
            env, floor_url = server_environment(instance), f"sqlite:///{instance / 'floor.sqlite3'}"
        print(f"check-in on {database}: preparing…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        token = add_staff(env, "bench-gate@devices.local", "gate").token
        count = WARM_UP + per_phase * len(LEVELS)
        codes = add_tickets(env, count)
        floor_codes = [secrets.token_urlsafe(16) for _ in range(count)]
        floor.prepare(floor_url, floor_codes)
        ours = stack.enter_context(serving(env, instance / "serve.log", options=("--no-access-log",)))
        theirs = stack.enter_context(serve_wsgi("bench.floor:application", {"FLOOR_DATABASE_URL": floor_url},
                                                instance / "floor.log"))
        gate = {"Authorization": f"Bearer {token}"}
        backlot_scan = f"{ours}/api/v1/checkins"

        def scans(items: list[str]) -> list[dict]:
            return [{"scan": code, "gate": "Bench gate", "session_id": None} for code in items]

        run_phase(backlot_scan, scans(codes[:WARM_UP]), 8, seconds, gate)
        run_phase(f"{theirs}/checkin", [{"scan": code} for code in floor_codes[:WARM_UP]], 8, seconds)
        for level, threads in enumerate(LEVELS):
            ours_phases, theirs_phases = _phases(codes, per_phase, level), _phases(floor_codes, per_phase, level)
            for kind in KINDS:
                print(f"  {threads:>2} scanners, {kind}…", file=sys.stderr)
                mine = run_phase(backlot_scan, scans(ours_phases[kind]), threads, seconds, gate)
                reference = run_phase(f"{theirs}/checkin", [{"scan": code} for code in theirs_phases[kind]],
                                      threads, seconds)
                rows.append((database, threads, kind, mine, reference))
    return rows


def section(quick: bool = False, per_phase: int | None = None, seconds: float | None = None) -> str:
    per_phase = per_phase or (150 if quick else 600)
    seconds = seconds or (3.0 if quick else 8.0)
    rows = measure("sqlite", per_phase, seconds) + measure("postgresql", per_phase, seconds)
    lines = [
        "### Check-in beside the floor",
        "",
        f"`POST /api/v1/checkins` against `backlot serve` and the floor (bench/floor.py: Flask + SQLAlchemy, one "
        f"indexed SELECT and one UPDATE, same gunicorn/eventlet worker), alternating phase by phase; at most "
        f"{per_phase} requests or {seconds:.0f} s a phase. Errors: 5xx, no answer or \"database is locked\".",
        "",
        "| Database | Scanners | Scans | Backlot scans/s | p50 ms | p99 ms | errors | floor scans/s | p50 ms | "
        "p99 ms | Backlot / floor |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    goals = []
    for database, threads, kind, mine, reference in rows:
        ratio = mine["rate"] / reference["rate"] if reference["rate"] else 0.0
        lines.append(f"| {database} | {threads} | {kind} | {mine['rate']:.0f} | {mine['p50']:.1f} | "
                     f"{mine['p99']:.1f} | {mine['errors']} | {reference['rate']:.0f} | {reference['p50']:.1f} | "
                     f"{reference['p99']:.1f} | {ratio:.2f}x |")
        if threads == 8:
            met = ratio >= GOAL_RATIO and mine["p99"] < GOAL_P99_MS and mine["errors"] == 0
            goals.append(f"{database} {kind}: {'met' if met else 'NOT met'} ({ratio:.2f}x, p99 {mine['p99']:.0f} ms, "
                         f"{mine['errors']} errors)")
    lines += ["", f"Goal at 8 scanners (≥ {GOAL_RATIO}x the floor, p99 < {GOAL_P99_MS:.0f} ms, no error): "
              + "; ".join(goals) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small phases, for a smoke run")
    parser.add_argument("--per-phase", type=int, help="requests per phase (at most)")
    parser.add_argument("--seconds", type=float, help="time per phase (at most)")
    args = parser.parse_args()
    print(section(args.quick, args.per_phase, args.seconds))


if __name__ == "__main__":
    main()
