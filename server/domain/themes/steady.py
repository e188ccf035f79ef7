"""Steady themes: the picture on the projector moves towards the best clustering a step at a time.

Every re-clustering computes a *target* from scratch (the best partition it can find, with the
facilitator's curation). With nothing shown yet, the target is the picture. Otherwise the picture
shown before is carried over and changed towards the target, with a budget:

- new ideas, and ideas that were in no theme, go where the target puts them (free);
- the facilitator's curation applies in full (free: it is their change);
- an idea already in a theme changes theme only within the budget (a few percent of the themed
  ideas per re-clustering), the moves with the most evidence first: how much closer the idea is to
  the direction of the theme it would join than to the one it is in.

Themes of the target and of the picture are matched one to one by overlap (biggest first), so an
idea whose theme is "the same theme" in both does not count as a change. Whatever the budget held
back is done by the next re-clusterings (``held_back`` says how many moves wait), so a quiet room
converges on the target while a busy one never sees more than the budget move at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

OTHER = -1  # in no theme
NEW = -2  # not in the previous picture


@dataclass(frozen=True, slots=True)
class Settled:
    """Each row's group: ``("t", c)`` a target theme, ``("p", p)`` a previous theme the target has
    no match for, or None (no theme); ``match[c]`` is the previous theme target theme c continues."""

    groups: list[tuple[str, int] | None]
    match: dict[int, int]
    held_back: int


def match_themes(before: NDArray[np.int64], after: NDArray[np.int64], fixed: dict[int, int]) -> dict[int, int]:
    """One to one, biggest overlaps first: ``after`` theme -> ``before`` theme. ``fixed`` pairs (the
    same curated id on both sides) come first. A pair needs the overlap to be at least half of the
    smaller side (as counted on the rows both sides know), so a scrap of a theme does not inherit it."""
    out = dict(fixed)
    used = set(fixed.values())
    both = (before >= 0) & (after >= 0)
    if not both.any():
        return out
    pairs, counts = np.unique(np.stack([after[both], before[both]], axis=1), axis=0, return_counts=True)
    size_after = np.bincount(after[both])
    size_before = np.bincount(before[both])
    order = np.lexsort((pairs[:, 1], pairs[:, 0], -counts))
    for k in order.tolist():
        a, b = int(pairs[k, 0]), int(pairs[k, 1])
        if a in out or b in used:
            continue
        if 2 * counts[k] >= min(size_after[a], size_before[b]):
            out[a] = b
            used.add(b)
    return out


def _directions(vectors: NDArray[np.float32], labels: NDArray[np.int64], count: int) -> NDArray[np.float64]:
    sums = np.zeros((count, vectors.shape[1]))
    kept = labels >= 0
    np.add.at(sums, labels[kept], vectors[kept].astype(np.float64))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    out: NDArray[np.float64] = sums / np.maximum(norms, 1e-12)
    return out


def settle(
    vectors: NDArray[np.float32],
    before: NDArray[np.int64],
    target: NDArray[np.int64],
    forced: NDArray[np.bool_],
    fixed: dict[int, int],
    budget: int,
    smallest: int,
) -> Settled:
    """Move from ``before`` (previous theme per row, ``OTHER`` or ``NEW``) towards ``target`` (target
    theme per row or ``OTHER``), changing at most ``budget`` themed rows that are not ``forced``.
    A previous theme left with fewer than ``smallest`` ideas dissolves into the target."""
    n = len(target)
    match = match_themes(before, target, fixed)
    continues = np.full(int(target.max(initial=-1)) + 1, -1, dtype=np.int64)
    for a, b in match.items():
        continues[a] = b
    mapped = np.where(target >= 0, continues[np.maximum(target, 0)], OTHER)
    themed = before >= 0
    free = ~themed | forced | ((target >= 0) & (mapped == before))
    moves = np.flatnonzero(~free)
    keep = np.zeros(n, dtype=bool)
    if len(moves) > budget:
        count_before = int(before.max(initial=-1)) + 1
        own = _directions(vectors, np.where(themed, before, OTHER), count_before)
        there = _directions(vectors, target, int(target.max(initial=-1)) + 1)
        rows = vectors[moves].astype(np.float64)
        now = (rows * own[before[moves]]).sum(axis=1)
        goal = target[moves]
        then = np.where(goal >= 0, (rows * there[np.maximum(goal, 0)]).sum(axis=1), now)
        gain = then - now
        order = np.lexsort((moves, -gain))
        keep[moves[order[budget:]]] = True
    groups: list[tuple[str, int] | None] = []
    for row in range(n):
        if keep[row]:
            b = int(before[row])
            groups.append(("p", b) if b not in match.values() else ("t", _after_of(match, b)))
        else:
            groups.append(("t", int(target[row])) if target[row] >= 0 else None)
    held = int(keep.sum())
    sizes: dict[tuple[str, int], int] = {}
    for g in groups:
        if g is not None:
            sizes[g] = sizes.get(g, 0) + 1
    for row, g in enumerate(groups):
        if g is not None and g[0] == "p" and sizes[g] < smallest:
            groups[row] = ("t", int(target[row])) if target[row] >= 0 else None
            held -= 1
    return Settled(groups, match, held)


def _after_of(match: dict[int, int], before: int) -> int:
    return next(a for a, b in match.items() if b == before)


def stability(before: Sequence[str | None], after: Sequence[str | None]) -> float:
    """Share of the ideas in a theme before that are in the matching theme after (one-to-one
    matching by overlap, biggest first); 1.0 when no idea was in a theme."""
    pairs: dict[tuple[str, str], int] = {}
    themed = 0
    for b, a in zip(before, after, strict=True):
        if b is None:
            continue
        themed += 1
        if a is not None:
            pairs[(b, a)] = pairs.get((b, a), 0) + 1
    used_b: set[str] = set()
    used_a: set[str] = set()
    kept = 0
    for (b, a), count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if b not in used_b and a not in used_a:
            used_b.add(b)
            used_a.add(a)
            kept += count
    return kept / themed if themed else 1.0
