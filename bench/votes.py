"""Vote load on loopback: votes accepted per second under a target rate, and how soon the
displays show them, with hundreds of Socket.IO clients connected.

    .venv/bin/python bench/votes.py [--rate 1000] [--seconds 10] [--clients 500] [--stories 20]
                                    [--workers 64] [--database sqlite|postgresql://127.0.0.1/...]

Prepares its own instance in a temporary directory (migrate, seed, a kiosk, a moderator and a
gate account), starts `backlot serve` on a free port on 127.0.0.1 with the demo clock (round 1
open for stories and votes), then:
1. sends `--stories` stories through POST /api/v1/stories (kiosk token) and approves each
   through POST /api/v1/stories/<id>/approve (moderator token);
2. registers enough tickets for rate × seconds votes at 3 votes a ticket (inserted in bulk, as
   bench/checkin.py does it) and checks each in through POST /api/v1/checkins (gate token);
3. opens `--clients` python-socketio clients (websocket), a tenth on /display and the rest on
   /vote, in a child process of their own so that their threads do not share a GIL with the
   load;
4. offers POST /api/v1/votes at `--rate` a second for `--seconds` from `--workers` threads
   (each with its own requests.Session), every request with its own ticket/story pair; no
   request starts after the time limit, and each in flight is given at most 5 s more;
5. waits (at most 5 s) for every display to show the final count, and compares.

Display lag: the votes accepted (201) are ordered by the time their answer arrived; the k-th is
taken to be shown by the first `leaderboard` event whose entries add up to k votes or more, and
its lag is that event's arrival minus its acceptance (0 when the event came first). Prints
Markdown tables. Talks to 127.0.0.1 only; the server and the temporary directory go when it ends.
"""
from __future__ import annotations

import argparse
import bisect
import math
import multiprocessing
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import socketio

# The bench drives a real server the way the tests do (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import CpuShares, add_tickets, loopback_database, percentile  # noqa: E402
from tests.live import add_staff, backlot, server_environment, serving  # noqa: E402

VOTES_PER_TICKET = 3  # the round's default
REQUEST_TIMEOUT = 5.0  # the most a request may run past the time limit
SETTLE_SECONDS = 5.0  # the most we wait for the displays to show the final count
CONNECT_THREADS = 16
#: Clients per child process: each python-socketio client has its own threads (and one more per
#: message), and a broadcast wakes them all at once; hundreds in one process spend more CPU on
#: fighting for its GIL than on the messages (about 1 ms a message with 500, 0.3 ms with 50).
CLIENTS_PER_PROCESS = 100


def prepare_stories(base_url: str, kiosk: str, moderator: str, count: int) -> list[int]:
    """`count` stories sent as a kiosk does and approved one by one; their ids."""
    kiosk_session, moderator_session = requests.Session(), requests.Session()
    kiosk_session.headers["Authorization"] = f"Bearer {kiosk}"
    moderator_session.headers["Authorization"] = f"Bearer {moderator}"
    ids = []
    for number in range(count):
        answer = kiosk_session.post(f"{base_url}/api/v1/stories", timeout=30, json={
            "author": f"Bench {number}", "title": f"Bench story {number}", "logline": "A bench logline.",
            "beats": ["The setup.", "The turn.", "The ending."], "nonce": secrets.token_hex(12), "locale": "en"})
        answer.raise_for_status()
        story_id = answer.json()["id"]
        moderator_session.post(f"{base_url}/api/v1/stories/{story_id}/approve", timeout=30).raise_for_status()
        ids.append(story_id)
    return ids


def check_in_all(base_url: str, gate: str, codes: list[str], threads: int = 16, seconds: float = 90.0) -> tuple[list[str], Counter]:
    """Day entry for every code through the gate API; the codes that got `ok`, and all results."""
    queue = iter(codes)
    lock = threading.Lock()
    admitted: list[str] = []
    results: Counter = Counter()
    stop_at = time.monotonic() + seconds

    def scanner(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {gate}"
        while time.monotonic() < stop_at:
            with lock:
                code = next(queue, None)
            if code is None:
                return
            try:
                answer = session.post(f"{base_url}/api/v1/checkins", timeout=30,
                                      json={"scan": code, "gate": f"Bench gate {index % 4 + 1}", "session_id": None})
                result = answer.json()["result"] if answer.status_code == 200 else f"http_{answer.status_code}"
            except (requests.RequestException, ValueError):
                result = "error"
            with lock:
                results[result] += 1
                if result == "ok":
                    admitted.append(code)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(scanner, range(threads)))
    return admitted, results


# --- the listeners, in a child process -------------------------------------------------------

def board_total(board: dict | None) -> int:
    return sum(entry.get("votes", 0) for entry in (board or {}).get("entries", []))


def listen(base_url: str, first_display: int, displays: int, voters: int, control) -> None:
    """Child process: connect the clients, report ready, record `leaderboard` events until told
    to stop (with the count to wait for), then send back what each client saw."""
    clients: list[socketio.Client] = []
    display_events: list[list[tuple[float, int]]] = [[] for _ in range(displays)]
    vote_events: list[list[float]] = [[] for _ in range(voters)]
    failures: Counter = Counter()
    lock = threading.Lock()

    def connect(slot: int) -> None:
        # websocket-client checks every text frame's UTF-8 in pure Python (about 1 ms for a 3.5 KB
        # leaderboard): with hundreds of clients that check, not the server, would fill the cores.
        client = socketio.Client(reconnection=False, websocket_extra_options={"skip_utf8_validation": True})
        if slot < displays:
            namespace, seen = "/display", display_events[slot]

            @client.on("leaderboard", namespace=namespace)
            def _on_board(board):
                seen.append((time.monotonic(), board_total(board)))
            url = f"{base_url}?display=bench-{first_display + slot}"
        else:
            namespace, arrivals = "/vote", vote_events[slot - displays]

            @client.on("leaderboard", namespace=namespace)
            def _on_board(board):
                arrivals.append(time.monotonic())
            url = base_url
        try:
            client.connect(url, namespaces=[namespace], transports=["websocket"], wait_timeout=30)
        except Exception as error:  # noqa: BLE001 - counted and reported, the bench goes on
            with lock:
                failures[type(error).__name__] += 1
            return
        with lock:
            clients.append(client)

    started = time.monotonic()
    with ThreadPoolExecutor(CONNECT_THREADS) as pool:
        list(pool.map(connect, range(displays + voters)))
    control.send({"connected": len(clients), "failures": dict(failures), "seconds": time.monotonic() - started})

    expected = control.recv()  # the accepted count, once the load is over
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if all(seen and seen[-1][1] >= expected for seen in display_events):
            break
        time.sleep(0.05)
    time.sleep(0.3)  # one more coalescing interval: a late extra event would show up here
    with ThreadPoolExecutor(CONNECT_THREADS) as pool:
        list(pool.map(lambda client: client.disconnect(), list(clients)))
    control.send({"display_events": display_events, "vote_events": vote_events})


def start_listeners(base_url: str, displays: int, voters: int) -> list:
    """The clients spread over child processes, displays first; each with its control pipe."""
    context = multiprocessing.get_context("spawn")
    processes = max(1, math.ceil((displays + voters) / CLIENTS_PER_PROCESS))
    listeners, first = [], 0
    for index in range(processes):
        mine_d = displays // processes + (index < displays % processes)
        mine_v = voters // processes + (index < voters % processes)
        ours, theirs = context.Pipe()
        process = context.Process(target=listen, args=(base_url, first, mine_d, mine_v, theirs), daemon=True)
        process.start()
        listeners.append((process, ours))
        first += mine_d
    return listeners


def stop_listeners(listeners: list) -> None:
    for process, _pipe in listeners:
        process.join(10)
        if process.is_alive():
            process.kill()


# --- the load --------------------------------------------------------------------------------

def offer_votes(base_url: str, pairs: list[tuple[str, int]], rate: float, seconds: float, workers: int) -> dict:
    """POST /api/v1/votes on a schedule of `rate` a second until `seconds` pass (or the pairs run
    out); a worker behind schedule sends at once. Returns every request's outcome."""
    counter = iter(range(len(pairs)))
    lock = threading.Lock()
    outcomes: list[tuple[float, float, float, str]] = []  # (scheduled, sent, answered, outcome)
    start = time.monotonic() + 0.05
    stop_at = start + seconds

    def worker(_index: int) -> None:
        session = requests.Session()
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            scheduled = start + number / rate
            if scheduled >= stop_at:
                return
            pause = scheduled - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent = time.monotonic()
            if sent >= stop_at:
                return
            code, story_id = pairs[number]
            try:
                answer = session.post(f"{base_url}/api/v1/votes", json={"ticket_code": code, "story_id": story_id},
                                      timeout=REQUEST_TIMEOUT)
                if answer.status_code == 201:
                    outcome = "201"
                else:
                    try:
                        outcome = f"{answer.status_code} {answer.json()['error']['code']}"
                    except (ValueError, KeyError, TypeError):
                        outcome = f"{answer.status_code}"
            except requests.RequestException as error:
                outcome = f"error {type(error).__name__}"
            answered = time.monotonic()
            with lock:
                outcomes.append((scheduled, sent, answered, outcome))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    return {"start": start, "stop_at": stop_at, "outcomes": outcomes}


def display_lags(accepted: list[float], events: list[tuple[float, int]]) -> tuple[list[float], int, int]:
    """Per vote (k-th accepted), the delay until this display's first event counting k votes;
    also how many were never shown, and how many were shown before their 201 arrived."""
    events = sorted(events)
    running, times, totals = 0, [], []
    for arrival, total in events:  # the first event that reaches each total
        if total > running:
            running = total
            times.append(arrival)
            totals.append(total)
    lags, missing, early = [], 0, 0
    for k, accepted_at in enumerate(accepted, start=1):
        where = bisect.bisect_left(totals, k)
        if where == len(totals):
            missing += 1
            continue
        lag = times[where] - accepted_at
        early += lag < 0
        lags.append(max(lag, 0.0))
    return lags, missing, early


def per_client_rates(arrivals: list[float], start: float, end: float) -> tuple[float, int]:
    """Events a second over [start, end], and the most in any one whole second from start."""
    inside = [t for t in arrivals if start <= t <= end]
    buckets = Counter(int(t - start) for t in inside)
    return len(inside) / (end - start), max(buckets.values(), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="votes offered a second (target)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the load (hard limit)")
    parser.add_argument("--clients", type=int, default=500, help="Socket.IO clients (a tenth on /display)")
    parser.add_argument("--stories", type=int, default=20, help="approved stories in the round")
    parser.add_argument("--workers", type=int, default=64, help="threads sending votes")
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' (a fresh file) or an empty postgresql:// database on 127.0.0.1")
    args = parser.parse_args()
    if args.stories < VOTES_PER_TICKET:
        parser.error(f"--stories must be at least {VOTES_PER_TICKET}")
    database_url = loopback_database(args.database)
    displays = max(1, args.clients // 10)
    voters = args.clients - displays
    wanted = math.ceil(args.rate * args.seconds)
    ticket_count = math.ceil(wanted / VOTES_PER_TICKET)
    began = time.monotonic()
    load_before = Path("/proc/loadavg").read_text().split()[0]
    timings: dict[str, float] = {}

    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp:
        instance = Path(tmp)
        env = server_environment(instance, **({"DATABASE_URL": database_url} if database_url else {}))
        print("preparing instance…", file=sys.stderr)
        backlot(env, "db", "upgrade")
        backlot(env, "seed")
        kiosk = add_staff(env, "bench-kiosk@devices.local", "kiosk").token
        moderator = add_staff(env, "bench-moderator@example.org", "moderator").token
        gate = add_staff(env, "bench-gate@devices.local", "gate").token
        codes = add_tickets(env, ticket_count)
        timings["instance"] = time.monotonic() - began
        with serving(env, instance / "serve.log") as base_url:
            mark = time.monotonic()
            print(f"{args.stories} stories sent and approved…", file=sys.stderr)
            story_ids = prepare_stories(base_url, kiosk, moderator, args.stories)
            timings["stories"] = time.monotonic() - mark

            mark = time.monotonic()
            print(f"{ticket_count} tickets checked in…", file=sys.stderr)
            admitted, checkin_results = check_in_all(base_url, gate, codes)
            timings["checkins"] = time.monotonic() - mark
            # Every request its own pair: first votes of every ticket, then second, then third.
            pairs = [(code, story_ids[(number * VOTES_PER_TICKET + choice) % len(story_ids)])
                     for choice in range(VOTES_PER_TICKET) for number, code in enumerate(admitted)]

            mark = time.monotonic()
            print(f"{displays} /display and {voters} /vote clients connecting…", file=sys.stderr)
            listeners = start_listeners(base_url, displays, voters)
            connected = {"connected": 0, "failures": Counter(), "seconds": 0.0}
            for listener, pipe in listeners:
                if not pipe.poll(max(1.0, 120 - (time.monotonic() - mark))):
                    stop_listeners(listeners)
                    raise SystemExit("the Socket.IO clients did not connect within 120 s")
                ready = pipe.recv()
                connected["connected"] += ready["connected"]
                connected["failures"].update(ready["failures"])
            connected["seconds"] = timings["connect"] = time.monotonic() - mark

            print(f"offering {args.rate:.0f} votes/s for {args.seconds:.0f} s from {args.workers} threads…",
                  file=sys.stderr)
            shares = CpuShares({process.pid for process, _pipe in listeners})
            load = offer_votes(base_url, pairs, args.rate, args.seconds, args.workers)
            cores = shares.end()
            outcomes = load["outcomes"]
            accepted = sorted(answered for _s, _sent, answered, outcome in outcomes if outcome == "201")
            load_end = max((answered for _s, _sent, answered, _o in outcomes), default=load["stop_at"])

            mark = time.monotonic()
            seen = {"display_events": [], "vote_events": []}
            for _listener, pipe in listeners:
                pipe.send(len(accepted))
            for _listener, pipe in listeners:
                if pipe.poll(max(1.0, SETTLE_SECONDS + 60 - (time.monotonic() - mark))):
                    part = pipe.recv()
                    seen["display_events"] += part["display_events"]
                    seen["vote_events"] += part["vote_events"]
            stop_listeners(listeners)
            timings["settle"] = time.monotonic() - mark
            server_board = requests.get(f"{base_url}/api/v1/leaderboard", timeout=30).json()
    timings["total"] = time.monotonic() - began

    # --- figures ---
    start = load["start"]
    elapsed = load_end - start
    statuses = Counter(outcome for *_times, outcome in outcomes)
    latencies = [answered - sent for _s, sent, answered, _o in outcomes]
    behind = [sent - scheduled for scheduled, sent, _a, _o in outcomes]
    lags, missing, early, finals = [], 0, 0, []
    for events in seen["display_events"]:
        mine, lost, first = display_lags(accepted, events)
        lags.extend(mine)
        missing += lost
        early += first
        finals.append(max((total for _t, total in events), default=0))
    window_end = load_end + 0.5
    display_rates = [per_client_rates([t for t, _total in events], start, window_end)
                     for events in seen["display_events"]]
    vote_rates = [per_client_rates(arrivals, start, window_end) for arrivals in seen["vote_events"]]
    server_total = board_total(server_board)

    database = "SQLite" if not database_url else "PostgreSQL"
    print(f"\nVote load: `backlot serve` (eventlet, one worker) on 127.0.0.1, {database}, {os.cpu_count()} CPU "
          f"cores, Python {sys.version.split()[0]}; {len(story_ids)} approved stories, {len(admitted)} tickets "
          f"checked in, {connected['connected']} Socket.IO clients ({displays} /display, {voters} /vote), "
          f"{args.workers} sending threads.\n")
    print("| Target votes/s | Seconds | Sent | Sent/s | Accepted (201) | Accepted/s | POST p50 ms | POST p99 ms "
          "| Sent behind schedule p50 ms | Results |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    results = ", ".join(f"{name}: {count}" for name, count in sorted(statuses.items()))
    print(f"| {args.rate:.0f} | {args.seconds:.0f} | {len(outcomes)} | {len(outcomes) / args.seconds:.0f} | "
          f"{len(accepted)} | {len(accepted) / elapsed if elapsed > 0 else 0:.0f} | {percentile(latencies, 0.5):.1f} | "
          f"{percentile(latencies, 0.99):.1f} | {percentile(behind, 0.5):.0f} | {results} |")

    print("\n| Displays | vote accepted → display p50 ms | p99 ms | max ms | Shown before the 201 | Never shown "
          "| Displays with final = accepted | Server's total |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    exact = sum(final == len(accepted) for final in finals)
    print(f"| {len(finals)} | {percentile(lags, 0.5):.0f} | {percentile(lags, 0.99):.0f} | "
          f"{max(lags, default=0) * 1000:.0f} | {early} | {missing} | {exact} of {len(finals)} | {server_total} |")

    print("\n| Clients | `leaderboard` events/s per client (mean) | max in one second, any client |")
    print("|---|---:|---:|")
    for name, rates in (("/display", display_rates), ("/vote", vote_rates)):
        mean = sum(rate for rate, _peak in rates) / len(rates) if rates else 0.0
        print(f"| {len(rates)} on {name} | {mean:.2f} | {max((peak for _r, peak in rates), default=0)} |")

    print(f"\nCores used during the load (of {os.cpu_count()}): server {cores['server']:.2f}, Socket.IO clients "
          f"{cores['listeners']:.2f}, vote senders {cores['bench']:.2f}, everything else on the machine "
          f"{cores['others']:.2f}; load average before the run {load_before}.")
    failures = ", ".join(f"{name} {count}" for name, count in connected["failures"].items()) or "none"
    checkins = ", ".join(f"{name} {count}" for name, count in sorted(checkin_results.items()))
    print(f"\nSetup: instance {timings['instance']:.1f} s, stories {timings['stories']:.1f} s, "
          f"{len(codes)} check-ins {timings['checkins']:.1f} s ({checkins}), {connected['connected']} clients "
          f"connected in {connected['seconds']:.1f} s (failures: {failures}); settle {timings['settle']:.1f} s; "
          f"total {timings['total']:.0f} s.")


if __name__ == "__main__":
    main()
