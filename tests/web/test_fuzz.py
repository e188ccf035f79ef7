"""Property tests over the websocket and command path (bench/fuzz.py has the strategies and the
properties; `python -m bench.fuzz --minutes 10` is the long run)."""

from __future__ import annotations

from pathlib import Path

from bench.fuzz import fuzz_world, run


def test_wrong_frames_get_clear_errors_and_touch_nothing(tmp_path: Path) -> None:
    """Random and mutated frames from a phone and a facilitator: every one answered, none a 5xx or an
    internal_error, no socket dropped, refused ones change nothing, memory and database agree, and
    the other phone and the wall keep receiving."""
    with fuzz_world(tmp_path) as world:
        run(world, examples=40, derandomize=True)
    assert sum(world.sent.values()) >= 40
