"""The refinement after the graph: an idea whose community is not the theme it is closest to moves
there; curated ideas and the ideas of communities too small to show stay where they are."""

from __future__ import annotations

import numpy as np

from server.domain.themes.cluster import refine

from .helpers import bundles


def _vectors_and_truth() -> tuple[np.ndarray, np.ndarray]:
    ideas = bundles([8, 8, 3], seed=4)
    vectors = np.stack([i.vector for i in ideas]).astype(np.float32)
    truth = np.array([int(i.id[1]) for i in ideas], dtype=np.int64)
    return vectors, truth


def test_misplaced_ideas_move_to_the_theme_they_are_closest_to() -> None:
    vectors, truth = _vectors_and_truth()
    start = truth.copy()
    start[[0, 1]] = 1  # two ideas of bundle 0 put with bundle 1, as a graph's border may
    refined = refine(vectors, start, np.ones(len(start), dtype=bool), least=4, rounds=5)
    assert refined.tolist() == truth.tolist()


def test_curated_ideas_and_small_communities_stay() -> None:
    vectors, truth = _vectors_and_truth()
    start = truth.copy()
    start[[0, 1]] = 1
    start[16] = 0  # an idea of the small bundle 2 (3 ideas, under ``least``) sits in bundle 0
    movable = np.ones(len(start), dtype=bool)
    movable[0] = False  # the facilitator put idea 0 in theme 1: it stays
    refined = refine(vectors, start, movable, least=4, rounds=5)
    assert refined[0] == 1
    assert refined[1] == 0
    assert refined[17:].tolist() == [2, 2]  # a community too small to show neither gains nor loses
    assert refined[16] in (0, 1)  # its idea in a big community goes to the closer big one only


def test_no_rounds_change_nothing() -> None:
    vectors, truth = _vectors_and_truth()
    start = truth.copy()
    start[[0, 1]] = 1
    assert refine(vectors, start, np.ones(len(start), dtype=bool), least=4, rounds=0).tolist() == start.tolist()
