"""A facilitator curating while ideas keep arriving: 300 ideas, an edit after every 20, a
re-clustering after every edit, and every edit made so far must still hold, in the live picture
(seeded from the one shown) and in a replay (from scratch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from server.domain.themes import Edit, Merge, Move, Pin, Rename, Split, ThemeMap, Unpin, add_idea, recluster

from .helpers import bundles


@dataclass
class Expected:
    """What the facilitator has decided so far, as they would say it."""

    theme_of: dict[str, str] = field(default_factory=dict)  # idea -> the theme it must be in
    labels: dict[str, str] = field(default_factory=dict)  # theme -> its given name
    pinned: dict[str, set[str]] = field(default_factory=dict)  # theme -> exactly these ideas
    out: set[str] = field(default_factory=set)  # ideas in no theme
    retired: set[str] = field(default_factory=set)  # themes merged away

    def place(self, ids: tuple[str, ...], theme_id: str) -> None:
        for i in ids:
            self.out.discard(i)
            for members in self.pinned.values():
                members.discard(i)
            self.theme_of[i] = theme_id
            if theme_id in self.pinned:
                self.pinned[theme_id].add(i)
        self.retired.discard(theme_id)

    def apply(self, edit: Edit) -> None:
        match edit:
            case Rename(theme_id, label, ids):
                self.labels[theme_id] = label
                if theme_id not in self.pinned:
                    self.place(ids, theme_id)
            case Merge(theme_id, others, ids):
                for other in others:
                    self.retired.add(other)
                    self.labels.pop(other, None)
                    self.pinned.pop(other, None)
                self.place(ids, theme_id)
            case Split(theme_id, new_id, ids, rest):
                self.place(rest, theme_id)
                self.place(ids, new_id)
            case Pin(theme_id, ids, label):
                for i in [i for i, t in self.theme_of.items() if t == theme_id and i not in ids]:
                    del self.theme_of[i]
                self.pinned[theme_id] = set()
                self.place(ids, theme_id)
                self.labels[theme_id] = label
            case Unpin(theme_id):
                self.pinned.pop(theme_id, None)
            case Move(idea_id, None, _):
                self.theme_of.pop(idea_id, None)
                for members in self.pinned.values():
                    members.discard(idea_id)
                self.out.add(idea_id)
            case Move(idea_id, theme_id, shown) if theme_id is not None:
                if theme_id not in self.theme_of.values() and theme_id not in self.pinned:
                    self.place(shown, theme_id)
                self.place((idea_id,), theme_id)

    def broken(self, theme_map: ThemeMap) -> list[str]:
        """Every way ``theme_map`` fails what was decided."""
        problems = []
        by_id = {t.id: t for t in theme_map.themes}
        for idea_id, theme_id in self.theme_of.items():
            theme = theme_map.theme_of(idea_id)
            if theme is None or theme.id != theme_id:
                problems.append(f"{idea_id} should be in {theme_id}, is in {theme.id if theme else None}")
        for theme_id, label in self.labels.items():
            if theme_id in by_id and by_id[theme_id].label != label:
                problems.append(f"{theme_id} should be called {label!r}, is {by_id[theme_id].label!r}")
        for theme_id, members in self.pinned.items():
            theme = by_id.get(theme_id)
            if theme is None or not theme.pinned or set(theme.idea_ids) != members:
                problems.append(f"{theme_id} should be pinned with exactly {sorted(members)}")
        problems += [f"{i} should be in no theme" for i in self.out if i not in theme_map.unthemed]
        problems += [f"{t} was merged away but is back" for t in self.retired if t in by_id]
        if len(by_id) < len(theme_map.themes):
            problems.append("two themes share an id")
        given = {label.casefold() for label in self.labels.values()}
        problems += [
            f"{t.id} took the given name {t.label!r}"
            for t in theme_map.themes
            if t.label.casefold() in given and self.labels.get(t.id) != t.label
        ]
        return problems


def _auto(theme_map: ThemeMap, expected: Expected, rank: int = 0) -> tuple[str, tuple[str, ...]]:
    """A theme the facilitator has not touched yet (or the biggest unpinned one), as shown."""
    free = [t for t in theme_map.themes if not t.pinned and t.id not in expected.theme_of.values()]
    themes = free or [t for t in theme_map.themes if not t.pinned]
    theme = themes[min(rank, len(themes) - 1)]
    return theme.id, theme.idea_ids


def _next_edit(k: int, theme_map: ThemeMap, expected: Expected) -> Edit:
    """The k-th edit of the session, made on the picture as shown."""
    match k % 8:
        case 0:
            theme_id, ids = _auto(theme_map, expected)
            return Rename(theme_id, "Places to meet and rest", ids)
        case 1:
            (a, a_ids), (b, b_ids) = _auto(theme_map, expected, 0), _auto(theme_map, expected, 1)
            return Merge(a, (b,), a_ids + b_ids)
        case 2:
            theme_id, ids = _auto(theme_map, expected)
            half = len(ids) // 2
            return Split(theme_id, f"split-{k}", ids[:half], ids[half:])
        case 3:
            theme_id, ids = _auto(theme_map, expected, 2)
            return Pin(theme_id, ids[:5], f"Pinned {k}")
        case 4:
            theme_id, ids = _auto(theme_map, expected)
            other = next(t for t in theme_map.themes if t.id != theme_id and not t.pinned)
            return Move(other.idea_ids[-1], theme_id, ids)
        case 5:
            return Move(theme_map.themes[0].idea_ids[0], None)
        case 6:
            theme_id, ids = _auto(theme_map, expected, 1)
            return Rename(theme_id, f"Named {k}", ids)
        case _:
            pinned = next((t.id for t in theme_map.themes if t.pinned), None)
            return Unpin(pinned) if pinned else Move(theme_map.themes[-1].idea_ids[0], None)


def test_every_edit_holds_through_300_ideas_and_a_reclustering_after_each_edit() -> None:
    """Rename, merge, split, pin, move and unpin, one after every 20 ideas: each still holds at the
    end of every later re-clustering, live and replayed, and the themes never collapse."""
    ideas = bundles([25] * 12, seed=7, spread=0.12, tables=10)
    order = np.random.default_rng(3).permutation(len(ideas))
    ideas = [ideas[k] for k in order]
    edits: list[Edit] = []
    expected = Expected()
    shown = recluster(ideas[:20])
    for k, n in enumerate(range(20, 301, 20)):
        edit = _next_edit(k, shown, expected)
        edits.append(edit)
        expected.apply(edit)
        live = recluster(ideas[:n], edits, previous=shown)
        replayed = recluster(ideas[:n], edits)
        assert expected.broken(live) == [], (k, edit)
        assert expected.broken(replayed) == [], (k, edit)
        assert len(live.themes) * 2 > len(shown.themes) or isinstance(edit, Merge)
        shown = live
        for idea in ideas[n : n + 20]:  # placed one by one until the next edit
            shown = add_idea(shown, idea)
    assert len(edits) == 15
    assert expected.labels and expected.pinned is not None and expected.retired and expected.out
