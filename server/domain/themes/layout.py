"""A 2-D map of ideas for the projector: one round patch per theme, ideas inside their patch.

Plotting raw vectors on two axes piles a hundred themes on top of each other, so the map is built
in three deterministic steps:

1. Two axes: the principal directions of the theme directions (weighted by theme size), with
   signs fixed so that the largest coordinate of each axis is positive.
2. Theme centres: each theme's direction projected on the axes, then pushed apart until no two
   patches overlap. A patch's radius grows with the square root of the theme's size.
3. Ideas: at their theme's centre plus their own offset from the theme's mean, projected on the
   same axes and scaled to fit the patch. Ideas in no theme sit at their own projection.

Everything is finally scaled into the unit square.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from server.domain.themes.records import Frame, Patch, Point

F64 = NDArray[np.float64]
MARGIN = 0.04


def _axes(rows: F64, weights: F64) -> F64:
    centred = rows - np.average(rows, axis=0, weights=weights)
    _, _, vt = np.linalg.svd(centred * np.sqrt(weights)[:, None], full_matrices=False)
    basis = np.zeros((2, rows.shape[1]))
    basis[: min(2, len(vt))] = vt[:2]
    for axis in basis:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    return basis


def _separate(centres: F64, radii: F64, rounds: int = 200) -> F64:
    """Push overlapping patches apart along the line between their centres, a little each round."""
    out = centres.copy()
    if len(out) < 2:
        return out
    spread = np.linspace(0, 2 * np.pi, len(out), endpoint=False)
    nudge = np.stack([np.cos(spread), np.sin(spread)], axis=1) * 1e-6  # splits exact ties, deterministically
    out += nudge
    for _ in range(rounds):
        delta = out[:, None, :] - out[None, :, :]
        dist = np.linalg.norm(delta, axis=2)
        np.fill_diagonal(dist, np.inf)
        overlap = radii[:, None] + radii[None, :] - dist
        if overlap.max() <= 1e-9:
            break
        push = np.divide(overlap, 2 * dist, out=np.zeros_like(dist), where=overlap > 0)
        out += (delta * push[:, :, None]).sum(axis=1) * 0.5
    return out


def build_layout(
    vectors: NDArray[np.float32], theme_of: Sequence[int], theme_ids: Sequence[str], directions: F64
) -> tuple[list[Point], Frame]:
    """Positions in [0, 1]^2 for each row of ``vectors``; ``theme_of[i]`` is a theme index or -1."""
    n = len(vectors)
    v = vectors.astype(np.float64)
    labels = np.asarray(theme_of, dtype=np.int64)
    sizes = np.bincount(labels[labels >= 0], minlength=len(theme_ids)).astype(np.float64)
    if len(theme_ids) >= 3:
        basis = _axes(directions, sizes)
    elif n:
        basis = _axes(v, np.ones(n))
    else:
        basis = np.zeros((2, vectors.shape[1] if vectors.ndim == 2 else 1))
    raw = v @ basis.T
    raw_centres = directions @ basis.T if len(theme_ids) else np.zeros((0, 2))
    extent = np.ptp(np.vstack([raw, raw_centres]), axis=0).max() if n else 1.0
    extent = extent if extent > 1e-12 else 1.0
    radii = 0.045 * np.sqrt(np.maximum(sizes, 1.0)) * extent / max(1.0, np.sqrt(sizes.sum() / 40))
    centres = _separate(raw_centres, radii)
    pos = raw.copy()
    middles, zooms = np.zeros((len(theme_ids), 2)), np.zeros(len(theme_ids))
    for t in range(len(theme_ids)):
        members = np.flatnonzero(labels == t)
        if not len(members):
            continue
        middles[t] = raw[members].mean(axis=0)
        offsets = raw[members] - middles[t]
        reach = float(np.linalg.norm(offsets, axis=1).max())
        zooms[t] = 0.9 * radii[t] / reach if reach > 1e-12 else 0.0
        pos[members] = centres[t] + offsets * zooms[t]
    everything = np.vstack([pos, centres - radii[:, None], centres + radii[:, None]]) if n else np.zeros((1, 2))
    low, high = everything.min(axis=0), everything.max(axis=0)
    scale = (1 - 2 * MARGIN) / max(float((high - low).max()), 1e-12)
    origin = low - (MARGIN / scale) - ((high - low).max() - (high - low)) / 2  # centre the shorter axis
    final = (pos - origin) * scale
    patches = {
        tid: Patch(Point(*((centres[t] - origin) * scale)), float(radii[t] * scale), middles[t], float(zooms[t]))
        for t, tid in enumerate(theme_ids)
    }
    frame = Frame(basis=basis, origin=origin, scale=scale, patches=patches)
    return [Point(float(x), float(y)) for x, y in final], frame


def place(frame: Frame, vector: NDArray[np.float32], theme_id: str | None) -> Point:
    """Where a newly arrived idea goes on an existing map: in its theme's patch as a re-clustering
    would put it (at most at the rim), or at its own projection; clamped to the unit square."""
    raw = frame.basis @ vector.astype(np.float64)
    patch = frame.patches.get(theme_id) if theme_id is not None else None
    if patch is not None:
        step = (raw - patch.middle) * patch.zoom * frame.scale
        length = float(np.linalg.norm(step))
        if length > patch.radius:
            step *= patch.radius / length
        x, y = patch.centre.x + step[0], patch.centre.y + step[1]
    else:
        x, y = (raw - frame.origin) * frame.scale
    return Point(float(min(max(x, 0.0), 1.0)), float(min(max(y, 0.0), 1.0)))
