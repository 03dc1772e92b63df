"""The day replay: a peak exhibition day on Backlot, replayed faster than real time.

    .venv/bin/python bench/replay.py [--quick | --full] [--speed 10] [--clients 2000]
                                     [--configuration both|sqlite|postgresql]

The day (14 June 2026, doors 10:00–20:00 Asia/Shanghai, the seeded My Story rounds 1–4):
10,000 visitors registered (9,000 before the day, inserted in bulk as bench/common.py does;
1,000 on the day, walk-ups registering on their phones at the door through POST
/api/v1/registrations, some with companions); 88 % of the pre-registered come, most in an
opening queue and a lunch peak, and queue at 8 gates (a scan every 3.5–6.5 s per gate) that
scan them in through POST /api/v1/checkins, each gate with its own token (a few scan a
ticket twice, a few go out for lunch and come back); 6 kiosks send 300 stories over the four
rounds (a third with a drawn frame) and one moderator approves or rejects each a minute or so
later; 20,000 votes, 5,000 a round, from phones (1–3 votes a visitor, for stories approved by
then) in bursts: steady voting, the host's first call 20 minutes into a round and the last
call before it closes. The moderator opens and closes the rounds through the staff API at the
seeded times. 2,000 Socket.IO clients stay connected: public displays on /display and phones
on /vote.

The whole day replays at --speed times real time (10: a second of the day in 0.1 s), but a
10-hour day is an hour at 10x, so by default only the day's busiest 30 minutes are replayed,
with exactly the events the whole day has in them, and everything before them (registrations,
check-ins, stories, decisions, votes) is written into the database through the app's models
first. --full replays the whole day; --quick the busiest 2 minutes of that window with 200
clients (a smoke run). Two configurations: one `backlot serve` on SQLite, and two on
PostgreSQL with Redis between them (requests alternate, the clients are split).

Measured: errors (5xx, connection errors, "database is locked" in the server log), answers
that differ from what the timeline expects, writes answered 2xx but missing from the database
afterwards (every registration, scan, story, decision and vote is looked up), and display lag:
from a vote's 201 (or an approval's 200) to each client receiving the `leaderboard` (or
`story_approved`) event that shows it. Talks to 127.0.0.1 only; temporary directories, the
PostgreSQL database and the servers go when it ends.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import heapq
import io
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, redirect_stderr
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

# The bench drives a real server the way the tests do (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import CpuShares, add_tickets, percentile  # noqa: E402
from tests.live import server_environment, serving  # noqa: E402

# --- the day ------------------------------------------------------------------------------

EVENT_TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-06-14"
DAY_START = datetime(2026, 6, 14, 10, 0, tzinfo=EVENT_TZ)  # doors open; t = 0
DAY_SECONDS = 10 * 3600  # doors close at 20:00
#: The seeded rounds of 14 June (seed/programme.toml), in seconds from 10:00; checked at setup.
ROUNDS = (("round-1", 0, 7200), ("round-2", 9000, 16200), ("round-3", 18000, 25200), ("round-4", 27000, 34200))
VISITORS = 10_000
PRE_REGISTERED = 9_000
SHOW_RATE = 0.88  # of the pre-registered; walk-ups all come
OPENING_QUEUE = 1_400  # waiting at the doors at 10:00
#: Arrivals per half hour from 10:00 (relative): after the opening queue, a lunch peak.
ARRIVALS = (18, 12, 10, 9, 11, 14, 14, 10, 8, 7, 7, 6, 5, 4, 4, 3, 2, 1, 0, 0)
GATES = 8
SCAN_SECONDS = (3.5, 6.5)  # a gate's time per visitor
REPEAT_SCAN = 0.02  # scanned twice at the gate
LUNCH_OUT = 0.04  # of those in before 11:45: out for lunch, back later
KIOSKS = 6
STORIES_PER_ROUND = 75
FRAME_SHARE = 1 / 3
APPROVE_SHARE = 0.88
VOTES_PER_ROUND = 5_000
VOTES_PER_VISITOR = ((1, 0.3), (2, 0.3), (3, 0.4))
#: Peak window and quick window (seconds of the day).
WINDOW = 30 * 60
QUICK_WINDOW = 2 * 60

# --- the run ------------------------------------------------------------------------------

SPEED = 10.0
CLIENTS = 2_000
QUICK_CLIENTS = 200
DISPLAY_SHARE = 0.025  # 50 of 2,000 on /display, the rest phones on /vote
#: Clients whose every `leaderboard` is decoded for the vote lag (all displays, this many phones).
MEASURED_PHONES = 50
#: Clients per child process: the clients are asyncio websockets (see `listen`), far cheaper
#: than python-socketio's threaded client (0.3–1 ms a message: 2,000 clients at 4 boards a
#: second would need more cores than the machine has).
CLIENTS_PER_PROCESS = 250
CONNECTS_AT_ONCE = 16  # per child process
VOTE_SENDERS = 32
REGISTRATION_SENDERS = 4
REQUEST_TIMEOUT = 10.0
DEPENDENCY_WAIT = 10.0  # most a request waits (real seconds) for the answer it needs
SETTLE_SECONDS = 5.0
START_DELAY = 1.0
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
LOG_PROBLEMS = re.compile(r"database is locked|Traceback|\b(?:ERROR|CRITICAL)\b|\" 5\d\d ")
LOG_NOISE = re.compile(r"socket shutdown error|Bad file descriptor")


@dataclass(frozen=True)
class Event:
    t: float  # seconds from 10:00
    kind: str  # register, scan, story, approve, reject, open, close, vote
    lane: int  # gate or kiosk number (0 for the shared lanes)
    ref: tuple  # see build_day


@dataclass
class StoryPlan:
    round_index: int
    kiosk: int
    sent: float
    decided: float
    approve: bool
    frame: bool
    author_visitor: int | None
    locale: str
    title: str
    logline: str
    beats: list[str]


@dataclass
class DayPlan:
    events: list[Event]
    groups: list[list[int]]  # walk-up registrations: visitor ids, the first registers
    group_of: dict[int, int]
    stories: list[StoryPlan]
    entry_at: dict[int, float]  # visitor → first entry scan
    counts: Counter = field(default_factory=Counter)


def _seconds_from(rng: random.Random, weights: tuple, low: float = 0.0) -> float:
    """A moment of the day drawn from the half-hourly arrival profile, not before `low`."""
    while True:
        slot = rng.choices(range(len(weights)), weights=weights)[0]
        moment = (slot + rng.random()) * 1800
        if moment >= low:
            return moment


WORDS_EN = ("lantern", "tram", "rooftop", "signal", "reel", "harbour", "bicycle", "letter", "window", "clock",
            "rain", "neon", "ferry", "tape", "echo", "garden", "mirror", "night", "map", "camera")
WORDS_ZH = ("灯笼", "电车", "屋顶", "信号", "胶片", "码头", "单车", "来信", "窗口", "钟声",
            "雨夜", "霓虹", "渡轮", "磁带", "回声", "花园", "镜子", "夜班", "地图", "镜头")


def _story_text(rng: random.Random, locale: str, beats: int) -> tuple[str, str, list[str]]:
    words = WORDS_ZH if locale == "zh" else WORDS_EN
    a, b = rng.sample(words, 2)
    if locale == "zh":
        return (f"{a}与{b}", f"一个关于{a}和{b}的故事，在外滩的一个夜晚。",
                [f"第{n + 1}幕：{rng.choice(words)}出现了，{rng.choice(words)}也跟着来了。" for n in range(beats)])
    return (f"The {a} and the {b}", f"A {a} finds a {b} on the Bund one evening.",
            [f"Beat {n + 1}: the {rng.choice(words)} meets the {rng.choice(words)}." for n in range(beats)])


def build_day(beat_counts: tuple[int, ...] = (3, 4, 3, 5), seed: int = 14) -> DayPlan:
    """The whole day's requests, in time order (deterministic for a seed)."""
    rng = random.Random(seed)
    events: list[Event] = []

    # Visitors: 0..PRE_REGISTERED-1 registered before the day; the rest walk up and register.
    pre_coming = rng.sample(range(PRE_REGISTERED), round(PRE_REGISTERED * SHOW_RATE))
    arrivals: list[tuple[float, int]] = []
    for number, visitor in enumerate(pre_coming):
        arrivals.append((0.0 if number < OPENING_QUEUE else _seconds_from(rng, ARRIVALS), visitor))
    groups: list[list[int]] = []
    visitor = PRE_REGISTERED
    while visitor < VISITORS:
        size = min(rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0], VISITORS - visitor)
        members = list(range(visitor, visitor + size))
        visitor += size
        arrive = _seconds_from(rng, ARRIVALS, low=900)
        registered = max(60.0, arrive - rng.uniform(90, 600))
        events.append(Event(registered, "register", 0, (len(groups),)))
        groups.append(members)
        arrivals.extend((arrive + 0.5 * n, member) for n, member in enumerate(members))
    group_of = {member: number for number, members in enumerate(groups) for member in members}

    # The gates: the queue goes to whichever gate is free first.
    arrivals.sort()
    free = [(0.0, gate) for gate in range(GATES)]
    entry_at: dict[int, float] = {}
    for arrive, visitor in arrivals:
        ready, gate = heapq.heappop(free)
        start = max(arrive, ready)
        scan = start + rng.uniform(1.0, 2.5)
        busy = rng.uniform(*SCAN_SECONDS)
        events.append(Event(scan, "scan", gate, (visitor, "in", "ok", "entry")))
        entry_at[visitor] = scan
        if rng.random() < REPEAT_SCAN:
            events.append(Event(scan + rng.uniform(1.0, 2.0), "scan", gate,
                                (visitor, "in", "already_checked_in", "repeat")))
            busy += 2.5
        heapq.heappush(free, (start + busy, gate))
    for visitor, scan in list(entry_at.items()):
        if scan < 6300 and rng.random() < LUNCH_OUT:  # in before 11:45
            out = rng.uniform(7200, 11700)
            back = out + rng.uniform(1800, 4500)
            events.append(Event(out, "scan", rng.randrange(GATES), (visitor, "out", "ok", "exit")))
            if back < 28800:
                events.append(Event(back, "scan", rng.randrange(GATES), (visitor, "in", "ok", "re-entry")))
    inside = sorted((scan, visitor) for visitor, scan in entry_at.items())
    inside_times = [scan for scan, _visitor in inside]

    # Stories: each kiosk takes one visitor after another (writing takes 6–11 minutes).
    stories: list[StoryPlan] = []
    for round_index, (_key, opens, closes) in enumerate(ROUNDS):
        sends = []
        for kiosk in range(KIOSKS):
            moment = opens + rng.uniform(180, 480)
            while moment < closes - 60:
                sends.append((moment, kiosk))
                moment += rng.uniform(360, 660)
        while len(sends) < STORIES_PER_ROUND:
            sends.append((rng.uniform(opens + 300, closes - 60), rng.randrange(KIOSKS)))
        sends = sorted(rng.sample(sends, STORIES_PER_ROUND))
        decided_last = opens
        for sent, kiosk in sends:
            decided = max(sent + rng.uniform(20, 90), decided_last + rng.uniform(8, 30))
            decided_last = decided
            locale = "zh" if rng.random() < 0.6 else "en"
            title, logline, beats = _story_text(rng, locale, beat_counts[round_index])
            known = bisect.bisect_left(inside_times, sent - 120)
            author = inside[rng.randrange(known)][1] if known and rng.random() < 0.5 else None
            if author is not None and author >= PRE_REGISTERED:
                author = None  # a walk-up's code is only known once its registration is answered
            stories.append(StoryPlan(round_index, kiosk, sent, decided, rng.random() < APPROVE_SHARE,
                                     rng.random() < FRAME_SHARE, author, locale, title, logline, beats))
    for index, story in enumerate(stories):
        events.append(Event(story.sent, "story", story.kiosk, (index,)))
        events.append(Event(story.decided, "approve" if story.approve else "reject", 0, (index,)))
    for round_index, (_key, opens, closes) in enumerate(ROUNDS):
        events.append(Event(opens, "open", 0, (round_index,)))
        events.append(Event(closes, "close", 0, (round_index,)))

    # Votes: steady voting, the host's first call 20 minutes in, the last call before the close.
    for round_index, (_key, opens, closes) in enumerate(ROUNDS):
        approved = sorted((story.decided, index) for index, story in enumerate(stories)
                          if story.round_index == round_index and story.approve)
        popularity = {index: rng.lognormvariate(0, 0.8) for _decided, index in approved}
        first = approved[0][0] + 60
        voted: set[int] = set()
        cast = 0
        while cast < VOTES_PER_ROUND:
            kind = rng.random()
            if kind < 0.3:
                start = rng.uniform(first, closes - 40)
            elif kind < 0.6:
                start = opens + 1200 + rng.expovariate(1 / 180)
            else:
                start = closes - 900 + 900 * math.sqrt(rng.random()) - 40
            if not first <= start <= closes - 40:
                continue
            known = bisect.bisect_left(inside_times, start - 60)
            if not known:
                continue
            voter = inside[rng.randrange(known)][1]
            if voter in voted:
                continue
            choices = [index for decided, index in approved if decided <= start - 20]
            if not choices:
                continue
            wanted = min(rng.choices(*zip(*VOTES_PER_VISITOR))[0], len(choices), VOTES_PER_ROUND - cast)
            picked: list[int] = []
            while len(picked) < wanted:
                index = rng.choices(choices, weights=[popularity[c] for c in choices])[0]
                if index not in picked:
                    picked.append(index)
            voted.add(voter)
            moment = start
            for index in picked:
                events.append(Event(min(moment, closes - 5), "vote", 0, (voter, index)))
                moment += rng.uniform(3, 12)
            cast += len(picked)
    events.sort(key=lambda event: (event.t, event.kind))
    return DayPlan(events, groups, group_of, stories, entry_at)


def busiest_window(events: list[Event], length: float, within: tuple[float, float] = (0, DAY_SECONDS)) -> float:
    """The start (a whole minute) of the `length` seconds with the most requests."""
    per_minute = Counter(int(event.t // 60) for event in events)
    first, last = int(within[0] // 60), int((within[1] - length) // 60)
    span = int(length // 60)
    best = max(range(first, last + 1), key=lambda m: (sum(per_minute[m + k] for k in range(span)), -m))
    return best * 60.0


def event_counts(day: DayPlan, events: list[Event]) -> dict:
    """What a stretch of the timeline holds, as the section's table counts it."""
    kinds = Counter(event.kind for event in events)
    scans = Counter(event.ref[3] for event in events if event.kind == "scan")
    visitors = sum(len(day.groups[event.ref[0]]) for event in events if event.kind == "register")
    return {"registrations": kinds["register"], "walk-up visitors": visitors,
            "entries": scans["entry"], "repeat scans": scans["repeat"], "exits for lunch": scans["exit"],
            "re-entries": scans["re-entry"], "stories": kinds["story"], "approvals": kinds["approve"],
            "rejections": kinds["reject"], "round changes": kinds["open"] + kinds["close"], "votes": kinds["vote"],
            "requests": len(events)}


def clock_at(t: float) -> datetime:
    return DAY_START + timedelta(seconds=t)


def wall(t: float) -> str:
    return clock_at(t).strftime("%H:%M:%S" if t % 60 else "%H:%M")


# --- the clients (child processes) -----------------------------------------------------------

class _Client:
    """One Socket.IO client over a bare websocket (Engine.IO 4 / Socket.IO 5 text frames)."""

    __slots__ = ("namespace", "measured", "connected", "failed", "dropped", "seen", "approved", "last_board",
                 "events", "bytes")

    def __init__(self, namespace: str, measured: bool):
        self.namespace = namespace
        self.measured = measured
        self.connected = False
        self.failed: str | None = None
        self.dropped: str | None = None  # the connection ended during the run
        #: measured clients: (round, story) → when each count (index + 1) was first shown.
        self.seen: dict[tuple[int, int], array] = {}
        self.approved: dict[int, float] = {}
        self.last_board: tuple[float, str] | None = None
        self.events = 0
        self.bytes = 0

    def board(self, arrival: float, board: dict) -> None:
        round_id = (board.get("round") or {}).get("id")
        for entry in board.get("entries") or []:
            times = self.seen.setdefault((round_id, entry["story_id"]), array("d"))
            while len(times) < entry.get("votes", 0):
                times.append(arrival)


def _board_counts(board: dict | None) -> tuple[int | None, dict[int, int]]:
    if not board:
        return None, {}
    return (board.get("round") or {}).get("id"), {e["story_id"]: e.get("votes", 0) for e in board.get("entries") or []}


async def _run_client(client: _Client, host: str, port: int, query: str, ready: asyncio.Event) -> None:
    """Connect, join the namespace, answer pings and record what arrives, until cancelled."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import CloseConnection, Ping, RejectConnection, Request, TextMessage

    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        ws = WSConnection(ConnectionType.CLIENT)
        writer.write(ws.send(Request(host=f"{host}:{port}",
                                     target=f"/socket.io/?EIO=4&transport=websocket{query}")))
        prefix = f"42{client.namespace},"
        joined, refused = f"40{client.namespace},", f"44{client.namespace},"
        board_prefix, story_prefix = prefix + '["leaderboard",', prefix + '["story_approved",'
        state_prefix = prefix + '["state",'
        parts: list[str] = []
        while True:
            data = await reader.read(1 << 18)
            arrival = time.monotonic()
            if not data:
                raise ConnectionResetError("closed by the server")
            client.bytes += len(data)
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    if not event.message_finished:
                        continue
                    text = "".join(parts)
                    parts.clear()
                    if text.startswith(board_prefix):
                        client.events += 1
                        client.last_board = (arrival, text)
                        if client.measured:
                            client.board(arrival, json.loads(text[len(prefix):])[1])
                    elif text == "2":  # Engine.IO ping
                        writer.write(ws.send(TextMessage(data="3")))
                    elif text.startswith(story_prefix):
                        client.events += 1
                        client.approved.setdefault(json.loads(text[len(prefix):])[1]["id"], arrival)
                    elif text.startswith(state_prefix):
                        board = json.loads(text[len(prefix):])[1].get("leaderboard")
                        if board:
                            client.last_board = (arrival, prefix + json.dumps(["leaderboard", board]))
                            if client.measured:
                                client.board(arrival, board)
                    elif text.startswith("0"):  # Engine.IO open: join the namespace
                        writer.write(ws.send(TextMessage(data=joined)))
                    elif text.startswith(joined):
                        client.connected = True
                        ready.set()
                    elif text.startswith(refused):
                        raise ConnectionRefusedError("namespace refused")
                elif isinstance(event, Ping):
                    writer.write(ws.send(event.response()))
                elif isinstance(event, RejectConnection):
                    raise ConnectionRefusedError(f"websocket refused ({event.status_code})")
                elif isinstance(event, CloseConnection):
                    raise ConnectionResetError("closed by the server")
    except asyncio.CancelledError:
        pass
    except (OSError, ValueError) as error:  # ConnectionError is an OSError
        if not client.connected:
            client.failed = type(error).__name__
        else:
            client.dropped = type(error).__name__
    finally:
        ready.set()
        if writer is not None:
            writer.close()


def _histogram(values: list[float]) -> Counter:
    return Counter(int(value * 1000) for value in values)


def _lags(clients: list[_Client], final: dict) -> dict:
    """Per group of clients: vote and approval lags as millisecond histograms, and counts."""
    accepted: dict[tuple[int, int], list[float]] = final["votes"]
    base: dict[tuple[int, int], int] = final["base"]
    approvals: dict[int, float] = final["approvals"]
    final_boards: dict[int, dict[int, int]] = final["boards"]
    shown_round = final["shown_round"]
    out = {"clients": len(clients), "connected": 0, "failures": Counter(), "measured": 0, "vote_lags": Counter(),
           "vote_never": 0, "vote_early": 0, "approval_lags": Counter(), "approval_never": 0, "approval_early": 0,
           "final_ok": 0, "dropped": 0, "events": 0, "bytes": 0}
    for client in clients:
        if not client.connected:
            out["failures"][client.failed or "unknown"] += 1
            continue
        out["connected"] += 1
        out["dropped"] += client.dropped is not None
        out["events"] += client.events
        out["bytes"] += client.bytes
        for story_id, answered in approvals.items():
            arrival = client.approved.get(story_id)
            if arrival is None:
                out["approval_never"] += 1
                continue
            out["approval_early"] += arrival < answered
            out["approval_lags"][int(max(arrival - answered, 0.0) * 1000)] += 1
        if client.last_board is not None:
            round_id, counts = _board_counts(json.loads(client.last_board[1][len(f"42{client.namespace},"):])[1])
            out["final_ok"] += round_id == shown_round and counts == final_boards.get(round_id)
        if not client.measured:
            continue
        out["measured"] += 1
        for key, answers in accepted.items():
            times = client.seen.get(key, ())
            offset = base.get(key, 0)
            for number, answered in enumerate(answers, start=1):
                if len(times) < offset + number:
                    out["vote_never"] += 1
                    continue
                lag = times[offset + number - 1] - answered
                out["vote_early"] += lag < 0
                out["vote_lags"][int(max(lag, 0.0) * 1000)] += 1
    return out


def listen(targets: list[tuple[str, int, str, str, bool]], control) -> None:
    """Child process: connect the clients (host, port, namespace, query, measured), report,
    keep them until told the final state, wait for it on every client, send back the lags."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
        clients = [_Client(namespace, measured) for _h, _p, namespace, _q, measured in targets]
        tasks = []

        async def start(client: _Client, host: str, port: int, query: str) -> None:
            async with gate:
                ready = asyncio.Event()
                tasks.append(asyncio.ensure_future(_run_client(client, host, port, query, ready)))
                try:
                    await asyncio.wait_for(ready.wait(), 30)
                except asyncio.TimeoutError:
                    client.failed = client.failed or "ConnectTimeout"

        began = time.monotonic()
        await asyncio.gather(*(start(client, host, port, query)
                               for client, (host, port, _n, query, _m) in zip(clients, targets)))
        control.send({"connected": sum(c.connected for c in clients), "seconds": time.monotonic() - began,
                      "failures": Counter(c.failed or "unknown" for c in clients if not c.connected)})
        final = await loop.run_in_executor(None, control.recv)
        deadline = time.monotonic() + SETTLE_SECONDS
        shown = final["shown_round"]
        wanted = (shown, final["boards"].get(shown))
        parsed: dict[int, tuple] = {}

        def settled(client: _Client) -> bool:
            if not client.connected or client.dropped:
                return True
            if client.last_board is None:
                return False
            key = id(client.last_board)
            if key not in parsed:
                parsed[key] = _board_counts(json.loads(client.last_board[1][len(f"42{client.namespace},"):])[1])
            return parsed[key] == wanted

        while time.monotonic() < deadline and not all(settled(client) for client in clients):
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        groups = {"display": [c for c in clients if c.namespace == "/display"],
                  "vote": [c for c in clients if c.namespace == "/vote"]}
        control.send({name: _lags(members, final) for name, members in groups.items()})

    asyncio.run(main())


def start_listeners(bases: list[str], clients: int) -> tuple[list, dict]:
    """The clients over child processes (displays and phones alternate between the servers)."""
    displays = max(1, round(clients * DISPLAY_SHARE))
    phones = clients - displays
    every = max(1, phones // MEASURED_PHONES)
    targets = []
    for number in range(clients):
        base = bases[number % len(bases)]
        host, port = base.removeprefix("http://").split(":")
        if number < displays:
            targets.append((host, int(port), "/display", f"&display=replay-{number}", True))
        else:
            targets.append((host, int(port), "/vote", "", (number - displays) % every == 0))
    context = multiprocessing.get_context("spawn")
    processes = max(1, math.ceil(clients / CLIENTS_PER_PROCESS))
    listeners = []
    for index in range(processes):
        ours, theirs = context.Pipe()
        process = context.Process(target=listen, args=(targets[index::processes], theirs), daemon=True)
        process.start()
        listeners.append((process, ours))
    return listeners, {"displays": displays, "phones": phones,
                       "measured_phones": sum(1 for t in targets if t[2] == "/vote" and t[4])}


def stop_listeners(listeners: list) -> None:
    for process, _pipe in listeners:
        process.join(10)
        if process.is_alive():
            process.kill()


# --- setup -------------------------------------------------------------------------------------

def _app_environment(env: dict) -> dict:
    """The servers' settings for an app made in this process: same database, no message queue."""
    return {k: v for k, v in env.items() if not k.startswith("SOCKETIO_")}


def _app(env: dict):
    os.environ.update({k: v for k, v in env.items() if k.startswith("BACKLOT_")})
    from app.factory import create_app

    return create_app(environ=_app_environment(env))


def prepare(env: dict, day: DayPlan, window: tuple[float, float], run: str) -> dict:
    """The database (`backlot db upgrade` and `backlot seed`, in this process), accounts, the
    day's registrations and everything of the day before the window."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from seed.loader import DEFAULT_PROGRAMME, load_programme

    from app.challenge.models import Ballot, ChallengeRound, Story, StoryFrame, Vote
    from app.checkin.models import DAY_ENTRY, Presence, Scan
    from app.extensions import db
    from app.schedule.models import ExhibitionDay
    from app.staff import services as staff_services
    from app.tickets.models import Ticket

    app = _app(env)
    with app.app_context(), redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()
        load_programme(DEFAULT_PROGRAMME)
        db.session.remove()
        db.engine.dispose()
    w0 = window[0]
    before = [event for event in day.events if event.t < w0]
    early_groups = [event.ref[0] for event in before if event.kind == "register"]
    early_visitors = [member for group in early_groups for member in day.groups[group]]
    codes_list = add_tickets(_app_environment(env), PRE_REGISTERED + len(early_visitors))
    codes = dict(zip(list(range(PRE_REGISTERED)) + early_visitors, codes_list))

    with app.app_context():
        tokens = {}
        for role, count in (("gate", GATES), ("kiosk", KIOSKS), ("moderator", 1)):
            for number in range(count):
                email = f"replay-{role}-{number + 1}@{'devices.local' if role != 'moderator' else 'example.org'}"
                tokens[(role, number)] = staff_services.add_staff(email, role, name=f"{role} {number + 1}")
        ids = {key: credentials.member.id for key, credentials in tokens.items()}
        day_row = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == DAY_START.date())).one()
        if (day_row.opens_at != clock_at(0) or day_row.closes_at != clock_at(DAY_SECONDS)):
            raise SystemExit(f"the seed's 14 June is not 10:00–20:00: {day_row.opens_at}–{day_row.closes_at}")
        rounds = []
        for key, opens, closes in ROUNDS:
            found = db.session.scalars(select(ChallengeRound).where(ChallengeRound.key == key)).one()
            if (found.starts_at, found.ends_at) != (clock_at(opens), clock_at(closes)):
                raise SystemExit(f"the seed's {key} is not {wall(opens)}–{wall(closes)}")
            rounds.append((found.id, found.beat_count))
        # The day sold out at 10,000: the walk-ups still to come take the last places.
        day_row.entry_capacity = VISITORS
        ticket_ids = dict(db.session.execute(select(Ticket.code, Ticket.id)).all())
        visitor_ticket = {visitor: ticket_ids[code] for visitor, code in codes.items()}
        db.session.commit()

        # Everything of the day before the window, as the app would have written it.
        preloaded = Counter()
        story_ids: dict[int, int] = {}
        base_votes: Counter = Counter()
        if before:
            frame_png = base64.b64decode(_frame().removeprefix("data:image/png;base64,"))
            presence: dict[int, dict] = {}
            scans = []
            for number, event in enumerate(day.events):
                if event.t >= w0:
                    break
                if event.kind != "scan":
                    continue
                visitor, direction, result, _why = event.ref
                moment, gate = clock_at(event.t), f"Gate {event.lane + 1}"
                row = presence.get(visitor)
                if direction == "in" and result == "ok":
                    if row is None:
                        presence[visitor] = row = {"ticket_id": visitor_ticket[visitor], "day_id": day_row.id,
                                                   "slot_id": DAY_ENTRY, "inside": True, "first_checked_in_at": moment,
                                                   "first_gate": gate, "last_in_at": moment, "last_out_at": None}
                    row.update(inside=True, last_in_at=moment)
                elif direction == "out":
                    row.update(inside=False, last_out_at=moment)
                first = presence[visitor]
                scans.append({"nonce": f"{run}-scan-{number}", "ticket_id": visitor_ticket[visitor],
                              "day_id": day_row.id, "slot_id": None, "gate": gate, "direction": direction,
                              "result": result, "scanned_at": moment, "received_at": moment,
                              "staff_member_id": ids[("gate", event.lane)],
                              "answer": {"result": result, "attendee": {"name": f"Visitor {visitor}"},
                                         "checked_in_at": moment.isoformat() if result == "ok" else None,
                                         "first_checked_in_at": first["first_checked_in_at"].isoformat(),
                                         "first_gate": first["first_gate"]}})
            if presence:
                db.session.execute(Presence.__table__.insert(), list(presence.values()))
                db.session.execute(Scan.__table__.insert(), scans)
                day_row.inside_now = sum(row["inside"] for row in presence.values())
            preloaded["entries"] = len(presence)
            preloaded["scans"] = len(scans)
            story_rows = {}
            for event in before:
                if event.kind != "story":
                    continue
                index = event.ref[0]
                plan = day.stories[index]
                decided = plan.decided < w0
                status = ("approved" if plan.approve else "rejected") if decided else "pending"
                story = Story(round_id=rounds[plan.round_index][0], nonce=f"{run}-story-{index}",
                              kiosk_id=ids[("kiosk", plan.kiosk)],
                              ticket_id=visitor_ticket.get(plan.author_visitor), locale=plan.locale,
                              author=f"Visitor {index}", title=plan.title, logline=plan.logline, beats=plan.beats,
                              status=status, flagged_terms=[], frame_count=int(plan.frame),
                              moderated_by_id=ids[("moderator", 0)] if decided else None,
                              moderated_at=clock_at(plan.decided) if decided else None,
                              approved_at=clock_at(plan.decided) if decided and plan.approve else None,
                              created_at=clock_at(plan.sent), answer={})
                if plan.frame:
                    story.frames.append(StoryFrame(beat=0, png=frame_png, width=800, height=450))
                story_rows[index] = story
                db.session.add(story)
            db.session.flush()
            for index, story in story_rows.items():
                story.answer = {"id": story.id, "round_id": story.round_id, "status": "pending"}
                story_ids[index] = story.id
            preloaded["stories"] = len(story_rows)
            preloaded["decisions"] = sum(1 for event in before if event.kind in ("approve", "reject"))
            votes, ballots = [], Counter()
            for event in before:
                if event.kind != "vote":
                    continue
                visitor, index = event.ref
                round_id = rounds[day.stories[index].round_index][0]
                votes.append({"round_id": round_id, "story_id": story_ids[index],
                              "ticket_id": visitor_ticket[visitor], "created_at": clock_at(event.t)})
                ballots[(round_id, visitor_ticket[visitor])] += 1
                base_votes[(round_id, story_ids[index])] += 1
            if votes:
                db.session.execute(Vote.__table__.insert(), votes)
                db.session.execute(Ballot.__table__.insert(), [{"round_id": r, "ticket_id": t, "used": used}
                                                               for (r, t), used in ballots.items()])
            preloaded["votes"] = len(votes)
            db.session.commit()
        last_vote = db.session.scalar(select(func.max(Vote.id))) or 0
        db.session.remove()
        db.engine.dispose()
    story_rounds = {story_ids[index]: rounds[day.stories[index].round_index][0] for index in story_ids}
    return {"codes": codes, "story_ids": story_ids, "story_rounds": story_rounds, "rounds": rounds,
            "base_votes": base_votes,
            "tokens": {key: credentials.token for key, credentials in tokens.items()},
            "preloaded": preloaded, "last_vote_id": last_vote, "preloaded_tickets": len(codes_list)}


_FRAME: str | None = None


def _frame() -> str:
    """The kiosk's drawn 800×450 frame as a data URL (bench/mystory.py draws it)."""
    global _FRAME
    if _FRAME is None:
        from bench.mystory import drawn_frame

        _FRAME = drawn_frame()
    return _FRAME


# --- the replay -------------------------------------------------------------------------------

@dataclass
class Outcome:
    kind: str
    ref: tuple
    t: float
    scheduled: float
    sent: float
    answered: float
    status: int | None  # None: no answer (connection error or timeout)
    result: str  # the scan's result, the error's code, or the exception's name
    server: int
    body: dict | None = None
    key: str | None = None  # a scan's nonce
    detail: str = ""  # the exception's text, when there was no answer


class Replay:
    """Sends the window's events at their moments, from lanes of threads as the devices do."""

    def __init__(self, day: DayPlan, events: list[Event], window: tuple[float, float], speed: float,
                 bases: list[str], setup: dict, run: str):
        self.day, self.events, self.window, self.speed, self.bases = day, events, window, speed, bases
        self.run_id = run
        self.tokens = setup["tokens"]
        self.rounds = setup["rounds"]
        self.codes: dict[int, str] = dict(setup["codes"])
        self.urls: dict[int, str] = {}
        self.story_ids: dict[int, int] = dict(setup["story_ids"])
        self.decided: dict[int, float] = {}
        self.story_rounds: dict[int, int] = {}
        self.outcomes: list[Outcome] = []
        self.alternate = itertools.count()
        self.index = {id(event): number for number, event in enumerate(day.events)}
        self.start = 0.0

    def due(self, t: float) -> float:
        return self.start + (t - self.window[0]) / self.speed

    def _server(self) -> int:
        return next(self.alternate) % len(self.bases)

    def _wait_for(self, table: dict, key) -> bool:
        deadline = time.monotonic() + DEPENDENCY_WAIT
        while key not in table:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _send(self, sessions: list, event: Event, scheduled: float, method: str, path: str,
              body: dict | None, key: str | None = None) -> Outcome:
        server = self._server()
        sent = time.monotonic()
        status, result, answer, detail = None, "", None, ""
        try:
            response = sessions[server].request(method, f"{self.bases[server]}{path}", json=body,
                                                timeout=REQUEST_TIMEOUT)
            status = response.status_code
            try:
                answer = response.json() if response.content else None
            except ValueError:
                answer = None
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                result = str(answer["error"].get("code"))
            elif isinstance(answer, dict) and "result" in answer:
                result = str(answer["result"])
        except requests.RequestException as error:
            result, detail = type(error).__name__, str(error)[:240]
        outcome = Outcome(event.kind, event.ref, event.t, scheduled, sent, time.monotonic(), status, result,
                          server, answer, key, detail)
        self.outcomes.append(outcome)
        return outcome

    def _skip(self, event: Event, scheduled: float, why: str) -> None:
        now = time.monotonic()
        self.outcomes.append(Outcome(event.kind, event.ref, event.t, scheduled, now, now, None, f"skipped: {why}", -1))

    def _sessions(self, token: str | None) -> list:
        sessions = []
        for _base in self.bases:
            session = requests.Session()
            if token:
                session.headers["Authorization"] = f"Bearer {token}"
            sessions.append(session)
        return sessions

    # One handler per kind of event.
    def register(self, sessions, event, scheduled):
        members = self.day.groups[event.ref[0]]
        name = f"Walk-up {members[0]}"
        outcome = self._send(sessions, event, scheduled, "POST", "/api/v1/registrations", {
            "name": name, "email": f"walkup-{self.run_id}-{members[0]}@example.org", "days": [DAY], "sessions": [],
            "locale": "zh" if members[0] % 3 else "en", "consent": True,
            "companions": [{"name": f"Companion {member}"} for member in members[1:]]})
        if outcome.status == 201:
            tickets = [outcome.body["ticket"], *outcome.body["companions"]]
            for member, ticket in zip(members, tickets):
                self.urls[member] = ticket["url"]
                self.codes[member] = ticket["code"]

    def scan(self, sessions, event, scheduled):
        visitor, direction, _expected, _why = event.ref
        if visitor not in self.codes and not self._wait_for(self.codes, visitor):
            return self._skip(event, scheduled, "no ticket (its registration failed)")
        scan = self.urls.get(visitor) or f"{self.bases[0]}/t/{self.codes[visitor]}"
        nonce = f"{self.run_id}-scan-{self.index[id(event)]}"
        self._send(sessions, event, scheduled, "POST", "/api/v1/checkins", {
            "scan": scan, "gate": f"Gate {event.lane + 1}", "session_id": None, "direction": direction,
            "nonce": nonce}, key=nonce)

    def story(self, sessions, event, scheduled):
        index = event.ref[0]
        plan = self.day.stories[index]
        body = {"author": f"Visitor {index}", "title": plan.title, "logline": plan.logline, "beats": plan.beats,
                "nonce": f"{self.run_id}-story-{index}", "locale": plan.locale}
        if plan.frame:
            body["frames"] = [_frame()] + [None] * (len(plan.beats) - 1)
        if plan.author_visitor is not None:
            body["ticket_code"] = self.codes[plan.author_visitor]
        outcome = self._send(sessions, event, scheduled, "POST", "/api/v1/stories", body)
        if outcome.status == 201:
            self.story_rounds[outcome.body["id"]] = outcome.body["round_id"]
            self.story_ids[index] = outcome.body["id"]

    def moderate(self, sessions, event, scheduled):
        if event.kind in ("open", "close"):
            round_id = self.rounds[event.ref[0]][0]
            return self._send(sessions, event, scheduled, "POST", f"/api/v1/rounds/{round_id}/{event.kind}", None)
        index = event.ref[0]
        if index not in self.story_ids and not self._wait_for(self.story_ids, index):
            return self._skip(event, scheduled, "no story (its sending failed)")
        outcome = self._send(sessions, event, scheduled, "POST", f"/api/v1/stories/{self.story_ids[index]}/{event.kind}",
                             {"reason": "Off theme."} if event.kind == "reject" else None)
        if outcome.status == 200:
            self.decided[index] = outcome.answered

    def vote(self, sessions, event, scheduled):
        visitor, index = event.ref
        if visitor not in self.codes and not self._wait_for(self.codes, visitor):
            return self._skip(event, scheduled, "no ticket (its registration failed)")
        if index not in self.story_ids and not self._wait_for(self.story_ids, index):
            return self._skip(event, scheduled, "no story (its sending failed)")
        if self.day.stories[index].decided >= self.window[0] and index not in self.decided:
            if not self._wait_for(self.decided, index):
                return self._skip(event, scheduled, "story not approved (its approval failed)")
        self._send(sessions, event, scheduled, "POST", "/api/v1/votes",
                   {"ticket_code": self.codes[visitor], "story_id": self.story_ids[index]})

    def _lane(self, events: list[Event], handler, token: str | None, shared: threading.Lock | None = None,
              queue=None) -> None:
        sessions = self._sessions(token)
        source = iter(events) if queue is None else queue
        while True:
            if shared is not None:
                with shared:
                    event = next(source, None)
            else:
                event = next(source, None)
            if event is None:
                return
            scheduled = self.due(event.t)
            pause = scheduled - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            handler(sessions, event, scheduled)

    def run(self) -> None:
        by_kind = defaultdict(list)
        for event in self.events:
            by_kind[event.kind].append(event)
        threads = []

        def lane(*args, **kwargs):
            threads.append(threading.Thread(target=self._lane, args=args, kwargs=kwargs, daemon=True))

        for gate in range(GATES):
            lane([e for e in by_kind["scan"] if e.lane == gate], self.scan, self.tokens[("gate", gate)])
        for kiosk in range(KIOSKS):
            lane([e for e in by_kind["story"] if e.lane == kiosk], self.story, self.tokens[("kiosk", kiosk)])
        lane(sorted(by_kind["approve"] + by_kind["reject"] + by_kind["open"] + by_kind["close"],
                    key=lambda e: (e.t, e.kind != "close")), self.moderate, self.tokens[("moderator", 0)])
        for kind, handler, count in (("register", self.register, REGISTRATION_SENDERS),
                                     ("vote", self.vote, VOTE_SENDERS)):
            queue, lock = iter(by_kind[kind]), threading.Lock()
            for _ in range(count):
                lane(None, handler, None, shared=lock, queue=queue)
        self.start = time.monotonic() + START_DELAY
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


# --- after the run: the database and the logs ----------------------------------------------------

def verify(env: dict, replay: Replay, setup: dict) -> dict:
    """Look up every write answered 2xx; check the counters the app keeps against the rows."""
    from sqlalchemy import func, select

    from app.challenge.models import Ballot, Story, Vote
    from app.checkin.models import DAY_ENTRY, Presence, Scan
    from app.extensions import db
    from app.schedule.models import ExhibitionDay
    from app.tickets.models import DayEntry, Ticket

    missing: Counter = Counter()
    wrong: Counter = Counter()
    samples: list[str] = []
    app = _app(env)
    with app.app_context():
        day_row = db.session.scalars(select(ExhibitionDay).where(ExhibitionDay.date == DAY_START.date())).one()
        tickets = dict(db.session.execute(select(Ticket.code, Ticket.id).join(DayEntry, DayEntry.ticket_id == Ticket.id)
                                          .where(DayEntry.day_id == day_row.id, Ticket.status == "active")).all())
        by_id = {ticket_id: code for code, ticket_id in tickets.items()}
        for outcome in replay.outcomes:
            if outcome.kind == "register" and outcome.status == 201:
                for ticket in [outcome.body["ticket"], *outcome.body["companions"]]:
                    if ticket["code"] not in tickets:
                        missing["registrations (tickets)"] += 1
                        samples.append(f"ticket {ticket['code']} answered 201, not in the database")
        logged = dict(db.session.execute(select(Scan.nonce, Scan.result)
                                         .where(Scan.nonce.like(f"{replay.run_id}-scan-%"))).all())
        last_direction: dict[str, str] = {}
        for outcome in sorted((o for o in replay.outcomes if o.kind == "scan" and o.status == 200), key=lambda o: o.t):
            event_nonce = outcome.key
            visitor, direction, _expected, _why = outcome.ref
            if logged.get(event_nonce) is None:
                missing["scans"] += 1
                samples.append(f"scan {event_nonce} answered {outcome.result}, not in the scan log")
            elif logged[event_nonce] != outcome.result:
                wrong["scan logged with another result"] += 1
            if outcome.result == "ok":
                last_direction[replay.codes[visitor]] = direction
        presence = {by_id.get(ticket_id): inside for ticket_id, inside in db.session.execute(
            select(Presence.ticket_id, Presence.inside).where(Presence.day_id == day_row.id,
                                                              Presence.slot_id == DAY_ENTRY)).all()}
        for code, direction in last_direction.items():
            if code not in presence:
                missing["check-ins (presence)"] += 1
                samples.append(f"ticket {code} checked in ok, no presence row")
            elif presence[code] != (direction == "in"):
                wrong["presence inside/outside differs from the last answer"] += 1
        inside = sum(presence.values())
        if inside != day_row.inside_now:
            wrong[f"inside_now {day_row.inside_now} ≠ presence rows inside {inside}"] += 1
        if day_row.entries_taken != len(tickets):
            wrong[f"entries_taken {day_row.entries_taken} ≠ tickets with entry {len(tickets)}"] += 1
        stories = {story_id: (status, nonce) for story_id, status, nonce in
                   db.session.execute(select(Story.id, Story.status, Story.nonce)).all()}
        for outcome in replay.outcomes:
            if outcome.kind == "story" and outcome.status == 201:
                if outcome.body["id"] not in stories:
                    missing["stories"] += 1
                    samples.append(f"story {outcome.body['id']} answered 201, not in the database")
            if outcome.kind in ("approve", "reject") and outcome.status == 200:
                status = stories.get(replay.story_ids[outcome.ref[0]], (None,))[0]
                if status != ("approved" if outcome.kind == "approve" else "rejected"):
                    missing["decisions"] += 1
                    samples.append(f"story {replay.story_ids[outcome.ref[0]]} {outcome.kind} answered 200, "
                                   f"status {status}")
        votes = {(by_id.get(ticket_id), story_id) for ticket_id, story_id in db.session.execute(
            select(Vote.ticket_id, Vote.story_id).where(Vote.id > setup["last_vote_id"])).all()}
        answered = set()
        for outcome in replay.outcomes:
            if outcome.kind == "vote" and outcome.status == 201:
                key = (replay.codes[outcome.ref[0]], replay.story_ids[outcome.ref[1]])
                answered.add(key)
                if key not in votes:
                    missing["votes"] += 1
                    samples.append(f"vote {key} answered 201, not in the database")
        unanswered = len(votes - answered)
        if unanswered:
            wrong["votes in the database never answered 201"] += unanswered
        used = Counter()
        for round_id, ticket_id in db.session.execute(select(Vote.round_id, Vote.ticket_id)).all():
            used[(round_id, ticket_id)] += 1
        for round_id, ticket_id, count in db.session.execute(select(Ballot.round_id, Ballot.ticket_id,
                                                                     Ballot.used)).all():
            if used.get((round_id, ticket_id), 0) != count:
                wrong["ballot's used ≠ its votes"] += 1
        counts = {(round_id, story_id): count for round_id, story_id, count in db.session.execute(
            select(Vote.round_id, Vote.story_id, func.count()).group_by(Vote.round_id, Vote.story_id)).all()}
        db.session.remove()
        db.engine.dispose()
    return {"missing": missing, "wrong": wrong, "samples": samples[:10], "counts": counts,
            "tickets": len(tickets)}


def log_problems(logs: list[Path]) -> tuple[Counter, list[str]]:
    kinds: Counter = Counter()
    lines: list[str] = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if LOG_NOISE.search(line) or not LOG_PROBLEMS.search(line):
                continue
            kinds["database is locked" if "database is locked" in line else
                  "5xx" if re.search(r"\" 5\d\d ", line) else "traceback/error"] += 1
            if len(lines) < 12:
                lines.append(f"{log.name}: {line.strip()[:300]}")
    return kinds, lines


# --- one configuration --------------------------------------------------------------------------

def _postgres_database(run: str) -> tuple[str, callable]:
    import sqlalchemy as sa

    from app.config import database_url

    admin = sa.create_engine(database_url(POSTGRES_ADMIN, Path(".")), isolation_level="AUTOCOMMIT")
    name = f"backlot_replay_{run}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.engine.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def start_servers(stack: ExitStack, env: dict, logs: list[Path]) -> list[str]:
    """`backlot serve` once per log, started at the same time; stopped when the stack closes."""
    managers = [serving(env, log) for log in logs]
    lock = threading.Lock()

    def enter(manager) -> str:
        base = manager.__enter__()
        with lock:
            stack.push(manager)
        return base

    with ThreadPoolExecutor(len(managers)) as pool:
        return list(pool.map(enter, managers))


def run_configuration(name: str, day: DayPlan, window: tuple[float, float], speed: float, clients: int,
                      keep_logs: Path | None = None) -> dict:
    """Prepare, serve, connect, replay, settle, stop, verify: one configuration's figures."""
    run = secrets.token_hex(4)
    timings: dict[str, float] = {}
    began = time.monotonic()
    events = [event for event in day.events if window[0] <= event.t < window[1]]
    drop = None
    with tempfile.TemporaryDirectory(prefix="backlot-replay-") as tmp:
        try:
            instance = Path(tmp)
            extra, processes = {}, 1
            if name == "postgresql":
                url, drop = _postgres_database(run)
                extra = {"DATABASE_URL": url, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
                         "SOCKETIO_CHANNEL": f"backlot-replay-{run}"}
                processes = 2
            env = server_environment(instance, **extra)
            env["BACKLOT_CLOCK"] = clock_at(window[0]).isoformat()
            print(f"[{name}] preparing: migrate, seed, accounts, tickets, the day before {wall(window[0])}…",
                  file=sys.stderr)
            setup = prepare(env, day, window, run)
            timings["prepare"] = time.monotonic() - began
            logs = [instance / f"serve-{n + 1}.log" for n in range(processes)]
            with ExitStack() as stack:
                mark = time.monotonic()
                bases = start_servers(stack, env, logs)
                timings["servers"] = time.monotonic() - mark

                mark = time.monotonic()
                print(f"[{name}] {clients} clients connecting…", file=sys.stderr)
                listeners, spread = start_listeners(bases, clients)
                stack.callback(stop_listeners, listeners)
                connected = {"connected": 0, "failures": Counter()}
                for _process, pipe in listeners:
                    if not pipe.poll(max(1.0, 180 - (time.monotonic() - mark))):
                        raise SystemExit("the Socket.IO clients did not connect within 180 s")
                    ready = pipe.recv()
                    connected["connected"] += ready["connected"]
                    connected["failures"].update(ready["failures"])
                timings["clients"] = time.monotonic() - mark

                print(f"[{name}] replaying {wall(window[0])}–{wall(window[1])} ({len(events)} requests) at "
                      f"{speed:g}x…", file=sys.stderr)
                replay = Replay(day, events, window, speed, bases, setup, run)
                shares = CpuShares({process.pid for process, _pipe in listeners})
                mark = time.monotonic()
                replay.run()
                cores = shares.end()
                timings["replay"] = time.monotonic() - mark

                mark = time.monotonic()
                time.sleep(0.6)  # two coalescing intervals: the last `leaderboard` leaves
                board = requests.get(f"{bases[0]}/api/v1/leaderboard", timeout=30).json()
                shown_round, final_counts = _board_counts(board)
                accepted: dict[tuple[int, int], list[float]] = defaultdict(list)
                for outcome in replay.outcomes:
                    if outcome.kind == "vote" and outcome.status == 201:
                        key = (replay.story_rounds.get(replay.story_ids[outcome.ref[1]])
                               or setup["story_rounds"][replay.story_ids[outcome.ref[1]]],
                               replay.story_ids[outcome.ref[1]])
                        accepted[key].append(outcome.answered)
                for answers in accepted.values():
                    answers.sort()
                approvals = {replay.story_ids[o.ref[0]]: o.answered for o in replay.outcomes
                             if o.kind == "approve" and o.status == 200}
                final = {"votes": dict(accepted), "base": dict(setup["base_votes"]), "approvals": approvals,
                         "boards": {shown_round: final_counts}, "shown_round": shown_round}
                for _process, pipe in listeners:
                    pipe.send(final)
                seen = {"display": [], "vote": []}
                for _process, pipe in listeners:
                    if pipe.poll(SETTLE_SECONDS + 60):
                        part = pipe.recv()
                        for group in seen:
                            seen[group].append(part[group])
                timings["settle"] = time.monotonic() - mark
            # The servers have stopped: the database holds what they wrote.
            mark = time.monotonic()
            checks = verify(env, replay, setup)
            checks["board"] = final_counts
            problems, problem_lines = log_problems(logs)
            if keep_logs is not None:
                keep_logs.mkdir(parents=True, exist_ok=True)
                for log in logs:
                    shutil.copyfile(log, keep_logs / f"{name}-{run}-{log.name}")
            timings["verify"] = time.monotonic() - mark
        finally:
            if drop is not None:
                drop()
    timings["total"] = time.monotonic() - began
    print(f"[{name}] took " + ", ".join(f"{key} {value:.1f} s" for key, value in timings.items()), file=sys.stderr)
    return {"name": name, "processes": processes, "timings": timings, "cores": cores, "replay": replay,
            "connected": connected, "spread": spread, "seen": seen, "checks": checks, "setup": setup,
            "log_problems": problems, "log_lines": problem_lines, "requests": len(events)}


# --- the report -----------------------------------------------------------------------------------

EXPECTED = {"register": 201, "scan": 200, "story": 201, "approve": 200, "reject": 200, "open": 200, "close": 200,
            "vote": 201}
KIND_NAMES = {"register": "registrations", "scan": "check-in scans", "story": "stories", "approve": "approvals",
              "reject": "rejections", "open": "round opened", "close": "round closed", "vote": "votes"}
LABELS = {"sqlite": "SQLite, 1 process", "postgresql": "PostgreSQL + Redis, 2 processes"}


def classify(outcome: Outcome) -> str:
    """error (5xx, no answer), skipped, unexpected (another answer than the timeline's), or ok."""
    if outcome.result.startswith("skipped"):
        return "skipped"
    if outcome.status is None or outcome.status >= 500:
        return "error"
    if outcome.kind == "close" and outcome.status == 409 and outcome.result == "round_not_open":
        return "ok"  # the app's own clock closed it first
    if outcome.status != EXPECTED[outcome.kind]:
        return "unexpected"
    if outcome.kind == "scan" and outcome.result != outcome.ref[2]:
        return "unexpected"
    return "ok"


def _merge(parts: list[dict]) -> dict:
    total: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, Counter):
                total.setdefault(key, Counter()).update(value)
            else:
                total[key] = total.get(key, 0) + value
    return total


def _from_histogram(histogram: Counter, q: float) -> float:
    count = sum(histogram.values())
    if not count:
        return float("nan")
    wanted, running = min(count - 1, int(q * count)), 0
    for bucket in sorted(histogram):
        running += histogram[bucket]
        if running > wanted:
            return bucket
    return max(histogram)


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:,.0f}"


def lag_rows(result: dict) -> list[str]:
    rows = []
    for group, label in (("display", "/display"), ("vote", "/vote")):
        merged = _merge(result["seen"][group]) if result["seen"][group] else {}
        if not merged:
            continue
        for what, prefix, measured in (("approval → `story_approved`", "approval", merged["connected"]),
                                       ("vote 201 → `leaderboard`", "vote", merged["measured"])):
            histogram = merged[f"{prefix}_lags"]
            over = sum(n for bucket, n in histogram.items() if bucket >= 1000)
            shown = sum(histogram.values())
            rows.append(f"| {LABELS[result['name']]} | {label} | {what} | {measured} | {shown:,} | "
                        f"{_ms(_from_histogram(histogram, 0.5))} | {_ms(_from_histogram(histogram, 0.99))} | "
                        f"{_ms(max(histogram, default=float('nan')))} | {over:,} | {merged[f'{prefix}_never']:,} |")
    return rows


def outcome_row(result: dict) -> str:
    outcomes = result["replay"].outcomes
    classes = Counter(classify(o) for o in outcomes)
    errors = Counter()
    for outcome in outcomes:
        if classify(outcome) == "error":
            errors["5xx" if outcome.status else "no answer"] += 1
    locked = result["log_problems"].get("database is locked", 0)
    missing = sum(result["checks"]["missing"].values())
    wrong = sum(result["checks"]["wrong"].values())
    answered = [o for o in outcomes if o.status is not None]
    behind = [o.sent - o.scheduled for o in outcomes if not o.result.startswith("skipped")]
    latencies = [o.answered - o.sent for o in answered]
    timings = result["timings"]
    setup = timings["prepare"] + timings["servers"] + timings["clients"]
    return (f"| {LABELS[result['name']]} | {setup:.0f} + {timings['replay']:.0f} + "
            f"{timings['settle'] + timings['verify']:.0f} = {timings['total']:.0f} | {len(outcomes):,} | "
            f"{classes['ok']:,} | {errors['5xx']} / {errors['no answer']} / {locked} | {classes['unexpected']} | "
            f"{classes['skipped']} | {missing} | {wrong} | {percentile(latencies, 0.5):.0f} / "
            f"{percentile(latencies, 0.99):.0f} | {percentile(behind, 0.99):.0f} |")


def kind_rows(results: list[dict]) -> list[str]:
    rows = []
    for kind in EXPECTED:
        cells = []
        for result in results:
            mine = [o for o in result["replay"].outcomes if o.kind == kind]
            if not mine:
                cells.append("–")
                continue
            latencies = [o.answered - o.sent for o in mine if o.status is not None]
            answers = Counter(f"{o.status} {o.result}".strip() if o.status else o.result for o in mine)
            shown = ", ".join(f"{name} ×{count}" for name, count in answers.most_common(4))
            cells.append(f"{len(mine):,}: {percentile(latencies, 0.5):.0f} / {percentile(latencies, 0.99):.0f} ms "
                         f"({shown})")
        if any(cell != "–" for cell in cells):
            rows.append(f"| {KIND_NAMES[kind]} | " + " | ".join(cells) + " |")
    return rows


def describe_problems(result: dict) -> list[str]:
    """Everything that went wrong in one configuration, with the server's log lines."""
    lines = []
    label = LABELS[result["name"]]
    bad = [o for o in result["replay"].outcomes if classify(o) in ("error", "unexpected", "skipped")]
    if bad:
        summary = Counter(f"{o.kind} → {o.status or ''} {o.result}".replace("  ", " ") for o in bad)
        lines.append(f"- {label}: answers not as the timeline expects: "
                     + "; ".join(f"{text} ×{count}" for text, count in summary.most_common(8)) + ".")
        details = Counter(o.detail for o in bad if o.detail)
        if details:
            lines.append(f"  - {label}: without an answer: "
                         + "; ".join(f"`{text}` ×{count}" for text, count in details.most_common(3)))
    checks = result["checks"]
    if checks["missing"]:
        lines.append(f"- {label}: answered 2xx but missing afterwards: "
                     + ", ".join(f"{kind} {count}" for kind, count in checks["missing"].items())
                     + (f" (e.g. {checks['samples'][0]})" if checks["samples"] else "") + ".")
    if checks["wrong"]:
        lines.append(f"- {label}: the database disagrees with itself or with the answers: "
                     + "; ".join(f"{kind} ×{count}" for kind, count in checks["wrong"].items()) + ".")
    if result["log_lines"]:
        lines.append(f"- {label}: the server logs have {sum(result['log_problems'].values())} problem line(s), "
                     "first ones: " + " / ".join(f"`{line}`" for line in result["log_lines"][:4]))
    dropped = sum(part["dropped"] for group in result["seen"].values() for part in group)
    failures = result["connected"]["failures"]
    if failures or dropped:
        lines.append(f"- {label}: clients that did not connect: {dict(failures) or 0}; lost during the run: "
                     f"{dropped}.")
    return lines


def section(quick: bool = False, *, full: bool = False, speed: float = SPEED, clients: int | None = None,
            configurations: tuple[str, ...] = ("sqlite", "postgresql"), keep_logs: Path | None = None) -> str:
    """The day replay as a Markdown section (### heading, tables, notes)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    day = build_day()
    peak = busiest_window(day.events, WINDOW)
    if full:
        window, what = (0.0, float(DAY_SECONDS)), "the whole day"
    elif quick:
        start = busiest_window(day.events, QUICK_WINDOW, within=(peak, peak + WINDOW))
        window, what = (start, start + QUICK_WINDOW), "the busiest 2 minutes of the peak window"
    else:
        window, what = (peak, peak + WINDOW), "the day's busiest 30 minutes"
    clients = clients or (QUICK_CLIENTS if quick else CLIENTS)
    results = [run_configuration(name, day, window, speed, clients, keep_logs) for name in configurations]

    whole = event_counts(day, day.events)
    inside = event_counts(day, [e for e in day.events if window[0] <= e.t < window[1]])
    before = event_counts(day, [e for e in day.events if e.t < window[0]])
    peak_counts = event_counts(day, [e for e in day.events if peak <= e.t < peak + WINDOW])
    spread = results[0]["spread"]
    lines = [f"### The day replay: {what} ({wall(window[0])}–{wall(window[1])}) at {speed:g}x", ""]
    lines.append(
        f"A peak day on 14 June 2026 replayed against real `backlot serve` processes on 127.0.0.1 "
        f"({os.cpu_count()} cores, Python {sys.version.split()[0]}): {VISITORS:,} visitors registered "
        f"({PRE_REGISTERED:,} before the day), {GATES} gates, {KIOSKS} kiosks, one moderator and "
        f"{clients:,} Socket.IO clients connected throughout ({spread['displays']} displays on /display, "
        f"{spread['phones']:,} phones on /vote). {(window[1] - window[0]) / 60:.0f} minutes of the day in "
        f"{(window[1] - window[0]) / speed:.0f} s per configuration.")
    lines += ["", f"| Timeline | Whole day | Replayed {wall(window[0])}–{wall(window[1])} | Written before it (models) |",
              "|---|---:|---:|---:|"]
    for key in whole:
        lines.append(f"| {key} | {whole[key]:,} | {inside[key]:,} | {before[key]:,} |")
    lines += ["", "| Configuration | Took s (setup + replay + checks = total) | Requests | As expected "
              "| Errors: 5xx / no answer / \"database is locked\" | Other answers | Not sent | Answered, missing "
              "afterwards | Database inconsistent | Request p50 / p99 ms | Sent behind schedule p99 ms |",
              "|---|---|---:|---:|---|---:|---:|---:|---:|---|---:|"]
    lines += [outcome_row(result) for result in results]
    lines += ["", "| Configuration | Clients | Lag | Clients measured | Deliveries | p50 ms | p99 ms | max ms "
              "| over 1 s | never shown |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for result in results:
        lines += lag_rows(result)
    lines += ["", "| Requests (count: p50 / p99, answers) | " + " | ".join(LABELS[r["name"]] for r in results) + " |",
              "|---|" + "---|" * len(results)]
    lines += kind_rows(results)
    lines += ["", "Notes:"]
    if not full:
        lines.append(
            f"- Bounded: a whole day at {speed:g}x takes {DAY_SECONDS / speed / 60:.0f} minutes per configuration, "
            f"so this replays {what}, {wall(window[0])}–{wall(window[1])} (the busiest 30 minutes by requests: "
            f"{peak_counts['requests']:,} of the day's {whole['requests']:,}, with the opening queue at the "
            "gates and round 1's first call for votes), with exactly the events the day's timeline has in it; "
            "what the day did before it (registrations, check-ins, stories, decisions, votes) is written "
            "through the app's models first. `bench/replay.py --full` replays the whole day at 10x (about "
            "an hour per configuration).")
    lines.append(
        f"- The app's clock: BACKLOT_CLOCK = {clock_at(window[0]).isoformat()}, so the servers start at the "
        f"replayed window's first moment; their clock then runs at real speed while the replay runs {speed:g}x "
        "faster, so it stays inside round 1 and the day's opening hours. The rounds do not follow the app's "
        "clock: the moderator opens and closes each round through POST /api/v1/rounds/<id>/open|close at its "
        "seeded time on the replayed timeline; voting follows the round (open while it takes stories).")
    lines.append(
        "- Expected answers: every registration 201, every scan its timeline result (`ok`; "
        "`already_checked_in` for a ticket scanned twice), every story 201, every decision 200, every vote "
        "201 (the timeline only votes for stories approved by then, with checked-in tickets, at most one "
        "per story and 3 a round). \"Not sent\": a request whose ticket or story never came (its registration "
        "or story failed). After the run every answered write is looked up in the database: tickets with "
        "their day entry, scans by nonce (and the presence they leave), stories, decisions, votes; and the "
        "counters are checked against the rows (people inside, entries taken, each ballot's votes).")
    lines.append(
        "- Display lag: an approval is shown when a client receives its `story_approved`; the j-th vote "
        "answered 201 for a story is shown when a client first receives a `leaderboard` with at least as "
        "many votes for it (counting those written before the window); early events count as 0. Approvals "
        "are measured on every client, votes on every display and "
        f"{spread['measured_phones']} phones (decoding every board on all of them would need more cores "
        "than the machine has). The clients are asyncio websockets speaking Socket.IO's frames "
        f"({CLIENTS_PER_PROCESS} per child process): python-socketio's client costs 0.3–1 ms a message.")
    for result in results:
        cores = result["cores"]
        finals = _merge(result["seen"]["display"] + result["seen"]["vote"])
        lines.append(
            f"- {LABELS[result['name']]}: cores used during the replay: servers {cores['server']:.2f}, "
            f"clients {cores['listeners']:.2f}, request senders {cores['bench']:.2f}, others "
            f"{cores['others']:.2f}; {finals.get('final_ok', 0):,} of {finals.get('connected', 0):,} clients "
            f"ended on the server's final board ({sum(result['checks']['board'].values()):,} votes); "
            f"{finals.get('events', 0):,} events received, {finals.get('bytes', 0) / 2**20:,.0f} MiB.")
    problems = [line for result in results for line in describe_problems(result)]
    lines += problems or ["- No errors, no unexpected answers, nothing missing."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--quick", action="store_true", help="the busiest 2 minutes, 200 clients (a smoke run)")
    scope.add_argument("--full", action="store_true", help="the whole day (about an hour per configuration at 10x)")
    parser.add_argument("--speed", type=float, default=SPEED, help="times faster than real time")
    parser.add_argument("--clients", type=int, help=f"Socket.IO clients (default {CLIENTS}, --quick {QUICK_CLIENTS})")
    parser.add_argument("--configuration", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    args = parser.parse_args()
    configurations = ("sqlite", "postgresql") if args.configuration == "both" else (args.configuration,)
    print(section(args.quick, full=args.full, speed=args.speed, clients=args.clients,
                  configurations=configurations, keep_logs=args.logs))


if __name__ == "__main__":
    main()
