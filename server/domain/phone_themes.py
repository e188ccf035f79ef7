"""Which themes a phone is told about, and under which words: only themes that have held together,
under a label that does not shuffle.

Themes are recomputed while ideas arrive. On the projector a theme that forms and dissolves a few
seconds later is part of watching the room think; under the idea a person wrote, on their own phone,
it reads as a verdict. So a phone is told an idea's theme only once that theme is **stable**: it has
kept its identity (the same id, and at least half of the ideas it had) through ``STABLE_AFTER``
re-clusterings after the one it appeared in, or the facilitator shaped it (named, curated or pinned).

Its label on phones is the one it had when it became stable, and changes only when its words change
(the same words in another order are the same label: "calls · phone" never turns into "phone ·
calls") or when the facilitator names it. Pure: the live room keeps the memory and passes it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STABLE_AFTER = 2  # re-clusterings a theme must come through, after the one it appeared in
KEPT_SHARE = 0.5  # ... each time keeping at least this share of the ideas it had

_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Seen:
    """What the room remembers of one theme between re-clusterings."""

    runs: int  # re-clusterings in a row it came through with its identity (0: it has just appeared)
    ideas: frozenset[str]  # its ideas at the last re-clustering
    label: str | None  # what phones show; None while it is not stable

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "ideas": sorted(self.ideas), "label": self.label}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Seen:
        return Seen(int(d["runs"]), frozenset(d["ideas"]), d.get("label"))


Memory = Mapping[str, Seen]


def words(label: str) -> frozenset[str]:
    """The words of a label, whatever their order, case or separators."""
    return frozenset(w.casefold() for w in _WORDS.findall(label))


def remember(memory: Memory, themes: Sequence[Mapping[str, Any]], named: Mapping[str, str]) -> dict[str, Seen]:
    """The memory after a re-clustering whose themes (``themes_dict`` rows: ``id``, ``label``,
    ``idea_ids``, ``curated``, ``pinned``) are ``themes``; ``named`` holds the labels the
    facilitator gave, by theme id. A theme that is gone is forgotten."""
    out: dict[str, Seen] = {}
    for theme in themes:
        ideas = frozenset(theme["idea_ids"])
        before = memory.get(theme["id"])
        kept = before is not None and len(before.ideas & ideas) >= KEPT_SHARE * len(before.ideas)
        runs = before.runs + 1 if before is not None and kept else 0
        shaped = bool(theme.get("curated")) or bool(theme.get("pinned")) or theme["id"] in named
        stable = runs >= STABLE_AFTER or shaped
        label: str = theme["label"]
        shown: str | None = None
        if stable:
            previous = before.label if before is not None and kept else None
            given = named.get(theme["id"]) == label
            same = previous is not None and words(previous) == words(label)
            shown = previous if same and not given else label
        out[theme["id"]] = Seen(runs, ideas, shown)
    return out


def shown_to_phones(memory: Memory, themes: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """``{idea_id: {"theme_id", "label"}}`` for the ideas of the stable themes (ideas placed since
    the last re-clustering included), under the label phones know them by."""
    out: dict[str, dict[str, str]] = {}
    for theme in themes:
        seen = memory.get(theme["id"])
        if seen is None or seen.label is None:
            continue
        for idea_id in theme["idea_ids"]:
            out[idea_id] = {"theme_id": theme["id"], "label": seen.label}
    return out
