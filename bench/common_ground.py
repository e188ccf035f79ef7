"""Benchmark of the common-ground analysis: full recomputation time, and agreement with Pol.is's groups.

``python -m bench.common_ground`` prints, for the largest real conversation (vtaiwan.uberx, 1,921
participants, ~50,000 votes) and a synthetic 5,000 x 1,000 matrix, how long one full
recomputation takes (snapshot of the reaction log + ``analyse``), with a breakdown by stage;
then the opinion groups' agreement (ARI) with the ``group-id`` Pol.is exported. ``--quick`` runs
a small synthetic room and the smallest real conversation once, as a CI smoke test.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from server.domain.common_ground import ReactionLog, ReactionMatrix, analyse
from server.domain.common_ground.groups import choose_groups
from server.domain.common_ground.pca import project
from server.domain.common_ground.thresholds import reactions_needed
from server.polis_import import load_polis_export

try:  # installed with scikit-learn; lets the benchmark compare BLAS thread counts
    from threadpoolctl import threadpool_info, threadpool_limits  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover
    threadpool_info = threadpool_limits = None

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polis"
LARGEST = "vtaiwan.uberx"
WITH_GROUPS = [
    "15-per-hour-seattle",
    "austria-climate.5twd2jsnkf.2022-08-08",
    "vtaiwan.uberx",
    "canadian-electoral-reform",
    "brexit-consensus",
    "scoop-hivemind.ubi",
    "london.youth.policing",
]


def _timed(fn: Callable[[], object], repeats: int) -> list[tuple[float, float]]:
    """(wall-clock, process CPU) seconds of each of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def _line(label: str, times: list[tuple[float, float]]) -> str:
    wall = [w * 1e3 for w, _ in times]
    cpu = [c * 1e3 for _, c in times]
    return (
        f"  {label:<40} wall min {min(wall):8.1f} ms  median {statistics.median(wall):8.1f} ms"
        f"   CPU min {min(cpu):8.1f} ms"
    )


def synthetic(n: int, m: int, density: float, seed: int = 0) -> ReactionLog:
    """A room of ``n`` people in three camps reacting to a ``density`` share of ``m`` ideas."""
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 3, n)
    leaning = rng.choice([-1, 0, 1], size=(3, m), p=[0.4, 0.2, 0.4])
    log = ReactionLog(ideas=[f"i{j}" for j in range(m)])
    people, ideas = np.nonzero(rng.random((n, m)) < density)
    noise = rng.random(len(people))
    values = np.where(noise < 0.75, leaning[camp[people], ideas], rng.integers(-1, 2, len(people)))
    for i, j, v in zip(people.tolist(), ideas.tolist(), values.tolist(), strict=True):
        log.record(f"p{i}", f"i{j}", v)
    return log


def _tables(matrix: ReactionMatrix, count: int = 15) -> dict[str, str]:
    return {p: f"T{i % count + 1}" for i, p in enumerate(matrix.participants)}


def _recompute(name: str, log: ReactionLog, hidden: set[str], repeats: int) -> None:
    matrix = log.snapshot()
    result = analyse(matrix, hidden=hidden, partitions={"tables": _tables(matrix)})
    print(
        f"{name}: {matrix.shape[0]} participants x {matrix.shape[1]} ideas, {result.n_reactions} reactions; "
        f"{result.level.value}, {len(result.map.sizes) if result.map else 0} groups, {result.n_clustered} clustered"
    )
    print(
        _line(
            "full recomputation (snapshot+analyse)",
            _timed(lambda: analyse(log.snapshot(), hidden=hidden, partitions={"tables": _tables(matrix)}), repeats),
        )
    )
    print(_line("  snapshot of the reaction log", _timed(log.snapshot, repeats)))
    eligible = np.array([i not in hidden for i in matrix.ideas])
    print(_line("  opinion map (PCA + projection)", _timed(lambda: project(matrix, ~eligible), repeats)))
    points = project(matrix, ~eligible).points[matrix.reactions_per_participant() >= reactions_needed(matrix.shape[1])]
    print(_line("  opinion groups (k-means, choice of k)", _timed(lambda: choose_groups(points), repeats)))


def _replay(folder: Path) -> tuple[ReactionLog, set[str], float]:
    export = load_polis_export(folder)
    log = ReactionLog(ideas=[str(c.comment_id) for c in sorted(export.comments, key=lambda c: c.comment_id)])
    votes = sorted(export.votes, key=lambda v: v.timestamp)
    start = time.perf_counter()
    for vote in votes:
        log.record(str(vote.voter_id), str(vote.comment_id), vote.vote)
    per_vote = (time.perf_counter() - start) / max(len(votes), 1)
    return log, {str(c.comment_id) for c in export.comments if c.moderated == -1}, per_vote


def _pairs(counts: np.ndarray[tuple[int, ...], np.dtype[np.int64]]) -> float:
    return float((counts * (counts - 1) // 2).sum())


def _ari(a: Sequence[int], b: Sequence[int]) -> float:
    """Adjusted Rand index of two labelings (1 = the same partition, about 0 = chance)."""
    table = np.zeros((max(a) + 1, max(b) + 1), dtype=np.int64)
    np.add.at(table, (np.asarray(a), np.asarray(b)), 1)
    rows, cols, both = _pairs(table.sum(axis=1)), _pairs(table.sum(axis=0)), _pairs(table)
    expected = rows * cols / (len(a) * (len(a) - 1) / 2)
    return (both - expected) / ((rows + cols) / 2 - expected)


def quality(names: Sequence[str]) -> None:
    """Print, per conversation, clustered people and groups (ours / Pol.is's) and the ARI between them."""
    print("agreement with Pol.is's exported group-id (no history on our side):")
    for name in names:
        if not (DATA / name).is_dir():
            continue
        export = load_polis_export(DATA / name)
        log, hidden, _ = _replay(DATA / name)
        result = analyse(log.snapshot(), hidden=hidden)
        ours = result.map.groups if result.map else {}
        theirs = {str(p.participant_id): p.group_id for p in export.participants if p.group_id is not None}
        both = sorted(set(ours) & set(theirs))
        ari = _ari([ord(ours[p]) - 65 for p in both], [int(theirs[p] or 0) for p in both]) if both else float("nan")
        print(
            f"  {name:<40} clustered {len(ours):5d} / {len(theirs):5d}   groups {len(set(ours.values()))} / "
            f"{len(set(theirs.values()))}   ARI {ari:.3f}"
        )


def _blas_threads() -> str:
    if threadpool_info is None:
        return "unknown"
    return ", ".join(str(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its numbers (``--quick`` for a CI smoke run)."""
    parser = argparse.ArgumentParser(prog="bench.common_ground", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat (CI smoke)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per measurement (default 7)")
    parser.add_argument(
        "--blas-threads",
        type=int,
        action="append",
        help="time with this many BLAS threads (repeatable; default 1, then as set)",
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    print(
        f"common-ground benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"numpy {np.__version__}, {repeats} repeat(s); CPU time counts every thread of the process"
    )
    real = "london.youth.policing" if args.quick else LARGEST
    n, m = (500, 100) if args.quick else (5000, 1000)
    rooms: list[tuple[str, ReactionLog, set[str]]] = []
    if (DATA / real).is_dir():
        log, hidden, per_vote = _replay(DATA / real)
        print(f"replaying {real}/votes.csv into a ReactionLog: {per_vote * 1e6:.1f} µs per vote")
        rooms.append((real, log, hidden))
    else:
        print(f"{DATA / real} not found: skipping the real conversation")
    rooms.append((f"synthetic {n} x {m} (10% filled)", synthetic(n, m, 0.1), set()))
    # By default: the recommended set-up (one BLAS thread, docs/common-ground.md), then numpy's default.
    default: list[int | None] = [None] if args.quick or threadpool_limits is None else [1, None]
    settings: list[int | None] = list(args.blas_threads or default)
    for threads in settings:
        if threads is not None and threadpool_limits is None:
            print("threadpoolctl is not installed: cannot set BLAS threads")
            continue
        with contextlib.nullcontext() if threads is None else threadpool_limits(threads, user_api="blas"):
            print(f"-- BLAS threads: {_blas_threads()}")
            for name, room, hidden_ideas in rooms:
                _recompute(name, room, hidden_ideas, repeats)
    quality(WITH_GROUPS[:1] if args.quick else WITH_GROUPS)


if __name__ == "__main__":
    main()
