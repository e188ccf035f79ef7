"""Seeking in a long transcript: how long the replay viewer waits for the room at any instant.

    python -m bench.replay [--entries 100000] [--seeks 200] [--every 1000] [--quick]

Builds a synthetic event in memory (2,000 people at 200 tables, a step every few hundred entries,
ideas, hides and moves), indexes it as the server does, then seeks to random instants.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import time
from statistics import quantiles

from server.domain.commands import COMMAND_ADAPTER, create_event, decide, join
from server.domain.fold import apply
from server.domain.model import Actor, Entry, EventState, Role
from server.domain.replay import Replay, room
from server.domain.transcript_file import header, read_lines, write_lines
from server.domain.view import Viewer, snapshot

FACILITATOR = Actor(Role.FACILITATOR)


def synthetic(total: int, people: int = 2000, tables: int = 200, seed: int = 1) -> list[Entry]:
    rng = random.Random(seed)
    state = EventState(id="bench")
    entries: list[Entry] = []
    now = 1_764_000_000_000

    def run(outcome_entries: list[Entry]) -> None:
        for entry in outcome_entries:
            apply(state, entry)
            entries.append(entry)

    def do(actor: Actor, **command: object) -> None:
        try:
            run(decide(state, actor, COMMAND_ADAPTER.validate_python(command), now).entries)
        except Exception:  # a refused command (rate limit...) is simply not in the transcript
            pass

    run([create_event("bench", "Bench", [f"Table {i}" for i in range(1, tables + 1)], "ACDEFG", now)])
    for i in range(people):
        run(join(state, f"P{i}", str(1 + i % tables), now).entries)
    n = 0
    while len(entries) < total:
        now += 250
        if n % 400 == 0:
            do(FACILITATOR, type="step.push", text=f"Question {n // 400}", duration_s=600)
        elif n % 97 == 0 and state.ideas:
            do(FACILITATOR, type="idea.hide", idea_id=rng.choice(list(state.ideas)))
        else:
            person = f"p{rng.randint(2, people + 1)}"
            do(Actor(Role.PARTICIPANT, person), type="idea.submit", client_id=f"c{n}", text=f"Idea number {n}")
        n += 1
    return entries[:total]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Replay seek time on a long transcript")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seeks", type=int, default=200)
    parser.add_argument("--every", type=int, default=1000, help="entries between checkpoints")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.seeks = 5_000, 20
    t0 = time.perf_counter()
    entries = synthetic(args.entries)
    built = time.perf_counter()
    replay = Replay("bench", every=args.every)
    replay.extend(entries)
    indexed = time.perf_counter()
    gc.freeze()  # as the server does after indexing: the index is long-lived, keep it out of collections
    rng = random.Random(7)
    span = (entries[0].at, entries[-1].at)
    times, cpu = [], []
    for _ in range(args.seeks):
        start, start_cpu = time.perf_counter(), time.process_time()
        state = replay.state_at(replay.seq_at(rng.randint(*span)))
        json.dumps(snapshot(state, Viewer(Role.ORGANISER), ideas_per_table=50))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    cuts, cpu_cuts = quantiles(times, n=100), quantiles(cpu, n=100)
    size = sum(len(c.rest) for c in replay.checkpoints) / 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"replay: {len(entries):,} entries, checkpoint every {args.every} ({len(replay.checkpoints)} of them, "
        f"{size:.1f} MB pickled)"
    )
    print(f"  synthesise {built - t0:.1f} s, index {indexed - built:.2f} s, peak RSS {rss:.0f} MB")
    print(
        f"  seek + snapshot (50 latest ideas per table, as JSON) over {args.seeks} random instants: "
        f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, "
        f"p99 {cuts[98]:.1f} ms, max {max(times):.1f} ms (target < 300 ms)"
    )
    print(
        f"  the same in CPU time (what the seek costs when the machine is shared): p50 {cpu_cuts[49]:.1f} ms, "
        f"p99 {cpu_cuts[98]:.1f} ms, max {max(cpu):.1f} ms"
    )
    room_seeks(replay, args.seeks, span)
    export_and_verify(replay)


def room_seeks(replay: Replay, seeks: int, span: tuple[int, int]) -> None:
    """What the replay viewer asks (``view=room``): random instants, then a hand's steps (1 % of the
    event at a time, forward then back), each from the previous seek's state as the server does."""
    rng = random.Random(8)
    step = (span[1] - span[0]) // 100
    hand = [span[0] + step * i for i in range(seeks // 2)] + [span[1] - step * i for i in range(seeks // 2)]
    for name, instants in (("random instants", [rng.randint(*span) for _ in range(seeks)]), ("a hand's steps", hand)):
        times, size = [], 0
        for at in instants:
            start = time.perf_counter()
            near, replay.near = replay.near, None
            state = replay.state_from(near, replay.seq_at(at))
            size += len(json.dumps(room(state, step_ideas=replay.step_ideas(state.seq))))
            replay.near = state
            times.append((time.perf_counter() - start) * 1000)
        cuts = quantiles(times, n=100)
        print(
            f"  seek + room view (view=room, as JSON, {size / len(instants) / 1024:.0f} KB) over "
            f"{len(instants)} {name}: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, max {max(times):.1f} ms"
        )


def export_and_verify(replay: Replay) -> None:
    """The jsonl export (format 2: each personal text hashed into the chain) written, then read back
    and verified, as `wholeroom export` and `wholeroom import transcript` do."""
    state = replay.state_at(replay.last_seq)
    start = time.process_time()
    lines = list(write_lines(header(state, 0), replay.entries))
    written = time.process_time()
    read_lines(lines)
    verified = time.process_time()
    n = len(replay.entries)
    print(
        f"  export jsonl {written - start:.2f} s CPU ({(written - start) / n * 1e6:.1f} us per entry), "
        f"read back and verify {verified - written:.2f} s CPU ({(verified - written) / n * 1e6:.1f} us per entry)"
    )


if __name__ == "__main__":
    main()
