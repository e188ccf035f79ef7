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
        keep[moves] = True
        keep[_chosen(vectors, before, target, moves, set(match.values()), budget, smallest)] = False
    groups: list[tuple[str, int] | None] = []
    for row in range(n):
        if keep[row]:
            b = int(before[row])
            groups.append(("p", b) if b not in match.values() else ("t", _after_of(match, b)))
        else:
            groups.append(("t", int(target[row])) if target[row] >= 0 else None)
    held = int(keep.sum())
    return Settled(groups, match, held)


def _chosen(
    vectors: NDArray[np.float32],
    before: NDArray[np.int64],
    target: NDArray[np.int64],
    moves: NDArray[np.int64],
    matched: set[int],
    budget: int,
    smallest: int,
) -> list[int]:
    """The moves made now: the most evidence first (how much closer the idea is to the direction of
    the theme it joins than to the one it leaves), at most ``budget`` of them, dissolutions
    included: a previous theme the target no longer has either keeps ``smallest`` ideas or goes
    whole (one left too small to show goes whole whatever the budget)."""
    count_before = int(before.max(initial=-1)) + 1
    own = _directions(vectors, np.where(before >= 0, before, OTHER), count_before)
    there = _directions(vectors, target, int(target.max(initial=-1)) + 1)
    rows = vectors[moves].astype(np.float64)
    now = (rows * own[before[moves]]).sum(axis=1)
    goal = target[moves]
    gain = np.where(goal >= 0, (rows * there[np.maximum(goal, 0)]).sum(axis=1), now) - now
    left = {int(b): int(c) for b, c in zip(*np.unique(before[moves], return_counts=True), strict=True)}
    left = {b: c for b, c in left.items() if b not in matched}
    members: dict[int, list[int]] = {b: [] for b in left}
    for row in moves.tolist():
        if int(before[row]) in members:
            members[int(before[row])].append(row)
    chosen: set[int] = set()
    for b, count in left.items():
        if count < smallest:  # too small to show already: dissolves now
            chosen.update(members[b])
            left[b] = 0
    for k in np.lexsort((moves, -gain)).tolist():
        row, b = int(moves[k]), int(before[moves[k]])
        if row in chosen:
            continue
        if b not in left:
            if len(chosen) < budget:
                chosen.add(row)
            continue
        rest = [r for r in members[b] if r not in chosen and r != row]
        whole = len(rest) < smallest
        if len(chosen) + 1 + (len(rest) if whole else 0) > budget:
            continue
        chosen.add(row)
        if whole:
            chosen.update(rest)
    return sorted(chosen)


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
