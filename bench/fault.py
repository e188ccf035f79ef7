"""The fault benchmark: phones keep working while a worker is killed and Redis restarts.

``python -m bench.fault`` starts a PostgreSQL database of its own (on the server named by ``--pg``),
a ``redis-server`` of its own on a spare port, and ``wholeroom serve --workers 2`` on them, behind
one port as an operator runs it. Phones join (load processes: :mod:`bench.fault_phones`), then
for five phases of ``--phase-seconds`` each the facilitator pushes a step every ``--push-every``
seconds and phones send ideas at ``--ideas-rate`` per second, while a wall screen watches:

1. **steady**: nothing goes wrong;
2. **worker killed**: at its start one worker gets SIGKILL; its phones reconnect (through the same
   port, to whichever worker the kernel gives them) and resume by ``seq``; uvicorn starts a new one;
3. **recovered**;
4. **Redis restarted**: at its start Redis gets SIGKILL and comes back ``--redis-down`` seconds later;
5. **after**.

For each phase it reports push-to-all (the facilitator's send to the last phone's receipt) and
idea-to-wall (the phone's send to the wall's receipt) p50/p99; for the worker kill, how long phones
took to reconnect; and at the end, read back from the database, how many acknowledged ideas were
lost or stored twice (both must be 0), with every phone's deliveries checked for order and gaps.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import os
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import click
from websockets.exceptions import ConnectionClosed

from .fault_phones import main as phones_main
from .httpc import Http
from .load import _code_version, _machine, _transcript_ideas
from .server import (
    BENCH_ENV,
    CLK_TCK,
    RedisServer,
    die_with_parent,
    free_port,
    machine_busy_s,
    raise_nofile,
    wholeroom_command,
)
from .stats import ms, run_and_report, summary
from .worker import PUSH_PREFIX, open_socket

JOIN_IN_FLIGHT = 200
SETTLE_S = 60.0


@dataclass
class Options:
    phones: int = 5000
    tables: int = 15
    workers: int = 2
    load_processes: int = 4
    push_every: float = 1.0
    ideas_rate: float = 20.0
    phase_seconds: float = 20.0
    redis_down: float = 3.0
    pg: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    keep: bool = False


PHASES = ("steady", "worker killed", "recovered", "Redis restarted", "after")


@dataclass
class Push:
    number: int
    phase: str
    sent_ns: int
    accepted: bool = False
    error: str = ""


@dataclass
class Wall:
    """The projector wall: one staff socket that reconnects and resumes like any screen."""

    host: str
    port: int
    token: str
    seq: int = 0
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)  # client_id -> (first seen at, seq)
    stored_twice: int = 0  # one client_id under two different seqs
    out_of_order: int = 0
    reconnects: int = 0
    pushes: dict[int, int] = field(default_factory=dict)  # push number -> its seq
    present: int = -1  # people connected, summed over every worker, as the staff screens show it

    async def run(self) -> None:
        while True:
            try:
                ws, _ = await open_socket(f"ws://{self.host}:{self.port}/ws", self.token, after=self.seq)
            except (OSError, ConnectionClosed, RuntimeError, TimeoutError):
                await asyncio.sleep(0.5)
                continue
            try:
                async for message in ws:
                    self.on_message(str(message))
            except ConnectionClosed:
                pass
            self.reconnects += 1
            await asyncio.sleep(0.25)

    def on_message(self, text: str) -> None:
        if text.startswith('{"type":"presence"'):
            self.present = sum(json.loads(text)["connected"].values())
            return
        if not text.startswith('{"type":"entry"'):
            return
        now = time.perf_counter_ns()
        entry = json.loads(text)
        if entry["seq"] <= self.seq:
            self.out_of_order += 1
            return
        self.seq = entry["seq"]
        if entry["kind"] == "step.pushed" and entry["payload"]["text"].startswith(PUSH_PREFIX):
            self.pushes.setdefault(int(entry["payload"]["text"][len(PUSH_PREFIX) :]), entry["seq"])
        if entry["kind"] == "idea.submitted":
            client_id = entry["payload"]["client_id"]
            if client_id in self.seen:
                self.stored_twice += 1
            else:
                self.seen[client_id] = (now, entry["seq"])


class Cluster:
    """PostgreSQL database, Redis and ``wholeroom serve --workers N``, all of the benchmark's own."""

    def __init__(self, opts: Options, folder: Path) -> None:
        self.opts, self.folder = opts, folder
        self.database = f"wholeroom_fault_{secrets.token_hex(4)}"
        try:
            self.redis = RedisServer(folder / "redis.log")
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from None
        self.port = free_port()
        self.admin = secrets.token_urlsafe(18)
        self.supervisor: subprocess.Popen[bytes] | None = None
        self.killed: list[int] = []

    @property
    def database_url(self) -> str:
        base = self.opts.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{self.database}"

    def start(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.opts.pg, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
        except psycopg.Error as exc:
            self.database = ""  # nothing to drop
            raise click.ClickException(f"cannot create a database on --pg {self.opts.pg}: {exc}") from None
        try:
            self.redis.start()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        env = {
            **os.environ,
            **BENCH_ENV,
            "DATABASE_URL": self.database_url,
            "BROKER_URL": self.redis.url,
            "WHOLEROOM_ADMIN_SECRET": self.admin,
            "WHOLEROOM_THEMES": "false",
            "PYTHONUNBUFFERED": "1",
        }
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        command = [*wholeroom_command(), "serve", "--port", str(self.port), "--workers", str(self.opts.workers)]
        self.supervisor = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent
        )
        log.close()
        deadline = time.monotonic() + 60
        while len(self.worker_pids()) < self.opts.workers or not self._healthy():
            if self.supervisor.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException(f"the server did not start; see {self.folder / 'server.log'}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The supervisor's worker processes (not multiprocessing's resource tracker)."""
        if self.supervisor is None:
            return []
        pid = self.supervisor.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                children = [int(c) for c in f.read().split()]
        except OSError:
            return []
        workers = []
        for child in children:
            try:
                with open(f"/proc/{child}/cmdline", "rb") as f:
                    if b"resource_tracker" not in f.read():
                        workers.append(child)
            except OSError:
                continue
        return workers

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)
        return pid

    def stop(self) -> None:
        if self.supervisor is not None and self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGINT)
            try:
                self.supervisor.wait(20)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()
        self.redis.kill()
        if self.database and not self.opts.keep:
            import psycopg

            with psycopg.connect(self.opts.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def cpu_of(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            continue
    return out


class LoadProcesses:
    def __init__(self, count: int, host: str, port: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=phones_main, args=(child, host, port), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self._lock = threading.Lock()

    async def ask(self, commands: list[tuple[Any, ...]], timeout: float = 600) -> list[Any]:
        def exchange() -> list[Any]:
            with self._lock:
                for conn, command in zip(self.conns, commands, strict=True):
                    conn.send(command)
                answers = []
                for conn, command in zip(self.conns, commands, strict=True):
                    if not conn.poll(timeout):
                        raise TimeoutError(f"a load process did not answer {command[0]!r}")
                    name, answer = conn.recv()
                    assert name == command[0], (name, command[0])
                    answers.append(answer)
                return answers

        return await asyncio.to_thread(exchange)

    async def close(self) -> None:
        try:
            await self.ask([("close",)] * len(self.conns), timeout=30)
        except (OSError, TimeoutError, EOFError):
            pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


async def run(opts: Options) -> dict[str, Any]:
    raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="wholeroom-fault-"))
    cluster = Cluster(opts, folder)
    load: LoadProcesses | None = None
    wall_task: asyncio.Task[None] | None = None
    try:
        click.echo(
            f"starting PostgreSQL database {cluster.database}, Redis on port {cluster.redis.port} and "
            f"{opts.workers} workers on port {cluster.port} (logs in {folder})",
            err=True,
        )
        await asyncio.to_thread(cluster.start)
        host, port = "127.0.0.1", cluster.port
        http = Http(host, port)
        created = await http.json(
            "POST", "/api/events", {"title": "Fault bench", "tables": opts.tables}, token=cluster.admin, expect=201
        )
        event_id, tokens = created["event_id"], created["tokens"]
        wall = Wall(host, port, tokens["wall"])
        wall_task = asyncio.create_task(wall.run())
        load = LoadProcesses(opts.load_processes, host, port)

        # join: phones spread over the load processes and the tables
        started = time.perf_counter()
        shares: list[list[tuple[int, str]]] = [[] for _ in range(opts.load_processes)]
        for i in range(opts.phones):
            shares[i % opts.load_processes].append((i, str(i % opts.tables + 1)))
        in_flight = max(1, JOIN_IN_FLIGHT // opts.load_processes)
        click.echo(f"joining {opts.phones} phones ...", err=True)
        joins = await load.ask([("join", share, created["join_code"], in_flight) for share in shares])
        join_s = time.perf_counter() - started
        joined = [j["joined"] for j in joins]
        failures = [f for j in joins for f in j["failures"]]
        if not sum(joined):
            raise click.ClickException(f"no phone could join: {failures[:1]}")
        click.echo(f"  {sum(joined)} joined in {join_s:.1f} s ({len(failures)} failed)", err=True)

        # a first step, so that ideas have somewhere to go from the first second (not measured)
        warmup = await _push(Http(host, port), event_id, tokens["facilitator"], -1, "warm-up")
        if not warmup.accepted:
            raise click.ClickException(f"the first step.push failed: {warmup.error}")

        # ideas: the whole run's schedule, open loop, spread over phones (at most 12 per person a minute)
        t0 = time.perf_counter_ns() + 2_000_000_000
        count = int(opts.ideas_rate * opts.phase_seconds * len(PHASES))
        schedules: list[list[tuple[int, str, int]]] = [[] for _ in shares]
        for k in range(count):
            process = k % opts.load_processes
            if joined[process] == 0:
                continue
            position = (k // opts.load_processes * 7) % joined[process]
            schedules[process].append((position, f"F{k}", t0 + int(k * 1e9 / opts.ideas_rate)))
        await load.ask([("ideas", schedule) for schedule in schedules])

        # the phases: a push every --push-every seconds, and the two faults
        faults: dict[str, Any] = {}
        phase_cpu: list[dict[str, Any]] = []
        fac = tokens["facilitator"]
        push_tasks: list[asyncio.Task[Push]] = []
        await asyncio.sleep(max(0.0, (t0 - time.perf_counter_ns()) / 1e9))
        for index, phase in enumerate(PHASES):
            begun = await _cpu_mark(cluster, load)
            phase_start = t0 + int(index * opts.phase_seconds * 1e9)
            if phase == "worker killed":
                pid = cluster.kill_worker()
                faults["worker_killed"] = {"pid": pid, "at_ns": time.perf_counter_ns()}
                click.echo(f"  SIGKILL worker {pid}", err=True)
            if phase == "Redis restarted":
                faults["redis_killed_at_ns"] = time.perf_counter_ns()
                cluster.redis.kill()
                click.echo(f"  SIGKILL Redis; starting it again in {opts.redis_down:g} s", err=True)
                asyncio.create_task(_restart_redis(cluster, opts.redis_down, faults))
            click.echo(f"phase {index + 1}/{len(PHASES)}: {phase}", err=True)
            for k in range(math.ceil(opts.phase_seconds / opts.push_every)):
                # on time, whether or not the last one was answered (as a facilitator clicks)
                due = phase_start + int(k * opts.push_every * 1e9)
                await asyncio.sleep(max(0.0, (due - time.perf_counter_ns()) / 1e9))
                push_tasks.append(asyncio.create_task(_push(Http(host, port), event_id, fac, len(push_tasks), phase)))
            await asyncio.sleep(max(0.0, (phase_start + int(opts.phase_seconds * 1e9) - time.perf_counter_ns()) / 1e9))
            phase_cpu.append({"phase": phase, **await _cpu_since(cluster, load, begun)})
        pushes = list(await asyncio.gather(*push_tasks))
        faults.setdefault("worker_restarted", [p for p in cluster.worker_pids()])

        # settle: every phone back, every push delivered, every idea acked (or refused), the wall caught up
        click.echo("settling ...", err=True)
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            status = await load.ask([("status",)] * opts.load_processes)
            delivered = sum(s["pushes"].get(p.number, 0) for s in status for p in pushes if p.accepted)
            expected = sum(joined) * sum(1 for p in pushes if p.accepted)
            if (
                sum(s["live"] for s in status) == sum(joined)
                and delivered == expected
                and not sum(s["unacked"] for s in status)
            ):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(6.0)  # presence: workers share counts every 2 s, and forget a dead one after 5 s
        push_seqs = {p.number: wall.pushes[p.number] for p in pushes if p.number in wall.pushes}
        reports = await load.ask([("report", push_seqs)] * opts.load_processes)
        await http.close()  # its connection may have been to the worker that was killed
        transcript = await _transcript_ideas(http, event_id, tokens["organiser"])
        await http.close()
        return _results(opts, t0, join_s, joined, failures, pushes, faults, phase_cpu, reports, transcript, wall)
    finally:
        if wall_task is not None:
            wall_task.cancel()
        if load is not None:
            await load.close()
        await asyncio.to_thread(cluster.stop)
        if opts.keep:
            click.echo(f"kept: database {cluster.database}, logs in {folder}", err=True)


async def _push(http: Http, event_id: str, token: str, number: int, phase: str) -> Push:
    push = Push(number, phase, time.perf_counter_ns())
    body = {"type": "step.push", "text": f"{PUSH_PREFIX}{number}", "duration_s": 3600, "collect_ideas": True}
    try:
        status, _headers, raw = await asyncio.wait_for(
            http.request("POST", f"/api/events/{event_id}/commands", body, token), 10
        )
        if status == 200:
            push.accepted = True
        else:
            push.error = f"HTTP {status}: {raw[:120]!r}"
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        push.error = f"{type(exc).__name__}: {exc}"[:160]
    finally:
        await http.close()
    return push


async def _restart_redis(cluster: Cluster, down_s: float, faults: dict[str, Any]) -> None:
    await asyncio.sleep(down_s)
    await asyncio.to_thread(cluster.redis.start)
    faults["redis_started_at_ns"] = time.perf_counter_ns()


async def _cpu_mark(cluster: Cluster, load: LoadProcesses) -> tuple[dict[int, float], float, float, float]:
    loads = sum(await load.ask([("cpu",)] * len(load.conns)))
    busy, _steal = machine_busy_s()
    return cpu_of(cluster.worker_pids()), loads, busy, time.perf_counter()


async def _cpu_since(
    cluster: Cluster, load: LoadProcesses, begun: tuple[dict[int, float], float, float, float]
) -> dict[str, float]:
    servers0, loads0, busy0, wall0 = begun
    servers1 = cpu_of(cluster.worker_pids())
    # a worker that died meanwhile is not counted; one that started meanwhile counts from zero
    server = sum(cpu - servers0.get(pid, 0.0) for pid, cpu in servers1.items())
    loads = sum(await load.ask([("cpu",)] * len(load.conns))) - loads0
    busy = machine_busy_s()[0] - busy0
    seconds = time.perf_counter() - wall0
    return {
        "seconds": round(seconds, 1),
        "server_cpu_s": round(server, 1),
        "load_cpu_s": round(loads, 1),
        "others_cpu_s": round(busy - server - loads, 1),
        "machine_busy_pct": round(100 * busy / seconds / 2, 1) if seconds else math.nan,
    }


def _results(
    opts: Options,
    t0: int,
    join_s: float,
    joined: list[int],
    failures: list[str],
    pushes: list[Push],
    faults: dict[str, Any],
    phase_cpu: list[dict[str, Any]],
    reports: list[dict[str, Any]],
    transcript: list[str],
    wall: Wall,
) -> dict[str, Any]:
    phones = sum(joined)
    receipts: dict[int, list[int]] = {}
    for report in reports:
        for number, times in report["receipts"].items():
            receipts.setdefault(int(number), []).extend(times)
    ideas: dict[str, tuple[int, int, int, int, int, str]] = {}
    for report in reports:
        ideas.update(report["ideas"])
    in_transcript = Counter(c for c in transcript if c.startswith("F"))

    def phase_of(at_ns: int) -> str:
        index = int((at_ns - t0) // (opts.phase_seconds * 1e9))
        return PHASES[min(max(index, 0), len(PHASES) - 1)]

    per_phase: dict[str, dict[str, Any]] = {}
    for phase in PHASES:
        mine = [p for p in pushes if p.phase == phase]
        lasts = [
            ms(max(receipts[p.number]) - p.sent_ns)
            for p in mine
            if p.accepted and len(receipts.get(p.number, ())) == phones
        ]
        medians = [
            ms(sorted(receipts[p.number])[len(receipts[p.number]) // 2] - p.sent_ns)
            for p in mine
            if p.accepted and receipts.get(p.number)
        ]
        phase_ideas = {c: i for c, i in ideas.items() if phase_of(i[0]) == phase}
        to_wall = [ms(wall.seen[c][0] - i[0]) for c, i in phase_ideas.items() if c in wall.seen]
        acked = [ms(i[1] - i[0]) for i in phase_ideas.values() if i[1]]
        per_phase[phase] = {
            "pushes": len(mine),
            "pushes_refused": [p.error for p in mine if not p.accepted],
            "pushes_not_on_every_phone": sum(
                1 for p in mine if p.accepted and len(receipts.get(p.number, ())) < phones
            ),
            "push_last_phone_ms": summary(lasts, (50, 99)),
            "push_median_phone_ms": summary(medians, (50, 99)),
            "ideas": len(phase_ideas),
            "idea_to_wall_ms": summary(to_wall, (50, 99)),
            "idea_ack_ms": summary(acked, (50, 99)),
            "ideas_sent_more_than_once": sum(1 for i in phase_ideas.values() if i[4] > 1),
        }
    for row in phase_cpu:
        per_phase[row.pop("phase")]["cpu"] = row

    reconnects = [r for report in reports for r in report["reconnects"]]
    kill = faults.get("worker_killed", {})
    kill_at = kill.get("at_ns", 0)
    after_kill = [(lost, back) for lost, back in reconnects if lost >= kill_at]
    acked_ids = {c for c, i in ideas.items() if i[1]}
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg_at_start": os.getloadavg(),
        "code": _code_version(),
        "machine": _machine(),
        "config": {
            "phones": opts.phones,
            "tables": opts.tables,
            "workers": opts.workers,
            "load_processes": opts.load_processes,
            "push_every_s": opts.push_every,
            "ideas_rate": opts.ideas_rate,
            "phase_seconds": opts.phase_seconds,
            "redis_down_s": opts.redis_down,
            "server": f"wholeroom serve --workers {opts.workers}, PostgreSQL + Redis, themes off",
        },
        "join": {
            "joined": phones,
            "failures": len(failures),
            "failure_examples": failures[:3],
            "seconds": round(join_s, 1),
            "per_s": round(phones / join_s, 1),
        },
        "phases": per_phase,
        "worker_kill": {
            "pid": kill.get("pid"),
            "phones_reconnected": len(after_kill),
            "reconnect_ms": summary([ms(back - lost) for lost, back in after_kill], (50, 99)),
            "all_back_after_ms": round(ms(max(back for _, back in after_kill) - kill_at), 1)
            if after_kill
            else math.nan,
            "workers_after": faults.get("worker_restarted"),
        },
        "redis_restart": {
            "down_ms": round(ms(faults["redis_started_at_ns"] - faults["redis_killed_at_ns"]), 1)
            if "redis_started_at_ns" in faults
            else math.nan,
            "phones_reconnected": sum(
                1 for lost, _ in reconnects if lost >= faults.get("redis_killed_at_ns", math.inf)
            ),
        },
        "integrity": {
            "ideas_scheduled": len(ideas),
            "ideas_acked": len(acked_ids),
            "acked_lost": sum(1 for c in acked_ids if in_transcript[c] == 0),
            "stored_twice": sum(1 for n in in_transcript.values() if n > 1),
            "acked_not_on_wall": sum(1 for c in acked_ids if c not in wall.seen),
            "never_acked": sum(1 for i in ideas.values() if not i[1]),
            "refused": dict(Counter(i[5] for i in ideas.values() if i[5])),
            "acked_as_duplicate": sum(i[3] for i in ideas.values()),
            "wall_stored_twice": wall.stored_twice,
            "wall_out_of_order": wall.out_of_order,
            "wall_reconnects": wall.reconnects,
            "presence_shown": wall.present,
            "phones_connected": phones - sum(r["still_down"] for r in reports),
            "phone_deliveries_out_of_order": sum(r["out_of_order"] for r in reports),
            "phone_pushes_missing": sum(r["missing_pushes"] for r in reports),
            "snapshot_resumes": sum(r["snapshot_resumes"] for r in reports),
            "failed_reconnect_attempts": sum(r["failed_reconnects"] for r in reports),
            "phones_still_down": sum(r["still_down"] for r in reports),
            "phone_errors": [e for r in reports for e in r["other_errors"]][:5],
        },
    }
    return results


def _q(d: dict[str, float]) -> str:
    if not d:
        return "-"
    return " / ".join(f"{d[k]:,.0f}" if d[k] >= 100 else f"{d[k]:.1f}" for k in ("p50", "p99") if k in d)


def render(r: dict[str, Any]) -> str:
    c, j, k, red, g = r["config"], r["join"], r["worker_kill"], r["redis_restart"], r["integrity"]
    lines = [
        f"Wholeroom fault bench  {r['date']}  ({r['code']})",
        f"  {r['machine']['cpu']}, {r['machine']['cores']} cores; {c['server']}; {c['load_processes']} load "
        f"processes; load average at start {' '.join(f'{x:.2f}' for x in r['loadavg_at_start'])}",
        f"  {j['joined']} phones on {c['tables']} tables joined in {j['seconds']} s ({j['per_s']}/s, "
        f"{j['failures']} failed); a push every {c['push_every_s']:g} s, {c['ideas_rate']:g} ideas/s, "
        f"phases of {c['phase_seconds']:g} s",
        "",
        f"{'phase':<17}{'push to all, ms':>18}{'idea to wall, ms':>19}{'idea ack, ms':>15}"
        f"{'pushes':>8}{'ideas':>7}   CPU s server/load/other",
        f"{'':<17}{'p50 / p99':>18}{'p50 / p99':>19}{'p50 / p99':>15}",
    ]
    for name, p in r["phases"].items():
        cpu = p.get("cpu", {})
        lines.append(
            f"{name:<17}{_q(p['push_last_phone_ms']):>18}{_q(p['idea_to_wall_ms']):>19}{_q(p['idea_ack_ms']):>15}"
            f"{p['pushes']:>8}{p['ideas']:>7}   {cpu.get('server_cpu_s', '?')}/{cpu.get('load_cpu_s', '?')}/"
            f"{cpu.get('others_cpu_s', '?')}"
        )
        problems = []
        if p["pushes_refused"]:
            problems.append(f"{len(p['pushes_refused'])} pushes refused ({p['pushes_refused'][0]})")
        if p["pushes_not_on_every_phone"]:
            problems.append(f"{p['pushes_not_on_every_phone']} pushes missed by some phone")
        if p["ideas_sent_more_than_once"]:
            problems.append(f"{p['ideas_sent_more_than_once']} ideas sent again after a reconnect")
        if problems:
            lines.append(f"{'':<17}{'; '.join(problems)}")
    lines += [
        "",
        f"worker kill      SIGKILL pid {k['pid']}: {k['phones_reconnected']} phones reconnected, reconnect ms "
        f"p50 / p99 {_q(k['reconnect_ms'])}, all back {k['all_back_after_ms']:,.0f} ms after the kill; "
        f"workers after: {k['workers_after']}",
        f"Redis restart    down {red['down_ms']:,.0f} ms; phones that had to reconnect: {red['phones_reconnected']}",
        f"integrity        {g['ideas_acked']}/{g['ideas_scheduled']} ideas acked; acked but LOST: {g['acked_lost']}; "
        f"stored TWICE: {g['stored_twice']}; acked, not on the wall: {g['acked_not_on_wall']}",
        f"                 phones: deliveries out of order or repeated {g['phone_deliveries_out_of_order']}, "
        f"pushes missing {g['phone_pushes_missing']}, still down {g['phones_still_down']}, resumed from a "
        f"snapshot {g['snapshot_resumes']}; wall: out of order {g['wall_out_of_order']}, reconnects "
        f"{g['wall_reconnects']}; repeats answered as duplicates {g['acked_as_duplicate']}",
        f"presence         staff screens show {g['presence_shown']} people connected; "
        f"{g['phones_connected']} phones are",
    ]
    if g["refused"] or g["never_acked"]:
        lines.append(f"                 never acked {g['never_acked']}, refused {g['refused']}")
    return "\n".join(lines)


def verdict(r: dict[str, Any]) -> list[str]:
    """What went wrong, if anything: the promises the fault bench checks."""
    g = r["integrity"]
    wrong = []
    for key, label in (
        ("acked_lost", "acknowledged ideas lost"),
        ("stored_twice", "ideas stored twice"),
        ("acked_not_on_wall", "acknowledged ideas never on the wall"),
        ("phone_deliveries_out_of_order", "deliveries out of order or repeated"),
        ("phone_pushes_missing", "pushes a phone never got"),
        ("phones_still_down", "phones that never came back"),
        ("wall_out_of_order", "wall deliveries out of order"),
    ):
        if g[key]:
            wrong.append(f"{g[key]} {label}")
    if g["presence_shown"] != g["phones_connected"]:
        wrong.append(f"presence shows {g['presence_shown']} people connected, not {g['phones_connected']}")
    if g["never_acked"]:
        wrong.append(f"{g['never_acked']} ideas never acknowledged")
    return wrong


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phones", default=5000, show_default=True, type=click.IntRange(1))
@click.option("--tables", default=15, show_default=True, type=click.IntRange(1, 500))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(2), help="Wholeroom workers.")
@click.option(
    "--load-processes", default=4, show_default=True, type=click.IntRange(1), help="Processes holding the phones."
)
@click.option("--push-every", default=1.0, show_default=True, type=click.FloatRange(0.1), help="Seconds.")
@click.option("--ideas-rate", default=20.0, show_default=True, type=click.FloatRange(0.1), help="Ideas/s.")
@click.option("--phase-seconds", default=20.0, show_default=True, type=click.FloatRange(1))
@click.option(
    "--redis-down", default=3.0, show_default=True, type=click.FloatRange(0), help="Seconds Redis stays down."
)
@click.option(
    "--pg",
    default=Options.pg,
    show_default=True,
    help="A PostgreSQL server to create the benchmark's database on (dropped afterwards).",
)
@click.option("--keep", is_flag=True, help="Keep the database and the logs.")
@click.option("--quick", is_flag=True, help="A small smoke run for CI (200 phones, phases of 4 s).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def command(quick: bool, as_json: bool, **kwargs: Any) -> None:
    """Kill a worker, then restart Redis, under load: latencies before, during and after, and nothing lost."""
    opts = Options(**kwargs)
    if quick:
        opts.phones, opts.tables, opts.load_processes = 200, 8, 1
        opts.phase_seconds, opts.ideas_rate, opts.push_every, opts.redis_down = 4.0, 10.0, 0.5, 1.0
    run_and_report(run(opts), verdict, "nothing acknowledged was lost or repeated", render, as_json)


if __name__ == "__main__":
    command()
