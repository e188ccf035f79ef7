"""Finding themes without being told how many: a kNN graph, Louvain at several resolutions, and
the cosine silhouette to choose between them.

1. Link every idea to its nearest neighbours (``knn_graph``).
2. Sweep resolutions from fine to coarse cheaply (each coarser partition agglomerates the one
   before) and score each candidate with the mean cosine silhouette; singletons score 0.
3. Re-run Louvain at the winning resolution starting from the winner, now moving single ideas
   again (the agglomeration could only move whole communities), and keep whichever scores higher.

The silhouette for unit vectors needs only per-community sums: the mean cosine of idea i to
community C is ``v_i . sum(C) / |C|``, so scoring a partition costs O(n * communities * dim)
instead of the O(n^2 * dim) of the textbook formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.themes.graph import FREE, Labels, aggregate, knn_graph, louvain, sweep

RESOLUTIONS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Knobs of the clustering; the defaults are the ones measured in docs/themes.md."""

    neighbours: int = 15
    resolutions: Sequence[float] = RESOLUTIONS
    seed: int = 0


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


def _collapse(groups: Labels) -> tuple[Labels, Labels]:
    """Map ideas to graph nodes: each curated group becomes one node, every other idea its own."""
    free = groups == FREE
    count = int(groups.max()) + 1 if (~free).any() else 0
    node = groups.copy()
    node[free] = count + np.arange(int(free.sum()))
    locks = np.concatenate([np.arange(count), np.full(int(free.sum()), FREE)]).astype(np.int64)
    return node, locks


def find_partition(
    vectors: NDArray[np.float32], params: ClusterParams = ClusterParams(), groups: Labels | None = None
) -> Partition:
    """Communities of the ideas (one label per row), their number found from the data.

    ``groups`` gives each idea a curated group number (or ``FREE``): a group's ideas always share
    a community, and two groups never do.
    """
    n = len(vectors)
    groups = np.full(n, FREE, dtype=np.int64) if groups is None else groups.astype(np.int64)
    if n < 3:
        return Partition(_collapse(groups)[0], 0.0, 0.0)
    node, locks = _collapse(groups)
    graph = knn_graph(vectors, neighbours_for(n, params.neighbours))
    if locks.max(initial=FREE) != FREE:
        graph = aggregate(graph, node)
    best: Partition | None = None
    for r, labels in sweep(graph, params.resolutions, seed=params.seed, locks=locks):
        score = silhouette(vectors, labels[node])
        if best is None or score > best.silhouette + 1e-9:
            best = Partition(labels, r, score)
    assert best is not None
    fresh = louvain(graph, best.resolution, seed=params.seed, start=best.labels, locks=locks)
    fresh_score = silhouette(vectors, fresh[node])
    if fresh_score >= best.silhouette - 1e-9:
        best = Partition(fresh, best.resolution, fresh_score)
    return Partition(best.labels[node], best.resolution, best.silhouette)
