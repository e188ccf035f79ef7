"""Common ground and differences over any partition of the room: opinion groups, tables, roles, or
the parts of the system people said they come from (where one person may be in several parts).

"Which ideas does every table support?" is the same computation as "which ideas does every opinion
group support?": only the labels differ. Parts with fewer than MIN_GROUP_SIZE reacting members are
left out (and named), so no part of one or two people can veto or carry an idea.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from server.domain.common_ground.lists import CommonGround, Difference, common_ground, distinguishing, representative
from server.domain.common_ground.stats import PartStats, part_stats, tally
from server.domain.common_ground.thresholds import MIN_GROUP_SIZE
from server.domain.reaction_matrix import ReactionMatrix


@dataclass(frozen=True, slots=True)
class Part:
    """One part (an opinion group, a table, a role) and what sets it apart from the rest.

    ``size`` counts members with at least one reaction. ``agrees_more`` and ``disagrees_more`` are
    its significant differences in each direction (possibly empty); ``representative`` is the
    Pol.is-style mixed list of at most five that is never empty.
    """

    label: str
    size: int
    agrees_more: tuple[Difference, ...]
    disagrees_more: tuple[Difference, ...]
    representative: tuple[Difference, ...]


@dataclass(frozen=True, slots=True)
class PartitionView:
    """Common ground and differences over one partition, side by side, never merged into one ranking.

    ``consensus`` holds the group-informed consensus of every idea (hidden ones too); compare
    values only between partitions with the same number of parts. ``left_out`` names parts too
    small to count. ``shares`` (only when asked for: it is parts x ideas numbers) holds each idea's
    smoothed agreement share ``p_agree`` in each part, in the order of ``parts``: the factors of
    its consensus.
    """

    name: str
    parts: tuple[Part, ...]
    common_ground: tuple[CommonGround, ...]
    consensus: Mapping[str, float]
    left_out: tuple[str, ...]
    shares: Mapping[str, tuple[float, ...]] = field(default_factory=dict)


def label_array(matrix: ReactionMatrix, assignment: Mapping[str, str]) -> tuple[NDArray[np.intp], list[str]]:
    """Turn participant -> label into one part number per matrix row (-1 when unassigned)."""
    labels: list[str] = []
    index: dict[str, int] = {}
    for label in assignment.values():
        if label not in index:
            index[label] = len(labels)
            labels.append(label)
    numbers = np.array([index[assignment[p]] if p in assignment else -1 for p in matrix.participants], dtype=np.intp)
    return numbers, labels


def expand(
    matrix: ReactionMatrix, assignment: Mapping[str, Sequence[str]]
) -> tuple[ReactionMatrix, NDArray[np.intp], list[str]]:
    """For a partition where a person may be in several parts (or none): a matrix with one row per
    person and part they are in (their reactions repeated), each row numbered into the labels; people
    in no part keep one row, numbered -1. A person with two parts counts in each of them."""
    labels: list[str] = []
    index: dict[str, int] = {}
    rows: list[int] = []
    numbers: list[int] = []
    for row, person in enumerate(matrix.participants):
        theirs = assignment.get(person, ())
        for label in theirs:
            if label not in index:
                index[label] = len(labels)
                labels.append(label)
            rows.append(row)
            numbers.append(index[label])
        if not theirs:
            rows.append(row)
            numbers.append(-1)
    take = np.array(rows, dtype=np.intp)
    wide = ReactionMatrix(
        tuple(f"{matrix.participants[r]}#{n}" for r, n in zip(rows, numbers, strict=True)),
        matrix.ideas,
        matrix.values[take],
        matrix.seen[take],
    )
    return wide, np.array(numbers, dtype=np.intp), labels


def summarise(
    name: str,
    matrix: ReactionMatrix,
    numbers: NDArray[np.intp],
    labels: Sequence[str],
    eligible: NDArray[np.bool_],
    *,
    shares: bool = False,
) -> tuple[PartitionView, PartStats | None]:
    """Build the view for participants numbered into ``labels`` (-1 = in no part); also return the stats.
    With ``shares``, the view also holds every idea's ``p_agree`` in each part."""
    active = matrix.seen.any(axis=1)
    sizes = np.bincount(numbers[(numbers >= 0) & active], minlength=len(labels))
    kept = [g for g in range(len(labels)) if sizes[g] >= MIN_GROUP_SIZE]
    left_out = tuple(labels[g] for g in range(len(labels)) if sizes[g] < MIN_GROUP_SIZE)
    if len(kept) < 2:
        return PartitionView(name, (), (), {}, left_out), None
    # One spare slot at the end, so that renumber[-1] (people in no part) stays -1.
    renumber = np.full(len(labels) + 1, -1, dtype=np.intp)
    renumber[kept] = np.arange(len(kept))
    stats = part_stats(tally(matrix, renumber[numbers], len(kept)))
    ideas = matrix.ideas
    parts = []
    for g, old in enumerate(kept):
        agrees_more, disagrees_more = distinguishing(stats, g, ideas, eligible)
        parts.append(
            Part(labels[old], int(sizes[old]), agrees_more, disagrees_more, representative(stats, g, ideas, eligible))
        )
    consensus = dict(zip(ideas, (float(c) for c in stats.consensus()), strict=True))
    by_idea = dict(zip(ideas, map(tuple, stats.p_agree.T.tolist()), strict=True)) if shares else {}
    view = PartitionView(name, tuple(parts), common_ground(stats, ideas, eligible), consensus, left_out, by_idea)
    return view, stats
