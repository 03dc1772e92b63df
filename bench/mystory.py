"""Kiosk load on loopback: stories sent from kiosks per second (fan-out: bench/fanout.py).

    .venv/bin/python bench/mystory.py [--stories 200] [--seconds 20]

Prepares its own instance in a temporary directory (migrate, seed, a kiosk account), starts
`backlot serve` on a free port on 127.0.0.1 with the demo clock (round 1 open), then sends
POST /api/v1/stories from 1, 4 and 8 kiosks at once (threads, each with its own
requests.Session), every story with one drawn 800×450 PNG frame, as the kiosk sends it. Each
phase stops after its count or its time, whichever comes first. Prints a Markdown table.
Talks to 127.0.0.1 only; the server and the temporary directory go when it ends.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import percentile  # noqa: E402
from tests.live import add_staff, backlot, server_environment, serving  # noqa: E402

KIOSKS = (1, 4, 8)


def drawn_frame() -> str:
    """A busy finger drawing as the kiosk exports it: 800×450 PNG, 60 wandering strokes."""
    rng = random.Random(7)
    image = Image.new("RGB", (800, 450), "#101014")
    pen = ImageDraw.Draw(image)
    for _ in range(60):
        points = [(rng.randrange(800), rng.randrange(450))]
        for _ in range(12):
            x, y = points[-1]
            points.append((x + rng.randint(-40, 40), y + rng.randint(-40, 40)))
        pen.line(points, fill=rng.choice(["#f2c14e", "#e9e4da", "#5fb3b3", "#d9534f"]), width=rng.choice([4, 8, 14]))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def send_stories(base_url: str, token: str, count: int, kiosks: int, seconds: float, frame: str) -> dict:
    """`count` stories from `kiosks` threads; returns the rate, latencies and status codes."""
    remaining = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.monotonic() + seconds

    def kiosk(_index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < stop_at:
            with lock:
                number = next(remaining, None)
            if number is None:
                return
            body = {"author": f"Bench {number}", "title": f"Bench story {number}", "logline": "A bench logline.",
                    "beats": ["The setup.", "The turn.", "The ending."], "frames": [frame, None, None],
                    "nonce": secrets.token_hex(12), "locale": "en"}
            started = time.perf_counter()
            status = session.post(f"{base_url}/api/v1/stories", json=body, timeout=30).status_code
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(kiosks) as pool:
        list(pool.map(kiosk, range(kiosks)))
    elapsed = time.perf_counter() - started
    return {"count": len(latencies), "rate": len(latencies) / elapsed, "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=200, help="stories per kiosk phase (at most)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per phase (at most)")
    args = parser.parse_args()

    frame = drawn_frame()
    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp:
        instance = Path(tmp)
        env = server_environment(instance)
        print("preparing instance…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        kiosk = add_staff(env, "bench-kiosk@devices.local", "kiosk").token
        sends = []
        with serving(env, instance / "serve.log") as base_url:
            for kiosks in KIOSKS:
                print(f"{kiosks} kiosks sending…", file=sys.stderr)
                sends.append((kiosks, send_stories(base_url, kiosk, args.stories, kiosks, args.seconds, frame)))

    cores = os.cpu_count()
    print(f"\nMy Story load: `backlot serve` (eventlet) on 127.0.0.1, SQLite, {cores} CPU cores; "
          f"each story carries one 800×450 PNG frame ({len(frame) // 1024} KB as a data URL).\n")
    print("| Kiosks at once | Stories | Stories/s | p50 ms | p99 ms | Statuses |")
    print("|---:|---:|---:|---:|---:|---|")
    for kiosks, outcome in sends:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(outcome["statuses"].items()))
        print(f"| {kiosks} | {outcome['count']} | {outcome['rate']:.0f} | {outcome['p50']:.1f} | "
              f"{outcome['p99']:.1f} | {statuses} |")


if __name__ == "__main__":
    main()
