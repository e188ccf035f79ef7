"""Themes that hold still: realistic ideas arrive as in the room (placed one by one, a re-clustering
every 20), and from one re-clustering to the next at least 90% of the ideas already in a theme stay
in the matching theme, the number of themes never halves, and a quiet room settles."""

from __future__ import annotations

import numpy as np

from server.domain.themes import IdeaVector, ThemeMap, add_idea, recluster
from server.domain.themes.steady import stability

from .conftest import RealisticSet
from .helpers import bundles


def kept(before: ThemeMap, after: ThemeMap) -> float:
    """Share of the ideas in a theme before that are in the matching theme after (one to one)."""
    ids = [i for t in before.themes for i in t.idea_ids]
    old, new = {i: t.id for t in before.themes for i in t.idea_ids}, {i: t.id for t in after.themes for i in t.idea_ids}
    return stability([old[i] for i in ids], [new.get(i) for i in ids])


def play(ideas: list[IdeaVector], every: int = 20) -> tuple[list[float], list[tuple[int, int]], ThemeMap]:
    """Each re-clustering's stability and (themes before, themes after)."""
    shown: ThemeMap | None = None
    shares, counts = [], []
    for k, idea in enumerate(ideas, 1):
        if shown is not None:
            shown = add_idea(shown, idea)
        if k == 5 or k % every == 0 or k == len(ideas):
            fresh = recluster(ideas[:k], previous=shown)
            if shown is not None:
                shares.append(kept(shown, fresh))
                counts.append((len(shown.themes), len(fresh.themes)))
            shown = fresh
    assert shown is not None
    return shares, counts, shown


def test_realistic_ideas_keep_their_themes_from_one_reclustering_to_the_next(
    realistic: dict[str, RealisticSet],
) -> None:
    """The growing-older set (469 ideas, 15 true themes) in its arrival order."""
    shares, counts, final = play(realistic["growing-older"].ideas)
    assert min(shares) >= 0.9, shares
    assert all(2 * after > before for before, after in counts), counts
    assert 8 <= len(final.themes) <= 22  # 0.5x to 1.5x of the 15 themes a person found


def test_a_quiet_room_settles_and_stays_put() -> None:
    """With no new idea, repeated re-clusterings converge (nothing held back) and then change nothing
    but each theme's age."""
    ideas = bundles([12] * 8, seed=11, spread=0.14)
    order = np.random.default_rng(5).permutation(len(ideas))
    ideas = [ideas[k] for k in order]
    shares, _, shown = play(ideas, every=10)
    assert min(shares) >= 0.9
    for _ in range(20):
        if not shown.held_back:
            break
        shown = recluster(ideas, previous=shown)
    again = recluster(ideas, previous=shown)
    assert shown.held_back == 0 and [t.idea_ids for t in again.themes] == [t.idea_ids for t in shown.themes]
    assert [t.id for t in again.themes] == [t.id for t in shown.themes]
    assert [t.age for t in again.themes] == [t.age + 1 for t in shown.themes]  # same id, same label: older
