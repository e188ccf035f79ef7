"""A k-nearest-neighbour graph of ideas, and Louvain community detection on it, in plain numpy.

Communities of a kNN graph follow the shape of the data (a theme may be long or curved), which is
why they beat k-means on short texts. Louvain maximises modularity with a resolution ``r``: the
gain of moving node i into community C is ``w(i, C) - r * k_i * tot(C) / 2m``. Higher ``r``,
smaller communities. ``sweep`` runs from the highest resolution down: only the finest run works on
the ideas themselves, each coarser one on the graph of the communities before it, so a whole family
of granularities costs little more than the finest one.

Locked nodes carry a group number; a community never holds two different groups (cannot-link).
Everything is seeded: the same graph and seed give the same communities.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Labels = NDArray[np.int64]
FREE = -1


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """An undirected weighted graph in compressed rows: node i's neighbours are
    ``indices[indptr[i]:indptr[i + 1]]``; a self-loop holds the weight inside an aggregated node."""

    size: int
    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    weights: NDArray[np.float64]

    @classmethod
    def from_edges(cls, size: int, rows: Labels, cols: Labels, weights: NDArray[np.float64]) -> Graph:
        """Duplicate (row, col) pairs are summed; rows come out sorted, columns sorted within a row."""
        keys, inverse = np.unique(rows * size + cols, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
        row_of = keys // size
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=size), out=indptr[1:])
        return cls(size, indptr, (keys % size).astype(np.int64), summed.astype(np.float64))

    def rows(self) -> Labels:
        out: Labels = np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.indptr))
        return out

    def degrees(self) -> NDArray[np.float64]:
        counts = np.bincount(self.rows(), weights=self.weights, minlength=self.size)
        out: NDArray[np.float64] = counts.astype(np.float64)
        return out


def knn_graph(vectors: NDArray[np.float32], k: int, block: int = 256) -> Graph:
    """Symmetric graph linking each unit vector to its ``k`` most similar others, weight = cosine (>= 0)."""
    n = len(vectors)
    k = min(k, n - 1)
    empty = np.zeros(0, dtype=np.int64)
    if k < 1:
        return Graph.from_edges(n, empty, empty, np.zeros(0))
    rows, cols, weights = [], [], []
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        local = np.arange(len(sims))
        sims[local, start + local] = -np.inf
        nearest = np.argpartition(sims, -k, axis=1)[:, -k:]
        rows.append(np.repeat(start + local, k))
        cols.append(nearest.ravel())
        weights.append(np.maximum(np.take_along_axis(sims, nearest, axis=1).ravel(), 0.0))
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights).astype(np.float64)
    return Graph.from_edges(n, np.concatenate([r, c]), np.concatenate([c, r]), np.concatenate([w, w]))


def _renumber(labels: Labels) -> Labels:
    """Communities numbered 0.. in order of their first node, so results never depend on set order."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out: Labels = rank[inverse.ravel()]
    return out


def aggregate(graph: Graph, labels: Labels) -> Graph:
    """The graph of communities: one node per label, edge weights summed (inside ones as a self-loop)."""
    return Graph.from_edges(int(labels.max()) + 1, labels[graph.rows()], labels[graph.indices], graph.weights)


def _move_nodes(graph: Graph, labels: Labels, locks: Labels, resolution: float, seed: int) -> bool:
    """Louvain's local moving, in place; True if any node changed community."""
    indptr, indices, data = graph.indptr.tolist(), graph.indices.tolist(), graph.weights.tolist()
    degree = graph.degrees().tolist()
    total = float(sum(degree))
    if total <= 0:
        return False
    scale = resolution / total
    comm = labels.tolist()
    lock = locks.tolist()
    tot = [0.0] * len(comm)
    comm_lock = [FREE] * len(comm)
    for i, c in enumerate(comm):
        tot[c] += degree[i]
        if lock[i] != FREE:
            comm_lock[c] = lock[i]
    order = np.random.default_rng(seed).permutation(len(comm)).tolist()
    changed = False
    for _ in range(50):
        moves = 0
        for i in order:
            own, ki, li = comm[i], degree[i], lock[i]
            links: dict[int, float] = {own: 0.0}
            lo, hi = indptr[i], indptr[i + 1]
            for j, w in zip(indices[lo:hi], data[lo:hi], strict=True):
                if j != i:
                    c = comm[j]
                    links[c] = links.get(c, 0.0) + w
            tot[own] -= ki
            best, best_gain = own, links[own] - scale * ki * tot[own]
            for c, w in links.items():
                if c == own or (li != FREE and comm_lock[c] not in (FREE, li)):
                    continue
                gain = w - scale * ki * tot[c]
                if gain > best_gain + 1e-12:
                    best, best_gain = c, gain
            tot[best] += ki
            if best != own:
                comm[i] = best
                if li != FREE:
                    comm_lock[own], comm_lock[best] = FREE, li
                moves += 1
        changed = changed or moves > 0
        if moves <= len(comm) // 500:  # the last passes move a handful of ideas for a sliver of gain
            break
    labels[:] = comm
    return changed


def louvain(
    graph: Graph, resolution: float, *, seed: int = 0, start: Labels | None = None, locks: Labels | None = None
) -> Labels:
    """Communities of ``graph`` (one label per node), optionally refining a ``start`` partition."""
    n = graph.size
    node_locks = np.full(n, FREE, dtype=np.int64) if locks is None else locks.astype(np.int64)
    labels = np.arange(n, dtype=np.int64) if start is None else _renumber(start.astype(np.int64))
    result = labels.copy()
    current, level = graph, 0
    while True:
        _move_nodes(current, labels, node_locks, resolution, seed + level)
        labels = _renumber(labels)
        result = labels[result] if level else labels.copy()
        if labels.max() + 1 == current.size:
            return result
        coarse_locks = np.full(int(labels.max()) + 1, FREE, dtype=np.int64)
        held = node_locks != FREE
        coarse_locks[labels[held]] = node_locks[held]
        current, node_locks = aggregate(current, labels), coarse_locks
        labels = np.arange(current.size, dtype=np.int64)
        level += 1


def sweep(
    graph: Graph, resolutions: Sequence[float], *, seed: int = 0, locks: Labels | None = None
) -> Iterator[tuple[float, Labels]]:
    """Partitions from the finest to the coarsest resolution.

    Only the finest runs on the ideas themselves; each coarser one runs on the graph of the
    communities before it (agglomeration by modularity), so the family costs about one run.
    """
    n = graph.size
    node_locks = np.full(n, FREE, dtype=np.int64) if locks is None else locks.astype(np.int64)
    labels: Labels | None = None
    current, current_locks = graph, node_locks
    for r in sorted(resolutions, reverse=True):
        coarse = louvain(current, r, seed=seed, locks=current_locks)
        labels = coarse if labels is None else coarse[labels]
        yield r, labels
        current = aggregate(current, coarse)
        current_locks = np.full(current.size, FREE, dtype=np.int64)
        held = node_locks != FREE
        current_locks[labels[held]] = node_locks[held]
