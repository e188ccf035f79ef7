from __future__ import annotations

from dataclasses import replace

from server.domain.themes import Split, add_idea, recluster, remove_idea

from .helpers import bundles, near


def test_breadth_counts_distinct_tables() -> None:
    """Six ideas from tables t0, t1, t2, t0, t1, t2 give a breadth of 3, not 6."""
    theme = recluster(bundles([6, 6], tables=3)).theme_of("b0-0")
    assert theme is not None and theme.breadth == 3 and theme.tables == {"t0", "t1", "t2"}


def test_a_new_table_widens_a_theme_and_the_same_table_does_not() -> None:
    """Adding a look-alike from an unseen table adds one to breadth; from a known table, none."""
    ideas = bundles([6, 6], tables=3)
    theme_map = recluster(ideas)
    same = add_idea(theme_map, near(ideas[0], "same", "t1"))
    other = add_idea(same, near(ideas[0], "other", "t7", seed=2))
    assert [m.theme_of(i).breadth for m, i in ((same, "same"), (other, "other"))] == [3, 4]  # type: ignore[union-attr]


def test_hidden_idea_leaves_its_theme_on_reclustering() -> None:
    """An idea hidden by the facilitator is in no theme, not unthemed, and not on the map."""
    ideas = bundles([6, 6], tables=3)
    hidden = [replace(i, hidden=True) if i.id == "b0-2" else i for i in ideas]
    theme_map = recluster(hidden)
    assert theme_map.theme_of("b0-2") is None
    assert "b0-2" not in theme_map.unthemed and "b0-2" not in theme_map.positions


def test_hidden_idea_leaves_its_theme_at_once_and_breadth_is_recounted() -> None:
    """remove_idea takes the idea out between re-clusterings; its table no longer counts."""
    ideas = bundles([6, 6], tables=3)
    theme_map = add_idea(recluster(ideas), near(ideas[0], "lone", "t9"))
    assert theme_map.theme_of("lone").breadth == 4  # type: ignore[union-attr]
    after = remove_idea(theme_map, "lone", {i.id: i.table_id for i in ideas})
    theme = after.theme_of("b0-0")
    assert after.theme_of("lone") is None and theme is not None and theme.breadth == 3


def test_a_far_away_idea_waits_in_no_theme() -> None:
    """A new idea unlike every theme is not forced into one."""
    ideas = bundles([6, 6, 6], seed=3)
    stranger = bundles([1], seed=99)[0]
    theme_map = add_idea(recluster(ideas[:12]), replace(stranger, id="stranger"))
    assert theme_map.theme_of("stranger") is None and "stranger" in theme_map.unthemed


def test_a_theme_of_one_idea_takes_no_newcomers_by_itself() -> None:
    """A one-idea theme split off by the facilitator does not swallow new ideas before a re-clustering."""
    ideas = bundles([6, 6], seed=4)
    theme_map = recluster(ideas, [Split("t-b0-0", "solo", ("b0-0",), tuple(i.id for i in ideas[1:6]))])
    solo = add_idea(theme_map, near(ideas[0], "close", "t3"))
    assert solo.theme_of("close") is None or solo.theme_of("close").id != "solo"  # type: ignore[union-attr]
