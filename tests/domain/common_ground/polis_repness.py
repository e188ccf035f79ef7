"""Pol.is's representative-comment selection, as its documentation and math describe it: a reference
for tests, written as a plain scan over comments with scalar arithmetic, independent of
``server.domain.common_ground.stats`` and ``lists``.

Given groups of clustered people (anyone else is in no group and counts nowhere, not even in the
"rest"), for each group and each comment in column order:

- the comment is *sufficient* when the group agrees significantly and more than the rest
  (p-test and repness-test both above the one-sided 90% z), or the same for disagreeing;
- while nothing is sufficient yet, the comment with the largest comparison test in either
  direction is remembered (*best*), compared with the stored test rounded to float32;
- a running *best agree* is kept: a comment nobody agreed or disagreed with never qualifies;
  the first one qualifies when the group agrees significantly, or when more of it agrees than of
  the rest and more than half of it agrees; a later one replaces it when it scores higher on
  ratio x ratio test x share x share test (if the current best agree's ratio is above 1) or else
  on share x share test.

The list is the best agree first, then the other sufficient comments by ratio x test x share x
share test (the test rounded to float32, as Pol.is stores it), cut to five, agreements before
disagreements. With nothing sufficient it is the best agree alone, or else the best. Each comment's
direction is agree when its agree comparison test is larger than its disagree one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from server.domain.common_ground import ReactionMatrix

Z_90 = 1.2816


@dataclass(frozen=True)
class Stat:
    idea: str
    na: int
    nd: int
    ns: int
    pa: float
    pd: float
    pat: float
    pdt: float
    ra: float
    rd: float
    rat: float
    rdt: float

    @property
    def agree(self) -> bool:
        return self.rat > self.rdt

    @property
    def test(self) -> float:
        """The comparison test in the comment's own direction, stored as float32 by Pol.is."""
        return float(np.float32(self.rat if self.agree else self.rdt))

    @property
    def metric(self) -> float:
        if self.agree:
            return self.ra * self.test * self.pa * self.pat
        return self.rd * self.test * self.pd * self.pdt


def _prop_test(success: int, n: int) -> float:
    return 2 * math.sqrt(n + 1) * ((success + 1) / (n + 1) - 0.5)


def _two_prop_test(s1: int, s2: int, n1: int, n2: int) -> float:
    a, b, m, n = s1 + 1, s2 + 1, n1 + 1, n2 + 1
    pooled = (a + b) / (m + n)
    if pooled == 1:
        return 0.0
    return (a / m - b / n) / math.sqrt(pooled * (1 - pooled) * (1 / m + 1 / n))


def group_stats(matrix: ReactionMatrix, groups: Mapping[str, str]) -> dict[str, list[Stat]]:
    """Each group's statistics per idea (in matrix column order), the rest being the other groups."""
    labels = sorted(set(groups.values()))
    counts = {g: [[0, 0, 0] for _ in matrix.ideas] for g in labels}
    for i, person in enumerate(matrix.participants):
        group = groups.get(person)
        if group is None:
            continue
        for j in np.flatnonzero(matrix.seen[i]):
            cell = counts[group][j]
            value = int(matrix.values[i, j])
            cell[0] += value == 1
            cell[1] += value == -1
            cell[2] += 1
    out: dict[str, list[Stat]] = {}
    for g in labels:
        rows = []
        for j, idea in enumerate(matrix.ideas):
            na, nd, ns = counts[g][j]
            ra_, rd_, rs_ = (sum(counts[h][j][k] for h in labels if h != g) for k in range(3))
            pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
            rows.append(
                Stat(
                    idea,
                    na,
                    nd,
                    ns,
                    pa,
                    pd,
                    _prop_test(na, ns),
                    _prop_test(nd, ns),
                    pa / ((ra_ + 1) / (rs_ + 2)),
                    pd / ((rd_ + 1) / (rs_ + 2)),
                    _two_prop_test(na, ra_, ns, rs_),
                    _two_prop_test(nd, rd_, ns, rs_),
                )
            )
        out[g] = rows
    return out


def _beats_best_agree(s: Stat, best: Stat | None) -> bool:
    if s.na == 0 and s.nd == 0:
        return False
    if best is not None and best.ra > 1.0:
        return s.ra * s.rat * s.pa * s.pat > best.ra * best.rat * best.pa * best.pat
    if best is not None:
        return s.pa * s.pat > best.pa * best.pat
    return s.pat > Z_90 or (s.ra > 1.0 and s.pa > 0.5)


def select(stats: Sequence[Stat], hidden: set[str]) -> list[tuple[str, str, bool]]:
    """One group's representative comments: (idea, "agree" | "disagree", best agree?)."""
    sufficient: list[Stat] = []
    best: Stat | None = None
    best_agree: Stat | None = None
    for s in stats:
        if s.idea in hidden:
            continue
        if (s.pat > Z_90 and s.rat > Z_90) or (s.pdt > Z_90 and s.rdt > Z_90):
            sufficient.append(s)
        if not sufficient and (best is None or max(s.rat, s.rdt) > best.test):
            best = s
        if _beats_best_agree(s, best_agree):
            best_agree = s

    def row(s: Stat, flag: bool) -> tuple[str, str, bool]:
        return (s.idea, "agree" if s.agree else "disagree", flag)

    if not sufficient:
        return [row(best_agree, True)] if best_agree else [row(best, False)] if best else []
    ranked = sorted((s for s in sufficient if best_agree is None or s.idea != best_agree.idea), key=lambda s: -s.metric)
    chosen = [row(s, False) for s in ranked]
    if best_agree is not None:
        chosen.insert(0, row(best_agree, True))
    chosen = chosen[:5]
    return [c for c in chosen if c[1] == "agree"] + [c for c in chosen if c[1] == "disagree"]
