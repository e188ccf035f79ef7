"""Finding themes without being told how many: a kNN graph, Louvain at several resolutions, and
a choice between them that suits a projector.

Fresh (no earlier picture):

1. Link every idea to its nearest neighbours (``knn_graph``).
2. Sweep resolutions from fine to coarse cheaply (each coarser partition agglomerates the one
   before) and keep the candidates whose number of themes (communities big enough to show) lies
   in the band for this many ideas (``band``: about 6-20 for a few hundred); among those, the
   best mean cosine silhouette wins. Outside the band, the candidate nearest to it.
3. Re-run Louvain at the winning resolution starting from the winner, now moving single ideas
   again (the agglomeration could only move whole communities), and keep whichever scores higher.

With a resolution chosen last time, that resolution is kept while it stays in the band and
nearly as good as the best (hysteresis on the number of themes); ``steady.py`` then moves the
picture shown towards this partition a step at a time.

The silhouette for unit vectors needs only per-community sums: the mean cosine of idea i to
community C is ``v_i . sum(C) / |C|``, so scoring a partition costs O(n * communities * dim)
instead of the O(n^2 * dim) of the textbook formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.themes.graph import FREE, Graph, Labels, aggregate, knn_graph, louvain, sweep

RESOLUTIONS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Knobs of the clustering; the defaults are the ones measured in docs/themes.md."""

    neighbours: int = 15
    resolutions: Sequence[float] = RESOLUTIONS
    seed: int = 0
    most_themes: int = 20  # what a projector shows at once; finer themes are sub-themes
    fewest_themes: int = 6  # ... and what a few hundred ideas deserve at least
    keep_margin: float = 0.01  # the last resolution stays while its silhouette is this close to the best


@dataclass(frozen=True, slots=True)
class Partition:
    labels: Labels
    resolution: float
    silhouette: float


def silhouette(vectors: NDArray[np.float32], labels: Labels) -> float:
    """Mean silhouette under cosine distance of unit ``vectors``; ideas alone in a community score 0."""
    n = len(labels)
    count = np.bincount(labels)
    if n < 3 or len(count) < 2:
        return 0.0
    order = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    sums = np.add.reduceat(vectors[order], starts, axis=0)  # every community has at least one idea
    sims = (vectors @ sums.T).astype(np.float64)
    rows = np.arange(n)
    own_size = count[labels]
    inside = 1.0 - (sims[rows, labels] - 1.0) / np.maximum(own_size - 1, 1)
    sims /= count
    sims[rows, labels] = -np.inf
    outside = 1.0 - sims.max(axis=1)
    score = (outside - inside) / np.maximum(np.maximum(inside, outside), 1e-12)
    score[own_size <= 1] = 0.0
    return float(score.mean())


def neighbours_for(n: int, wanted: int) -> int:
    """Small rooms get fewer neighbours, so one idea's links do not span the whole room."""
    return max(2, min(wanted, n // 8))


def smallest_theme(n: int) -> int:
    """Fewer ideas than this is a sub-theme or an outlier, not a theme on the projector:
    2 in a room of 100 ideas, 3 at 200, 5 at 400, at most 8."""
    return max(2, min(8, math.ceil(n / 80)))


def band(n: int, params: ClusterParams = ClusterParams()) -> tuple[int, int]:
    """How many themes suit ``n`` ideas: about sqrt(n)/3 to 1.2 sqrt(n), within the projector's limits.
    20 ideas: 2-5; 100: 3-12; 400: 7-20; 5,000: 8-20."""
    root = math.sqrt(max(n, 1))
    high = max(2, min(params.most_themes, round(1.2 * root)))
    low = max(2, min(params.fewest_themes + 2, round(root / 3), high))
    return low, high


def theme_count(labels: Labels, n: int) -> int:
    """Communities big enough to be shown as themes."""
    return int((np.bincount(labels) >= smallest_theme(n)).sum()) if len(labels) else 0


def _collapse(groups: Labels) -> tuple[Labels, Labels]:
    """Map ideas to graph nodes: each curated group becomes one node, every other idea its own."""
    free = groups == FREE
    count = int(groups.max()) + 1 if (~free).any() else 0
    node = groups.copy()
    node[free] = count + np.arange(int(free.sum()))
    locks = np.concatenate([np.arange(count), np.full(int(free.sum()), FREE)]).astype(np.int64)
    return node, locks


@dataclass(frozen=True, slots=True)
class _Setup:
    graph: Graph
    node: Labels
    locks: Labels


def _setup(vectors: NDArray[np.float32], params: ClusterParams, groups: Labels) -> _Setup:
    node, locks = _collapse(groups)
    graph = knn_graph(vectors, neighbours_for(len(vectors), params.neighbours))
    if locks.max(initial=FREE) != FREE:
        graph = aggregate(graph, node)
    return _Setup(graph, node, locks)


def find_partition(
    vectors: NDArray[np.float32],
    params: ClusterParams = ClusterParams(),
    groups: Labels | None = None,
    prefer: float = 0.0,
) -> Partition:
    """Communities of the ideas (one label per row), their number found from the data.

    ``groups`` gives each idea a curated group number (or ``FREE``): a group's ideas always share
    a community, and two groups never do. ``prefer`` is the resolution chosen last time: it is
    kept while its count of themes is in the band and its silhouette is close to the best
    (hysteresis, so the number of themes does not flip between two re-clusterings).
    """
    n = len(vectors)
    groups = np.full(n, FREE, dtype=np.int64) if groups is None else groups.astype(np.int64)
    if n < 3:
        return Partition(_collapse(groups)[0], 0.0, 0.0)
    setup = _setup(vectors, params, groups)
    low, high = band(n, params)
    best: Partition | None = None
    best_key: tuple[float, float] = (-math.inf, -math.inf)
    kept: tuple[Partition, tuple[float, float]] | None = None
    for r, labels in sweep(setup.graph, params.resolutions, seed=params.seed, locks=setup.locks):
        ideas = labels[setup.node]
        count = theme_count(ideas, n)
        score = silhouette(vectors, ideas)
        key = (-float(max(low - count, count - high, 0)), score)
        if key > best_key:
            best, best_key = Partition(labels, r, score), key
        if r == prefer:
            kept = Partition(labels, r, score), key
    assert best is not None
    if kept is not None and kept[1][0] == 0 and kept[1][1] >= best_key[1] - params.keep_margin:
        best, best_key = kept
    fresh = louvain(setup.graph, best.resolution, seed=params.seed, start=best.labels, locks=setup.locks)
    fresh_ideas = fresh[setup.node]
    fresh_count = theme_count(fresh_ideas, n)
    fresh_key = (-float(max(low - fresh_count, fresh_count - high, 0)), silhouette(vectors, fresh_ideas))
    if fresh_key >= (best_key[0], best_key[1] - 1e-9):
        best = Partition(fresh, best.resolution, fresh_key[1])
    return Partition(best.labels[setup.node], best.resolution, best.silhouette)
