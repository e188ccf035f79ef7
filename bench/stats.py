"""Percentiles and the small numeric summaries the benchmark prints."""

from __future__ import annotations

import asyncio
import json
import math
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import click


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


def run_and_report(
    main: Coroutine[Any, Any, dict[str, Any]],
    verdict: Callable[[dict[str, Any]], list[str]],
    held: str,
    render: Callable[[dict[str, Any]], str],
    as_json: bool,
    *,
    exit_on_failure: bool = True,
) -> None:
    """Run a benchmark's ``main`` (on uvloop when there), judge it, print it (JSON or text), and exit
    with status 1 when ``verdict`` names anything wrong (unless told not to)."""
    try:
        import uvloop

        results = uvloop.run(main)
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        results = asyncio.run(main)
    wrong = verdict(results)
    results["verdict"] = wrong or held
    click.echo(json.dumps(results, indent=2, default=str) if as_json else render(results))
    if not as_json:
        click.echo(f"verdict          {held if not wrong else 'FAILED: ' + '; '.join(wrong)}")
    if wrong and exit_on_failure:
        sys.exit(1)
