"""Opinion groups: cluster the points of the opinion map and choose how many groups there are.

1. Only participants who reacted enough (see thresholds) are clustered; the rest stay on the map.
2. Their points are summarised by at most BASE_CLUSTERS weighted *base clusters* (k-means, seeded).
3. For each k from 2 to ``max_groups_for(base clusters)``, a weighted k-means groups the base
   clusters. A k that leaves any group with fewer than MIN_GROUP_SIZE people is ruled out.
4. The k with the best silhouette wins. The silhouette is averaged over base clusters (unweighted):
   s = (b - a) / max(a, b), where a is the mean distance to base clusters of the same group and b
   the smallest mean distance to another group's; a base cluster alone in its group scores 0.

Every random step takes ``seed``, so the same points give the same groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.common_ground.kmeans import kmeans
from server.domain.common_ground.stats import Floats
from server.domain.common_ground.thresholds import BASE_CLUSTERS, MIN_GROUP_SIZE, max_groups_for

Labels = NDArray[np.intp]


@dataclass(frozen=True, slots=True, eq=False)
class Clustering:
    """The outcome for the clustered participants.

    ``labels`` gives each clustered point its group (0..k-1) for the chosen ``k``; ``options`` holds
    the labels for every admissible k, and ``silhouettes`` their scores. ``k`` is 0 and
    ``options`` is empty when no admissible split exists.
    """

    k: int
    labels: Labels
    options: dict[int, Labels]
    silhouettes: dict[int, float]


def base_clusters(points: Floats, seed: int) -> tuple[Floats, Floats, Labels]:
    """Summarise ``points`` by at most BASE_CLUSTERS centres: (centres, weights, label of each point)."""
    unique, inverse, multiplicity = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if len(unique) <= BASE_CLUSTERS:
        return np.asarray(unique, dtype=np.float64), multiplicity.astype(np.float64), inverse.astype(np.intp)
    found = kmeans(unique, multiplicity.astype(np.float64), BASE_CLUSTERS, seed=seed, n_init=1)
    centres, labels = found.centres, found.labels
    weights = np.bincount(labels, weights=multiplicity, minlength=BASE_CLUSTERS).astype(np.float64)
    return centres, weights, labels[inverse]


def silhouette(centres: Floats, labels: Labels) -> float:
    """Mean silhouette of the base clusters ``centres`` under group ``labels`` (see module docstring)."""
    k = int(labels.max()) + 1
    distances = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
    members = np.zeros((k, len(labels)), dtype=np.float64)
    members[labels, np.arange(len(labels))] = 1.0
    sizes = members.sum(axis=1)
    sums = distances @ members.T  # (base clusters, groups): summed distance to each group
    own = sizes[labels]
    a = np.divide(sums[np.arange(len(labels)), labels], own - 1, out=np.zeros(len(labels)), where=own > 1)
    others = np.where(np.arange(k)[None, :] == labels[:, None], np.inf, sums / np.maximum(sizes, 1)[None, :])
    b = others.min(axis=1)
    top = np.maximum(a, b)
    scores = np.divide(b - a, top, out=np.zeros(len(labels)), where=(own > 1) & (top > 0))
    return float(scores.mean())


def choose_groups(points: Floats, seed: int = 0) -> Clustering:
    """Cluster ``points`` (one row per participant to group) into 2..5 opinion groups, or none."""
    empty = np.full(len(points), -1, dtype=np.intp)
    if len(points) < 2 * MIN_GROUP_SIZE:
        return Clustering(0, empty, {}, {})
    centres, weights, point_base = base_clusters(points, seed)
    options: dict[int, Labels] = {}
    scores: dict[int, float] = {}
    for k in range(2, max_groups_for(len(centres)) + 1):
        if k > len(centres):
            break
        base_labels = kmeans(centres, weights, k, seed=seed, n_init=10).labels
        sizes = np.bincount(base_labels, weights=weights, minlength=k)
        if sizes.min() < MIN_GROUP_SIZE:
            continue
        options[k] = _by_size(base_labels, sizes)[point_base]
        scores[k] = silhouette(centres, base_labels)
    if not options:
        return Clustering(0, empty, {}, {})
    best = max(scores, key=lambda k: (scores[k], -k))
    return Clustering(best, options[best], options, scores)


def _by_size(labels: Labels, sizes: NDArray[np.floating] | NDArray[np.integer]) -> Labels:
    """Renumber groups largest first (ties by old number), so group 0 is always the biggest."""
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    rank = np.empty(len(sizes), dtype=np.intp)
    rank[order] = np.arange(len(sizes))
    return rank[labels]
