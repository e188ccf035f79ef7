"""Which ideas each view lists: differences per part, majority, uncertainty and common ground.

Every list is computed from :class:`~server.domain.common_ground.stats.PartStats`; ``eligible`` masks
out hidden ideas (they are still counted, never listed). Ties keep idea order, so lists are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _first_records(better: Callable[[int], Mask], start: int) -> int:
    """Scan from ``start`` onwards: each time ``better(best)`` marks a later idea, that idea becomes
    the best (the first such one, as a scan in idea order would find it). Costs one numpy pass per
    change of best, usually a handful."""
    best = start
    while True:
        later = np.flatnonzero(better(best)[best + 1 :])
        if not later.size:
            return best
        best += 1 + int(later[0])


def _best_agree(stats: PartStats, g: int, eligible: Mask) -> int | None:
    """Pol.is's "best agree" idea of part ``g``, found as its scan over ideas in order finds it.

    An idea nobody agreed or disagreed with never qualifies. The first idea qualifies when the
    part agrees significantly (p_agree_test > Z_90), or more of it agrees than of the rest and more
    than half of it agrees. A later idea replaces the best when it scores higher on
    r x r_test x p x p_test (when the best's ratio r_agree is above 1), or else on p x p_test.
    """
    pa, pat, ra, rat = stats.p_agree[g], stats.p_agree_test[g], stats.r_agree[g], stats.r_agree_test[g]
    counted: Mask = eligible & ((stats.counts.agree[g] + stats.counts.disagree[g]) > 0)
    first = np.flatnonzero(counted & ((pat > Z_90) | ((ra > 1.0) & (pa > 0.5))))
    if not first.size:
        return None
    by_share: Floats = pa * pat
    by_all: Floats = ra * rat * pa * pat

    def better(best: int) -> Mask:
        key = by_all if ra[best] > 1.0 else by_share
        higher: Mask = key > key[best]
        return counted & higher

    return _first_records(better, int(first[0]))


def representative(stats: PartStats, g: int, ideas: Sequence[str], eligible: Mask) -> tuple[Difference, ...]:
    """Pol.is's representative ideas of part ``g``: at most five, agreements first, never empty.

    An idea *passes* when the part's share and its comparison with the rest are both significant
    (z > Z_90) in one direction; its direction is agree when r_agree_test > r_disagree_test. The
    list is the "best agree" idea (:func:`_best_agree`, flagged, even if it does not pass, and
    shown in its own direction, which may be disagree), then the other passing ideas ranked by
    repness x test x share x test, cut to five, agreements before disagreements. When nothing
    passes, it is the best agree idea alone, or else the idea with the largest comparison test in
    either direction. As in Pol.is, the comparison test is rounded to float32 wherever it ranks or
    compares ideas (Pol.is stores it so), which decides between near-equal ideas as Pol.is does.
    """
    if not eligible.any():
        return ()
    pa, pd, pat, pdt = stats.p_agree[g], stats.p_disagree[g], stats.p_agree_test[g], stats.p_disagree_test[g]
    ra, rd, rat, rdt = stats.r_agree[g], stats.r_disagree[g], stats.r_agree_test[g], stats.r_disagree_test[g]
    toward_agree = rat > rdt
    stored = np.where(toward_agree, rat, rdt).astype(np.float32).astype(np.float64)
    best = _best_agree(stats, g, eligible)
    passing = eligible & (((pat > Z_90) & (rat > Z_90)) | ((pdt > Z_90) & (rdt > Z_90)))

    def shown(j: int) -> Difference:
        direction = Direction.AGREE if toward_agree[j] else Direction.DISAGREE
        return _difference(stats, g, j, direction, ideas, j == best)

    if not passing.any():
        if best is not None:
            return (shown(best),)
        strongest = np.maximum(rat, rdt)
        first = int(np.flatnonzero(eligible)[0])
        return (shown(_first_records(lambda b: eligible & (strongest > stored[b]), first)),)
    if best is not None:
        passing[best] = False
    order = _ranked(np.where(toward_agree, ra * stored * pa * pat, rd * stored * pd * pdt), passing)
    chosen = ([best] if best is not None else []) + order
    chosen = chosen[:LIST_LENGTH]
    chosen.sort(key=lambda j: not toward_agree[j])  # stable: agreements first, each in rank order
    return tuple(shown(j) for j in chosen)


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
