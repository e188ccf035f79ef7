"""Curation suggestions: likely merges, misfits and splits from the vectors, never undoing the
facilitator's own edits, and never again once dismissed."""

from __future__ import annotations

import numpy as np

from server.domain.themes import IdeaVector, Merge, Move, Pin, Split, Theme
from server.domain.themes.suggest import merge_key, move_key, split_key, suggest

from .helpers import DIM, bundles, unit


def theme(theme_id: str, ideas: list[IdeaVector], *, pinned: bool = False) -> Theme:
    ids = tuple(i.id for i in ideas)
    return Theme(theme_id, theme_id.title(), ids, (), ids[0], frozenset(), pinned=pinned)


def three_bundles() -> list[IdeaVector]:
    return bundles([16, 12, 12], seed=3, spread=0.12)


def halves() -> tuple[list[IdeaVector], list[Theme]]:
    """Bundle 0 cut in two themes ("a" and "b"); bundles 1 and 2 each a theme of their own."""
    ideas = three_bundles()
    b0, b1, b2 = ideas[:16], ideas[16:28], ideas[28:]
    return ideas, [theme("a", b0[::2]), theme("b", b0[1::2]), theme("c", b1), theme("d", b2)]


def planted() -> tuple[list[IdeaVector], list[Theme]]:
    """Three themes, one per bundle, but one idea of bundle 1 sits in the theme of bundle 0."""
    ideas = three_bundles()
    b0, b1, b2 = ideas[:16], ideas[16:28], ideas[28:]
    return ideas, [theme("a", [*b0, b1[0]]), theme("c", b1[1:]), theme("d", b2)]


def test_two_halves_of_one_theme_are_suggested_to_merge() -> None:
    ideas, themes = halves()
    found = suggest(ideas, themes)
    merges = [s for s in found if s.kind == "merge"]
    assert [(s.theme_id, s.other_theme_id) for s in merges] == [("a", "b")]
    (merge,) = merges
    assert set(merge.idea_ids) == {i.id for i in ideas[:16]} and merge.keys == (merge_key("a", "b"),)
    assert "“A” and “B”" in merge.reason and found[0] == merge  # the strongest suggestion comes first


def test_an_idea_among_strangers_is_suggested_to_move_where_its_neighbours_are() -> None:
    ideas, themes = planted()
    moves = [s for s in suggest(ideas, themes) if s.kind == "move"]
    assert [(s.idea_ids, s.theme_id, s.sources) for s in moves] == [(("b1-0",), "c", ("a",))]
    assert moves[0].keys == (move_key("b1-0"),) and moves[0].to_dict()["sources"] == ["a"]
    # a well-placed picture has nothing to suggest
    b0, b1, b2 = ideas[:16], ideas[16:28], ideas[28:]
    assert suggest(ideas, [theme("a", b0), theme("c", b1), theme("d", b2)]) == ()


def test_a_theme_that_is_clearly_two_is_suggested_to_split() -> None:
    ideas = bundles([10, 10, 12], seed=5, spread=0.12)
    texts = ["bus stop shelter"] * 10 + ["park bench shade"] * 10 + ["library hours"] * 12
    pairs = enumerate(zip(ideas, texts, strict=True))
    ideas = [IdeaVector(i.id, f"{t} {n}", i.table_id, i.vector) for n, (i, t) in pairs]
    themes = [theme("a", ideas[:20]), theme("d", ideas[20:])]
    splits = [s for s in suggest(ideas, themes) if s.kind == "split"]
    assert [(s.theme_id, s.keys) for s in splits] == [("a", (split_key("a"),))]
    leaving = {i.split("-")[0] for i in splits[0].idea_ids}
    assert len(leaving) == 1 and len(splits[0].idea_ids) == 10  # one whole bundle leaves, the other stays


def test_the_facilitators_edits_are_never_undone() -> None:
    ideas, themes = halves()
    a, b = themes[0], themes[1]
    # the facilitator split these two apart: they are not suggested to merge again
    apart = Split("a", "b", b.idea_ids, a.idea_ids)
    assert not [s for s in suggest(ideas, themes, [apart]) if s.kind == "merge"]
    # a pinned theme is never merged
    pinned = [theme("a", list(ideas[:16:2]), pinned=True), *themes[1:]]
    assert not [s for s in suggest(ideas, pinned, [Pin("a", a.idea_ids, "A")]) if s.kind == "merge"]
    # an idea the facilitator put somewhere stays there, as far as suggestions go
    ideas, themes = planted()
    put = Move("b1-0", "a", themes[0].idea_ids[:-1])
    assert not [s for s in suggest(ideas, themes, [put]) if s.kind == "move"]
    # nor one the facilitator picked to leave in a split
    picked = Split("a", "s", ("b1-0",), themes[0].idea_ids[:-1])
    assert not [s for s in suggest(ideas, themes, [picked]) if s.kind == "move"]
    # nor does anything leave or join a pinned theme
    held = [theme("a", [*ideas[:16], ideas[16]], pinned=True), *themes[1:]]
    assert not [s for s in suggest(ideas, held) if s.kind == "move"]
    # a theme the facilitator merged is not suggested to split
    two = bundles([10, 10], seed=5, spread=0.12)
    merged = Merge("m", ("x",), tuple(i.id for i in two))
    assert not [s for s in suggest(two, [theme("m", two)], [merged]) if s.kind == "split"]


def test_a_dismissed_suggestion_is_not_made_again() -> None:
    ideas, themes = halves()
    assert [s.kind for s in suggest(ideas, themes, dismissed=[merge_key("b", "a")])] == []
    ideas, themes = planted()
    assert suggest(ideas, themes, dismissed=[move_key("b1-0")]) == ()
    assert suggest(ideas, themes, dismissed=[move_key("b1-1")]) != ()  # another idea's dismissal


def test_ideas_hidden_or_in_no_theme_are_ignored_and_small_pictures_are_fine() -> None:
    ideas, themes = planted()
    hidden = [IdeaVector(i.id, i.text, i.table_id, i.vector, hidden=i.id == "b1-0") for i in ideas]
    assert suggest(hidden, themes) == ()
    lone = IdeaVector("x", "alone", "t0", unit(np.ones(DIM)))
    assert suggest([lone], [theme("a", [lone])]) == ()
    assert suggest([], []) == ()
