"""The two clocks the hub reads: wall time for entries, a steady one for rate limits."""

from __future__ import annotations

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def steady_ms() -> int:
    """Milliseconds on a clock that never jumps (for rate limits)."""
    return time.monotonic_ns() // 1_000_000
