"""Fan-out on loopback: a story approved while hundreds or thousands of displays and phones are
connected, beside a bare Flask-SocketIO app emitting the same payload, in the same run.

    .venv/bin/python bench/fanout.py [--quick] [--approvals 10] [--levels 100,1000,2000]

Prepares a throw-away Backlot (migrate, seed, a kiosk and a moderator account, stories sent as
a kiosk sends them) and starts `backlot serve --no-access-log` and bench/bare_socketio.py the
same way (gunicorn, one eventlet worker) on free loopback ports. For 100, 1,000 and 2,000
websocket clients (a tenth on /display, the rest phones on /vote; bench/lightclient.py's light
clients, 500 to a child process, so that the clients are not what is measured): Backlot approves stories one at
a time (POST /api/v1/stories/<id>/approve) and the bare app emits the same `story_approved`
payload to the same namespaces (POST /emit), alternating level by level. Each delivery is timed
from the moment the request is sent to the moment the client receives the event; clients that
never receive it count as lost. Prints a Markdown section; on standard error, each send's
request time and delivery p50/max, so that one slow approval (a whole fan-out late) shows as such.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import CpuShares, percentile, serve_wsgi  # noqa: E402
from bench.lightclient import LightClient  # noqa: E402
from tests.live import add_staff, backlot, server_environment, serving  # noqa: E402

LEVELS = (100, 1000, 2000)
QUICK_LEVELS = (50, 200)
CLIENTS_PER_PROCESS = 500
NAMESPACES = ("/display", "/kiosk", "/vote")  # where Backlot sends story_approved (app/realtime/publish.py)
DELIVERY_DEADLINE = 5.0
GOAL_RATIO, GOAL_P99_MS = 1.3, 250.0


def listen(base_url: str, first: int, clients: int, control) -> None:
    """Child process: connect `clients` light clients (every tenth a display), report how many
    joined, record each `story_approved` arrival until told to stop, send the arrivals back."""
    asyncio.run(_listen(base_url, first, clients, control))


async def _listen(base_url: str, first: int, clients: int, control) -> None:
    listeners = []
    for slot in range(clients):
        number = first + slot
        if number % 10 == 0:
            listeners.append(LightClient(base_url, "/display", "story_approved", f"display=bench-{number}"))
        else:
            listeners.append(LightClient(base_url, "/vote", "story_approved"))
    joined = await asyncio.gather(*(client.connect() for client in listeners), return_exceptions=True)
    connected = [client for client, error in zip(listeners, joined) if error is None]
    tasks = [asyncio.create_task(client.listen()) for client in connected]
    control.send(len(connected))
    await asyncio.get_running_loop().run_in_executor(None, control.recv)  # stop
    for client in connected:
        client.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    # A client that could not connect saw nothing: its deliveries count as lost.
    control.send([client.arrivals for client in listeners])


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def fan_out(send, listen_urls: list[str], clients: int, story_ids: list[int]) -> dict:
    """Connect `clients` across `listen_urls` (child processes), then for each story call
    `send(story_id)` (an approval, or the bare app's emit) and wait until every client has it
    or DELIVERY_DEADLINE passes. Delivery delays in ms (p50, p99, max), lost deliveries, and the
    cores used by the server side while it ran."""
    context = multiprocessing.get_context("spawn")
    processes = max(1, math.ceil(clients / CLIENTS_PER_PROCESS))
    children = []
    for index in range(processes):
        mine = clients // processes + (index < clients % processes)
        ours, theirs = context.Pipe()
        process = context.Process(target=listen, daemon=True,
                                  args=(listen_urls[index % len(listen_urls)], index * CLIENTS_PER_PROCESS, mine, theirs))
        process.start()
        children.append((process, ours))
    connected = sum(pipe.recv() for _process, pipe in children)
    shares = CpuShares({process.pid for process, _pipe in children})
    sent_at: dict[int, float] = {}
    took = []
    for story_id in story_ids:
        sent_at[story_id] = time.monotonic()
        send(story_id)
        took.append((time.monotonic() - sent_at[story_id]) * 1000)
        time.sleep(DELIVERY_DEADLINE if story_id == story_ids[-1] else 0.5)  # room between approvals
    cores = shares.end()
    arrivals = []
    for _process, pipe in children:
        pipe.send("stop")
    for process, pipe in children:
        arrivals += pipe.recv()
        process.join(10)
    delays, lost = [], 0
    each: dict[int, list[float]] = {story_id: [] for story_id in sent_at}
    for seen in arrivals:
        first_seen = {}
        for moment, story_id in seen:
            first_seen.setdefault(story_id, moment)
        for story_id, sent in sent_at.items():
            if story_id in first_seen:
                delays.append(first_seen[story_id] - sent)
                each[story_id].append(first_seen[story_id] - sent)
            else:
                lost += 1
    print("    each: request ms, delivery p50/max ms: " + ", ".join(
        f"{request:.0f} {percentile(found, 0.5):.0f}/{max(found, default=0) * 1000:.0f}"
        for request, found in zip(took, each.values())), file=sys.stderr)
    lost += (clients - len(arrivals)) * len(story_ids)
    return {"clients": clients, "connected": connected, "deliveries": len(delays), "lost": lost,
            "p50": percentile(delays, 0.5), "p99": percentile(delays, 0.99),
            "max": max(delays, default=0.0) * 1000, "cores": cores}


def _stories(base_url: str, kiosk: str, count: int) -> list[int]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {kiosk}"
    ids = []
    for number in range(count):
        answer = session.post(f"{base_url}/api/v1/stories", timeout=30, json={
            "author": f"Bench {number}", "title": f"Bench story {number}", "logline": "A bench logline.",
            "beats": ["The setup.", "The turn.", "The ending."], "nonce": f"bench-fanout-{number:06d}",
            "locale": "en"})
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    return ids


def _payload_of(base_url: str, approve) -> dict:
    """The `story_approved` payload a display receives when `approve()` runs (for the bare app)."""
    received = threading.Event()
    payload = {}
    client = socketio.Client(reconnection=False)

    @client.on("story_approved", namespace="/display")
    def _story(story):
        payload.update(story)
        received.set()

    client.connect(f"{base_url}?display=bench-sample", namespaces=["/display"], transports=["websocket"],
                   wait_timeout=30)
    approve()
    received.wait(10)
    client.disconnect()
    return payload


def section(quick: bool = False, approvals: int | None = None, levels: tuple[int, ...] | None = None) -> str:
    _raise_file_limit()
    levels = levels or (QUICK_LEVELS if quick else LEVELS)
    approvals = approvals or (4 if quick else 10)
    rows = []
    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp, ExitStack() as stack:
        instance = Path(tmp)
        env = server_environment(instance)
        print("fan-out: preparing…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        kiosk = add_staff(env, "bench-kiosk@devices.local", "kiosk").token
        moderator = requests.Session()
        moderator.headers["Authorization"] = f"Bearer {add_staff(env, 'bench-mod@example.org', 'moderator').token}"
        ours = stack.enter_context(serving(env, instance / "serve.log", options=("--no-access-log",)))
        bare = stack.enter_context(serve_wsgi("bench.bare_socketio:application", {}, instance / "bare.log"))
        first, *rest = _stories(ours, kiosk, 1 + approvals * len(levels))
        story_ids = iter(rest)

        def approve(story_id: int) -> None:
            moderator.post(f"{ours}/api/v1/stories/{story_id}/approve", timeout=30).raise_for_status()

        sample = _payload_of(ours, lambda: approve(first))

        def emit(story_id: int) -> None:
            payload = {**sample, "id": story_id}
            requests.post(f"{bare}/emit", timeout=30, json={"event": "story_approved", "payload": payload,
                                                            "namespaces": list(NAMESPACES)}).raise_for_status()

        for clients in levels:
            batch = [next(story_ids) for _ in range(approvals)]
            print(f"  {clients} clients: Backlot…", file=sys.stderr)
            mine = fan_out(approve, [ours], clients, batch)
            print(f"  {clients} clients: bare Flask-SocketIO…", file=sys.stderr)
            reference = fan_out(emit, [bare], clients, [10_000_000 + n for n in range(approvals)])
            rows.append((mine, reference))

    lines = [
        "### Fan-out beside a bare Flask-SocketIO app",
        "",
        f"A story approved ({approvals} approvals a level, one at a time) while websocket clients are connected "
        f"(a tenth on /display, the rest on /vote), beside bench/bare_socketio.py emitting the same `story_approved` "
        f"payload to the same namespaces; delay from the request sent to the event received, over every client.",
        "",
        "| Clients | Backlot p50 ms | p99 ms | max ms | lost | bare p50 ms | p99 ms | max ms | lost | "
        "p99 Backlot / bare | server cores, Backlot / bare | client cores, Backlot / bare |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    goals = []
    for mine, reference in rows:
        ratio = mine["p99"] / reference["p99"] if reference["p99"] else 0.0
        lines.append(f"| {mine['clients']} | {mine['p50']:.0f} | {mine['p99']:.0f} | {mine['max']:.0f} | "
                     f"{mine['lost']} | {reference['p50']:.0f} | {reference['p99']:.0f} | {reference['max']:.0f} | "
                     f"{reference['lost']} | {ratio:.2f}x | {mine['cores']['server']:.2f} / "
                     f"{reference['cores']['server']:.2f} | {mine['cores']['listeners']:.2f} / "
                     f"{reference['cores']['listeners']:.2f} |")
        if mine["clients"] == 1000:
            met = ratio <= GOAL_RATIO and mine["p99"] < GOAL_P99_MS and mine["lost"] == 0
            goals.append(f"{'met' if met else 'NOT met'} ({ratio:.2f}x the bare app, p99 {mine['p99']:.0f} ms, "
                         f"{mine['lost']} lost)")
    if goals:
        lines += ["", f"Goal at 1,000 clients (within {GOAL_RATIO}x of the bare app, p99 < {GOAL_P99_MS:.0f} ms, "
                  f"none lost): {goals[0]}."]
    lines += ["", "Server and client cores: the share of the 2 cores the server processes and the client "
              "processes used while the level ran. Besides `story_approved`, each approval moves the "
              "leaderboard, so Backlot also sends every display and phone a coalesced `leaderboard` event, "
              "which the bare app does not."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer clients and approvals, for a smoke run")
    parser.add_argument("--approvals", type=int, help="approvals per level")
    parser.add_argument("--levels", help="comma-separated client counts (default: 100,1000,2000)")
    args = parser.parse_args()
    levels = tuple(int(level) for level in args.levels.split(",")) if args.levels else None
    print(section(args.quick, args.approvals, levels))


if __name__ == "__main__":
    main()
