"""Which ideas each view lists: differences per part, majority, uncertainty and common ground.

Every list is computed from :class:`~server.domain.common_ground.stats.PartStats`; ``eligible`` masks
out hidden ideas (they are still counted, never listed). Ties keep idea order, so lists are stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from server.domain.common_ground.stats import Floats, PartStats
from server.domain.common_ground.thresholds import (
    COMMON_GROUND_SHARE,
    LIST_LENGTH,
    MIN_REACTIONS_PER_GROUP,
    UNCERTAIN_PASS_SHARE,
    Z_90,
)

Mask = NDArray[np.bool_]


class Direction(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"


@dataclass(frozen=True, slots=True)
class Support:
    """How one part reacted to one idea; ``p_agree`` is the smoothed share (agree + 1) / (seen + 2)."""

    agree: int
    disagree: int
    passed: int
    seen: int
    p_agree: float


@dataclass(frozen=True, slots=True)
class Difference:
    """An idea that sets a part apart from the rest, in one direction.

    ``n_success`` of the part's ``n_trials`` reactions go that way; ``p_success`` is the smoothed
    share and ``p_test`` its z-score; ``repness`` is the ratio of that share to the rest's and
    ``repness_test`` the two-proportion z-score against the rest.
    """

    idea: str
    direction: Direction
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


@dataclass(frozen=True, slots=True)
class Majority:
    """An idea most of the room agrees (or disagrees) with, significantly, ignoring groups."""

    idea: str
    direction: Direction
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass(frozen=True, slots=True)
class Uncertain:
    """An idea people often pass on: ``passed`` of ``seen`` reactions."""

    idea: str
    passed: int
    seen: int


@dataclass(frozen=True, slots=True)
class CommonGround:
    """An idea every part supports, its group-informed consensus, and the support in each part."""

    idea: str
    consensus: float
    support: tuple[Support, ...]


def _difference(stats: PartStats, g: int, j: int, direction: Direction, ideas: Sequence[str], best: bool) -> Difference:
    agree = direction is Direction.AGREE
    return Difference(
        idea=ideas[j],
        direction=direction,
        n_success=int((stats.counts.agree if agree else stats.counts.disagree)[g, j]),
        n_trials=int(stats.counts.seen[g, j]),
        p_success=float((stats.p_agree if agree else stats.p_disagree)[g, j]),
        p_test=float((stats.p_agree_test if agree else stats.p_disagree_test)[g, j]),
        repness=float((stats.r_agree if agree else stats.r_disagree)[g, j]),
        repness_test=float((stats.r_agree_test if agree else stats.r_disagree_test)[g, j]),
        best_agree=best,
    )


def _ranked(metric: Floats, mask: Mask) -> list[int]:
    candidates = np.flatnonzero(mask)
    return [int(j) for j in candidates[np.argsort(-metric[candidates], kind="stable")]]


def distinguishing(
    stats: PartStats, g: int, ideas: Sequence[str], eligible: Mask
) -> tuple[tuple[Difference, ...], ...]:
    """Part ``g``'s significant differences from the rest: (agrees more, disagrees more), best first.

    An idea qualifies in a direction when both the share within the part and the comparison with
    the rest are significant (z > Z_90); it is ranked by repness x its test x share x its test.
    """
    found = []
    for direction in Direction:
        agree = direction is Direction.AGREE
        p, pt = (stats.p_agree, stats.p_agree_test) if agree else (stats.p_disagree, stats.p_disagree_test)
        r, rt = (stats.r_agree, stats.r_agree_test) if agree else (stats.r_disagree, stats.r_disagree_test)
        mask = eligible & (pt[g] > Z_90) & (rt[g] > Z_90)
        order = _ranked(r[g] * rt[g] * p[g] * pt[g], mask)[:LIST_LENGTH]
        found.append(tuple(_difference(stats, g, j, direction, ideas, False) for j in order))
    return tuple(found)


def representative(stats: PartStats, g: int, ideas: Sequence[str], eligible: Mask) -> tuple[Difference, ...]:
    """Pol.is-style representative ideas of part ``g``: at most five, agreements first, never empty.

    The "best agree" idea is, among those the part significantly agrees with, the one whose
    agreement differs most from the rest (largest ``r_agree_test``); it leads the list. When no
    idea is significant both ways, that idea alone is returned, else the idea with the largest
    comparison test in either direction.
    """
    if not eligible.any():
        return ()
    pa, pd, pat, pdt = stats.p_agree[g], stats.p_disagree[g], stats.p_agree_test[g], stats.p_disagree_test[g]
    ra, rd, rat, rdt = stats.r_agree[g], stats.r_disagree[g], stats.r_agree_test[g], stats.r_disagree_test[g]
    agreeing = eligible & (pat > Z_90)
    best = _ranked(rat, agreeing)[0] if agreeing.any() else None
    passing = eligible & (((pat > Z_90) & (rat > Z_90)) | ((pdt > Z_90) & (rdt > Z_90)))
    toward_agree = rat > rdt
    if not passing.any():
        if best is not None:
            return (_difference(stats, g, best, Direction.AGREE, ideas, True),)
        j = _ranked(np.maximum(rat, rdt), eligible)[0]
        return (_difference(stats, g, j, Direction.AGREE if toward_agree[j] else Direction.DISAGREE, ideas, False),)
    order = _ranked(np.where(toward_agree, ra * rat * pa * pat, rd * rdt * pd * pdt), passing)
    if best is not None and best in order:
        order.remove(best)
        order.insert(0, best)
    chosen = order[:LIST_LENGTH]
    chosen.sort(key=lambda j: not toward_agree[j])  # stable: agreements first, each in rank order
    return tuple(
        _difference(stats, g, j, Direction.AGREE if toward_agree[j] else Direction.DISAGREE, ideas, j == best)
        for j in chosen
    )


def majority(stats: PartStats, ideas: Sequence[str], eligible: Mask) -> tuple[tuple[Majority, ...], ...]:
    """Ideas the whole room significantly agrees with, then disagrees with: share > 1/2 and z > Z_90.

    ``stats`` must have a single part (everyone). Each list is ranked by share x z, five at most.
    """
    found = []
    for direction in Direction:
        agree = direction is Direction.AGREE
        p, pt = (stats.p_agree[0], stats.p_agree_test[0]) if agree else (stats.p_disagree[0], stats.p_disagree_test[0])
        successes = stats.counts.agree[0] if agree else stats.counts.disagree[0]
        order = _ranked(p * pt, eligible & (p > 0.5) & (pt > Z_90))[:LIST_LENGTH]
        found.append(
            tuple(
                Majority(
                    ideas[j], direction, int(successes[j]), int(stats.counts.seen[0, j]), float(p[j]), float(pt[j])
                )
                for j in order
            )
        )
    return tuple(found)


def uncertainty(stats: PartStats, ideas: Sequence[str], eligible: Mask) -> tuple[Uncertain, ...]:
    """Ideas where more than UNCERTAIN_PASS_SHARE of reactions are passes, ranked by share^2 x passes."""
    passed, seen = stats.counts.passed.sum(axis=0), stats.counts.seen.sum(axis=0)
    share = np.divide(passed, seen, out=np.zeros(seen.shape, dtype=np.float64), where=seen > 0)
    order = _ranked(share**2 * passed, eligible & (share > UNCERTAIN_PASS_SHARE))[:LIST_LENGTH]
    return tuple(Uncertain(ideas[j], int(passed[j]), int(seen[j])) for j in order)


def support(stats: PartStats, j: int) -> tuple[Support, ...]:
    """Each part's reactions to idea column ``j``."""
    c = stats.counts
    return tuple(
        Support(
            int(c.agree[g, j]),
            int(c.disagree[g, j]),
            int(c.passed[g, j]),
            int(c.seen[g, j]),
            float(stats.p_agree[g, j]),
        )
        for g in range(stats.n_parts)
    )


def common_ground(stats: PartStats, ideas: Sequence[str], eligible: Mask) -> tuple[CommonGround, ...]:
    """Ideas every part supports, ranked by group-informed consensus (all of them, not a top five).

    Every part must have at least MIN_REACTIONS_PER_GROUP reactions on the idea and a smoothed
    agreement share of at least COMMON_GROUND_SHARE; a part cannot be outvoted by the others.
    """
    every = (stats.counts.seen >= MIN_REACTIONS_PER_GROUP).all(axis=0) & (stats.p_agree >= COMMON_GROUND_SHARE).all(
        axis=0
    )
    consensus = stats.consensus()
    return tuple(
        CommonGround(ideas[j], float(consensus[j]), support(stats, j)) for j in _ranked(consensus, eligible & every)
    )
