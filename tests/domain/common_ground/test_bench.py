"""The common-ground benchmark's quick mode runs and prints its numbers (CI smoke)."""

from __future__ import annotations

import pytest

from bench.common_ground import main


def test_quick_benchmark_prints_timings_and_agreement(capsys: pytest.CaptureFixture[str]) -> None:
    """``--quick`` times one small real and one synthetic room and prints the ARI table header."""
    main(["--quick"])
    out = capsys.readouterr().out
    assert "full recomputation" in out and "synthetic 500 x 100" in out
    assert "agreement with Pol.is's exported group-id" in out
