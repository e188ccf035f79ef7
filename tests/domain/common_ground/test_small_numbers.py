"""With few people or few reactions the analysis says so and shows tallies; it never forms a group of one."""

from __future__ import annotations

import numpy as np

from server.domain.common_ground import Level, ReactionMatrix, analyse
from server.domain.common_ground.thresholds import MIN_GROUP_SIZE, MIN_PARTICIPANTS_FOR_GROUPS
from tests.domain.common_ground.synth import camps


def test_fourteen_people_get_tallies_only() -> None:
    """Below fifteen people with seven reactions there is no map, no group and no list, only counts."""
    result = analyse(camps([7, 7]))
    assert result.level is Level.TALLIES
    assert result.opinion is None and result.map is None and result.majority_agree == ()
    assert str(MIN_PARTICIPANTS_FOR_GROUPS) in result.notice
    assert (result.tallies["0"].agree, result.tallies["0"].seen) == (14, 14)


def test_fifteen_people_get_groups() -> None:
    """At fifteen people with seven reactions each the opinion groups appear."""
    result = analyse(camps([8, 7]))
    assert result.level is Level.GROUPS
    assert result.map is not None and sorted(result.map.sizes.values()) == [7, 8]


def test_people_with_six_reactions_do_not_count() -> None:
    """Someone who reacted to six of twelve ideas is on no group and does not count towards the fifteen."""
    matrix = ReactionMatrix.from_reactions(
        [(p, i, v) for m in (camps([7, 7]), camps([10], seed=1, per_person=6, prefix="few")) for p, i, v in _cells(m)]
    )
    result = analyse(matrix)
    assert (result.level, result.n_clustered) == (Level.TALLIES, 14)


def test_two_ideas_are_not_enough_for_groups() -> None:
    """With only two ideas the room gets tallies, however many people react."""
    assert analyse(camps([20, 20], n_ideas=2)).level is Level.TALLIES


def test_no_group_is_smaller_than_three() -> None:
    """An outlier or two never becomes a group of their own, whatever the seed."""
    matrix = ReactionMatrix.from_reactions(
        [*_cells(camps([12, 12])), *_cells(camps([1], seed=5, prefix="lone")), ("odd", "3", 1)]
    )
    for seed in range(5):
        result = analyse(matrix, seed=seed)
        assert result.map is not None
        assert min(result.map.sizes.values(), default=MIN_GROUP_SIZE) >= MIN_GROUP_SIZE


def test_random_rooms_never_have_a_tiny_group() -> None:
    """Random rooms of 15 to 40 people either show no groups or groups of at least three."""
    rng = np.random.default_rng(3)
    for trial in range(20):
        n, m = int(rng.integers(15, 40)), int(rng.integers(7, 15))
        reactions = [(f"p{i}", str(j), int(rng.integers(-1, 2))) for i in range(n) for j in range(m)]
        result = analyse(ReactionMatrix.from_reactions(reactions), seed=trial)
        if result.map is not None:
            assert all(size >= MIN_GROUP_SIZE for size in result.map.sizes.values())


def test_a_table_of_two_is_left_out() -> None:
    """Common ground across tables ignores a table with fewer than three reacting people, and names it."""
    matrix = camps([10, 10])
    tables = {p: ("T1" if i < 9 else "T2" if i < 18 else "T3") for i, p in enumerate(matrix.participants)}
    view = analyse(matrix, partitions={"tables": tables}).partitions["tables"]
    assert view.left_out == ("T3",)
    assert [part.label for part in view.parts] == ["T1", "T2"]


def _cells(matrix: ReactionMatrix) -> list[tuple[str, str, int]]:
    return [
        (matrix.participants[i], matrix.ideas[j], int(matrix.values[i, j]))
        for i, j in zip(*np.nonzero(matrix.seen), strict=True)
    ]


def test_once_counted_always_counted() -> None:
    """Someone counted in an earlier analysis stays counted, even if more ideas now ask more reactions of them."""
    early = analyse(camps([8, 8], n_ideas=6))
    assert early.n_clustered == 16
    later = ReactionMatrix.from_reactions(_cells(camps([8, 8], n_ideas=6)), ideas=[str(j) for j in range(10)])
    assert analyse(later).n_clustered == 0
    assert analyse(later, previous=early.memory).n_clustered == 16
