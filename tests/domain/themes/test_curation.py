from __future__ import annotations

from server.domain.themes import Merge, Move, Pin, Rename, Split, Unpin, recluster

from .helpers import bundle_of, bundles, near


def test_three_bundles_give_three_themes() -> None:
    """Without edits, each bundle of similar ideas becomes one theme, nothing left over."""
    themes = recluster(bundles([8, 8, 8])).themes
    assert sorted(bundle_of(t.idea_ids).pop() for t in themes) == ["b0", "b1", "b2"]
    assert all(len(bundle_of(t.idea_ids)) == 1 and len(t.idea_ids) == 8 for t in themes)


def test_rename_follows_the_theme_when_new_ideas_arrive() -> None:
    """A renamed theme keeps its name through a re-clustering that adds ideas to it."""
    ideas = bundles([6, 6, 6])
    first = recluster(ideas)
    target = first.theme_of("b1-3")
    assert target is not None
    edits = [Rename(target.id, "Night buses")]
    later = recluster([*ideas, near(ideas[8], "late", "t9")], edits)
    renamed = later.theme_of("late")
    assert renamed is not None and (renamed.id, renamed.label) == (target.id, "Night buses")


def test_pinned_theme_keeps_its_name_and_exactly_its_members() -> None:
    """A pinned theme takes no new look-alike ideas and loses none on re-clustering."""
    ideas = bundles([6, 6, 6])
    theme = recluster(ideas).theme_of("b0-0")
    assert theme is not None
    pinned_ids = theme.idea_ids[:4]
    edits = [Pin(theme.id, pinned_ids, "Parks")]
    later = recluster([*ideas, near(ideas[0], "x", "t1")], edits)
    pinned = next(t for t in later.themes if t.pinned)
    assert (pinned.id, pinned.label, pinned.idea_ids) == (theme.id, "Parks", pinned_ids)
    assert later.theme_of("x") != pinned


def test_unpinned_theme_can_grow_again() -> None:
    """After Unpin, the theme's ideas stay together and look-alikes may join."""
    ideas = bundles([6, 6, 6])
    edits = [Pin("p", tuple(i.id for i in ideas[:6]), "Parks"), Unpin("p")]
    later = recluster([*ideas, near(ideas[0], "x", "t1")], edits)
    theme = later.theme_of("x")
    assert theme is not None and theme.id == "p" and not theme.pinned


def test_moved_idea_stays_where_the_facilitator_put_it() -> None:
    """An idea moved to a dissimilar theme stays there on every later re-clustering."""
    ideas = bundles([6, 6, 6])
    destination = recluster(ideas).theme_of("b2-0")
    assert destination is not None
    edits = [Move("b0-0", destination.id, destination.idea_ids)]
    for extra in ([], [near(ideas[0], "y", "t3")]):
        theme = recluster([*ideas, *extra], edits).theme_of("b0-0")
        assert theme is not None and theme.id == destination.id and bundle_of(theme.idea_ids) >= {"b0", "b2"}


def test_idea_moved_out_of_all_themes_stays_out() -> None:
    """Move to None leaves the idea in no theme, though its look-alikes are still grouped."""
    ideas = bundles([6, 6])
    later = recluster(ideas, [Move("b0-1", None)])
    assert later.theme_of("b0-1") is None and "b0-1" in later.unthemed
    assert later.theme_of("b0-2") is not None


def test_merge_keeps_two_bundles_in_one_theme() -> None:
    """Merged themes become one theme under the surviving id, and stay merged."""
    ideas = bundles([6, 6, 6])
    first = recluster(ideas)
    a, b = first.theme_of("b0-0"), first.theme_of("b1-0")
    assert a is not None and b is not None
    later = recluster(ideas, [Merge(a.id, (b.id,), a.idea_ids + b.idea_ids)])
    merged = later.theme_of("b1-5")
    assert merged is not None and merged.id == a.id and bundle_of(merged.idea_ids) == {"b0", "b1"}
    assert all(t.id != b.id for t in later.themes)


def test_split_keeps_both_parts_apart() -> None:
    """A split theme stays two themes, with the ideas the facilitator chose in each."""
    ideas = bundles([8, 6])
    theme = recluster(ideas).theme_of("b0-0")
    assert theme is not None
    part, rest = theme.idea_ids[:3], theme.idea_ids[3:]
    later = recluster(ideas, [Split(theme.id, "new", part, rest)])
    split, kept = later.theme_of(part[0]), later.theme_of(rest[0])
    assert split is not None and kept is not None
    assert (split.id, kept.id) == ("new", theme.id)
    assert set(part) <= set(split.idea_ids) and set(rest) <= set(kept.idea_ids)


def test_later_edits_win() -> None:
    """Edits apply in transcript order: moving an idea back undoes an earlier move."""
    ideas = bundles([6, 6])
    home = recluster(ideas).theme_of("b0-0")
    assert home is not None
    edits = [Move("b0-0", None), Move("b0-0", home.id, home.idea_ids)]
    theme = recluster(ideas, edits).theme_of("b0-0")
    assert theme is not None and theme.id == home.id


def test_a_merged_theme_does_not_come_back_through_the_picture_shown() -> None:
    """Ideas of a merged-away theme that the merge did not list (they arrived after the facilitator
    looked) follow the clustering; the merged-away theme's id never returns."""
    ideas = bundles([6, 6, 6])
    shown = recluster(ideas)
    a, b = shown.theme_of("b0-0"), shown.theme_of("b1-0")
    assert a is not None and b is not None
    merge = Merge(a.id, (b.id,), a.idea_ids + b.idea_ids[:2])
    for previous in (shown, None):
        later = recluster(ideas, [merge], previous=previous)
        assert all(t.id != b.id for t in later.themes)
        assert later.theme_of("b1-0").id == a.id  # type: ignore[union-attr]


def test_a_rename_with_its_ideas_keeps_them_together_under_that_name() -> None:
    """Renaming a theme as shown holds its ideas together, even those the clustering alone would split off."""
    ideas = bundles([6, 6, 6])
    shown = recluster(ideas)
    theme = shown.theme_of("b0-0")
    assert theme is not None
    stray = "b2-0"
    edits = [
        Move(stray, theme.id, theme.idea_ids),
        Rename(theme.id, "Places to meet and rest", (*theme.idea_ids, stray)),
    ]
    for previous in (shown, None):
        later = recluster([*ideas, near(ideas[1], "late", "t9")], edits, previous=previous)
        renamed = later.theme_of(stray)
        assert renamed is not None and renamed.label == "Places to meet and rest"
        assert set(theme.idea_ids) <= set(renamed.idea_ids)
