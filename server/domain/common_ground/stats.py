"""Per-part statistics of a reaction matrix: support within each part and how it differs from the rest.

A *partition* gives each participant a part number (an opinion group, a table, a role) or -1 for
"in no part". For part g and idea c, over g's members who reacted to c (passes included in ``seen``):

    p_agree      = (agree + 1) / (seen + 2)          Laplace-smoothed share, always in (0, 1)
    p_agree_test = 2 sqrt(seen + 1) ((agree + 1)/(seen + 1) - 1/2)       one-proportion z-score
    r_agree      = p_agree / ((rest_agree + 1) / (rest_seen + 2))       ratio to everyone else
    r_agree_test = two_proportion_z(agree, rest_agree, seen, rest_seen)

and the same with ``disagree``. "Rest" is the members of every other part. Group-informed
consensus (GIC) is the product of ``p_agree`` over parts: high only when every part agrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.reaction_matrix import ReactionMatrix

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


def prop_test(successes: Ints | Floats, trials: Ints | Floats) -> Floats:
    """One-proportion z-score that the smoothed share of successes exceeds one half."""
    n = np.asarray(trials, dtype=np.float64) + 1.0
    return np.asarray(2.0 * np.sqrt(n) * ((np.asarray(successes) + 1.0) / n - 0.5), dtype=np.float64)


def two_prop_test(s1: Ints, s2: Ints, n1: Ints, n2: Ints) -> Floats:
    """Two-proportion z-score (s1/n1 against s2/n2, each count plus one); 0 where the pooled share is 1."""
    a, b = s1 + 1.0, s2 + 1.0
    m, n = n1 + 1.0, n2 + 1.0
    pooled = (a + b) / (m + n)
    variance = pooled * (1.0 - pooled) * (1.0 / m + 1.0 / n)
    z = np.zeros(np.broadcast(a, m).shape, dtype=np.float64)
    np.divide(a / m - b / n, np.sqrt(variance, where=variance > 0, out=np.zeros_like(z)), out=z, where=variance > 0)
    return z


def smoothed(successes: Ints, trials: Ints) -> Floats:
    """The Laplace-smoothed share (s + 1) / (n + 2)."""
    return np.asarray((successes + 1.0) / (trials + 2.0), dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Tallies:
    """Plain counts per part and idea, each array shaped (parts, ideas)."""

    agree: Ints
    disagree: Ints
    seen: Ints

    @property
    def passed(self) -> Ints:
        return self.seen - self.agree - self.disagree

    def total(self) -> Tallies:
        """The same counts summed over all parts, as a single part."""
        return Tallies(*(a.sum(axis=0, keepdims=True) for a in (self.agree, self.disagree, self.seen)))


def tally(matrix: ReactionMatrix, labels: NDArray[np.intp], n_parts: int) -> Tallies:
    """Count agrees, disagrees and all reactions per part; participants labelled -1 are left out."""
    labels = np.asarray(labels, dtype=np.intp)
    if labels.shape != (len(matrix.participants),):
        raise ValueError(f"need one label per participant ({len(matrix.participants)}), got shape {labels.shape}")
    counts = np.zeros((3, n_parts, len(matrix.ideas)), dtype=np.int64)
    # One pass over each part's rows of the int8 matrix: cheaper than any float conversion.
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_parts + 1))
    for g in range(n_parts):
        rows = order[bounds[g] : bounds[g + 1]]
        if len(rows):
            values = matrix.values[rows]
            counts[0, g] = np.count_nonzero(values == 1, axis=0)
            counts[1, g] = np.count_nonzero(values == -1, axis=0)
            counts[2, g] = np.count_nonzero(matrix.seen[rows], axis=0)
    return Tallies(counts[0], counts[1], counts[2])


@dataclass(frozen=True, slots=True, eq=False)
class PartStats:
    """Every statistic of the module docstring, each an array shaped (parts, ideas)."""

    counts: Tallies
    p_agree: Floats
    p_disagree: Floats
    p_agree_test: Floats
    p_disagree_test: Floats
    r_agree: Floats
    r_disagree: Floats
    r_agree_test: Floats
    r_disagree_test: Floats

    @property
    def n_parts(self) -> int:
        return int(self.p_agree.shape[0])

    def consensus(self) -> Floats:
        """Group-informed consensus per idea: the product over parts of ``p_agree``."""
        return np.asarray(np.prod(self.p_agree, axis=0), dtype=np.float64)


def part_stats(counts: Tallies) -> PartStats:
    """Compute support and representativeness for every part and idea from the tallies."""
    total = counts.total()
    rest_agree, rest_disagree = total.agree - counts.agree, total.disagree - counts.disagree
    rest_seen = total.seen - counts.seen
    p_agree, p_disagree = smoothed(counts.agree, counts.seen), smoothed(counts.disagree, counts.seen)
    return PartStats(
        counts=counts,
        p_agree=p_agree,
        p_disagree=p_disagree,
        p_agree_test=prop_test(counts.agree, counts.seen),
        p_disagree_test=prop_test(counts.disagree, counts.seen),
        r_agree=p_agree / smoothed(rest_agree, rest_seen),
        r_disagree=p_disagree / smoothed(rest_disagree, rest_seen),
        r_agree_test=two_prop_test(counts.agree, rest_agree, counts.seen, rest_seen),
        r_disagree_test=two_prop_test(counts.disagree, rest_disagree, counts.seen, rest_seen),
    )
