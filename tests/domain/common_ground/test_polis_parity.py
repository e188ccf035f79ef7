"""Representative ideas against Pol.is's own selection rule, on every conversation we hold.

The red-dwarf fixtures carry Pol.is's output, so there the reference (``polis_repness``, a plain
scan written from Pol.is's documented rule) is first checked against it. The openData exports carry
no such output, only Pol.is's groups (``group-id``, clustered people only): there, given those
groups, our lists must be exactly what the reference selects.
"""

from __future__ import annotations

import numpy as np
import pytest

from server.domain.common_ground import ReactionMatrix
from server.domain.common_ground.partition import label_array, summarise
from tests.domain.common_ground import polis_repness
from tests.domain.common_ground.data import GOLDEN, OPEN_DATA, Golden, open_data

Lists = dict[str, list[tuple[str, str, bool]]]  # group -> [(idea, direction, best agree?)]


def ours(matrix: ReactionMatrix, groups: dict[str, str], hidden: set[str]) -> Lists:
    eligible = np.array([idea not in hidden for idea in matrix.ideas])
    numbers, labels = label_array(matrix, groups)
    view, _ = summarise("groups", matrix, numbers, labels, eligible)
    assert {part.label for part in view.parts} == set(groups.values())  # no group left out
    return {p.label: [(d.idea, d.direction.value, d.best_agree) for d in p.representative] for p in view.parts}


def reference(matrix: ReactionMatrix, groups: dict[str, str], hidden: set[str]) -> Lists:
    return {g: polis_repness.select(stats, hidden) for g, stats in polis_repness.group_stats(matrix, groups).items()}


@pytest.mark.parametrize("name", GOLDEN)
def test_the_reference_reproduces_polis_output(name: str) -> None:
    """The reference selects exactly Pol.is's production lists: ideas, order, direction, best-agree flag."""
    golden = Golden(name)
    expected = {
        label: [(str(r["tid"]), r["repful-for"], r.get("best-agree", False)) for r in rows]
        for label, rows in golden.math["repness"].items()
    }
    assert reference(golden.matrix, golden.groups, golden.hidden) == expected


@pytest.mark.parametrize("name", OPEN_DATA)
def test_representative_ideas_are_what_polis_selects(name: str) -> None:
    """Given Pol.is's groups (clustered people only; the rest of a group is the other groups), every
    group's representative list equals the reference's, best agree (even one shown as a
    disagreement, or one that passes no test) included."""
    export, matrix, hidden = open_data(name)
    groups = {str(p.participant_id): str(p.group_id) for p in export.participants if p.group_id is not None}
    assert ours(matrix, groups, hidden) == reference(matrix, groups, hidden)
