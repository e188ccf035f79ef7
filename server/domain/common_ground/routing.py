"""Which idea a phone sees next: a weighted draw that favours ideas worth a reaction.

For an idea with A agrees, D disagrees and S reactions in all (P = S - A - D passes), and
extremity E (how far the idea pulls people apart on the opinion map; 0 before there is a map):

    a = (A + 1) / (S + 2)                      smoothed agreement
    p = (P + 1) / (S + 2)                      smoothed pass share
    importance = (1 - p) * (E + 1) * a
    priority   = (importance * (1 + 8 * 2 ** (-S / 5))) ** 2

- *Few reactions first*: the factor 1 + 8 * 2^(-S/5) starts at 9 and halves towards 1 every five
  reactions, so a new idea is shown about 80 times as often as a well-covered one.
- *Ideas that separate groups*: extremity raises importance, so dividing ideas are sampled enough
  for the groups to be measured well.
- *Ideas that unite*: a higher agreement share raises importance, so candidate common ground
  is confirmed quickly; ideas everyone passes on sink.

Hidden ideas have priority 0. A phone draws among the ideas it has not reacted to, with
probability proportional to priority; the draw is a number in [0, 1) that the caller derives
from a seed (see :func:`draw_for`), so a replay routes exactly as the live room did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np

from server.domain.common_ground.stats import Floats, Ints


def priority(agree: Ints, disagree: Ints, seen: Ints, extremity: Floats) -> Floats:
    """The routing priority of each idea from its whole-room counts and extremity (module docstring)."""
    s = np.asarray(seen, dtype=np.float64)
    passed = s - agree - disagree
    a = (np.asarray(agree) + 1.0) / (s + 2.0)
    p = (passed + 1.0) / (s + 2.0)
    importance = (1.0 - p) * (np.asarray(extremity) + 1.0) * a
    return np.asarray((importance * (1.0 + 8.0 * 2.0 ** (-s / 5.0))) ** 2, dtype=np.float64)


# The priority of an idea nobody has reacted to yet (and that is not on the map yet): 81/16.
NEW_IDEA_PRIORITY = float(priority(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1))[0])


def next_idea(priorities: Mapping[str, float], candidates: Iterable[str], draw: float) -> str | None:
    """Pick one of ``candidates`` (ideas the phone has not reacted to, in a stable order).

    Each is chosen with probability proportional to its priority; an idea missing from
    ``priorities`` (newer than the last analysis) counts as NEW_IDEA_PRIORITY. ``draw`` in [0, 1)
    selects the point on the cumulative weights. Returns None when no candidate has weight.
    """
    if not 0.0 <= draw < 1.0:
        raise ValueError(f"draw must be in [0, 1), got {draw}")
    ideas = list(candidates)
    weights = np.array([max(priorities.get(idea, NEW_IDEA_PRIORITY), 0.0) for idea in ideas], dtype=np.float64)
    total = float(weights.sum())
    if total <= 0.0:
        return None
    cumulative = np.cumsum(weights)
    index = int(np.searchsorted(cumulative, draw * total, side="right"))
    # Rounding can put the target at the very end; step back to the last idea with weight.
    index = min(index, int(np.flatnonzero(weights > 0)[-1]))
    return ideas[index]


def draw_for(seed: int, participant: str, position: int) -> float:
    """A reproducible number in [0, 1) for ``participant``'s ``position``-th routed idea under ``seed``."""
    digest = hashlib.blake2b(f"{seed}:{participant}:{position}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64
