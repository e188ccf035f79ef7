from __future__ import annotations

from dataclasses import replace

from server.domain.themes import Merge, Move, Rename, add_idea, recluster, subthemes

from .helpers import bundle_of, bundles


def test_same_input_same_themes_and_map() -> None:
    """Replaying the same ideas and edits reproduces ids, labels, members and coordinates."""
    ideas = bundles([9, 7, 5, 3], seed=5)
    edits = [Rename("t-b1-0", "Housing"), Move("b2-1", None)]
    first, again = recluster(ideas, edits), recluster(ideas, edits)
    assert first.themes == again.themes
    assert first.positions == again.positions and first.unthemed == again.unthemed


def test_map_positions_lie_in_the_unit_square() -> None:
    """Every visible idea has a position inside [0, 1]^2."""
    positions = recluster(bundles([9, 7, 5, 3, 1], seed=2)).positions
    assert len(positions) == 25
    assert all(0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0 for p in positions.values())


def test_tiny_rooms_do_not_fail() -> None:
    """No ideas, one idea and two ideas give a map without errors."""
    for n in (0, 1, 2):
        theme_map = recluster(bundles([n]) if n else [])
        assert len(theme_map.positions) == n


def test_a_new_idea_lands_where_a_reclustering_would_draw_it() -> None:
    """An idea with the same vector as a member is drawn on top of that member."""
    ideas = bundles([9, 7, 5], seed=6)
    theme_map = recluster(ideas)
    twin = replace(ideas[3], id="twin")
    placed = add_idea(theme_map, twin)
    original, copy = placed.positions[ideas[3].id], placed.positions["twin"]
    theme = placed.theme_of("twin")
    assert theme is not None and ideas[3].id in theme.idea_ids
    assert abs(original.x - copy.x) < 1e-9 and abs(original.y - copy.y) < 1e-9


def test_a_theme_opens_into_finer_subthemes_covering_all_its_ideas() -> None:
    """Two bundles merged into one theme come apart again when the facilitator opens it."""
    ideas = bundles([10, 10, 8, 8], seed=8)
    theme_map = recluster(ideas, [Merge("both", ("t-b1-0",), tuple(i.id for i in ideas[:20]))])
    parts = subthemes(ideas, theme_map, "both")
    assert [p.id for p in parts] == ["both/1", "both/2"]
    assert sorted(bundle_of(p.idea_ids).pop() for p in parts) == ["b0", "b1"]
    assert all(len(bundle_of(p.idea_ids)) == 1 and p.example_idea_id in p.idea_ids for p in parts)
    assert len({p.label for p in parts}) == 2
    assert subthemes(ideas, theme_map, "both") == parts


def test_a_small_or_unknown_theme_has_no_subthemes() -> None:
    """A theme of five ideas, or an id that is not in the picture, opens onto nothing."""
    ideas = bundles([5, 9], seed=9)
    theme_map = recluster(ideas)
    small = theme_map.theme_of("b0-0")
    assert small is not None and subthemes(ideas, theme_map, small.id) == ()
    assert subthemes(ideas, theme_map, "nope") == ()
