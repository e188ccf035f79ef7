"""What analyse() shows on rooms with known camps, and that it is repeatable and steady over time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from server.domain.common_ground import NEW_IDEA_PRIORITY, Direction, Level, Memory, analyse
from server.domain.common_ground.lists import Support
from server.domain.common_ground.pca import project
from server.domain.common_ground.thresholds import K_PATIENCE
from server.domain.reaction_matrix import ReactionMatrix
from tests.domain.common_ground.synth import camps


def test_same_input_same_output() -> None:
    """Two analyses of the same matrix with the same seed are equal in every field."""
    matrix = camps([20, 15, 10], n_ideas=20)
    assert analyse(matrix, seed=7) == analyse(matrix, seed=7)


def test_two_camps_are_found() -> None:
    """Two camps of 20 and 15 come out as groups A (the larger) and B, each person in their own camp."""
    result = analyse(camps([20, 15]))
    assert result.level is Level.GROUPS and result.map is not None
    assert result.map.sizes == {"A": 20, "B": 15}
    assert {result.map.groups[f"c0p{k}"] for k in range(20)} == {"A"}
    assert {result.map.groups[f"c1p{k}"] for k in range(15)} == {"B"}


def test_common_ground_is_what_every_group_supports() -> None:
    """Idea 0 (everyone agrees) is common ground; ideas one camp agrees with are its differences instead."""
    result = analyse(camps([20, 15]))
    assert result.opinion is not None
    assert [c.idea for c in result.opinion.common_ground] == ["0"]
    assert all(s.p_agree >= 0.6 for s in result.opinion.common_ground[0].support)
    a, b = result.opinion.parts
    assert {d.idea for d in a.agrees_more} <= {"2", "4", "6", "8", "10"}
    assert {d.idea for d in b.agrees_more} <= {"1", "3", "5", "7", "9", "11"}
    assert all(d.direction is Direction.DISAGREE for d in a.disagrees_more)


def test_hidden_ideas_are_never_listed_or_routed() -> None:
    """A hidden idea counts in the tallies but appears in no list, and its priority is zero."""
    result = analyse(camps([20, 15]), hidden={"0", "2"})
    assert result.opinion is not None and result.tallies["0"].seen == 35
    assert result.priorities["0"] == result.priorities["2"] == 0.0
    listed = {c.idea for c in result.opinion.common_ground} | {m.idea for m in result.majority_agree}
    listed |= {d.idea for part in result.opinion.parts for d in part.agrees_more + part.representative}
    assert not listed & {"0", "2"}


def test_tables_get_the_same_view() -> None:
    """Common ground across tables is computed like across groups: idea 0 is supported at every table."""
    matrix = camps([20, 15])
    tables = {p: f"T{i % 4}" for i, p in enumerate(matrix.participants)}
    view = analyse(matrix, partitions={"tables": tables}).partitions["tables"]
    assert [part.label for part in view.parts] == ["T0", "T1", "T2", "T3"]
    assert [c.idea for c in view.common_ground] == ["0"]


def test_group_letters_follow_people() -> None:
    """Given a memory in which the smaller camp was A, the next analysis keeps calling it A."""
    matrix = camps([20, 15])
    first = analyse(matrix)
    assert first.map is not None
    swapped = {p: {"A": "B", "B": "A"}[g] for p, g in first.map.groups.items()}
    second = analyse(matrix, previous=replace(first.memory, groups=swapped))
    assert second.map is not None and second.map.groups == swapped


def test_number_of_groups_changes_only_after_patience() -> None:
    """Shown k stays at the previous admissible value until the new best has won K_PATIENCE times in a row."""
    matrix = camps([20, 15], n_ideas=20)
    best = analyse(matrix)
    other = max(best.silhouettes, key=lambda k: (k != best.memory.k, best.silhouettes[k]))
    memory = Memory(best.memory.clustered, k=other, candidate=other, streak=10)
    shown = []
    for _ in range(K_PATIENCE):
        result = analyse(matrix, previous=memory)
        memory = result.memory
        shown.append(memory.k)
    assert shown == [other] * (K_PATIENCE - 1) + [best.memory.k]


def test_ideas_nobody_reacted_to_change_nothing_but_their_own_entries() -> None:
    """A big room's matrix is mostly ideas nobody has reacted to yet: the analysis leaves their
    columns out, yet the map, groups and lists are what the whole matrix gives, and those ideas
    get the tally and routing priority of an idea with no reactions (zero if hidden)."""
    matrix = camps([20, 15], n_ideas=12)
    extra = ("new1", "new2", "gone")
    m = matrix.values.shape
    wide = ReactionMatrix(
        matrix.participants,
        matrix.ideas + extra,
        np.hstack([matrix.values, np.zeros((m[0], 3), dtype=np.int8)]),
        np.hstack([matrix.seen, np.zeros((m[0], 3), dtype=np.bool_)]),
    )
    narrow, full = analyse(matrix, seed=3), analyse(wide, hidden={"gone"}, seed=3)
    assert full.n_ideas == 15 and narrow.n_ideas == 12
    assert full.map is not None and narrow.map is not None
    assert full.map.groups == narrow.map.groups and full.opinion == narrow.opinion
    points = project(wide).points  # the whole matrix, as the analysis did before leaving columns out
    for k, participant in enumerate(wide.participants):
        assert np.allclose(full.map.points[participant], points[k], atol=1e-9)
    assert full.tallies["new1"] == Support(0, 0, 0, 0, 0.5)
    assert full.priorities["new1"] == NEW_IDEA_PRIORITY and full.priorities["gone"] == 0.0


def test_parts_of_the_system_count_a_person_in_each_of_their_parts() -> None:
    """A person who said two parts counts in both; people who said none (or preferred not to say) in
    none; a part with fewer than 3 reacting people is left out and named, as for tables."""
    matrix = camps([20, 15])
    said: dict[str, tuple[str, ...]] = {}
    for k in range(20):
        said[f"c0p{k}"] = ("residents",) if k < 12 else ("residents", "gps") if k < 16 else ()
    for k in range(15):
        said[f"c1p{k}"] = ("police",) if k < 13 else ("council",)
    view = analyse(matrix, partitions={"parts": said}).partitions["parts"]
    sizes = {part.label: part.size for part in view.parts}
    assert sizes == {"residents": 16, "gps": 4, "police": 13}
    assert view.left_out == ("council",)
    assert [c.idea for c in view.common_ground] == ["0"]
    residents = next(p for p in view.parts if p.label == "residents")
    assert {d.idea for d in residents.agrees_more} <= {"2", "4", "6", "8", "10"}
