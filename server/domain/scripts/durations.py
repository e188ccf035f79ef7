"""Durations as people write them in scripts: ``90s``, ``20m``, ``1h30m``."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
EXPECTED = "a duration like 90s, 20m or 1h30m"


def parse_duration(value: object) -> int:
    """Seconds in ``value``; raises ValueError naming the expected form."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected {EXPECTED}, got {value!r}")
    if isinstance(value, int):
        raise ValueError(f"expected {EXPECTED} (with its unit), got the bare number {value}")
    match = _DURATION.match(value.strip().replace(" ", ""))
    if not value.strip() or match is None:
        raise ValueError(f"expected {EXPECTED}, got {value!r}")
    seconds = int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)
    if seconds <= 0:
        raise ValueError(f"a duration must be longer than zero, got {value!r}")
    return seconds


def format_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((h, "h"), (m, "m"), (s, "s")) if n) or "0s"
