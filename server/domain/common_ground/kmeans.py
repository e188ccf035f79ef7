"""Weighted k-means for small, low-dimensional point sets: seeded k-means++ starts, then Lloyd steps.

Written for the opinion map (2-D points, k <= 100), where a general-purpose library spends far
more time setting up than computing. Deterministic for a given ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Labels = NDArray[np.intp]


@dataclass(frozen=True, slots=True, eq=False)
class KMeansResult:
    """Centres (k, d), the label of each point, and the weighted sum of squared distances."""

    centres: Floats
    labels: Labels
    inertia: float


def _squared_distances(points: Floats, centres: Floats) -> Floats:
    d2 = (points**2).sum(axis=1)[:, None] - 2.0 * points @ centres.T + (centres**2).sum(axis=1)[None, :]
    return np.asarray(np.maximum(d2, 0.0), dtype=np.float64)


def _plus_plus(points: Floats, weights: Floats, k: int, rng: np.random.Generator) -> Floats:
    """k-means++ starting centres: each next centre drawn with probability ~ weight x squared distance."""
    chosen = [int(rng.choice(len(points), p=weights / weights.sum()))]
    closest = _squared_distances(points, points[chosen])[:, 0]
    for _ in range(1, k):
        mass = weights * closest
        total = mass.sum()
        j = int(rng.choice(len(points), p=mass / total)) if total > 0 else int(rng.integers(len(points)))
        chosen.append(j)
        closest = np.minimum(closest, _squared_distances(points, points[j : j + 1])[:, 0])
    return np.asarray(points[chosen], dtype=np.float64)


def _lloyd(points: Floats, weights: Floats, centres: Floats, max_iter: int, tol: float) -> KMeansResult:
    k, dims = centres.shape
    labels = np.zeros(len(points), dtype=np.intp)
    for _ in range(max_iter):
        d2 = _squared_distances(points, centres)
        labels = np.argmin(d2, axis=1).astype(np.intp)
        mass = np.bincount(labels, weights=weights, minlength=k)
        moved = np.empty_like(centres)
        for axis in range(dims):
            moved[:, axis] = np.bincount(labels, weights=weights * points[:, axis], minlength=k)
        empty = mass <= 0
        moved[~empty] /= mass[~empty, None]
        if empty.any():
            # An emptied centre restarts at the points that are currently worst served.
            worst = np.argsort(-(weights * d2[np.arange(len(points)), labels]), kind="stable")[: int(empty.sum())]
            moved[empty] = points[worst]
        shift = float(((moved - centres) ** 2).sum(axis=1).max())
        centres = moved
        if shift <= tol:
            break
    d2 = _squared_distances(points, centres)
    labels = np.argmin(d2, axis=1).astype(np.intp)
    inertia = float((weights * d2[np.arange(len(points)), labels]).sum())
    return KMeansResult(centres, labels, inertia)


def kmeans(
    points: Floats, weights: Floats, k: int, *, seed: int = 0, n_init: int = 10, max_iter: int = 300
) -> KMeansResult:
    """Cluster weighted ``points`` into ``k`` groups; the best of ``n_init`` seeded starts by inertia.

    ``points`` should hold at least ``k`` distinct rows; ``weights`` must be positive.
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if not 1 <= k <= len(points):
        raise ValueError(f"k must be between 1 and the number of points ({len(points)}), got {k}")
    rng = np.random.default_rng(seed)
    spread = float(
        np.average(((points - np.average(points, axis=0, weights=weights)) ** 2).sum(axis=1), weights=weights)
    )
    tol = 1e-10 * max(spread, 1e-300)
    best: KMeansResult | None = None
    for _ in range(n_init):
        found = _lloyd(points, weights, _plus_plus(points, weights, k, rng), max_iter, tol)
        if best is None or found.inertia < best.inertia:
            best = found
    assert best is not None
    return best
