"""A k-nearest-neighbour graph of ideas, and Louvain community detection on it.

Communities of a kNN graph follow the shape of the data (a theme may be long or curved), which is
why they beat k-means on short texts. Louvain maximises modularity with a resolution ``r``: the
gain of moving node i into community C is ``w(i, C) - r * k_i * tot(C) / 2m``. Higher ``r``, smaller
communities. ``sweep`` runs from the highest resolution down, each run starting from the previous
partition, so a whole family of granularities costs little more than the finest one.

Locked nodes carry a group number; a community never holds two different groups (cannot-link).
Everything is seeded: the same graph and seed give the same communities.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

Labels = NDArray[np.int64]
FREE = -1


def knn_graph(vectors: NDArray[np.float32], k: int, block: int = 256) -> sp.csr_matrix:
    """Symmetric graph linking each unit vector to its ``k`` most similar others, weight = cosine (>= 0)."""
    n = len(vectors)
    k = min(k, n - 1)
    if k < 1:
        return sp.csr_matrix((n, n), dtype=np.float64)
    rows, cols, weights = [], [], []
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        local = np.arange(len(sims))
        sims[local, start + local] = -np.inf
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        rows.append(np.repeat(start + local, k))
        cols.append(nearest.ravel())
        weights.append(np.maximum(np.take_along_axis(sims, nearest, axis=1).ravel(), 0.0))
    a = sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    graph: sp.csr_matrix = (a + a.T).tocsr().astype(np.float64)
    return graph


def _renumber(labels: Labels) -> Labels:
    """Communities numbered 0.. in order of their first node, so results never depend on set order."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out: Labels = rank[inverse]
    return out


def aggregate(graph: sp.csr_matrix, labels: Labels) -> sp.csr_matrix:
    n, c = len(labels), int(labels.max()) + 1
    member = sp.csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, c))
    coarse: sp.csr_matrix = (member.T @ graph @ member).tocsr()
    return coarse


def _move_nodes(graph: sp.csr_matrix, labels: Labels, locks: Labels, resolution: float, seed: int) -> bool:
    """Louvain's local moving, in place; True if any node changed community."""
    indptr, indices, data = graph.indptr.tolist(), graph.indices.tolist(), graph.data.tolist()
    degree = np.asarray(graph.sum(axis=1)).ravel().tolist()
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


def louvain(graph: sp.csr_matrix, resolution: float, *, seed: int = 0, start: Labels | None = None,
            locks: Labels | None = None) -> Labels:
    """Communities of ``graph`` (one label per node), optionally refining a ``start`` partition."""
    n = graph.shape[0]
    node_locks = np.full(n, FREE, dtype=np.int64) if locks is None else locks.astype(np.int64)
    labels = np.arange(n, dtype=np.int64) if start is None else _renumber(start.astype(np.int64))
    result = labels.copy()
    current, level = graph, 0
    while True:
        _move_nodes(current, labels, node_locks, resolution, seed + level)
        labels = _renumber(labels)
        result = labels[result] if level else labels.copy()
        if labels.max() + 1 == current.shape[0]:
            return result
        coarse_locks = np.full(int(labels.max()) + 1, FREE, dtype=np.int64)
        held = node_locks != FREE
        coarse_locks[labels[held]] = node_locks[held]
        current, node_locks = aggregate(current, labels), coarse_locks
        labels = np.arange(current.shape[0], dtype=np.int64)
        level += 1


def sweep(graph: sp.csr_matrix, resolutions: Sequence[float], *, seed: int = 0,
          locks: Labels | None = None) -> Iterator[tuple[float, Labels]]:
    """Partitions from the finest to the coarsest resolution.

    Only the finest runs on the ideas themselves; each coarser one runs on the graph of the
    communities before it (agglomeration by modularity), so the family costs about one run.
    """
    n = graph.shape[0]
    node_locks = np.full(n, FREE, dtype=np.int64) if locks is None else locks.astype(np.int64)
    labels: Labels | None = None
    current, current_locks = graph, node_locks
    for r in sorted(resolutions, reverse=True):
        coarse = louvain(current, r, seed=seed, locks=current_locks)
        labels = coarse if labels is None else coarse[labels]
        yield r, labels
        current = aggregate(current, coarse)
        current_locks = np.full(current.shape[0], FREE, dtype=np.int64)
        held = node_locks != FREE
        current_locks[labels[held]] = node_locks[held]
