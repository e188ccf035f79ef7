"""Between two re-clusterings: a new idea joins a theme in microseconds, a hidden idea leaves.

A new idea joins the theme whose direction is most similar to its vector, if that similarity
reaches the theme's own bar (as close as the theme's less typical members were); otherwise it
waits, in no theme, for the next re-clustering. Pinned themes never take ideas by themselves.
Keywords are not recomputed here (the next re-clustering does that); breadth is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from server.domain.themes.layout import place
from server.domain.themes.records import Anchor, IdeaVector, ThemeMap, Vector


def assign(theme_map: ThemeMap, vector: Vector) -> str | None:
    """The id of the theme a new idea with this unit ``vector`` joins, or None."""
    if not theme_map.anchors:
        return None
    directions = np.stack([a.direction for a in theme_map.anchors])
    sims = directions @ vector
    best = int(np.argmax(sims))
    return theme_map.anchors[best].theme_id if sims[best] >= theme_map.anchors[best].admit else None


def _follow(anchor: Anchor, vector: Vector) -> Anchor:
    total = anchor.total + vector
    norm = float(np.linalg.norm(total))
    return replace(anchor, total=total, direction=(total / norm if norm > 1e-12 else total).astype(np.float32))


def add_idea(theme_map: ThemeMap, idea: IdeaVector) -> ThemeMap:
    """The map with ``idea`` placed (in a theme when one is close enough); hidden ideas are ignored."""
    if idea.hidden or idea.id in theme_map.positions:
        return theme_map
    theme_id = assign(theme_map, idea.vector)
    point = place(theme_map.frame, idea.vector, theme_id)
    positions = {**theme_map.positions, idea.id: point}
    if theme_id is None:
        return replace(theme_map, unthemed=(*theme_map.unthemed, idea.id), positions=positions)
    themes = tuple(
        replace(t, idea_ids=(*t.idea_ids, idea.id), tables=t.tables | {idea.table_id}) if t.id == theme_id else t
        for t in theme_map.themes
    )
    anchors = tuple(_follow(a, idea.vector) if a.theme_id == theme_id else a for a in theme_map.anchors)
    return replace(theme_map, themes=themes, anchors=anchors, positions=positions)


def remove_idea(theme_map: ThemeMap, idea_id: str, table_of: dict[str, str] | None = None) -> ThemeMap:
    """The map without ``idea_id`` (hidden by the facilitator). Its theme's breadth is recounted
    from ``table_of`` (idea id -> table id) when given; a theme left empty disappears."""
    if idea_id not in theme_map.positions:
        return theme_map
    themes = []
    for t in theme_map.themes:
        if idea_id in t.idea_ids:
            kept = tuple(i for i in t.idea_ids if i != idea_id)
            if not kept:
                continue
            tables = frozenset(table_of[i] for i in kept) if table_of is not None else t.tables
            t = replace(t, idea_ids=kept, tables=tables)
        themes.append(t)
    live = {t.id for t in themes}
    return replace(
        theme_map,
        themes=tuple(themes),
        unthemed=tuple(i for i in theme_map.unthemed if i != idea_id),
        positions={k: v for k, v in theme_map.positions.items() if k != idea_id},
        anchors=tuple(a for a in theme_map.anchors if a.theme_id in live),
    )
