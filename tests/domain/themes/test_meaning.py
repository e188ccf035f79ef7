from __future__ import annotations

import csv

import numpy as np
import pytest

from server.domain.themes import IdeaVector, add_idea, recluster
from server.encoders.encoder import Encoder

from .conftest import SHORTTEXT

ROOM = [
    ("more buses at night", "1"),
    ("better public transport after dark", "2"),
    ("night trains so we can get home safely", "3"),
    ("more parks and green spaces", "1"),
    ("plant trees along every street", "4"),
    ("a community garden in each neighbourhood", "2"),
    ("affordable homes for young families", "3"),
    ("rents are far too high", "4"),
    ("build more social housing", "5"),
]


def room(encoder: Encoder) -> list[IdeaVector]:
    vectors = encoder.encode([t for t, _ in ROOM])
    return [IdeaVector(f"i{k}", t, table, vectors[k]) for k, (t, table) in enumerate(ROOM)]


def test_vectors_are_unit_length_and_independent_of_batching(encoder: Encoder) -> None:
    """Each text's vector has length 1 and is the same alone or in a batch."""
    texts = ["more buses at night", "a much longer idea about parks, trees and places for children to play"]
    batch = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert batch.shape == (2, encoder.dim)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.allclose(batch, alone, atol=1e-5)


def test_meaning_not_just_shared_words(encoder: Encoder) -> None:
    """ "More buses at night" and "better public transport after dark" share no word but one theme."""
    theme_map = recluster(room(encoder))
    buses = theme_map.theme_of("i0")
    assert buses is not None and "i1" in buses.idea_ids
    assert theme_map.theme_of("i3") != buses and theme_map.theme_of("i7") != buses


def test_a_new_idea_joins_the_theme_it_means(encoder: Encoder) -> None:
    """A late idea about housing joins the housing theme between re-clusterings."""
    theme_map = recluster(room(encoder))
    text = "homes people on low incomes can afford"
    joined = add_idea(theme_map, IdeaVector("late", text, "6", encoder.encode([text])[0]))
    theme = joined.theme_of("late")
    assert theme is not None and "i8" in theme.idea_ids and theme.breadth == 4


@pytest.mark.skipif(not (SHORTTEXT / "banking77" / "data.csv").exists(), reason="../shared/data/shorttext is absent")
def test_banking_queries_group_by_intent(encoder: Encoder) -> None:
    """Five BANKING77 intents (200 queries), number not given, come out close to the labels."""
    from sklearn.metrics import normalized_mutual_info_score  # type: ignore[import-untyped]

    with (SHORTTEXT / "banking77" / "data.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    intents = list(dict.fromkeys(r["label"] for r in rows))[:5]
    rows = [r for r in rows if r["label"] in intents]
    vectors = encoder.encode([r["text"] for r in rows])
    ideas = [IdeaVector(str(k), r["text"], "1", vectors[k]) for k, r in enumerate(rows)]
    theme_map = recluster(ideas)
    of = {i: n for n, t in enumerate(theme_map.themes) for i in t.idea_ids}
    found = [of.get(str(k), -1 - k) for k in range(len(rows))]
    assert normalized_mutual_info_score([r["label"] for r in rows], found) >= 0.7
