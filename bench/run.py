"""`make bench`: every workload against Backlot (and its reference where it has one) in one
run, bounded, on loopback only; writes bench/results.md.

    .venv/bin/python -m bench.run [--quick] [--only checkin,fanout,...]

Each workload is a script of its own in bench/ that prints a Markdown section; this runs them
one after another in a child process each (a workload's servers and clients end with it) and
puts their sections, the machine and the time each took into bench/results.md.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, machine  # noqa: E402

#: name: (script, its arguments, its arguments with --quick)
WORKLOADS = {
    "checkin": ("checkin.py", [], ["--quick"]),
    "register": ("register.py", [], ["--quick"]),
    "fanout": ("fanout.py", [], ["--quick"]),
    "votes": ("votes.py", [], ["--seconds", "3", "--clients", "50"]),
    "replay": ("replay.py", [], ["--quick"]),
}
RESULTS = ROOT / "bench" / "results.md"


def _postgres_version() -> str:
    try:
        import sqlalchemy as sa

        from bench.common import POSTGRES_ADMIN

        engine = sa.create_engine(sa.engine.make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg2"))
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
        return f"PostgreSQL {version}"
    except Exception as error:  # noqa: BLE001 - said in the header, the PostgreSQL rows will fail
        return f"PostgreSQL unreachable ({type(error).__name__})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run of every workload")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(WORKLOADS)}")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = set(chosen) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"--only: unknown workload(s) {', '.join(sorted(unknown))}")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    began = time.monotonic()
    sections, timings = [], []
    for name in chosen:
        script, normal, quick = WORKLOADS[name]
        print(f"== {name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *(quick if args.quick else normal)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
        took = time.monotonic() - started
        timings.append(f"{name} {took:.0f} s")
        output = done.stdout.strip()
        if done.returncode != 0:
            output += f"\n\n**{script} failed (exit {done.returncode}); its standard error is above in the console.**"
        if not output.startswith("#"):
            output = f"### {name}\n\n{output}"
        sections.append(output)

    header = [
        "# Backlot bench results",
        "",
        f"`make bench{' BENCH_ARGS=--quick' if args.quick else ''}` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}: {machine()}, {_postgres_version()}. "
        f"Loopback only; every server is one gunicorn process with one eventlet worker, sharing the cores "
        f"with its clients. Took {time.monotonic() - began:.0f} s ({', '.join(timings)}).",
        "",
    ]
    RESULTS.write_text("\n".join(header) + "\n" + "\n\n".join(sections) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
