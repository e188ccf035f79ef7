"""Sub-themes on demand: one theme of the picture, looked at more closely.

The projector shows up to 20 themes; a facilitator who opens one sees its ideas grouped again,
finer (2 to 8 sub-themes, about 0.8 sqrt(size)), with the same method: a kNN graph of the theme's
ideas, Louvain at several resolutions, the silhouette and the aimed-at count to choose. Every idea
of the theme is in exactly one sub-theme (an idea alone joins the sub-theme closest to it). Labels
are drawn against the theme's own ideas, so they say what sets each part apart, and never repeat
the theme's label words. Pure and deterministic, a few milliseconds for a theme of 100 ideas; nothing is
kept, and curation stays at the level of themes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from server.domain.themes import labels as naming
from server.domain.themes.cluster import ClusterParams, find_partition
from server.domain.themes.records import IdeaVector, Theme, ThemeMap

SUB = ClusterParams(most_themes=8)
FEWEST_IDEAS = 6  # a smaller theme is not divided


def subthemes(
    ideas: Sequence[IdeaVector], theme_map: ThemeMap, theme_id: str, topic: Sequence[str] = ()
) -> tuple[Theme, ...]:
    """The sub-themes of theme ``theme_id`` (biggest first, ids ``<theme_id>/1``, ``/2``...), or
    none when the theme is small or has no finer structure. ``ideas`` are the event's ideas (any
    order; those not in the theme are ignored); ``topic`` as in ``ThemeParams``."""
    theme = next((t for t in theme_map.themes if t.id == theme_id), None)
    if theme is None:
        return ()
    by_id = {idea.id: idea for idea in ideas if not idea.hidden}
    members = [by_id[i] for i in theme.idea_ids if i in by_id]
    if len(members) < FEWEST_IDEAS:
        return ()
    vectors = np.stack([m.vector for m in members]).astype(np.float32)
    labels = find_partition(vectors, SUB).labels
    parts = _gather(vectors, labels)
    if len(parts) < 2:
        return ()
    parts.sort(key=lambda rows: (-len(rows), rows[0]))
    term_sets = [naming.terms(m.text, m.lang) for m in members]
    examples = []
    for rows in parts:
        direction = vectors[rows].astype(np.float64).sum(axis=0)
        examples.append(rows[int(np.argmax(vectors[rows] @ direction))])
    parent = naming.topic_keys([*topic, theme.label])
    names, words = naming.name_groups(
        [[term_sets[r] for r in rows] for rows in parts],
        [term_sets[e] for e in examples],
        naming.document_frequency(term_sets),
        parent,
        fixed=[None] * len(parts),
    )
    return tuple(
        Theme(
            id=f"{theme_id}/{k + 1}",
            label=names[k],
            idea_ids=tuple(members[r].id for r in rows),
            keywords=words[k],
            example_idea_id=members[examples[k]].id,
            tables=frozenset(members[r].table_id for r in rows),
        )
        for k, rows in enumerate(parts)
    )


def _gather(vectors: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """Communities of two or more; an idea alone joins the one whose direction is closest."""
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(row)
    parts = [rows for rows in groups.values() if len(rows) >= 2]
    alone = [rows[0] for rows in groups.values() if len(rows) < 2]
    if not parts:
        return []
    directions = np.stack([vectors[rows].astype(np.float64).sum(axis=0) for rows in parts])
    directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-12)
    for row in alone:
        parts[int(np.argmax(directions @ vectors[row]))].append(row)
    for rows in parts:
        rows.sort()
    return parts
