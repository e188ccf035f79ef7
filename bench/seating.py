"""Max-mix seating of a large whole-system event: planning time and mix against a long search.

    python -m bench.seating [--people 2000] [--tables 250] [--parts 12] [--polish 30] [--seed 1]

The room: ``--parts`` parts of the system with skewed sizes (weights 1/rank: the largest part is
twelve times the smallest of twelve), 20 % of people in two parts, 5 % who said none. Prints the
planner's time and mix score, a random seating's score, the score of a long search (the planner
followed by ``--polish`` rounds of perturb-and-search, the reference), and the ratio planner /
reference (1.00 = as good as the long search). Also times the stakeholder plan, three ``mixed``
rotations of a café seated at random (hosts staying: mix and people met) and 100 late arrivals.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.rotation import rotate, seat_room
from server.domain.rotation import encounters
from server.domain.rotation import plan as rotation_plan
from server.domain.seating import late_arrival, max_mix, score, stakeholder


def skewed_room(people: int, parts: int, seed: int) -> dict[str, tuple[str, ...]]:
    """``people`` -> parts: 1/rank part sizes, 20 % with two parts, 5 % with none."""
    rng = random.Random(seed)
    names = [f"part{i + 1:02d}" for i in range(parts)]
    weights = [1 / (i + 1) for i in range(parts)]
    room: dict[str, tuple[str, ...]] = {}
    for i in range(people):
        roll = rng.random()
        if roll < 0.05:
            room[f"p{i:05d}"] = ()
        elif roll < 0.25:
            first = rng.choices(names, weights)[0]
            second = rng.choices(
                [n for n in names if n != first], [w for n, w in zip(names, weights, strict=True) if n != first]
            )[0]
            room[f"p{i:05d}"] = (first, second)
        else:
            room[f"p{i:05d}"] = (rng.choices(names, weights)[0],)
    return room


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=250)
    parser.add_argument("--parts", type=int, default=12)
    parser.add_argument("--polish", type=int, default=30, help="rounds of the long reference search")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    room = skewed_room(args.people, args.parts, args.seed)
    tables = [f"T{i}" for i in range(1, args.tables + 1)]

    started, cpu = time.perf_counter(), time.process_time()
    plan = max_mix(room, tables, seed=args.seed)
    planned, planned_cpu = time.perf_counter() - started, time.process_time() - cpu

    rng = random.Random(args.seed)
    seats = [t for i, t in enumerate(tables * (args.people // args.tables + 1)) if i < args.people]
    rng.shuffle(seats)
    shuffled = score(room, dict(zip(room, seats, strict=True)))

    started = time.perf_counter()
    reference = max_mix(room, tables, seed=args.seed, polish=args.polish)
    searched = time.perf_counter() - started

    started = time.perf_counter()
    groups = stakeholder(room, tables, seed=args.seed)
    grouped = time.perf_counter() - started

    newcomers = skewed_room(100, args.parts, args.seed + 1)
    seated, present = dict(plan.seats), dict(room)
    started = time.perf_counter()
    for person, parts in newcomers.items():
        seated[f"late-{person}"] = late_arrival(parts, present, seated, tables)
        present[f"late-{person}"] = parts
    arrived = time.perf_counter() - started

    # three `mixed` rotations of a World Café seated at random, hosts staying: mix and new encounters
    state = seat_room(args.people, args.tables, args.seed)
    said = dict(zip(sorted(state.participants), room.values(), strict=True))
    history = [{p.id: p.table_id for p in state.participants.values()}]
    rotation_cpu = []
    for r in range(3):
        cpu = time.process_time()
        moves = rotation_plan(state, "mixed", stay="table_host", avoid_repeat=True, seed=f"{args.seed}:{r}", parts=said)
        rotation_cpu.append(time.process_time() - cpu)
        rotate(state, moves, r + 1)
        history.append({p.id: p.table_id for p in state.participants.values()})
    met = encounters(history)
    rotated = score(said, history[-1])

    sizes = [len(m) for m in plan.tables.values()]
    print(f"Seating: {args.people} people, {args.tables} tables, {args.parts} parts (skewed), seed {args.seed}")
    print(f"  table sizes {min(sizes)}-{max(sizes)}")
    print(
        f"  max-mix planner      {planned * 1000:8.0f} ms ({planned_cpu * 1000:.0f} ms CPU)   "
        f"mix score {plan.score:.4f}"
    )
    print(f"  random seating                    mix score {shuffled.score:.4f}")
    print(f"  long search ({args.polish} rounds) {searched * 1000:8.0f} ms   mix score {reference.score:.4f}")
    ratio = plan.score / reference.score if reference.score else 1.0
    print(f"  planner / long search ratio {ratio:.3f}")
    print(
        f"  stakeholder plan     {grouped * 1000:8.0f} ms   together {groups.together:.3f}   "
        f"mix score {groups.score:.4f}"
    )
    print(
        f"  3 mixed rotations    {max(rotation_cpu) * 1000:8.0f} ms CPU at most   mix score {rotated.score:.4f}   "
        f"distinct people met over 4 rounds: mean {sum(map(len, met.values())) / len(met):.2f}"
    )
    late = score(present, seated)
    print(f"  100 late arrivals    {arrived * 1000:8.0f} ms   mix score after {late.score:.4f}")


if __name__ == "__main__":
    main()
