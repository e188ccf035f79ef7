from __future__ import annotations

from collections import Counter

from server.domain import seating
from server.domain.model import Entry
from server.domain.rotation import encounters, plan

from .helpers import FACILITATOR, Scene


def cafe(people: int, tables: int) -> Scene:
    scene = Scene(tables=tables)
    for i in range(people):
        scene.join(str(1 + i % tables))
    for table_id in scene.state.tables:
        next(p for p in scene.state.participants.values() if p.table_id == table_id).role = "table_host"
    return scene


def rotate(scene: Scene, moves: list[dict[str, str]]) -> None:
    scene.run_entry(
        Entry(
            "ev1",
            scene.state.seq + 1,
            scene.now,
            "participants.moved",
            "facilitator",
            {"step_id": "s0", "moves": moves},
        )
    )


def test_a_cafe_of_120_at_15_tables_meets_21_new_people_each() -> None:
    """Over three rounds every participant meets 21 different people, the most possible."""
    scene = cafe(120, 15)
    history = [{p.id: p.table_id for p in scene.state.participants.values()}]
    for round_ in (1, 2):
        rotate(scene, plan(scene.state, "host_stays", stay="table_host", avoid_repeat=True, seed=f"r{round_}"))
        history.append({p.id: p.table_id for p in scene.state.participants.values()})
    met = encounters(history)
    assert {len(met[p]) for p in scene.state.participants} == {21}


def test_rotation_keeps_everyone_seated_once_and_tables_balanced() -> None:
    """After a rotation nobody is lost or seated twice, hosts stay, and no table is overfull."""
    scene = cafe(37, 5)
    hosts = {p.id: p.table_id for p in scene.state.participants.values() if p.role == "table_host"}
    moves = plan(scene.state, "host_stays", stay="table_host", avoid_repeat=True, seed="x")
    assert len({m["participant_id"] for m in moves}) == len(moves)
    rotate(scene, moves)
    seats = [p.table_id for p in scene.state.participants.values()]
    assert len(seats) == 37 and max(seats.count(t) for t in "12345") == 8
    assert all(scene.state.participants[h].table_id == t for h, t in hosts.items())


def test_back_home_returns_everyone_to_their_first_table() -> None:
    """A back_home rotation undoes the moves: each person returns to where they joined."""
    scene = cafe(20, 4)
    home = {p.id: p.table_id for p in scene.state.participants.values()}
    rotate(scene, plan(scene.state, "shuffle", stay=None, avoid_repeat=True, seed="a"))
    assert any(p.table_id != home[p.id] for p in scene.state.participants.values())
    rotate(scene, plan(scene.state, "back_home", stay=None, avoid_repeat=False, seed="b"))
    assert {p.id: p.table_id for p in scene.state.participants.values()} == home


def test_same_seed_same_moves() -> None:
    """Planning is deterministic: replaying the transcript gives the same rotation."""
    one, two = cafe(40, 5), cafe(40, 5)
    kwargs = {"stay": "table_host", "avoid_repeat": True, "seed": "same"}
    assert plan(one.state, "host_stays", **kwargs) == plan(two.state, "host_stays", **kwargs)  # type: ignore[arg-type]


def stakeholder_room(tables: int = 12, per_table: int = 8) -> tuple[Scene, dict[str, tuple[str, ...]]]:
    """People seated at home tables by part (skewed: residents fill half the room), one host each."""
    scene = cafe(tables * per_table, tables)
    part_of_table = ["residents"] * (tables // 2) + ["nurses"] * (tables // 4) + ["council", "police", "youth"]
    parts = {
        p.id: (part_of_table[(int(p.table_id) - 1) % len(part_of_table)],) for p in scene.state.participants.values()
    }
    return scene, parts


def mix_of(scene: Scene, parts: dict[str, tuple[str, ...]]) -> float:
    return seating.score(parts, {p.id: p.table_id for p in scene.state.participants.values()}).score


def test_mixed_makes_each_table_a_microcosm_of_the_room() -> None:
    """From stakeholder tables, a mixed rotation gives tables that mirror the room, balanced, everyone once;
    a plain shuffle mixes far less well."""
    scene, parts = stakeholder_room()
    shuffled, _ = stakeholder_room()
    before = mix_of(scene, parts)
    moves = plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="m", parts=parts)
    assert len({m["participant_id"] for m in moves}) == len(moves)
    rotate(scene, moves)
    rotate(shuffled, plan(shuffled.state, "shuffle", stay=None, avoid_repeat=True, seed="m"))
    assert mix_of(scene, parts) < 0.5 * mix_of(shuffled, parts) < before
    sizes = Counter(p.table_id for p in scene.state.participants.values())
    assert set(sizes.values()) == {8} and len(sizes) == 12


def test_mixed_keeps_the_hosts_who_stay() -> None:
    scene, parts = stakeholder_room()
    hosts = {p.id: p.table_id for p in scene.state.participants.values() if p.role == "table_host"}
    rotate(scene, plan(scene.state, "mixed", stay="table_host", avoid_repeat=True, seed="h", parts=parts))
    assert all(scene.state.participants[h].table_id == t for h, t in hosts.items())
    assert mix_of(scene, parts) < 0.2


def test_a_second_mixed_round_meets_new_people_where_the_mix_allows() -> None:
    """Two mixed rounds in a row: among people of the same part, who goes where avoids the people they
    just sat with and the tables they visited, far better than the mix plan alone would."""
    scene, parts = stakeholder_room()
    rotate(scene, plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="1", parts=parts))
    round_two = {p.id: p.table_id for p in scene.state.participants.values()}
    visited = {p: set(v) | {round_two[p]} for p, v in scene.state.visited.items()}
    people = sorted(round_two)
    blind = seating.max_mix({p: parts[p] for p in people}, sorted(scene.state.tables, key=int), seed="2").seats

    def repeats(third: dict[str, str]) -> int:
        now, before = encounters([third]), encounters([round_two])
        return sum(len(now[p] & before[p]) for p in people)

    def returns(third: dict[str, str]) -> int:
        return sum(third[p] in visited[p] for p in people)

    rotate(scene, plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="2", parts=parts))
    third = {p.id: p.table_id for p in scene.state.participants.values()}
    assert mix_of(scene, parts) == seating.score(parts, blind).score
    assert returns(third) < returns(blind) // 2
    assert repeats(third) < repeats(blind) // 2


def test_stakeholder_seats_each_part_together() -> None:
    """After mixed tables, a stakeholder rotation brings each part back together, tables balanced."""
    scene, parts = stakeholder_room()
    rotate(scene, plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="m", parts=parts))
    rotate(scene, plan(scene.state, "stakeholder", stay=None, avoid_repeat=True, seed="s", parts=parts))
    at: dict[str, set[str]] = {}
    for p in scene.state.participants.values():
        at.setdefault(p.table_id, set()).add(parts[p.id][0])
    assert all(len(kinds) == 1 for kinds in at.values()), at
    assert set(Counter(p.table_id for p in scene.state.participants.values()).values()) == {8}


def test_stakeholder_tables_are_the_home_tables_where_the_parts_sat_first() -> None:
    """Seated by part at first (the planning group's home tables), then mixed: "back to your home
    table" brings each part back to the table it started at, not to another table of its own."""
    scene, parts = stakeholder_room()
    first = {p.id: p.table_id for p in scene.state.participants.values()}
    rotate(scene, plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="m", parts=parts))
    assert sum(first[p.id] != p.table_id for p in scene.state.participants.values()) > 80  # most moved
    rotate(scene, plan(scene.state, "stakeholder", stay=None, avoid_repeat=True, seed="s", parts=parts))
    assert {p.id: p.table_id for p in scene.state.participants.values()} == first


def test_without_parts_mixed_is_a_shuffle_and_stakeholder_goes_back_home() -> None:
    """Nobody said a part: mixed moves exactly as shuffle does, stakeholder exactly as back_home."""
    scene = cafe(40, 5)
    none_said: dict[str, tuple[str, ...]] = {p: () for p in scene.state.participants}
    kwargs = {"stay": None, "avoid_repeat": True, "seed": "z"}
    assert plan(scene.state, "mixed", **kwargs, parts=none_said) == plan(scene.state, "shuffle", **kwargs)  # type: ignore[arg-type]
    rotate(scene, plan(scene.state, "shuffle", **kwargs))  # type: ignore[arg-type]
    home = plan(scene.state, "back_home", **kwargs)  # type: ignore[arg-type]
    assert home and plan(scene.state, "stakeholder", **kwargs) == home  # type: ignore[arg-type]


def test_a_mixed_rotation_reads_the_parts_people_said() -> None:
    """Through the real commands: the event declares parts, people say theirs (some several, some
    prefer not to say), and a mixed rotation then spreads every part over the tables."""
    scene = Scene(tables=4)
    scene.do(FACILITATOR, type="event.parts_set", parts=[{"name": n} for n in ("Residents", "GPs", "Police")])
    said = [["residents"]] * 8 + [["gps"]] * 4 + [["police"]] * 2 + [["gps", "residents"], ["prefer_not_to_say"]]
    for i, parts in enumerate(said):
        person = scene.join(str(1 + i // 4))  # home tables by part: residents at 1 and 2, and so on
        scene.do(person, type="participant.parts_set", parts=parts)
    rotate(scene, plan(scene.state, "mixed", stay=None, avoid_repeat=True, seed="e2e"))
    at: dict[str, Counter[str]] = {}
    for p in scene.state.participants.values():
        at.setdefault(p.table_id, Counter()).update(p.parts)
    assert set(Counter(p.table_id for p in scene.state.participants.values()).values()) == {4}
    assert all(c["residents"] >= 2 and c["gps"] >= 1 for c in at.values()), at
    assert sum(1 for c in at.values() if c["police"]) == 2
