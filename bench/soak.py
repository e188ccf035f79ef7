"""Soak: thousands of phones coming and going for half an hour; memory stays flat, no idea is lost.

``python -m bench.soak`` runs ``wholeroom serve`` (one process, SQLite, themes off) with 2,000
phones (bench.fault_phones: they reconnect and resume like the real page, and send again what was
not acknowledged). Every second some phones lose their connection (and resume by ``seq``), some
move to another table themselves, some leave for good while as many new ones join, and ideas
arrive from phones picked at random. The server's RSS is sampled all along; at the end every
acknowledged idea is looked up in the transcript, read back from the database.

Exits with status 1 if RSS grew more than 10 % after the warm-up, or if an acknowledged idea was
lost or stored twice. ``--quick`` is the 30-second version CI runs (tests/test_bench_others.py).
"""

from __future__ import annotations

import asyncio
import math
import secrets
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

from .fault import LoadProcesses
from .httpc import Http
from .load import _code_version, _machine, _transcript_ideas
from .server import ServerProcess, proc_stats, raise_nofile
from .stats import run_and_report

JOIN_IN_FLIGHT = 100
SETTLE_S = 60.0
RSS_GROWTH_MAX = 0.10


@dataclass
class Options:
    phones: int = 2000
    tables: int = 100
    minutes: float = 30.0
    # the room keeps its last 2,000 entries for phones that resume: at the default rates (about 7
    # entries a second) that takes about 5 minutes to fill, and is part of the warm-up
    warmup_s: float = 300.0
    ideas_per_s: float = 5.0
    drops_per_s: float = 10.0  # connections lost (the phone resumes by seq)
    reseats_per_s: float = 1.0  # phones that move themselves to another table
    leaves_per_s: float = 1.0  # phones that leave for good; as many new ones join
    sample_every_s: float = 10.0
    load_processes: int = 2


def _share(total: float, tick: int, parts: int) -> list[int]:
    """``total`` a second, as whole numbers for one tick, spread over ``parts`` processes."""
    whole = int(total * (tick + 1)) - int(total * tick)
    return [whole // parts + (1 if i < whole % parts else 0) for i in range(parts)]


async def run(opts: Options) -> dict[str, Any]:
    raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="wholeroom-soak-"))
    admin = secrets.token_urlsafe(18)
    server = ServerProcess(folder / "soak.db", admin, folder / "server.log", env={"WHOLEROOM_THEMES": "false"})
    load: LoadProcesses | None = None
    try:
        await asyncio.to_thread(server.start)
        host, port = "127.0.0.1", server.port
        http = Http(host, port)
        created = await http.json(
            "POST", "/api/events", {"title": "Soak", "tables": opts.tables}, token=admin, expect=201
        )
        event_id, tokens, code = created["event_id"], created["tokens"], created["join_code"]
        tables = [str(t) for t in range(1, opts.tables + 1)]
        await http.json(
            "POST",
            f"/api/events/{event_id}/commands",
            {"type": "step.push", "text": "What would make this town better?", "duration_s": 86_400},
            token=tokens["facilitator"],
        )
        load = LoadProcesses(opts.load_processes, host, port)
        n = opts.load_processes
        next_index = 0

        async def join(count: int) -> int:
            nonlocal next_index
            shares: list[list[tuple[int, str]]] = [[] for _ in range(n)]
            for _ in range(count):
                shares[next_index % n].append((next_index, tables[next_index % len(tables)]))
                next_index += 1
            answers = await load.ask([("join", s, code, max(1, JOIN_IN_FLIGHT // n)) for s in shares])
            return sum(len(a["failures"]) for a in answers)

        click.echo(f"joining {opts.phones} phones (server log: {folder / 'server.log'}) ...", err=True)
        started = time.monotonic()
        join_failures = await join(opts.phones)
        click.echo(f"  joined in {time.monotonic() - started:.1f} s ({join_failures} failed)", err=True)

        duration = opts.minutes * 60
        samples: list[tuple[float, float]] = []  # (seconds since the start, RSS MB)
        churn = Counter[str]()
        ideas = 0
        t0 = time.monotonic()
        next_sample = 0.0
        for tick in range(math.ceil(duration)):
            await asyncio.sleep(max(0.0, t0 + tick - time.monotonic()))
            if tick >= next_sample:
                samples.append((time.monotonic() - t0, proc_stats(server.pid).rss_mb))
                next_sample += opts.sample_every_s
                if tick and tick % 60 == 0:
                    click.echo(
                        f"  {tick // 60} min: RSS {samples[-1][1]:.0f} MB, {ideas} ideas, {dict(churn)}", err=True
                    )
            batch = _share(opts.ideas_per_s, tick, n)
            commands: list[tuple[Any, ...]] = []
            for i, count in enumerate(batch):
                commands.append(("send_ideas", [f"S{tick}-{i}-{k}" for k in range(count)]))
                ideas += count
            await load.ask(commands)
            drops, reseats, leaves = (
                _share(r, tick, n) for r in (opts.drops_per_s, opts.reseats_per_s, opts.leaves_per_s)
            )
            done = await load.ask([("churn", drops[i], reseats[i], leaves[i], tables) for i in range(n)])
            left = sum(d["leaves"] for d in done)
            for d in done:
                churn.update(d)
            if left:
                join_failures += await join(left)
                churn["joins"] += left
        samples.append((time.monotonic() - t0, proc_stats(server.pid).rss_mb))

        click.echo("settling ...", err=True)
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            status = await load.ask([("status",)] * n)
            if sum(s["live"] for s in status) == sum(s["present"] for s in status) and not sum(
                s["unacked"] for s in status
            ):
                break
            await asyncio.sleep(0.5)
        reports = await load.ask([("report", {})] * n)
        transcript = await _transcript_ideas(http, event_id, tokens["organiser"])
        await http.close()
        return _results(opts, samples, churn, join_failures, reports, transcript)
    finally:
        if load is not None:
            await load.close()
        await asyncio.to_thread(server.stop)


def _results(
    opts: Options,
    samples: list[tuple[float, float]],
    churn: Counter[str],
    join_failures: int,
    reports: list[dict[str, Any]],
    transcript: list[str],
) -> dict[str, Any]:
    ideas: dict[str, tuple[int, int, int, int, int, str]] = {}
    for report in reports:
        ideas.update(report["ideas"])
    stored = Counter(c for c in transcript if c.startswith("S"))
    acked = {c for c, i in ideas.items() if i[1]}
    warm = [rss for at, rss in samples if at <= opts.warmup_s] or [samples[0][1]]
    after = [rss for at, rss in samples if at >= opts.warmup_s] or [samples[-1][1]]
    base = warm[-1]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "code": _code_version(),
        "machine": _machine(),
        "config": asdict(opts),
        "churn": dict(churn),
        "join_failures": join_failures,
        "rss_mb": {
            "samples": [(round(at), round(rss, 1)) for at, rss in samples],
            "after_warmup": round(base, 1),
            "max_after_warmup": round(max(after), 1),
            "end": round(samples[-1][1], 1),
            "growth_pct": round(100 * (max(after) - base) / base, 1),
        },
        "integrity": {
            "ideas_sent": len(ideas),
            "ideas_acked": len(acked),
            "acked_lost": sum(1 for c in acked if stored[c] == 0),
            "stored_twice": sum(1 for k in stored.values() if k > 1),
            "never_acked": sum(1 for i in ideas.values() if not i[1]),
            "refused": dict(Counter(i[5] for i in ideas.values() if i[5])),
            "phones_still_down": sum(r["still_down"] for r in reports),
            "reconnects": sum(len(r["reconnects"]) for r in reports),
            "snapshot_resumes": sum(r["snapshot_resumes"] for r in reports),
            "phone_errors": [e for r in reports for e in r["other_errors"]][:5],
        },
    }


def verdict(r: dict[str, Any]) -> list[str]:
    wrong = []
    g, rss = r["integrity"], r["rss_mb"]
    if rss["growth_pct"] > 100 * RSS_GROWTH_MAX:
        wrong.append(f"RSS grew {rss['growth_pct']} % after the warm-up (more than {100 * RSS_GROWTH_MAX:.0f} %)")
    if g["acked_lost"]:
        wrong.append(f"{g['acked_lost']} acknowledged ideas are not in the transcript")
    if g["stored_twice"]:
        wrong.append(f"{g['stored_twice']} ideas stored twice")
    if g["never_acked"]:
        wrong.append(f"{g['never_acked']} ideas never acknowledged")
    return wrong


def render(r: dict[str, Any]) -> str:
    c, rss, g = r["config"], r["rss_mb"], r["integrity"]
    timeline = ", ".join(
        f"{at // 60}:{at % 60:02d} {mb:.0f}" for at, mb in rss["samples"][:: max(1, len(rss["samples"]) // 12)]
    )
    return "\n".join(
        [
            f"soak             {c['phones']} phones at {c['tables']} tables for {c['minutes']:g} min "
            f"({r['date']}, code {r['code']})",
            f"churn            {r['churn']} (join failures: {r['join_failures']})",
            f"server RSS MB    after warm-up ({c['warmup_s']:g} s) {rss['after_warmup']}, max after "
            f"{rss['max_after_warmup']}, end {rss['end']}: growth {rss['growth_pct']} %",
            f"RSS over time    {timeline}",
            f"ideas            {g['ideas_sent']} sent, {g['ideas_acked']} acked, lost {g['acked_lost']}, "
            f"stored twice {g['stored_twice']}, never acked {g['never_acked']}, refused {g['refused']}",
            f"phones           {g['reconnects']} reconnects ({g['snapshot_resumes']} from a snapshot), "
            f"still down {g['phones_still_down']}, errors {g['phone_errors'][:2]}",
        ]
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phones", default=Options.phones, show_default=True, type=click.IntRange(2))
@click.option("--tables", default=Options.tables, show_default=True, type=click.IntRange(2, 500))
@click.option("--minutes", default=Options.minutes, show_default=True, type=click.FloatRange(0.1))
@click.option(
    "--warmup-s",
    default=Options.warmup_s,
    show_default=True,
    type=click.FloatRange(0),
    help="RSS growth is measured from the end of this.",
)
@click.option("--ideas-per-s", default=Options.ideas_per_s, show_default=True, type=click.FloatRange(0))
@click.option("--drops-per-s", default=Options.drops_per_s, show_default=True, type=click.FloatRange(0))
@click.option("--reseats-per-s", default=Options.reseats_per_s, show_default=True, type=click.FloatRange(0))
@click.option("--leaves-per-s", default=Options.leaves_per_s, show_default=True, type=click.FloatRange(0))
@click.option("--sample-every-s", default=Options.sample_every_s, show_default=True, type=click.FloatRange(1))
@click.option("--load-processes", default=Options.load_processes, show_default=True, type=click.IntRange(1))
@click.option("--quick", is_flag=True, help="30 seconds, 200 phones (the CI smoke).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def command(quick: bool, as_json: bool, **kwargs: Any) -> None:
    """Phones joining, leaving, reconnecting and moving for a long time: RSS flat, every idea once."""
    opts = Options(**kwargs)
    if quick:
        opts.phones, opts.tables, opts.minutes, opts.warmup_s, opts.load_processes = 200, 20, 0.5, 10.0, 1
        opts.sample_every_s = 2.0
    run_and_report(run(opts), verdict, "RSS flat, nothing acknowledged lost or repeated", render, as_json)


if __name__ == "__main__":
    command()
