"""How many different people each participant meets in a World Café, with our rotation vs a random shuffle.

    python -m bench.rotation [--people 120] [--tables 15] [--rounds 3] [--trials 20]

Both rotations keep one host per table in place (the café rule) and balance the tables; they differ
only in where travellers go. Prints the mean and the worst-off participant's count for each.
"""

from __future__ import annotations

import argparse
import math
import random
from statistics import fmean

from server.domain.commands import create_event, join
from server.domain.fold import apply
from server.domain.model import EventState
from server.domain.rotation import encounters, plan


def seat_room(people: int, tables: int, seed: int) -> EventState:
    state = EventState(id="bench")
    apply(state, create_event("bench", "Café", [f"T{i}" for i in range(1, tables + 1)], "ACDEFG", 0))
    rng = random.Random(seed)
    order = [str(1 + i % tables) for i in range(people)]
    rng.shuffle(order)
    for table_id in order:
        for entry in join(state, None, table_id, 0).entries:
            apply(state, entry)
    for table_id in state.tables:  # the first person at each table hosts it
        host = next(p for p in state.participants.values() if p.table_id == table_id)
        host.role = "table_host"
    return state


def seating(state: EventState) -> dict[str, str]:
    return {p.id: p.table_id for p in state.participants.values()}


def rotate(state: EventState, moves: list[dict[str, str]], seq: int) -> None:
    from server.domain.model import Entry

    apply(
        state,
        Entry(state.id, state.seq + 1, seq, "participants.moved", "facilitator", {"step_id": "s", "moves": moves}),
    )


def random_moves(state: EventState, rng: random.Random) -> list[dict[str, str]]:
    tables = sorted(state.tables, key=int)
    capacity = math.ceil(len(state.participants) / len(tables))
    hosts = {p.id: p.table_id for p in state.participants.values() if p.role == "table_host"}
    travellers = [p for p in state.participants if p not in hosts]
    rng.shuffle(travellers)
    seats = [t for t in tables for _ in range(capacity - list(hosts.values()).count(t))]
    rng.shuffle(seats)
    return [
        {"participant_id": p, "from": state.participants[p].table_id, "to": t}
        for p, t in zip(travellers, seats, strict=False)
        if state.participants[p].table_id != t
    ]


def run(people: int, tables: int, rounds: int, trials: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, list[float]]] = {
        "wholeroom": {"mean": [], "min": []},
        "random": {"mean": [], "min": []},
    }
    for trial in range(trials):
        for name in results:
            state = seat_room(people, tables, seed=trial)
            history = [seating(state)]
            rng = random.Random(trial)
            for r in range(1, rounds):
                if name == "wholeroom":
                    moves = plan(state, "host_stays", stay="table_host", avoid_repeat=True, seed=f"{trial}:{r}")
                else:
                    moves = random_moves(state, rng)
                rotate(state, moves, r)
                history.append(seating(state))
            met = encounters(history)
            counts = [len(met.get(p, ())) for p in state.participants]
            results[name]["mean"].append(fmean(counts))
            results[name]["min"].append(min(counts))
    return {name: {k: round(fmean(v), 2) for k, v in r.items()} for name, r in results.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--tables", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args(argv)
    results = run(args.people, args.tables, args.rounds, args.trials)
    per_table = args.people / args.tables
    ceiling = min(args.people - 1, round(args.rounds * (per_table - 1)))
    print(f"World Café: {args.people} people, {args.tables} tables, {args.rounds} rounds, {args.trials} trials")
    print(f"  most anyone could meet: {ceiling}")
    for name, r in results.items():
        print(f"  {name:10s} distinct people met: mean {r['mean']:6.2f}   worst-off participant {r['min']:6.2f}")


if __name__ == "__main__":
    main()
