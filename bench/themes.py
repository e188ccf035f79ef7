"""Benchmark of themes: quality with the number of themes unknown, speed, and memory.

``python -m bench.themes`` prints, for the StackOverflow titles and the BANKING77 queries in
``../shared/data/shorttext``: NMI and ARI of our themes against the labels (the algorithm is not
told how many labels there are), and of their sub-themes with every theme opened, next to two
TF-IDF baselines (k-means given the true number, and our own clustering run on TF-IDF); then the
time to place one new idea (embedding included), a full re-clustering of 1,000 and 5,000 ideas,
and the peak resident memory. ``--quick`` runs 100 ideas per set once, as a CI smoke test of a few
seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from server.domain.themes import IdeaVector, ThemeMap, add_idea, recluster, subthemes
from server.domain.themes.cluster import find_partition
from server.encoders.encoder import DEFAULT_ENCODER, Encoder, load_encoder

try:  # installed with scikit-learn; lets the benchmark set BLAS threads as the live room should
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover
    threadpool_limits = None

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "shorttext"
SETS = ("stackoverflow", "banking77")
TARGET_NMI, TARGET_ARI = 0.72, 0.45
TABLES = 15
QUICK = 100  # ideas per set in --quick
T = TypeVar("T")


def load_set(name: str, limit: int | None) -> tuple[list[str], list[str]]:
    """Texts and labels; with ``limit``, the rows of the first labels (in file order) up to that many."""
    with (DATA / name / "data.csv").open(newline="") as f:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(f)]
    if limit is not None:
        order = list(dict.fromkeys(label for _, label in rows))
        kept: list[tuple[str, str]] = []
        for label in order:
            kept += [r for r in rows if r[1] == label][:30]
            if len(kept) >= limit:
                break
        rows = kept[:limit]
    return [t for t, _ in rows], [label for _, label in rows]


def encode(encoder: Encoder, texts: list[str], cache: Path | None, key: str) -> tuple[np.ndarray, float]:
    path = cache / f"{key}-{encoder.name}-{len(texts)}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path), 0.0
    start = time.perf_counter()
    vectors = encoder.encode(texts)
    seconds = time.perf_counter() - start
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors, seconds


def ideas_of(texts: Sequence[str], vectors: np.ndarray) -> list[IdeaVector]:
    return [IdeaVector(f"i{k}", t, f"table-{k % TABLES}", vectors[k]) for k, t in enumerate(texts)]


def membership(theme_map: ThemeMap, ideas: Sequence[IdeaVector]) -> list[int]:
    """One label per idea: its theme's number, or a number of its own when it is in no theme."""
    of = {i: n for n, t in enumerate(theme_map.themes) for i in t.idea_ids}
    return [of.get(idea.id, len(theme_map.themes) + k) for k, idea in enumerate(ideas)]


def drill_down(theme_map: ThemeMap, ideas: Sequence[IdeaVector]) -> list[int]:
    """One label per idea: its sub-theme when its theme has sub-themes, else its theme (or its own)."""
    of: dict[str, int] = {}
    for theme in theme_map.themes:
        for part in subthemes(ideas, theme_map, theme.id) or (theme,):
            of.update(dict.fromkeys(part.idea_ids, len(set(of.values()))))
    return [of.get(idea.id, len(ideas) + k) for k, idea in enumerate(ideas)]


def timed(fn: Callable[[], T], repeats: int) -> tuple[T, float, float]:
    """Result, median wall seconds and median CPU seconds (all threads) over ``repeats`` runs."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    return result, statistics.median(walls), statistics.median(cpus)


def memory() -> str:
    """Resident memory now and at its peak, in MB (the peak counts short-lived copies too)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        now = int(fields["VmRSS"].split()[0]) / 1024
        return f"RSS {now:.0f} MB, peak {peak:.0f} MB"
    return f"peak RSS {peak:.0f} MB"


def quality(encoder: Encoder, limit: int | None, cache: Path | None) -> dict[str, np.ndarray]:
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]
    from sklearn.decomposition import TruncatedSVD  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # type: ignore[import-untyped]

    def scores(truth: list[str], found: Sequence[int]) -> str:
        nmi, ari = normalized_mutual_info_score(truth, found), adjusted_rand_score(truth, found)
        mark = "meets" if nmi >= TARGET_NMI and ari >= TARGET_ARI else "below"
        return f"NMI {nmi:.3f}  ARI {ari:.3f}  themes {len(set(found)):4d}  ({mark} target)"

    kept = {}
    for name in SETS:
        if not (DATA / name / "data.csv").exists():
            print(f"{DATA / name} not found: skipping")
            continue
        texts, labels = load_set(name, limit)
        vectors, seconds = encode(encoder, texts, cache, name)
        kept[name] = vectors
        rate = f"{len(texts) / seconds:.0f} ideas/s" if seconds else "cached"
        print(f"{name}: {len(texts)} ideas, {len(set(labels))} labels; embedding {rate}")
        ideas = ideas_of(texts, vectors)
        theme_map, wall, _ = timed(partial(recluster, ideas), 1)
        print(f"  {'ours, k unknown':38s} {scores(labels, membership(theme_map, ideas))}  {wall:.2f} s")
        drilled = drill_down(theme_map, ideas)
        print(f"  {'ours, every theme opened (sub-themes)':38s} {scores(labels, drilled)}")
        tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2)).fit_transform(texts)
        known = KMeans(len(set(labels)), n_init=10, random_state=0).fit_predict(tfidf)
        print(f"  {'TF-IDF + k-means, k given':38s} {scores(labels, known.tolist())}")
        dims = min(256, tfidf.shape[1] - 1, len(texts) - 1)
        lsa = TruncatedSVD(dims, random_state=0).fit_transform(tfidf)
        lsa /= np.maximum(np.linalg.norm(lsa, axis=1, keepdims=True), 1e-12)
        ours_on_tfidf = find_partition(lsa.astype(np.float32)).labels
        print(f"  {f'TF-IDF (LSA {dims}-d) + our clustering':38s} {scores(labels, ours_on_tfidf.tolist())}")
    return kept


def speed(encoder: Encoder, vectors: np.ndarray, texts: list[str], quick: bool, repeats: int) -> None:
    sizes = [QUICK] if quick else [1000, 5000]
    for n in sizes:
        ideas = ideas_of(texts[:n], vectors[:n])
        first, wall, cpu = timed(partial(recluster, ideas), repeats)
        again = recluster(ideas)
        same = [(t.id, t.idea_ids) for t in first.themes] == [(t.id, t.idea_ids) for t in again.themes]
        print(
            f"full re-clustering of {n} ideas: {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"({len(first.themes)} themes; same result twice: {'yes' if same else 'NO'})"
        )
    held = QUICK - 20 if quick else 1000
    base = recluster(ideas_of(texts[:held], vectors[:held]))
    newcomers = texts[held : held + (20 if quick else 100)]
    total, placing, cpu_ms = [], [], []
    for k, text in enumerate(newcomers):
        start, start_cpu = time.perf_counter(), time.process_time()
        vector = encoder.encode([text])[0]
        mid = time.perf_counter()
        add_idea(base, IdeaVector(f"new{k}", text, "table-0", vector))
        end = time.perf_counter()
        cpu_ms.append((time.process_time() - start_cpu) * 1000)
        total.append((end - start) * 1000)
        placing.append((end - mid) * 1000)
    print(
        f"one new idea into {held} ideas: median {statistics.median(total):.1f} ms, "
        f"p95 {np.percentile(total, 95):.1f} ms, CPU median {statistics.median(cpu_ms):.1f} ms "
        f"(embedding included; placing alone {statistics.median(placing):.2f} ms)"
    )


def incremental(vectors: np.ndarray, texts: list[str]) -> None:
    """Place the last 20% of ideas one by one into themes of the first 80%, then compare with a
    full re-clustering of all: how many found a theme at once, and how many found the same one."""
    order = np.random.default_rng(0).permutation(len(texts))  # arrival order, not the file's label order
    arrived = ideas_of(texts, vectors)
    ideas = [arrived[k] for k in order]
    cut = len(ideas) * 4 // 5
    earlier = {idea.id for idea in ideas[:cut]}
    theme_map = recluster(ideas[:cut])
    for idea in ideas[cut:]:
        theme_map = add_idea(theme_map, idea)
    full = recluster(ideas)
    live_of = {i: t.id for t in theme_map.themes for i in t.idea_ids}
    full_of = {i: t.id for t in full.themes for i in t.idea_ids}
    placed = [idea.id for idea in ideas[cut:] if idea.id in live_of]
    same = 0
    for idea_id in placed:
        older = [full_of.get(i) for i, t in live_of.items() if t == live_of[idea_id] and i in earlier]
        same += full_of.get(idea_id) == max(set(older), key=older.count)
    late = len(ideas) - cut
    print(
        f"live placement of the last {late} of {len(ideas)} ideas: {len(placed) / late:.0%} placed at once; "
        f"{same / max(len(placed), 1):.0%} of those where a full re-clustering puts them"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its numbers (``--quick`` for a CI smoke run)."""
    parser = argparse.ArgumentParser(prog="bench.themes", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} ideas per set, one repeat (CI smoke)")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER, help=f"encoder name (default {DEFAULT_ENCODER})")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of a full re-clustering")
    parser.add_argument("--cache", type=Path, help="folder to keep the datasets' vectors between runs")
    parser.add_argument(
        "--blas-threads",
        type=int,
        action="append",
        help="time with this many BLAS threads (repeatable; default 1, then numpy's default)",
    )
    args = parser.parse_args(argv)
    print(
        f"themes benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"targets NMI >= {TARGET_NMI}, ARI >= {TARGET_ARI}, k unknown"
    )
    start = time.perf_counter()
    encoder = load_encoder(args.encoder)
    print(f"encoder {encoder.name} ({encoder.dim} floats): loaded in {time.perf_counter() - start:.2f} s, {memory()}")
    limit = QUICK if args.quick else None
    if not (DATA / SETS[0] / "data.csv").exists():
        print(f"{DATA} not found: nothing to measure")
        return
    texts, _ = load_set(SETS[0], limit)
    with blas(1):
        vectors, _ = encode(encoder, texts, args.cache, SETS[0])
    settings: list[int | None] = args.blas_threads or ([1] if args.quick else [1, None])
    for threads in settings:
        print(f"-- BLAS threads: {threads or 'numpy default'}")
        with blas(threads):
            speed(encoder, vectors, texts, args.quick, 1 if args.quick else args.repeats)
    print(f"memory with the model and {len(texts)} ideas clustered: {memory()}")
    with blas(1):
        incremental(vectors, texts)
    with blas(1):
        quality(encoder, limit, args.cache)


def blas(threads: int | None) -> contextlib.AbstractContextManager[object]:
    if threads is None or threadpool_limits is None:
        return contextlib.nullcontext()
    limiter: contextlib.AbstractContextManager[object] = threadpool_limits(threads, user_api="blas")
    return limiter


if __name__ == "__main__":
    main()
