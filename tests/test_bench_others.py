"""A small smoke of each analysis benchmark: they run and print their measures (no thresholds)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("module", "args", "expect"),
    [
        ("bench.rotation", ["--trials", "2"], "distinct people met"),
        ("bench.replay", ["--quick"], "seek + snapshot"),
        ("bench.common_ground", ["--quick"], "full recomputation"),
        ("bench.themes", ["--quick"], "NMI"),
    ],
)
def test_benchmark_runs(module: str, args: list[str], expect: str) -> None:
    """Each benchmark finishes and prints its headline measure."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expect in done.stdout
