"""Folding the facilitator's edits, in order, into the constraints every re-clustering obeys.

- ``groups``: curated themes. Their ideas stay together under the theme's id; new ideas may join.
- ``pinned``: frozen themes. Exactly these ideas, never joined automatically, label kept.
- ``labels``: names given by the facilitator, by theme id (auto themes included). A rename that
  lists the theme's ideas (as shown) also makes it a curated theme, so its ideas stay together.
- ``excluded``: ideas moved out of every theme.
- ``retired``: ids of themes merged into another; they never come back by themselves.

An idea sits in at most one of these: placing it anywhere takes it out of everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from server.domain.themes.records import Edit, Merge, Move, Pin, Rename, Split, Unpin


@dataclass(slots=True)
class Curation:
    groups: dict[str, dict[str, None]] = field(default_factory=dict)  # insertion-ordered sets
    pinned: dict[str, dict[str, None]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, None] = field(default_factory=dict)
    retired: set[str] = field(default_factory=set)

    def _take_out(self, idea_id: str) -> None:
        self.excluded.pop(idea_id, None)
        for members in (*self.groups.values(), *self.pinned.values()):
            members.pop(idea_id, None)

    def _place(self, idea_ids: Iterable[str], theme_id: str | None) -> None:
        if theme_id is not None:
            self.retired.discard(theme_id)
        for idea_id in idea_ids:
            self._take_out(idea_id)
            if theme_id is None:
                self.excluded[idea_id] = None
            elif theme_id in self.pinned:
                self.pinned[theme_id][idea_id] = None
            else:
                self.groups.setdefault(theme_id, {})[idea_id] = None

    def _drop_theme(self, theme_id: str) -> None:
        self.groups.pop(theme_id, None)
        self.pinned.pop(theme_id, None)
        self.labels.pop(theme_id, None)

    def apply(self, edit: Edit) -> None:
        match edit:
            case Rename(theme_id, label, idea_ids):
                self.labels[theme_id] = label.strip()
                if idea_ids and theme_id not in self.pinned:  # a named theme holds together, as shown
                    self.groups.setdefault(theme_id, {})
                    self._place(idea_ids, theme_id)
            case Merge(theme_id, merged, idea_ids):
                for other in merged:
                    if other != theme_id:
                        self._drop_theme(other)
                        self.retired.add(other)
                self.retired.discard(theme_id)
                if theme_id not in self.pinned:
                    self.groups.setdefault(theme_id, {})
                self._place(idea_ids, theme_id)
            case Split(theme_id, new_theme_id, idea_ids, remaining_ids):
                self._drop_theme(new_theme_id)
                self.retired -= {theme_id, new_theme_id}
                if theme_id not in self.pinned:
                    self.groups.setdefault(theme_id, {})
                self._place(remaining_ids, theme_id)
                self.groups[new_theme_id] = {}
                self._place(idea_ids, new_theme_id)
            case Pin(theme_id, idea_ids, label):
                self.groups.pop(theme_id, None)
                self.pinned[theme_id] = {}
                self._place(idea_ids, theme_id)
                self.labels[theme_id] = label.strip()
            case Unpin(theme_id):
                if theme_id in self.pinned:
                    self.groups[theme_id] = self.pinned.pop(theme_id)
            case Move(idea_id, theme_id, theme_idea_ids):
                if theme_id is not None and theme_id not in self.groups and theme_id not in self.pinned:
                    self._place(theme_idea_ids, theme_id)  # the destination as shown now holds together
                self._place([idea_id], theme_id)


def fold(edits: Sequence[Edit]) -> Curation:
    """The constraints left by ``edits`` applied in order (later edits win)."""
    curation = Curation()
    for edit in edits:
        curation.apply(edit)
    return curation
