"""Finding themes without being told how many: a kNN graph, Louvain at several resolutions, and
a choice between them that suits a projector.

Fresh (no earlier picture):

1. Link every idea to its nearest neighbours (``knn_graph``).
2. Sweep resolutions from fine to coarse cheaply (each coarser partition agglomerates the one
   before) and score each candidate by its mean cosine silhouette, less a penalty for how far its
   number of themes (communities big enough to show) is from what suits a projector for this many
   ideas (``aim``: 0.8 sqrt(n), at most 20; the penalty grows with the log of the ratio).
3. Re-run Louvain at the winning resolution starting from the winner, now moving single ideas
   again (the agglomeration could only move whole communities), and keep whichever scores higher.
4. Refine: each idea of a community big enough to show moves to the community whose direction
   (unit mean vector) is closest, a few rounds, as k-means would from this start (``refine``).
   The graph decides how many themes and roughly where; the directions settle the borders, where
   an idea's 25 neighbours are split between two themes and its similarity to the whole theme is
   the better evidence.

With a resolution chosen last time, that resolution is kept while it scores nearly as well as the
best (hysteresis on the number of themes); ``steady.py`` then moves the
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

RESOLUTIONS = (0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Knobs of the clustering; the defaults are the ones measured in docs/themes.md."""

    neighbours: int = 25
    resolutions: Sequence[float] = RESOLUTIONS
    seed: int = 0
    most_themes: int = 20  # what a projector shows at once; finer themes are sub-themes
    per_root: float = 0.8  # themes aimed at: per_root * sqrt(ideas), up to most_themes
    count_weight: float = 0.2  # silhouette given up per e-fold away from that aim
    keep_margin: float = 0.01  # the last resolution stays while its score is this close to the best
    seed_margin: float = 0.02  # the partition grown from the picture shown stays while this close
    refine_rounds: int = 5  # rounds of moving ideas to the closest theme direction (0: none)


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


def refine(vectors: NDArray[np.float32], labels: Labels, movable: NDArray[np.bool_], least: int, rounds: int) -> Labels:
    """Each ``movable`` idea of a community of ``least`` ideas or more moves to the community (of
    that size) whose direction is closest to its vector; repeated ``rounds`` times or until nothing
    moves. Ideas of smaller communities, and ideas not movable (curated), stay where they are."""
    labels = labels.copy()
    for _ in range(rounds):
        count = np.bincount(labels)
        big = np.flatnonzero(count >= least)
        if len(big) < 2:
            break
        slot = np.full(len(count), -1, dtype=np.int64)
        slot[big] = np.arange(len(big))
        inside = slot[labels] >= 0
        sums = np.zeros((len(big), vectors.shape[1]))
        np.add.at(sums, slot[labels[inside]], vectors[inside].astype(np.float64))
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        rows = np.flatnonzero(inside & movable)
        closest = big[np.argmax(vectors[rows].astype(np.float64) @ sums.T, axis=1)]
        moved = closest != labels[rows]
        if not moved.any():
            break
        labels[rows[moved]] = closest[moved]
    return labels


def neighbours_for(n: int, wanted: int) -> int:
    """Small rooms get fewer neighbours, so one idea's links do not span the whole room."""
    return max(2, min(wanted, n // 8))


def smallest_theme(n: int) -> int:
    """Fewer ideas than this is a sub-theme or an outlier, not a theme on the projector:
    2 in a room of 100 ideas, 3 at 200, 5 at 400, at most 8."""
    return max(2, min(8, math.ceil(n / 80)))


def aim(n: int, params: ClusterParams = ClusterParams()) -> float:
    """How many themes suit ``n`` ideas on a projector: 0.8 sqrt(n), at least 2, at most
    ``most_themes``. 20 ideas: 3.6; 100: 8; 200: 11; 469: 17; 625 and more: 20."""
    return max(2.0, min(float(params.most_themes), params.per_root * math.sqrt(max(n, 1))))


def fit(silhouette: float, count: int, n: int, params: ClusterParams = ClusterParams()) -> float:
    """A candidate's score: its silhouette, less a penalty for each doubling away from ``aim``."""
    return silhouette - params.count_weight * abs(math.log(max(count, 1) / aim(n, params)))


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


def _node_start(start: Labels, node: Labels, locks: Labels) -> Labels:
    """Each graph node's community in the picture shown before. A curated node takes its members'
    most common one unless a bigger curated node holds it already (two groups never share a
    community); ideas new since then, and curated nodes left over, start alone."""
    out = np.full(int(node.max()) + 1, -1, dtype=np.int64)
    votes: dict[int, dict[int, int]] = {}
    for v, s in zip(node.tolist(), start.tolist(), strict=True):
        if locks[v] == FREE:
            out[v] = s
        elif s >= 0:
            tally = votes.setdefault(v, {})
            tally[s] = tally.get(s, 0) + 1
    claimed: set[int] = set()
    for v in sorted(votes, key=lambda v: (-sum(votes[v].values()), v)):
        best = max(votes[v], key=lambda s: (votes[v][s], -s))
        if best not in claimed:
            out[v] = best
            claimed.add(best)
    unset = np.flatnonzero(out < 0)
    out[unset] = int(start.max(initial=-1)) + 1 + np.arange(len(unset))
    return out


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
    start: Labels | None = None,
) -> Partition:
    """Communities of the ideas (one label per row), their number found from the data.

    ``groups`` gives each idea a curated group number (or ``FREE``): a group's ideas always share
    a community, and two groups never do. ``prefer`` is the resolution chosen last time: it is
    kept while its count of themes is in the band and its silhouette is close to the best
    (hysteresis, so the number of themes does not flip between two re-clusterings). ``start`` is
    each idea's theme in the picture shown before (-1 for none): Louvain is also run from it, and
    that partition wins while it scores nearly as well as the one found from scratch.
    """
    n = len(vectors)
    groups = np.full(n, FREE, dtype=np.int64) if groups is None else groups.astype(np.int64)
    if n < 3:
        return Partition(_collapse(groups)[0], 0.0, 0.0)
    setup = _setup(vectors, params, groups)
    best: Partition | None = None
    best_fit = -math.inf
    kept: tuple[Partition, float] | None = None
    for r, labels in sweep(setup.graph, params.resolutions, seed=params.seed, locks=setup.locks):
        ideas = labels[setup.node]
        score = silhouette(vectors, ideas)
        value = fit(score, theme_count(ideas, n), n, params)
        if value > best_fit:
            best, best_fit = Partition(labels, r, score), value
        if r == prefer:
            kept = Partition(labels, r, score), value
    assert best is not None
    if kept is not None and kept[1] >= best_fit - params.keep_margin:
        best, best_fit = kept
    fresh = louvain(setup.graph, best.resolution, seed=params.seed, start=best.labels, locks=setup.locks)
    fresh_ideas = fresh[setup.node]
    fresh_score = silhouette(vectors, fresh_ideas)
    if fit(fresh_score, theme_count(fresh_ideas, n), n, params) >= best_fit - 1e-9:
        best = Partition(fresh, best.resolution, fresh_score)
        best_fit = fit(fresh_score, theme_count(fresh_ideas, n), n, params)
    if start is not None and (start >= 0).any():
        begin = _node_start(start, setup.node, setup.locks)
        seeded = louvain(setup.graph, best.resolution, seed=params.seed, start=begin, locks=setup.locks)
        seeded_ideas = seeded[setup.node]
        seeded_score = silhouette(vectors, seeded_ideas)
        if fit(seeded_score, theme_count(seeded_ideas, n), n, params) >= best_fit - params.seed_margin:
            best = Partition(seeded, best.resolution, seeded_score)
    ideas = best.labels[setup.node]
    if params.refine_rounds:
        ideas = refine(vectors, ideas, setup.locks[setup.node] == FREE, smallest_theme(n), params.refine_rounds)
        return Partition(ideas, best.resolution, silhouette(vectors, ideas))
    return Partition(ideas, best.resolution, best.silhouette)
