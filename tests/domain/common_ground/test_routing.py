"""The routing rule: which idea a phone sees next."""

from __future__ import annotations

import numpy as np
import pytest

from server.domain.common_ground import NEW_IDEA_PRIORITY, analyse, draw_for, next_idea, priority
from tests.domain.common_ground.synth import camps


def _one(agree: int, disagree: int, seen: int, extremity: float = 0.0) -> float:
    return float(priority(np.array([agree]), np.array([disagree]), np.array([seen]), np.array([extremity]))[0])


def test_a_new_idea_has_the_documented_priority() -> None:
    """An idea nobody has reacted to has priority (1/2 x 1/2 x 9)^2 = 81/16."""
    assert NEW_IDEA_PRIORITY == _one(0, 0, 0) == pytest.approx(81 / 16)


def test_few_reactions_come_first() -> None:
    """At the same shares, an idea with 4 reactions outranks one with 40, which outranks one with 400."""
    assert _one(2, 2, 4) > _one(20, 20, 40) > _one(200, 200, 400)


def test_dividing_and_uniting_ideas_are_favoured() -> None:
    """More extremity (separates groups) or more agreement (may unite them) raises priority; passes lower it."""
    assert _one(10, 10, 20, extremity=2.0) > _one(10, 10, 20)
    assert _one(18, 2, 20) > _one(10, 10, 20)
    assert _one(2, 2, 20) < _one(10, 10, 20)


def test_draws_follow_priorities() -> None:
    """Evenly spread draws pick each candidate in proportion to its priority; zero-priority ideas never."""
    priorities = {"a": 1.0, "b": 3.0, "hidden": 0.0}
    picks = [next_idea(priorities, ["a", "hidden", "b"], i / 400) for i in range(400)]
    assert (picks.count("a"), picks.count("b"), picks.count("hidden")) == (100, 300, 0)


def test_an_idea_newer_than_the_analysis_counts_as_new() -> None:
    """An idea missing from the priorities is weighted as NEW_IDEA_PRIORITY."""
    picks = [next_idea({"old": NEW_IDEA_PRIORITY}, ["old", "new"], i / 100) for i in range(100)]
    assert picks.count("new") == 50


def test_nothing_left_to_show() -> None:
    """With no candidate, or only hidden ones, there is no next idea."""
    assert next_idea({"x": 0.0}, ["x"], 0.5) is None
    assert next_idea({}, [], 0.5) is None


def test_draws_are_reproducible() -> None:
    """draw_for gives the same number for the same seed, participant and position, in [0, 1)."""
    draws = [draw_for(1, "p", k) for k in range(50)]
    assert draws == [draw_for(1, "p", k) for k in range(50)]
    assert all(0 <= d < 1 for d in draws) and len(set(draws)) == 50
    assert draw_for(2, "p", 0) != draws[0]


def test_analysis_gives_a_priority_for_every_idea() -> None:
    """Every idea of the matrix has a priority, at every level of the analysis."""
    for sizes in ([5, 5], [20, 15]):
        matrix = camps(sizes)
        assert set(analyse(matrix).priorities) == set(matrix.ideas)
