"""Percentiles and the small numeric summaries the benchmark prints."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (``q`` in 0..100); NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def summary(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float]:
    """``{"n", "p50", ..., "max"}`` rounded to 0.01 (milliseconds, usually)."""
    s = sorted(values)
    out: dict[str, float] = {"n": len(s)}
    for q in qs:
        out[f"p{q:g}"] = round(percentile(s, q), 2)
    out["max"] = round(s[-1], 2) if s else math.nan
    return out


def ms(ns: int) -> float:
    return ns / 1e6
