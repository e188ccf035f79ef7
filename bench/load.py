"""``wholeroom bench``: N phones over real websockets against a real server, with the numbers that matter.

Phases, in order (each measured separately):

1. **join**: every phone does ``POST /api/join`` then opens a websocket and waits hello -> welcome,
   200 in flight across the load processes;
2. **push**: the facilitator sends ``step.push`` (audience: all); latency runs from its send to the
   LAST phone receiving the ``step.pushed`` entry (and the median phone), after 3 warm-ups;
3. **ideas**: phones submit ideas at a modest rate; a wall connection times each ``idea.submitted``
   (phone send -> wall receipt), and each phone times its ``ack`` (= committed to SQLite);
4. **ingest**: ``--ideas-rate`` ideas/s offered (open loop) for ``--ingest-seconds``. The server allows
   12 ideas per participant per 60 s, so extra "ingest" participants join first, enough that
   none exceeds 12; achieved rate = acks received per second.

Timestamps are ``time.perf_counter_ns()`` (CLOCK_MONOTONIC), shared by all processes. By default the
server is pinned to CPU 0 and the load processes to CPU 1 (``--no-pin`` to let the OS schedule).
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import multiprocessing
import os
import platform
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .httpc import Http
from .server import ProcStats, ServerProcess, machine_busy_s, proc_stats, raise_nofile
from .stats import ms, summary
from .worker import PUSH_PREFIX, Worker, open_socket, worker_main

IDEAS_PER_PARTICIPANT = 12  # the server's rate limit: 12 ideas per participant in any 60 s
WARMUP_PUSHES = 3
JOIN_IN_FLIGHT = 200


@dataclass
class Options:
    phones: int = 120
    tables: int = 15
    pushes: int = 20
    ideas_rate: float = 500.0
    ingest_seconds: float = 10.0
    idea_latency_rate: float = 100.0
    idea_latency_count: int = 600
    workers: int = 0  # 0 = automatic
    pin: bool = True
    url: str | None = None
    admin_secret: str | None = None
    server_pid: int | None = None
    keep_db: bool = False
    client: str = "asyncio"
    label: str | None = None
    seed: int = 1
    reference: bool = False  # also the bare reference hub, before and after Wholeroom
    reference_only: bool = False  # only the bare reference hub


@dataclass
class Phase:
    name: str
    server_cpu_s: float = 0.0
    seconds: float = 0.0
    clients_cpu_s: float = 0.0
    others_cpu_s: float = 0.0  # CPU used meanwhile by every other process on the machine (noise)
    steal_s: float = 0.0


@dataclass
class Bench:
    opts: Options
    host: str = "127.0.0.1"
    port: int = 0
    server: ServerProcess | None = None
    server_pid: int | None = None
    workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = field(default_factory=list)
    replies: list[asyncio.Queue[tuple[Any, ...]]] = field(default_factory=list)
    progress: list[int] = field(default_factory=list)
    push_done: dict[int, int] = field(default_factory=dict)
    push_events: dict[int, asyncio.Event] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    rss_samples: list[float] = field(default_factory=list)
    wall_seen: dict[str, int] = field(default_factory=dict)
    wall_dupes: int = 0
    fac_acks: dict[Any, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    staff_closed: dict[str, int] = field(default_factory=dict)  # close codes the server sent to staff sockets
    notes: list[str] = field(default_factory=list)

    # --- processes ----------------------------------------------------------------------------

    def start_workers(self, count: int, cpu: int | None, client: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        for wid in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(wid, child, self.host, self.port, cpu, client), daemon=True)
            proc.start()
            child.close()
            self.workers.append((proc, parent))
            self.replies.append(asyncio.Queue())
            self.progress.append(0)
            threading.Thread(target=self._pump, args=(wid, parent, loop), daemon=True).start()

    def _pump(self, wid: int, conn: Connection, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            loop.call_soon_threadsafe(self._on_worker_message, wid, message)

    def _on_worker_message(self, wid: int, message: tuple[Any, ...]) -> None:
        if message[0] == "progress":
            self.progress[message[1]] = message[2]
        elif message[0] == "pushed":
            number = message[2]
            self.push_done[number] = self.push_done.get(number, 0) + 1
            if self.push_done[number] == len(self.workers) and number in self.push_events:
                self.push_events[number].set()
        else:
            self.replies[wid].put_nowait(message)

    async def ask_all(self, commands: list[tuple[Any, ...]], timeout: float | None = None) -> list[Any]:
        for (_proc, conn), command in zip(self.workers, commands, strict=True):
            conn.send(command)
        answers = []
        for wid, command in enumerate(commands):
            message = await asyncio.wait_for(self.replies[wid].get(), timeout)
            assert message[0] == command[0], (message[0], command[0])
            answers.append(message[1])
        return answers

    def stats(self) -> ProcStats | None:
        if self.server_pid is None:
            return None
        s = proc_stats(self.server_pid)
        self.rss_samples.append(s.rss_mb)
        return s

    async def sample_rss(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            if self.server_pid is not None:
                try:
                    self.stats()
                except OSError:
                    return

    async def phase_begin(self) -> tuple[float, ...]:
        s = self.stats()
        clients = sum(await self.ask_all([("cpu",)] * len(self.workers), 60)) + Worker.cpu()
        return (s.cpu_s if s else math.nan, time.perf_counter(), clients, *machine_busy_s())

    async def phase_end(self, name: str, begun: tuple[float, ...]) -> Phase:
        s = self.stats()
        clients = sum(await self.ask_all([("cpu",)] * len(self.workers), 60)) + Worker.cpu()
        busy, steal = machine_busy_s()
        server = (s.cpu_s if s else math.nan) - begun[0]
        phase = Phase(
            name,
            round(server, 2),
            round(time.perf_counter() - begun[1], 2),
            round(clients - begun[2], 2),
            round(busy - begun[3] - server - (clients - begun[2]), 2) if s else math.nan,
            round(steal - begun[4], 2),
        )
        self.phases.append(phase)
        return phase

    # --- staff sockets ------------------------------------------------------------------------

    async def read_facilitator(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                if isinstance(message, str) and message.startswith(('{"type":"ack"', '{"type":"error"')):
                    data = json.loads(message)
                    future = self.fac_acks.pop(data.get("ref"), None)
                    if future is not None and not future.done():
                        future.set_result(data)
        except ConnectionClosed as exc:
            self.staff_closed["facilitator"] = exc.rcvd.code if exc.rcvd else 1006

    async def read_wall(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                now = time.perf_counter_ns()
                if isinstance(message, str) and '"kind":"idea.submitted"' in message:
                    client_id = json.loads(message)["payload"]["client_id"]
                    if client_id in self.wall_seen:
                        self.wall_dupes += 1
                    else:
                        self.wall_seen[client_id] = now
        except ConnectionClosed as exc:
            self.staff_closed["wall"] = exc.rcvd.code if exc.rcvd else 1006

    async def facilitator_command(self, ws: ClientConnection, command: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ref = secrets.token_hex(4)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.fac_acks[ref] = future
        text = json.dumps({**command, "ref": ref})
        t0 = time.perf_counter_ns()
        await ws.send(text)
        return t0, await asyncio.wait_for(future, 30)

    # --- phases -------------------------------------------------------------------------------

    async def join(self, items: list[tuple[int, str, str]], code: str, label: str) -> list[dict[str, Any]]:
        per_worker: list[list[tuple[int, str, str]]] = [[] for _ in self.workers]
        for n, item in enumerate(items):
            per_worker[n % len(self.workers)].append(item)
        in_flight = max(1, JOIN_IN_FLIGHT // len(self.workers))
        self.progress = [0] * len(self.workers)
        for wid, (_proc, conn) in enumerate(self.workers):
            conn.send(("join", per_worker[wid], in_flight, code))
        answers: list[Any] = [None] * len(self.workers)
        with click.progressbar(length=len(items), label=label, file=sys.stderr, show_pos=True) as bar:
            shown = 0
            pending = set(range(len(self.workers)))
            while pending:
                for wid in list(pending):
                    if not self.replies[wid].empty():
                        message = self.replies[wid].get_nowait()
                        assert message[0] == "join"
                        answers[wid] = message[1]
                        pending.discard(wid)
                done = sum(self.progress)
                bar.update(done - shown)
                shown = done
                await asyncio.sleep(0.1)
            bar.update(len(items) - shown)
        return answers


def _percent_target(
    rows: list[dict[str, Any]], name: str, value: float, limit: float, unit: str, above: bool = False
) -> None:
    ok = (value >= limit) if above else (value < limit)
    if math.isnan(value):
        ok = False
    rows.append({"target": name, "limit": f"{'>=' if above else '<'} {limit:g} {unit}", "value": value, "pass": ok})


def targets_for(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's targets that apply to this run (the largest phone tier not above ``--phones``)."""
    rows: list[dict[str, Any]] = []
    n = results["config"]["phones"]
    push_p99 = results["push"]["last_ms"].get("p99", math.nan)
    if n >= 5000:
        _percent_target(rows, "5000 phones: push-to-all p99", push_p99, 300, "ms")
        _percent_target(rows, "5000 phones: server peak RSS", results["server"]["rss_peak_mb"], 600, "MB")
    elif n >= 2000:
        _percent_target(rows, "2000 phones: push-to-all p99", push_p99, 150, "ms")
    elif n >= 120:
        _percent_target(rows, "120 phones: push-to-all p99", push_p99, 50, "ms")
        _percent_target(
            rows, "120 phones: idea-to-wall p99", results["ideas"]["wall_ms"].get("p99", math.nan), 100, "ms"
        )
    ingest = results.get("ingest")
    if ingest and ingest["offered_per_s"] >= 500:
        # Offered open loop, the commit rate can only trail the offered rate by the last acks' latency:
        # sustained = every idea committed exactly once at >= 99 % of an offered rate of >= 500/s.
        needed = 500 if ingest["offered_per_s"] > 525 else 0.99 * ingest["offered_per_s"]
        kept_up = ingest["exactly_once"] and ingest["achieved_per_s"] >= needed
        rows.append(
            {
                "target": "ingest: ideas/s sustained",
                "limit": ">= 500 /s*",
                "value": ingest["achieved_per_s"],
                "pass": bool(kept_up),
            }
        )
        _percent_target(rows, "ingest: idea-to-wall p99", ingest["wall_ms"].get("p99", math.nan), 150, "ms")
    return rows


def _idea_results(answers: list[dict[str, Any]], wall_seen: dict[str, int]) -> dict[str, Any]:
    sent: dict[str, int] = {}
    acks: dict[str, tuple[int, int, bool]] = {}
    errors: Counter[str] = Counter()
    multi_acked = 0
    send_failures: list[str] = []
    for a in answers:
        sent.update(a["sent"])
        acks.update(a["acks"])
        errors.update(a["errors"].values())
        multi_acked += sum(1 for c in a["ack_counts"].values() if c > 1)
        send_failures += a["send_failures"]
    ack_ms = [ms(acks[c][0] - t) for c, t in sent.items() if c in acks]
    wall_ms = [ms(wall_seen[c] - t) for c, t in sent.items() if c in wall_seen]
    first = min(sent.values(), default=0)
    last_ack = max((a[0] for a in acks.values()), default=first)
    span = (last_ack - first) / 1e9
    return {
        "sent": len(sent),
        "acked": len(acks),
        "acked_as_duplicate": sum(1 for a in acks.values() if a[2]),
        "acked_more_than_once": multi_acked,
        "errors": dict(errors),
        "send_failures": send_failures[:10],
        "on_wall": sum(1 for c in sent if c in wall_seen),
        "ack_ms": summary(ack_ms),
        "wall_ms": summary(wall_ms),
        "span_s": round(span, 3),
        "acks_per_s": round(len(acks) / span, 1) if span > 0 else math.nan,
        "seqs": sorted(a[1] for a in acks.values()),
    }


async def run_bench(opts: Options) -> dict[str, Any]:
    """One side (Wholeroom, or with ``--reference-only`` the bare hub), or with ``--reference`` the
    bare hub, then Wholeroom, then the bare hub again, same phones and pinning: ratios from one run."""
    if opts.reference_only:
        return await _run_side(opts, hub=True)
    if not opts.reference:
        return await _run_side(opts, hub=False)
    before = await _run_side(opts, hub=True)
    results = await _run_side(opts, hub=False)
    after = await _run_side(opts, hub=True)
    results["reference"] = {"runs": [before, after], "ratios": reference_ratios(results, [before, after])}
    return results


# what the side-by-side table compares: (label, path into the results)
COMPARED: list[tuple[str, tuple[str, ...]]] = [
    ("push to all, last phone p50 ms", ("push", "last_ms", "p50")),
    ("push to all, last phone p99 ms", ("push", "last_ms", "p99")),
    ("push, median phone p50 ms", ("push", "median_phone_ms", "p50")),
    ("push, first phone p50 ms", ("push", "first_phone_ms", "p50")),
    ("server CPU per delivery (push) us", ("push", "server_cpu_us_per_delivery")),
    ("idea to wall p50 ms", ("ideas", "wall_ms", "p50")),
    ("idea to wall p99 ms", ("ideas", "wall_ms", "p99")),
    ("server RSS peak MB", ("server", "rss_peak_mb")),
    ("server RSS after join MB", ("server", "rss_after_join_mb")),
]


def _at(results: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return math.nan
        value = value[key]
    return float(value) if isinstance(value, int | float) else math.nan


def reference_ratios(results: dict[str, Any], hubs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each compared number: Wholeroom's, the bare hub's runs, and Wholeroom / the hubs' mean."""
    out: dict[str, dict[str, Any]] = {}
    for label, path in COMPARED:
        ours, theirs = _at(results, path), [_at(h, path) for h in hubs]
        mean = sum(theirs) / len(theirs) if theirs else math.nan
        ratio = ours / mean if mean and not math.isnan(mean) and not math.isnan(ours) else math.nan
        out[label] = {"wholeroom": ours, "hub": theirs, "ratio": round(ratio, 2)}
    return out


async def _run_side(opts: Options, hub: bool) -> dict[str, Any]:
    raise_nofile()
    pin = opts.pin and (os.cpu_count() or 1) >= 2
    load_cpu = 1 if pin else None
    if load_cpu is not None:
        os.sched_setaffinity(0, {load_cpu})
    tmp: tempfile.TemporaryDirectory[str] | None = None
    b = Bench(opts)
    if opts.url and not hub:
        parts = urlsplit(opts.url)
        b.host, b.port = parts.hostname or "127.0.0.1", parts.port or 80
        b.server_pid = opts.server_pid
        admin = opts.admin_secret or os.environ.get("WHOLEROOM_ADMIN_SECRET")
        if not admin:
            raise click.UsageError("--url needs --admin-secret (or WHOLEROOM_ADMIN_SECRET)")
    else:
        tmp = tempfile.TemporaryDirectory(prefix="wholeroom-bench-")
        admin = secrets.token_urlsafe(18)
        b.server = ServerProcess(
            Path(tmp.name) / "bench.db", admin, Path(tmp.name) / "server.log", cpu=0 if pin else None, reference=hub
        )
        b.server.start()
        b.host, b.port, b.server_pid = "127.0.0.1", b.server.port, b.server.pid
    load_at_start = os.getloadavg()
    workers = opts.workers or max(1, min(4, math.ceil(opts.phones / 1500)))
    rng = random.Random(opts.seed)
    sampler: asyncio.Task[None] | None = None
    staff: list[ClientConnection] = []
    try:
        b.start_workers(workers, load_cpu, opts.client)
        sampler = asyncio.create_task(b.sample_rss())
        http = Http(b.host, b.port)
        created = await http.json(
            "POST", "/api/events", {"title": "Wholeroom bench", "tables": opts.tables}, token=admin, expect=201
        )
        event_id, code, tokens = created["event_id"], created["join_code"], created["tokens"]
        fac, _ = await open_socket(f"ws://{b.host}:{b.port}/ws", tokens["facilitator"])
        wall, _ = await open_socket(f"ws://{b.host}:{b.port}/ws", tokens["wall"])
        staff = [fac, wall]
        readers = [asyncio.create_task(b.read_facilitator(fac)), asyncio.create_task(b.read_wall(wall))]
        await b.ask_all([("cpu",)] * workers, 60)  # every worker is up
        base = b.stats()

        # 1. join
        begun = await b.phase_begin()
        items = [(i, "phone", str(i % opts.tables + 1)) for i in range(opts.phones)]
        answers = await b.join(items, code, f"joining {opts.phones} phones")
        join_phase = await b.phase_end("join", begun)
        after_join = b.stats()  # memory held for the phones, before any message
        timings = [t for a in answers for t in a["timings"]]
        join_failures = [f for a in answers for f in a["failures"]]
        if not timings:
            raise click.ClickException(f"no phone could join; first failure: {join_failures[:1]}")
        gc.collect()
        gc.freeze()
        gc.disable()

        # 2. push to all
        begun = await b.phase_begin()
        firsts, lasts, medians, t0s, per_push = [], [], [], {}, []
        missing_pushes = 0
        for number in range(WARMUP_PUSHES + opts.pushes):
            b.push_events[number] = asyncio.Event()
            if b.push_done.get(number, 0) == len(b.workers):
                b.push_events[number].set()
            t0, ack = await b.facilitator_command(
                fac,
                {
                    "type": "step.push",
                    "text": f"{PUSH_PREFIX}{number}",
                    "duration_s": 3600,
                    "collect_ideas": True,
                    "audience": {"tables": None, "role": None},
                },
            )
            if ack.get("type") != "ack":
                raise RuntimeError(f"step.push failed: {ack}")
            t0s[number] = t0
            try:
                await asyncio.wait_for(b.push_events[number].wait(), 15)
            except TimeoutError:
                missing_pushes += 1
            await asyncio.sleep(rng.uniform(0.15, 0.3))
        await asyncio.sleep(0.3)
        reports = await b.ask_all([("pushes",)] * workers, 60)
        for number in range(WARMUP_PUSHES, WARMUP_PUSHES + opts.pushes):
            latencies = sorted(ms(t - t0s[number]) for r in reports for t in r["recv"].get(number, []))
            if latencies:
                per_push.append(
                    {
                        "t0_ns": t0s[number],
                        "first": round(latencies[0], 2),
                        "median": round(latencies[len(latencies) // 2], 2),
                        "last": round(latencies[-1], 2),
                    }
                )
                firsts.append(latencies[0])
                lasts.append(latencies[-1])
                medians.append(latencies[len(latencies) // 2])
        push_phase = await b.phase_end("push", begun)
        received = sum(
            len(r["recv"].get(n, [])) for r in reports for n in range(WARMUP_PUSHES, WARMUP_PUSHES + opts.pushes)
        )
        phones_connected = sum(r["phones"] for r in reports)

        # 3. idea latency at a modest rate, one idea per phone
        begun = await b.phase_begin()
        count = min(opts.idea_latency_count, phones_connected)
        per_worker: list[list[tuple[int, str, int]]] = [[] for _ in range(workers)]
        step_ns = int(1e9 / opts.idea_latency_rate)
        for k in range(count):
            per_worker[k % workers].append((k, f"L{k}", k * step_ns))
        t_base = time.perf_counter_ns() + 300_000_000
        answers = await b.ask_all(
            [("ideas", per_worker[w], t_base, 30.0 + count / opts.idea_latency_rate) for w in range(workers)]
        )
        await _settle_wall(b, [c for w in per_worker for _, c, _ in w])
        ideas = _idea_results(answers, b.wall_seen)
        idea_phase = await b.phase_end("ideas", begun)
        ideas.update({"offered_per_s": opts.idea_latency_rate, "phones_used": count})

        # 4. sustained ingest
        ingest: dict[str, Any] | None = None
        if opts.ingest_seconds > 0 and opts.ideas_rate > 0 and not hub:  # the hub stores nothing to ingest
            total = int(round(opts.ideas_rate * opts.ingest_seconds))
            participants = math.ceil(total / IDEAS_PER_PARTICIPANT)
            first = opts.phones
            items = [(first + i, "ingest", str(i % opts.tables + 1)) for i in range(participants)]
            begun = await b.phase_begin()
            joined = await b.join(items, code, f"joining {participants} ingest participants")
            await b.phase_end("ingest-join", begun)
            ingest_failures = [f for a in joined for f in a["failures"]]
            per_worker = [[] for _ in range(workers)]
            step_ns = int(1e9 / opts.ideas_rate)
            for k in range(total):
                j = k % participants  # participant j sends every `participants` ideas: <= 12 in the window
                per_worker[j % workers].append((first + j, f"I{k}", k * step_ns))
            commits_before = await _commit_counts(http)
            begun = await b.phase_begin()
            t_base = time.perf_counter_ns() + 300_000_000
            answers = await b.ask_all(
                [("ideas", per_worker[w], t_base, 60.0 + opts.ingest_seconds) for w in range(workers)]
            )
            await _settle_wall(b, [c for w in per_worker for _, c, _ in w])
            ingest = _idea_results(answers, b.wall_seen)
            ingest_phase = await b.phase_end("ingest", begun)
            commits_after = await _commit_counts(http)
            commits = commits_after[0] - commits_before[0]
            ingest.update(
                {
                    "offered_per_s": opts.ideas_rate,
                    "seconds": opts.ingest_seconds,
                    "participants": participants,
                    "participant_join_failures": len(ingest_failures),
                    "achieved_per_s": ingest["acks_per_s"],
                    "server_cpu_s": ingest_phase.server_cpu_s,
                    "commits": commits,  # commit batches of the window (/metrics), and entries per batch
                    "entries_per_commit": round((commits_after[1] - commits_before[1]) / max(1, commits), 2),
                    "design": (
                        f"{total} ideas offered open-loop at {opts.ideas_rate:g}/s by {participants} extra "
                        f"participants (round-robin, <= {IDEAS_PER_PARTICIPANT} each: the server's limit is "
                        f"{IDEAS_PER_PARTICIPANT} per participant per 60 s), seated over {opts.tables} tables "
                        "beside the phones; they joined before the window"
                    ),
                }
            )

        # transcript: every acked idea exactly once
        # (the bare hub keeps no transcript: its ideas count as written once when on the wall once)
        transcript = [c for c in b.wall_seen] if hub else await _transcript_ideas(http, event_id, tokens["organiser"])
        await http.close()
        for result in (ideas, ingest):
            if result is None:
                continue
            ids = [c for c in transcript if c.startswith("L" if result is ideas else "I")]
            counts = Counter(ids)
            result["in_transcript"] = len(counts)
            result["in_transcript_twice"] = sum(1 for c in counts.values() if c > 1)
            result["exactly_once"] = bool(
                result["acked"] == result["sent"]
                and not result["errors"]
                and not result["acked_more_than_once"]
                and result["in_transcript"] == result["sent"]
                and not result["in_transcript_twice"]
                and result["on_wall"] == result["sent"]
                and not result["acked_as_duplicate"]
                and len(set(result["seqs"])) == len(result["seqs"])
            )
            del result["seqs"]

        end = b.stats()
        cpu_workers = await b.ask_all([("cpu",)] * workers, 60)
        closed = [c for r in reports for c in r["closed"]]
        results: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "loadavg_at_start": load_at_start,
            "code": "bare reference hub (bench/reference_hub.py)"
            if hub
            else (opts.label or (_code_version() if not opts.url else "external server (--url)")),
            "side": "reference" if hub else "wholeroom",
            "config": {
                "phones": opts.phones,
                "tables": opts.tables,
                "pushes": opts.pushes,
                "ideas_rate": opts.ideas_rate,
                "ingest_seconds": opts.ingest_seconds,
                "workers": workers,
                "pinned": pin,
                "phone_client": opts.client,
                "server": "subprocess (python -m bench.reference_hub)"
                if hub
                else (opts.url or "subprocess (wholeroom serve, SQLite WAL)"),
            },
            "machine": _machine(),
            "join": {
                "phones": opts.phones,
                "joined": len(timings),
                "failures": len(join_failures),
                "failure_examples": join_failures[:5],
                "total_s": join_phase.seconds,
                "per_s": round(len(timings) / join_phase.seconds, 1) if join_phase.seconds else math.nan,
                "per_phone_ms": summary([ms(t[2]) for t in timings]),
                "http_join_ms": summary([ms(t[0]) for t in timings]),
                "ws_welcome_ms": summary([ms(t[1]) for t in timings]),
                "server_cpu_s": join_phase.server_cpu_s,
            },
            "push": {
                "pushes": opts.pushes,
                "warmups": WARMUP_PUSHES,
                "phones": phones_connected,
                "deliveries": received,
                "all_received": received == phones_connected * opts.pushes and missing_pushes == 0,
                "last_ms": summary(lasts),
                "median_phone_ms": summary(medians),
                "first_phone_ms": summary(firsts),
                "per_push_ms": per_push,
                "server_cpu_s": push_phase.server_cpu_s,
                "server_cpu_us_per_delivery": round(
                    push_phase.server_cpu_s * 1e6 / max(1, received * (1 + WARMUP_PUSHES / max(1, opts.pushes))), 1
                ),
                "clients_cpu_s": push_phase.clients_cpu_s,
                "others_cpu_s": push_phase.others_cpu_s,
                "clients_cpu_us_per_delivery": round(
                    push_phase.clients_cpu_s * 1e6 / max(1, received * (1 + WARMUP_PUSHES / max(1, opts.pushes))), 1
                ),
            },
            "ideas": {**ideas, "server_cpu_s": idea_phase.server_cpu_s},
            "ingest": ingest,
            "server": {
                "pid": b.server_pid,
                "cpu_s": round(end.cpu_s - base.cpu_s, 2) if end and base else math.nan,
                "rss_peak_mb": round(max(end.hwm_mb, *b.rss_samples), 1) if end else math.nan,
                "rss_end_mb": round(end.rss_mb, 1) if end else math.nan,
                "rss_at_start_mb": round(base.rss_mb, 1) if base else math.nan,
                "rss_after_join_mb": round(after_join.rss_mb, 1) if after_join else math.nan,
                "phases": [p.__dict__ for p in b.phases],
            },
            "clients": {
                "cpu_s": round(sum(cpu_workers), 2),
                "closed_connections": Counter(closed),
                "staff_closed": dict(b.staff_closed),
                "unexpected_errors": [e for r in reports for e in r["other_errors"]][:10],
            },
        }
        results["targets"] = targets_for(results)
        for reader in readers:
            reader.cancel()
        return results
    finally:
        if sampler is not None:
            sampler.cancel()
        for ws in staff:
            await ws.close()
        for wid, (proc, conn) in enumerate(b.workers):
            try:
                conn.send(("close",))
                await asyncio.wait_for(b.replies[wid].get(), 30)
            except (OSError, TimeoutError):
                pass
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        if b.server is not None:
            b.server.stop()
            if opts.keep_db and tmp is not None:
                click.echo(f"database and server log kept in {tmp.name}", err=True)
        if tmp is not None and not opts.keep_db:
            tmp.cleanup()


async def _settle_wall(b: Bench, client_ids: list[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(c not in b.wall_seen for c in client_ids):
        await asyncio.sleep(0.05)


async def _commit_counts(http: Http) -> tuple[int, int]:
    """Commit batches and entries committed so far, from the server's /metrics (this worker's)."""
    status, _, body = await http.request("GET", "/metrics")
    if status != 200:
        return (0, 0)
    found = {"wholeroom_commit_seconds_count": 0.0, "wholeroom_entries_committed_total": 0.0}
    for line in body.decode().splitlines():
        name, _, value = line.partition(" ")
        if name in found:
            found[name] = float(value)
    return int(found["wholeroom_commit_seconds_count"]), int(found["wholeroom_entries_committed_total"])


async def _transcript_ideas(http: Http, event_id: str, token: str) -> list[str]:
    """client_id of every ``idea.submitted`` entry, read page by page like an organiser would."""
    out: list[str] = []
    after = 0
    while True:
        status, headers, body = await http.request(
            "GET", f"/api/events/{event_id}/transcript?after={after}&limit=10000", token=token
        )
        if status != 200:
            raise RuntimeError(f"transcript: HTTP {status} {body[:200]!r}")
        if not body:
            return out
        for line in body.decode().splitlines():
            entry = json.loads(line)
            if entry["kind"] == "idea.submitted":
                out.append(entry["payload"]["client_id"])
        after = int(headers["x-next-after"])


def _code_version() -> str:
    """The commit of the server code under test, and whether server/ had uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "server"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted server/ changes' if dirty else ''}" if head else "unknown"


def _machine() -> dict[str, Any]:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "websockets": version("websockets"),
    }


# --- output ---------------------------------------------------------------------------------------


def _fmt(d: dict[str, float], keys: tuple[str, ...] = ("p50", "p95", "p99", "max")) -> str:
    return "  ".join(f"{k} {d[k]:.1f}" for k in keys if k in d)


def render(r: dict[str, Any]) -> str:
    c, j, p, i, s = r["config"], r["join"], r["push"], r["ideas"], r["server"]
    lines = [
        f"Wholeroom bench  {r['date']}",
        f"  machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, Python {r['machine']['python']}; "
        f"{c['workers']} load process(es) ({c.get('phone_client', 'asyncio')} phones), "
        f"{'server on CPU 0, load on CPU 1' if c['pinned'] else 'not pinned'}",
        f"  server: {c['server']} at {r.get('code', '?')}; "
        f"load average at start {' '.join(f'{x:.2f}' for x in r['loadavg_at_start'])}",
        "",
        f"join      {j['joined']}/{j['phones']} phones in {j['total_s']:.2f} s ({j['per_s']}/s, "
        f"{j['failures']} failed); per phone ms: {_fmt(j['per_phone_ms'], ('p50', 'p99', 'max'))}",
        f"          POST /api/join ms: {_fmt(j['http_join_ms'], ('p50', 'p99'))}; "
        f"websocket hello->welcome ms: {_fmt(j['ws_welcome_ms'], ('p50', 'p99'))}",
        f"push      to all {p['phones']} phones, {p['pushes']} pushes after {p['warmups']} warm-ups; "
        f"all received: {p['all_received']}",
        f"          last phone ms:   {_fmt(p['last_ms'])}",
        f"          median phone ms: {_fmt(p['median_phone_ms'])}",
        f"          first phone ms:  {_fmt(p['first_phone_ms'])}",
        f"          server CPU {p['server_cpu_s']} s (~{p['server_cpu_us_per_delivery']} us per delivery); "
        f"load processes {p['clients_cpu_s']} s (~{p['clients_cpu_us_per_delivery']} us per delivery)",
        f"ideas     {i['sent']} ideas at {i['offered_per_s']:g}/s (one per phone): acked {i['acked']}, "
        f"on wall {i['on_wall']}, exactly once: {i['exactly_once']}",
        f"          idea->wall ms: {_fmt(i['wall_ms'], ('p50', 'p99', 'max'))};  send->ack ms: "
        f"{_fmt(i['ack_ms'], ('p50', 'p99', 'max'))}",
    ]
    g = r.get("ingest")
    if g:
        lines += [
            f"ingest    offered {g['offered_per_s']:g}/s for {g['seconds']:g} s: {g['acked']}/{g['sent']} acked, "
            f"committed {g['achieved_per_s']}/s, errors {g['errors'] or 'none'}, exactly once: {g['exactly_once']}",
            f"          idea->wall ms: {_fmt(g['wall_ms'], ('p50', 'p99', 'max'))};  send->ack ms: "
            f"{_fmt(g['ack_ms'], ('p50', 'p99', 'max'))};  server CPU {g['server_cpu_s']} s; "
            f"{g['commits']} commits, {g['entries_per_commit']} entries each",
            f"          design: {g['design']}",
        ]
    phases = ", ".join(
        f"{ph['name']} {ph['server_cpu_s']}/{ph['clients_cpu_s']}/{ph['others_cpu_s']}/{ph['seconds']} s"
        for ph in s["phases"]
    )
    lines += [
        f"server    CPU {s['cpu_s']} s in total (per phase, server/load/other processes' CPU, wall: {phases})",
        f"          RSS peak {s['rss_peak_mb']} MB (start {s['rss_at_start_mb']} MB, end {s['rss_end_mb']} MB)",
        f"clients   CPU {r['clients']['cpu_s']} s; connections closed by the server: "
        f"{dict(r['clients']['closed_connections']) or 'none'}; staff sockets closed: "
        f"{r['clients'].get('staff_closed') or 'none'}",
        "",
        "targets",
    ]
    for t in r["targets"]:
        mark = "PASS" if t["pass"] else "MISS"
        lines.append(f"  [{mark}] {t['target']:<36} {t['limit']:>12}   measured {t['value']}")
    if not r["targets"]:
        lines.append("  (none apply to this size of run)")
    if "reference" in r:
        lines += ["", render_reference(r)]
    if any(t["limit"].endswith("*") for t in r["targets"]):
        lines.append(
            "  * committed rate (acks/s, first send to last ack) >= 500/s (>= 99 % of the offered rate when "
            "offering ~500/s), every idea acked, on the wall and in the transcript exactly once"
        )
    return "\n".join(lines)


def render_reference(r: dict[str, Any]) -> str:
    """The side-by-side table: the bare hub before, Wholeroom, the bare hub after, and the ratio."""
    runs = r["reference"]["runs"]
    title = "side by side (same phones, same pinning)"
    head = f"{title:<40} {'hub before':>11} {'Wholeroom':>11} {'hub after':>11} {'ratio':>7}"
    lines = [head, "-" * len(head)]
    for label, row in r["reference"]["ratios"].items():
        hubs = [f"{v:>11.1f}" for v in row["hub"]]
        lines.append(f"{label:<40} {hubs[0]} {row['wholeroom']:>11.1f} {hubs[-1]} {row['ratio']:>6.2f}x")
    lines.append(
        f"(ratio = Wholeroom / mean of the hub's runs; hub deliveries per run: "
        f"{', '.join(str(h['push']['deliveries']) for h in runs)}, all received: "
        f"{all(h['push']['all_received'] for h in runs)})"
    )
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phones", default=120, show_default=True, type=click.IntRange(1), help="Phones to join.")
@click.option("--tables", default=15, show_default=True, type=click.IntRange(1, 500), help="Tables in the event.")
@click.option("--pushes", default=20, show_default=True, type=click.IntRange(1), help="Measured step pushes.")
@click.option(
    "--ideas-rate",
    default=500.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Ideas/s offered in the sustained ingest phase.",
)
@click.option(
    "--ingest-seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Length of the ingest phase (0 skips it).",
)
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Load-generating processes (0: one per 1,500 phones, at most 4).",
)
@click.option(
    "--pin/--no-pin", default=True, show_default=True, help="Pin the server to CPU 0 and the load processes to CPU 1."
)
@click.option(
    "--client",
    type=click.Choice(["asyncio", "sansio"]),
    default="asyncio",
    show_default=True,
    help="Phones on the websockets asyncio client, or on its sans-I/O protocol (less load CPU per message).",
)
@click.option("--url", default=None, help="Bench an already running server instead of starting one.")
@click.option("--admin-secret", default=None, help="Its admin secret (with --url; or WHOLEROOM_ADMIN_SECRET).")
@click.option("--server-pid", default=None, type=int, help="Its pid, to report its CPU and memory (with --url).")
@click.option("--label", default=None, help="Free text recorded with the results (e.g. the server's commit).")
@click.option(
    "--reference",
    is_flag=True,
    help="Also run the bare reference hub (bench/reference_hub.py) before and after Wholeroom, with the "
    "same phones and pinning, and print the ratios.",
)
@click.option("--reference-only", is_flag=True, help="Run only the bare reference hub (join, push, ideas).")
@click.option("--keep-db", is_flag=True, help="Keep the temporary database and server log.")
@click.option("--quick", is_flag=True, help="A tiny smoke run for CI (a few seconds).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def command(quick: bool, as_json: bool, **kwargs: Any) -> None:
    """Load-test Wholeroom: phones over real websockets against a real server process."""
    opts = Options(**kwargs)
    if quick:
        opts.phones, opts.tables, opts.pushes = 20, 4, 5
        opts.ideas_rate, opts.ingest_seconds = 50.0, 2.0
        opts.idea_latency_rate, opts.idea_latency_count = 50.0, 20
        opts.workers = opts.workers or 1
    try:
        import uvloop

        results = uvloop.run(run_bench(opts))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        results = asyncio.run(run_bench(opts))
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))
    else:
        click.echo(render(results))


if __name__ == "__main__":
    command()
