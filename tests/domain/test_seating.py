from __future__ import annotations

import random
from collections import Counter

import pytest

from bench.seating import skewed_room
from server.domain.seating import SeatingError, late_arrival, max_mix, score, sizes, stakeholder

TABLES = [f"T{i}" for i in range(1, 13)]


def town(people: int = 100, seed: int = 3) -> dict[str, tuple[str, ...]]:
    """A skewed room: many residents, a few councillors, some with two parts, some who said none."""
    return skewed_room(people, 6, seed)


def random_plan_score(room: dict[str, tuple[str, ...]], tables: list[str], seed: int) -> float:
    seats = [tables[i % len(tables)] for i in range(len(room))]
    random.Random(seed).shuffle(seats)
    return score(room, dict(zip(room, seats, strict=True))).score


def test_everyone_is_seated_once_at_balanced_tables() -> None:
    """100 people at 12 tables: tables of 8 and 9 only, each person at one real table."""
    room = town()
    for plan in (max_mix(room, TABLES, seed=1), stakeholder(room, TABLES, seed=1)):
        assert set(plan.seats) == set(room) and set(plan.seats.values()) <= set(TABLES)
        assert sorted(p for m in plan.tables.values() for p in m) == sorted(room)
        assert sorted(Counter(len(m) for m in plan.tables.values()).items()) == [(8, 8), (9, 4)]


def test_max_mix_beats_a_random_seating_and_nears_the_long_search() -> None:
    """On a skewed room the planner's tables mirror the room far better than chance, and a long search
    finds little more (within 5 %)."""
    room = town(240)
    tables = [f"T{i}" for i in range(1, 31)]
    plan = max_mix(room, tables, seed=2)
    randoms = [random_plan_score(room, tables, s) for s in range(5)]
    assert plan.score < 0.75 * min(randoms)
    reference = max_mix(room, tables, seed=2, polish=15)
    assert reference.score <= plan.score <= 1.05 * reference.score


def test_a_perfectly_divisible_room_gets_perfect_microcosms() -> None:
    """24 people, 3 parts of 12, 6 and 6, at 6 tables of 4: each table two, one and one (score 0)."""
    room = {f"r{i}": ("resident",) for i in range(12)}
    room |= {f"n{i}": ("nurse",) for i in range(6)} | {f"c{i}": ("council",) for i in range(6)}
    plan = max_mix(room, [f"T{i}" for i in range(6)], seed="x")
    assert plan.score == pytest.approx(0)
    for members in plan.tables.values():
        assert sorted(Counter(room[m][0] for m in members).values()) == [1, 1, 2]


def test_the_score_counts_how_far_a_table_is_from_the_room() -> None:
    """Room half A, half B; one table all A, one all B: each table's distance is one half."""
    room = {"a1": ("A",), "a2": ("A",), "b1": ("B",), "b2": ("B",)}
    apart = score(room, {"a1": "T1", "a2": "T1", "b1": "T2", "b2": "T2"})
    assert apart.score == pytest.approx(0.5) and apart.table_scores == {"T1": 0.5, "T2": 0.5}
    mixed = score(room, {"a1": "T1", "b1": "T1", "a2": "T2", "b2": "T2"})
    assert mixed.score == 0 and mixed.together == 0.5


def test_stakeholder_tables_seat_each_part_together() -> None:
    """Parts of 8, 8, 4 and 4 at 6 tables of 4: every table is one part, people with two parts sit with one."""
    room = {f"r{i}": ("resident",) for i in range(7)} | {"rc": ("resident", "council")}
    room |= {f"n{i}": ("nurse",) for i in range(8)} | {f"c{i}": ("council",) for i in range(3)}
    room |= {f"y{i}": ("youth",) for i in range(4)}
    plan = stakeholder(room, [f"T{i}" for i in range(6)], seed=1)
    assert plan.together == 1
    for members in plan.tables.values():
        shared = set.intersection(*(set(room[m]) for m in members))
        assert shared, f"a table with no part in common: {members}"
    assert plan.score > max_mix(room, [f"T{i}" for i in range(6)], seed=1).score


def test_a_large_part_fills_several_tables_and_leftovers_share() -> None:
    """19 residents and 5 nurses at 3 tables of 8: two resident tables, then 3 residents with the 5 nurses."""
    room = {f"r{i:02d}": ("resident",) for i in range(19)} | {f"n{i}": ("nurse",) for i in range(5)}
    plan = stakeholder(room, ["A", "B", "C"], seed=4)
    kinds = sorted(sorted(Counter(room[m][0] for m in members).items()) for members in plan.tables.values())
    assert kinds == [[("nurse", 5), ("resident", 3)], [("resident", 8)], [("resident", 8)]]


def test_a_late_arrival_goes_where_their_part_is_missing() -> None:
    """Three tables each short of a nurse except one: the late nurse goes to a table without one,
    and that improves the mix more than any other table would."""
    room = {f"r{i}": ("resident",) for i in range(9)} | {"n1": ("nurse",), "n2": ("nurse",)}
    seats = {f"r{i}": f"T{1 + i % 3}" for i in range(9)} | {"n1": "T1", "n2": "T2"}
    chosen = late_arrival(("nurse",), room, seats, ["T1", "T2", "T3"])
    assert chosen == "T3"
    after = {t: score(room | {"new": ("nurse",)}, seats | {"new": t}).score for t in ("T1", "T2", "T3")}
    assert after["T3"] < min(after["T1"], after["T2"])


def test_a_late_arrival_tie_goes_to_the_smallest_table() -> None:
    """Everyone is of one part, so every table mirrors the room: between equals, the smallest table."""
    room = {"a": ("A",), "b": ("A",), "c": ("A",)}
    seats = {"a": "T1", "b": "T1", "c": "T2"}
    assert late_arrival(("A",), room, seats, ["T1", "T2"]) == "T2"


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    room = town()
    assert max_mix(room, TABLES, seed="s") == max_mix(room, TABLES, seed="s")
    assert stakeholder(room, TABLES, seed="s") == stakeholder(room, TABLES, seed="s")
    assert max_mix(room, TABLES, seed="s").seats != max_mix(room, TABLES, seed="t").seats


def test_hosts_stay_at_their_tables() -> None:
    room = town()
    hosts = {p: TABLES[i] for i, p in enumerate(sorted(room)[:12])}
    for plan in (max_mix(room, TABLES, fixed=hosts, seed=1), stakeholder(room, TABLES, fixed=hosts, seed=1)):
        assert all(plan.seats[h] == t for h, t in hosts.items())
        assert max(len(m) for m in plan.tables.values()) - min(len(m) for m in plan.tables.values()) <= 1


def test_capacities_shape_the_sizes() -> None:
    """A table for 4 takes 4 even when the others take more; sizes otherwise balanced."""
    assert sizes(20, [0, 0, 0], [4, None, None]) == [4, 8, 8]
    assert sizes(10, [0, 0, 0], [None, None, None]) == [4, 3, 3]
    assert sizes(6, [5, 0, 0], [None, None, None]) == [5, 1, 0]
    plan = max_mix(town(20), ["S", "L1", "L2"], capacity={"S": 4}, seed=1)
    assert [len(plan.tables[t]) for t in ("S", "L1", "L2")] == [4, 8, 8]


@pytest.mark.parametrize(
    ("kwargs", "code", "words"),
    [
        ({"capacity": {"T99": 4}}, "unknown_table", "T99"),
        ({"capacity": {"T1": -1}}, "bad_capacity", "T1"),
        ({"capacity": dict.fromkeys(TABLES, 5)}, "over_capacity", "100 people but the tables seat 60"),
        ({"fixed": {"p00000": "T99"}}, "unknown_table", "T99"),
        ({"fixed": {"nobody": "T1"}}, "unknown_person", "nobody"),
        ({"fixed": {"p00000": "T1", "p00001": "T1"}, "capacity": {"T1": 1}}, "over_capacity", "2 must stay"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(kwargs: dict[str, object], code: str, words: str) -> None:
    for planner in (max_mix, stakeholder):
        with pytest.raises(SeatingError) as refused:
            planner(town(), TABLES, **kwargs)  # type: ignore[operator]
        assert refused.value.code == code and words in refused.value.message


def test_no_tables_and_a_full_room_are_refused() -> None:
    with pytest.raises(SeatingError, match="at least one table"):
        max_mix(town(), [])
    with pytest.raises(SeatingError, match="every table is full"):
        late_arrival(("A",), {"a": ("A",)}, {"a": "T1"}, ["T1"], capacity={"T1": 1})
