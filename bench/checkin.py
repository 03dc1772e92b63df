"""Check-in load on loopback: scans per second and latency for valid, repeated and unknown tickets.

    .venv/bin/python bench/checkin.py [--tickets-per-phase 400] [--seconds 20]

Prepares its own instance in a temporary directory (migrate, seed, a gate account, tickets
inserted in bulk against the same SQLite file), starts `backlot serve` on a free port on
127.0.0.1 with the demo clock (entry open on 14 June), then sends POST /api/v1/checkins from
1, 8 and 32 threads (each with its own requests.Session and the gate's bearer token). Each
phase stops after its request count or its time, whichever comes first. Prints a Markdown table.
Talks to 127.0.0.1 only; the server and the temporary directory go when it ends.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

# The bench drives a real server the way the tests do (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import add_tickets  # noqa: E402
from tests.live import add_staff, backlot, server_environment, serving  # noqa: E402

CONCURRENCY = (1, 8, 32)
KINDS = ("valid", "repeated", "unknown")


def run_phase(base_url: str, token: str, scans: list[str], threads: int, seconds: float) -> dict:
    """Send the scans from `threads` workers until done or `seconds` pass."""
    queue = iter(scans)
    lock = threading.Lock()
    latencies: list[float] = []
    results: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < stop_at:
            with lock:
                scan = next(queue, None)
            if scan is None:
                return
            started = time.perf_counter()
            try:
                answer = session.post(f"{base_url}/api/v1/checkins", timeout=30,
                                      json={"scan": scan, "gate": f"Bench gate {index % 4 + 1}", "session_id": None})
                took = time.perf_counter() - started
                result = answer.json()["result"] if answer.status_code == 200 else f"http_{answer.status_code}"
            except (requests.RequestException, ValueError):
                took, result = time.perf_counter() - started, "error"
            with lock:
                latencies.append(took)
                results[result] = results.get(result, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0
    return {"count": len(latencies), "elapsed": elapsed, "rate": len(latencies) / elapsed if elapsed else 0.0,
            "p50": pick(0.50), "p99": pick(0.99), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets-per-phase", type=int, default=400, help="requests per phase (at most)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per phase (at most)")
    args = parser.parse_args()
    per_phase = args.tickets_per_phase

    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp:
        instance = Path(tmp)
        env = server_environment(instance)
        print("preparing instance…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        token = add_staff(env, "bench-gate@devices.local", "gate").token
        codes = add_tickets(env, per_phase * len(CONCURRENCY))
        rows = []
        with serving(env, instance / "serve.log") as base_url:
            for level, threads in enumerate(CONCURRENCY):
                fresh = codes[level * per_phase:(level + 1) * per_phase]
                phases = {"valid": fresh, "repeated": fresh,
                          "unknown": [f"UnknownBenchTicket{n:06d}" for n in range(per_phase)]}
                for kind in KINDS:
                    print(f"{threads:>2} scanners, {kind}…", file=sys.stderr)
                    outcome = run_phase(base_url, token, phases[kind], threads, args.seconds)
                    rows.append((threads, kind, outcome))

    cores = os.cpu_count()
    print(f"\nCheck-in load: `backlot serve` on 127.0.0.1, SQLite, {cores} CPU cores, "
          f"at most {per_phase} requests or {args.seconds:.0f} s per phase.\n")
    print("| Scanners | Tickets | Requests | Scans/s | p50 ms | p99 ms | Results |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for threads, kind, outcome in rows:
        results = ", ".join(f"{name} {count}" for name, count in sorted(outcome["results"].items()))
        print(f"| {threads} | {kind} | {outcome['count']} | {outcome['rate']:.0f} | {outcome['p50']:.1f} | "
              f"{outcome['p99']:.1f} | {results} |")


if __name__ == "__main__":
    main()
