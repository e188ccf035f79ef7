"""The realistic themes benchmark's own arithmetic: matching, NMI, stability and curation effort."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score  # type: ignore[import-untyped]

from bench.themes_real import SETS_DIR, ceiling, curate, load_real, match, nmi, stayed
from server.domain.themes import Theme, ThemeMap
from server.domain.themes.records import Frame


def _best_by_brute_force(weights: np.ndarray) -> float:
    rows, cols = weights.shape
    if rows > cols:
        return _best_by_brute_force(weights.T)
    return float(max(sum(weights[r, c] for r, c in enumerate(p)) for p in itertools.permutations(range(cols), rows)))


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (4, 6), (1, 1)])
def test_the_matching_is_the_best_one_to_one(shape: tuple[int, int]) -> None:
    """The Hungarian matching finds the largest total overlap, as trying every permutation does."""
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        weights = rng.integers(0, 9, size=shape).astype(float)
        pairs = match(weights)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs}) == min(shape)
        assert sum(weights[r, c] for r, c in pairs) == _best_by_brute_force(weights)


def test_nmi_agrees_with_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    truth, found = rng.integers(0, 6, 200).tolist(), rng.integers(0, 9, 200).tolist()
    assert nmi(truth, found) == pytest.approx(normalized_mutual_info_score(truth, found))
    assert nmi(truth, truth) == pytest.approx(1.0)


def _map(*themes: tuple[str, ...]) -> ThemeMap:
    made = tuple(Theme(f"t{k}", "x", ids, (), ids[0], frozenset()) for k, ids in enumerate(themes))
    return ThemeMap(made, (), {}, (), Frame(np.zeros((2, 1)), np.zeros(2), 1.0))


def test_stability_counts_ideas_staying_in_the_matching_theme() -> None:
    """Two themes of three swap names and lose one idea each to a third theme: 4 of 6 stay."""
    before = _map(("a", "b", "c"), ("d", "e", "f"))
    after = _map(("d", "e"), ("a", "b", "new"), ("c", "f"))
    assert stayed(before, after) == (4 / 6, 6)
    assert stayed(before, before) == (1.0, 6)


def test_curation_merges_what_was_split_and_moves_what_strayed() -> None:
    """A true theme cut in two needs one merge; an idea in the wrong theme needs one move."""
    truth = ["bus"] * 6 + ["park"] * 6
    cut = ["t1"] * 3 + ["t2"] * 3 + ["t3"] * 6
    effort = curate(truth, cut, [True] * 12)
    assert (effort.edits, effort.merges, effort.reached) == (1, 1, True)
    strayed = ["t1"] * 5 + ["t2"] + ["t2"] * 6
    effort = curate(truth, strayed, [True] * 12)
    assert (effort.edits, effort.moves) == (1, 1) and effort.end == pytest.approx(1.0)


def test_curation_splits_a_theme_that_mixes_two() -> None:
    truth = ["bus"] * 5 + ["park"] * 5 + ["shop"] * 5
    mixed = ["t1"] * 10 + ["t2"] * 5
    effort = curate(truth, mixed, [True] * 15)
    assert (effort.edits, effort.splits) == (1, 1) and effort.end == pytest.approx(1.0)


def test_ideas_in_no_theme_are_moved_into_their_theme() -> None:
    truth = ["bus"] * 6 + ["park"] * 6
    found = ["t1"] * 5 + ["alone"] + ["t2"] * 6
    effort = curate(truth, found, [True] * 5 + [False] + [True] * 6)
    assert (effort.edits, effort.moves) == (1, 1) and effort.end == pytest.approx(1.0)


def test_every_set_loads_in_arrival_order_without_hidden_rows() -> None:
    """The sets the benchmark reads: ids unique, moderated-out comments left out, 400+ civic ideas."""
    entries = json.loads((SETS_DIR / "sets.json").read_text())
    sizes = {e["name"]: len(load_real(e).ids) for e in entries}
    assert sizes == {
        "growing-older": 469,
        "climate-street": 201,
        "polis-seattle": 31,
        "polis-london": 36,
        "growing-older-multilingual": 429,
    }
    older = load_real(entries[0])
    assert len(set(older.ids)) == len(older.ids) and len(set(older.labels)) == 15


def test_the_multilingual_set_says_growing_olders_ideas_again_in_four_languages() -> None:
    """Each row of growing-older-multilingual is a growing-older idea (same id, table and theme, the
    original text as ``english``), in growing-older's order: its first 40 ideas of every theme, each
    theme in every language of the set, the languages in about equal shares, English rows unchanged
    and the others written again."""
    entries = {e["name"]: e for e in json.loads((SETS_DIR / "sets.json").read_text())}
    entry = entries["growing-older-multilingual"]
    original = {
        r["id"]: r for r in map(json.loads, (SETS_DIR / entries["growing-older"]["file"]).read_text().splitlines())
    }
    rows = [json.loads(line) for line in (SETS_DIR / entry["file"]).read_text().splitlines()]
    order = list(original)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), key=order.index)
    for r in rows:
        was = original[r["id"]]
        where = f"row {r['id']}"
        assert (r["english"], r["theme"], r["table"]) == (was["text"], was["theme"], was["table"]), where
        assert r["lang"] in entry["languages"], where
        assert (r["text"] == r["english"]) == (r["lang"] == "en"), where
    per_theme: dict[str, list[str]] = {}
    for r in original.values():
        per_theme.setdefault(r["theme"], []).append(r["id"])
    assert {r["id"] for r in rows} == {i for ids in per_theme.values() for i in ids[:40]}
    langs = {lang: sum(r["lang"] == lang for r in rows) for lang in entry["languages"]}
    assert len(langs) >= 4 and max(langs.values()) <= 1.1 * min(langs.values()), langs
    for theme in per_theme:
        assert {r["lang"] for r in rows if r["theme"] == theme} == set(entry["languages"]), theme


def test_with_suggestions_one_tap_merges_what_the_vectors_say_is_one_theme() -> None:
    """Bundle 0 shown as two themes: the console suggests merging them, one tap reaches NMI 1; a
    picture the vectors cannot fix falls back to edits by hand, counted as taps too."""
    from bench.themes_real import curate_with_suggestions
    from tests.domain.themes.helpers import bundles

    ideas = bundles([12, 12, 12], seed=3, spread=0.12)
    truth = [i.id.split("-")[0] for i in ideas]
    cut = _map(
        tuple(i.id for i in ideas[:12:2]),
        tuple(i.id for i in ideas[1:12:2]),
        tuple(i.id for i in ideas[12:24]),
        tuple(i.id for i in ideas[24:]),
    )
    assisted = curate_with_suggestions(ideas, truth, cut, target=0.99)
    assert (assisted.taps, assisted.tapped, assisted.by_hand, assisted.reached) == (1, {"merge": 1}, 0, True)
    assert assisted.right == assisted.shown == 1 and assisted.end == pytest.approx(1.0)
    # the labels split bundle 2 in two, which its vectors do not: that takes an edit by hand
    truth = [*truth[:30], *["b9"] * 6]
    assisted = curate_with_suggestions(ideas, truth, cut, target=0.99)
    assert assisted.reached and assisted.by_hand >= 1 and assisted.taps >= 2


def test_the_ceiling_places_each_idea_by_the_other_ideas_of_its_theme() -> None:
    """Two tight themes and one idea that sits with the other theme: only that one is misplaced,
    and only because its own theme's centre is computed without it."""
    east, north = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    rows = [east, east * 0.9 + north * 0.1, east, north, north, north * 0.8 + east * 0.2, north * 0.1 + east]
    vectors = np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)
    labels = ["e", "e", "e", "n", "n", "n", "n"]
    best = ceiling(vectors, labels)
    assert best.misplaced == 1
    assert best.accuracy == pytest.approx(6 / 7)
    assert ceiling(vectors[:6], labels[:6]).nmi == pytest.approx(1.0)
