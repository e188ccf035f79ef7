"""Hostile clients: does one flooding phone slow the others down, and does a hostile client cost memory?

``python -m bench.flood`` runs ``wholeroom serve`` (one process, SQLite, themes off) with N phones
(bench.fault_phones, in load processes) and measures two things:

1. **Flood.** The facilitator pushes a step to every phone every ``--push-every`` seconds, first
   for ``--phase-seconds`` with nobody misbehaving, then as long again while one phone floods its
   socket as fast as it allows (ideas, seat changes, reactions and pings in turn, from its own
   process at the lowest priority); the two alternate ``--rounds`` times. Push latency = the
   facilitator's send -> each phone's receipt of the step; per phase the p50/p99 over every phone
   and push, and over each push's last phone.
2. **Hostile.** One token opens ``--sockets`` websockets that never read, while the facilitator
   moves that participant from table to table ``--seats-per-s`` times a second (each move sends
   every one of its sockets a snapshot) and the participant's own socket asks to move as fast as
   it may. Server RSS is sampled every second; growth is measured after ``--warmup-s``.

Exits with status 1 when the flood raised the push p99 (every phone) by 10 % or more, or RSS grew
by 10 % or more after the warm-up. ``--quick``: a few seconds of each, for CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import click
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .fault import LoadProcesses, Push, _push
from .httpc import Http
from .load import _code_version, _machine
from .server import ServerProcess, proc_stats, raise_nofile
from .stats import ms, run_and_report, summary
from .worker import Refused, SansIOSocket, open_sansio, open_socket

JOIN_IN_FLIGHT = 100
NEVER = 1 << 62  # a seq no snapshot reaches: only the step.pushed entry itself counts as received
GROWTH_MAX_PCT = 10.0


@dataclass
class Options:
    phones: int = 500
    tables: int = 25
    push_every: float = 0.25
    phase_seconds: float = 30.0
    rounds: int = 3
    sockets: int = 20
    seats_per_s: float = 10.0
    hostile_seconds: float = 60.0
    warmup_s: float = 10.0
    ideas_per_phone: int = 2
    load_processes: int = 2


# --- the flooding phone, in its own process ------------------------------------------------------


def _flood_messages(tables: list[str]) -> list[str]:
    return [
        json.dumps({"type": "idea.submit", "client_id": "flood", "text": "more buses"}),
        json.dumps({"type": "participant.seat", "table_id": tables[0]}),
        json.dumps({"type": "reaction.cast", "idea_id": "i1", "value": "agree"}),
        json.dumps({"type": "ping"}),
        json.dumps({"type": "participant.seat", "table_id": tables[1]}),
    ]


async def _flood(host: str, port: int, token: str, seconds: float, tables: list[str]) -> dict[str, Any]:
    replies: Counter[str] = Counter()
    messages = _flood_messages(tables)
    sent = closed = 0

    async def read(ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                reply = json.loads(message)
                replies[reply.get("code") or reply["type"]] += 1

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:  # when the server closes the socket, open another at once
                ws, _welcome = await open_socket(f"ws://{host}:{port}/ws", token)
                reader = asyncio.create_task(read(ws))
                try:
                    while True:
                        await ws.send(messages[sent % len(messages)])  # waits while the socket's buffer is full
                        sent += 1
                except ConnectionClosed:
                    closed += 1
                finally:
                    reader.cancel()
                    ws.transport.abort()  # a close handshake would wait behind all the server has not read
    return {"sent": sent, "seconds": seconds, "replies": dict(replies), "closed_by_server": closed}


def flood_main(conn: Connection, host: str, port: int, token: str, seconds: float, tables: list[str]) -> None:
    # Lowest priority: on this machine the flooder shares the cores with the server and the phones,
    # and its own busy loop is not what is measured (the server's handling of it is).
    os.nice(19)
    conn.send(asyncio.run(_flood(host, port, token, seconds, tables)))


# --- the run --------------------------------------------------------------------------------------


async def run(opts: Options) -> dict[str, Any]:
    raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="wholeroom-flood-"))
    admin = secrets.token_urlsafe(18)
    server = ServerProcess(folder / "flood.db", admin, folder / "server.log", env={"WHOLEROOM_THEMES": "false"})
    load: LoadProcesses | None = None
    try:
        await asyncio.to_thread(server.start)
        host, port = "127.0.0.1", server.port
        http = Http(host, port)
        created = await http.json(
            "POST", "/api/events", {"title": "Flood", "tables": opts.tables}, token=admin, expect=201
        )
        event_id, tokens, code = created["event_id"], created["tokens"], created["join_code"]
        fac = tokens["facilitator"]
        tables = [str(t) for t in range(1, opts.tables + 1)]
        await http.json(
            "POST",
            f"/api/events/{event_id}/commands",
            {"type": "step.push", "text": "Ideas?", "duration_s": 86_400},
            token=fac,
        )
        load = LoadProcesses(opts.load_processes, host, port)
        n = opts.load_processes
        shares: list[list[tuple[int, str]]] = [[] for _ in range(n)]
        for i in range(opts.phones):
            shares[i % n].append((i, tables[i % len(tables)]))
        click.echo(f"joining {opts.phones} phones (server log: {folder / 'server.log'}) ...", err=True)
        await load.ask([("join", share, code, max(1, JOIN_IN_FLIGHT // n)) for share in shares])
        # ideas at every table, so that a snapshot holds something
        for round_ in range(opts.ideas_per_phone):
            await load.ask([("send_ideas", [f"W{round_}-{i}-{k}" for k in range(len(shares[i]))]) for i in range(n)])
            await asyncio.sleep(1.0)
        flooder = await http.json("POST", "/api/join", {"code": code, "table_id": "1"}, expect=201)
        hostile = await http.json("POST", "/api/join", {"code": code, "table_id": "2"}, expect=201)

        # the two phases alternate in short windows, so that whatever else the machine does weighs
        # on both alike
        names = ("quiet", "one phone flooding")
        pushed: dict[str, list[Push]] = {name: [] for name in names}
        cpu: Counter[str] = Counter()
        flooders: list[dict[str, Any]] = []
        number = 0
        window = opts.phase_seconds / opts.rounds
        for round_ in range(opts.rounds):
            for phase in names:
                flood: tuple[multiprocessing.process.BaseProcess, Connection] | None = None
                if phase != "quiet":
                    ctx = multiprocessing.get_context("spawn")
                    parent, child = ctx.Pipe()
                    proc = ctx.Process(
                        target=flood_main, daemon=True, args=(child, host, port, flooder["token"], window + 2, tables)
                    )
                    proc.start()
                    flood = (proc, parent)
                    await asyncio.sleep(2.0)  # its socket open and flooding before the first push
                click.echo(f"round {round_ + 1}/{opts.rounds}: {phase} ({window:g} s)", err=True)
                cpu_before = proc_stats(server.pid).cpu_s
                pushes = []
                t0 = time.perf_counter_ns()
                for k in range(int(window / opts.push_every)):
                    due = t0 + int(k * opts.push_every * 1e9)
                    await asyncio.sleep(max(0.0, (due - time.perf_counter_ns()) / 1e9))
                    pushes.append(asyncio.create_task(_push(Http(host, port), event_id, fac, number, phase)))
                    number += 1
                pushed[phase] += await asyncio.gather(*pushes)
                cpu[phase] += proc_stats(server.pid).cpu_s - cpu_before
                if flood is not None:
                    proc, parent = flood
                    if not await asyncio.to_thread(parent.poll, window + 60):
                        raise RuntimeError("the flooding process did not report")
                    flooders.append(parent.recv())
                    proc.join(10)
                await asyncio.sleep(1.0)
        reports = await load.ask([("report", {p.number: NEVER for ps in pushed.values() for p in ps})] * n)
        receipts: dict[int, list[int]] = {}
        for report in reports:
            for key, times in report["receipts"].items():
                receipts.setdefault(int(key), []).extend(times)
        phases: dict[str, Any] = {}
        for phase, done in pushed.items():
            every = [ms(t - p.sent_ns) for p in done for t in receipts.get(p.number, ())]
            last = [ms(max(receipts[p.number]) - p.sent_ns) for p in done if receipts.get(p.number)]
            phases[phase] = {
                "pushes": len(done),
                "refused": sum(not p.accepted for p in done),
                "missing": sum(opts.phones - len(receipts.get(p.number, ())) for p in done),
                "every_phone_ms": summary(every, (50, 99)),
                "last_phone_ms": summary(last, (50, 99)),
                "server_cpu_s": round(cpu[phase], 1),
            }
        sent = sum(f["sent"] for f in flooders)
        replies: Counter[str] = Counter()
        for f in flooders:
            replies.update(f["replies"])
        seconds = sum(f["seconds"] for f in flooders)
        phases[names[1]]["flooder"] = {
            "sent": sent,
            "per_s": round(sent / seconds),
            "replies": dict(replies),
            "closed_by_server": sum(f["closed_by_server"] for f in flooders),
        }

        hostile_result = await _hostile(opts, host, port, server, event_id, fac, hostile, tables)
        await http.close()
        return {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "code": _code_version(),
            "machine": _machine(),
            "config": asdict(opts),
            "flood": phases,
            "hostile": hostile_result,
        }
    finally:
        if load is not None:
            await load.close()
        await asyncio.to_thread(server.stop)


async def _open_when_let(host: str, port: int, token: str, on_text: Any, refusals: Counter[str]) -> SansIOSocket:
    """A socket on ``token``; a hello refused for its rate is tried again when the server says."""
    while True:
        try:
            sock, _welcome = await open_sansio(host, port, token, on_text)
            return sock
        except Refused as refused:
            if refused.message.get("code") != "rate_limited":
                raise
            refusals["hello rate_limited"] += 1
            await asyncio.sleep(refused.message.get("retry_after_ms", 1000) / 1000)


async def _hostile(
    opts: Options,
    host: str,
    port: int,
    server: ServerProcess,
    event_id: str,
    fac: str,
    hostile: dict[str, Any],
    tables: list[str],
) -> dict[str, Any]:
    click.echo(
        f"hostile: {opts.sockets} sockets on one token that never read, "
        f"{opts.seats_per_s:g} seat changes/s ({opts.hostile_seconds:g} s)",
        err=True,
    )
    baseline = proc_stats(server.pid).rss_mb
    idle = []
    refusals: Counter[str] = Counter()
    for _ in range(opts.sockets):
        sock = await _open_when_let(host, port, hostile["token"], lambda _text: None, refusals)
        assert sock.transport is not None
        sock.transport.pause_reading()  # never reads again: the server's frames pile up
        idle.append(sock)

    def on_own(text: str) -> None:
        reply = json.loads(text)
        if reply["type"] == "error":
            refusals[reply["code"]] += 1

    own = await _open_when_let(host, port, hostile["token"], on_own, refusals)  # reads, and asks to move
    http = Http(host, port)
    samples: list[tuple[float, float]] = []
    seats = 0
    t0 = time.monotonic()
    tick = 1 / opts.seats_per_s
    while (elapsed := time.monotonic() - t0) < opts.hostile_seconds:
        if not samples or elapsed - samples[-1][0] >= 1.0:
            samples.append((elapsed, proc_stats(server.pid).rss_mb))
        table = tables[seats % 2]
        await http.json(
            "POST",
            f"/api/events/{event_id}/commands",
            {"type": "participant.seat", "participant_id": hostile["participant_id"], "table_id": table},
            token=fac,
        )
        seats += 1
        for _ in range(20):  # and the phone itself, as fast as its socket allows
            await own.send(json.dumps({"type": "participant.seat", "table_id": tables[(seats + 1) % 2]}))
        await asyncio.sleep(max(0.0, t0 + seats * tick - time.monotonic()))
    samples.append((time.monotonic() - t0, proc_stats(server.pid).rss_mb))
    for sock in idle:
        if sock.transport is not None:
            sock.transport.abort()
    await http.close()
    warm = [rss for at, rss in samples if at <= opts.warmup_s] or [samples[0][1]]
    after = [rss for at, rss in samples if at >= opts.warmup_s] or [samples[-1][1]]
    return {
        "seat_changes": seats,
        "own_refusals": dict(refusals),
        "rss_mb": {
            "before": round(baseline, 1),
            "after_warmup": round(warm[-1], 1),
            "max_after_warmup": round(max(after), 1),
            "end": round(samples[-1][1], 1),
            "growth_after_warmup_pct": round(100 * (max(after) - warm[-1]) / warm[-1], 1),
            "growth_from_before_pct": round(100 * (max(after) - baseline) / baseline, 1),
            "samples": [(round(at), round(mb, 1)) for at, mb in samples],
        },
    }


def verdict(r: dict[str, Any]) -> list[str]:
    wrong = []
    quiet, flooded = r["flood"]["quiet"], r["flood"]["one phone flooding"]
    rise = 100 * (flooded["every_phone_ms"]["p99"] / quiet["every_phone_ms"]["p99"] - 1)
    r["flood_p99_rise_pct"] = round(rise, 1)
    if rise >= GROWTH_MAX_PCT:
        wrong.append(f"the flood raised the push p99 by {rise:.1f} %")
    if flooded["missing"] or quiet["missing"]:
        wrong.append("some phones missed a push")
    growth = r["hostile"]["rss_mb"]["growth_after_warmup_pct"]
    if growth >= GROWTH_MAX_PCT:
        wrong.append(f"RSS grew {growth} % under the hostile client")
    return wrong


def _q(d: dict[str, float]) -> str:
    return " / ".join(f"{d[k]:.1f}" for k in ("p50", "p99") if k in d) or "-"


def render(r: dict[str, Any]) -> str:
    c, h = r["config"], r["hostile"]
    lines = [
        f"flood            {c['phones']} phones at {c['tables']} tables, a push every {c['push_every']:g} s, "
        f"{c['phase_seconds']:g} s per phase ({r['date']}, code {r['code']})"
    ]
    for name, p in r["flood"].items():
        lines.append(
            f"  {name:<19} push to every phone p50 / p99 {_q(p['every_phone_ms'])} ms, last phone "
            f"{_q(p['last_phone_ms'])} ms, server CPU {p['server_cpu_s']} s, missing {p['missing']}"
        )
        if "flooder" in p:
            f = p["flooder"]
            lines.append(
                f"  {'':<19} the flooder sent {f['sent']:,} messages ({f['per_s']:,}/s); "
                f"replies {f['replies']}; its socket closed by the server {f['closed_by_server']} times"
            )
    lines.append(f"  push p99 rise    {r.get('flood_p99_rise_pct')} % (every phone)")
    rss = h["rss_mb"]
    lines += [
        f"hostile          {c['sockets']} never-reading sockets on one token, {h['seat_changes']} seat changes by "
        f"the facilitator, the phone's own seat requests refused {h['own_refusals']}",
        f"  server RSS MB  before {rss['before']}, after warm-up ({c['warmup_s']:g} s) {rss['after_warmup']}, max "
        f"{rss['max_after_warmup']}, end {rss['end']}: growth {rss['growth_after_warmup_pct']} % after warm-up, "
        f"{rss['growth_from_before_pct']} % from before",
    ]
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phones", default=Options.phones, show_default=True, type=click.IntRange(2))
@click.option("--tables", default=Options.tables, show_default=True, type=click.IntRange(2, 500))
@click.option("--push-every", default=Options.push_every, show_default=True, type=click.FloatRange(0.05))
@click.option("--phase-seconds", default=Options.phase_seconds, show_default=True, type=click.FloatRange(1))
@click.option(
    "--rounds",
    default=Options.rounds,
    show_default=True,
    type=click.IntRange(1),
    help="The phases alternate this many times (each a share of --phase-seconds).",
)
@click.option("--sockets", default=Options.sockets, show_default=True, type=click.IntRange(1))
@click.option("--seats-per-s", default=Options.seats_per_s, show_default=True, type=click.FloatRange(0.1))
@click.option("--hostile-seconds", default=Options.hostile_seconds, show_default=True, type=click.FloatRange(1))
@click.option("--warmup-s", default=Options.warmup_s, show_default=True, type=click.FloatRange(0))
@click.option("--load-processes", default=Options.load_processes, show_default=True, type=click.IntRange(1))
@click.option("--quick", is_flag=True, help="100 phones, a few seconds of each (the CI smoke).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def command(quick: bool, as_json: bool, **kwargs: Any) -> None:
    """One flooding phone against N phones' push latency; a hostile client against server memory."""
    opts = Options(**kwargs)
    if quick:
        opts.phones, opts.tables, opts.phase_seconds, opts.load_processes = 100, 10, 4.0, 1
        opts.hostile_seconds, opts.warmup_s, opts.ideas_per_phone = 6.0, 2.0, 1
    # a few seconds on a shared machine measure too little to judge: the CI smoke only prints
    run_and_report(run(opts), verdict, "flood and hostile client held", render, as_json, exit_on_failure=not quick)


if __name__ == "__main__":
    command()
