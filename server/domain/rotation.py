"""Move people between tables so that each round brings as many new encounters as possible.

``plan`` is greedy and seeded: travellers, in a shuffled order, each take the table (with room
left) where they would meet the fewest people they have already sat with, never a table they have
visited before when ``avoid_repeat`` allows it. Hosts (people holding the ``stay`` role) stay put.
Tables end up balanced: no table gets more than ceil(people / tables). A seeded search then swaps
pairs of travellers while that lowers the total (revisits first, then repeated encounters).

``mixed`` and ``stakeholder`` seat people by the parts of the system they said they belong to
(see ``seating``): ``mixed`` makes each table a microcosm of the room, then, among people with the
same parts (who are interchangeable for the mix), chooses who goes where as above (fewest revisits
and repeated encounters); ``stakeholder`` seats each part together. Holders of ``stay`` (when the
step names one) stay put in both. When nobody at the tables has said a part, ``mixed`` is a
``shuffle`` and ``stakeholder`` sends everyone back to their home table (``back_home``).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from . import seating as seats
from .grouping import seated_by_table
from .model import EventState, table_key
from .parts import parts_of

Mode = Literal["host_stays", "shuffle", "stakeholder", "mixed", "back_home", "self_select"]
REVISIT_PENALTY = 1000  # one revisited table outweighs any number of repeated encounters


def plan(
    state: EventState,
    mode: Mode,
    *,
    stay: str | None,
    avoid_repeat: bool,
    seed: str,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """The moves for one rotation: ``[{"participant_id", "from", "to"}]`` for everyone who changes table.

    ``parts`` (participant -> parts of the system) defaults to what each participant said (``parts_of``).
    """
    if mode == "self_select":
        return []
    if mode == "back_home":
        return _back_home(state)
    rng = random.Random(seed)
    tables = sorted(state.tables, key=table_key)
    seated = seated_by_table(state)
    people = [p for t in tables for p in seated.get(t, [])]
    host_role = stay or "table_host"
    staying = mode == "host_stays" or (mode in ("mixed", "stakeholder") and stay is not None)
    stayers = {p for p in people if staying and state.participants[p].role == host_role}
    said = parts if parts is not None else parts_of(state)
    kinds = {p: seats.kinds(said.get(p, ())) for p in people}
    if mode in ("mixed", "stakeholder") and all(k == (seats.NOT_SAID,) for k in kinds.values()):
        if mode == "stakeholder":  # nobody said a part: the home tables are the stakeholder tables
            return _back_home(state)
    elif mode in ("mixed", "stakeholder"):
        fixed = {p: state.participants[p].table_id for p in stayers}
        planner = seats.max_mix if mode == "mixed" else seats.stakeholder
        target = planner(kinds, tables, fixed=fixed, seed=seed).seats
        if mode == "mixed":
            where = _who_goes_where(state, people, stayers, kinds, target, avoid_repeat, rng)
        else:
            where = _toward_home(state, dict(target), stayers, kinds)
        return _moves(state, people, where)
    travellers = [p for p in people if p not in stayers]
    rng.shuffle(travellers)
    capacity = math.ceil(len(people) / len(tables)) if tables else 0
    placed: dict[str, set[str]] = {t: {p for p in seated.get(t, []) if p in stayers} for t in tables}
    seating = _Seating(state, placed, avoid_repeat)
    for person in travellers:
        open_tables = [t for t in tables if len(placed[t]) < capacity] or tables
        # fewer repeated encounters first, then emptier tables, then a seeded coin
        best = min(open_tables, key=lambda t: (seating.cost(person, t) + len(placed[t]) / (capacity + 1), rng.random()))
        seating.put(person, best)
    seating.improve(travellers, rng)
    return _moves(state, people, seating.where)


def _moves(state: EventState, people: list[str], where: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"participant_id": p, "from": state.participants[p].table_id, "to": where[p]}
        for p in people
        if where.get(p, state.participants[p].table_id) != state.participants[p].table_id
    ]


def _who_goes_where(
    state: EventState,
    people: list[str],
    stayers: set[str],
    parts: dict[str, tuple[str, ...]],
    target: dict[str, str],
    avoid_repeat: bool,
    rng: random.Random,
) -> dict[str, str]:
    """Keep the max-mix plan's seats for each kind of person, but choose which person of that kind
    takes which seat: fewest revisits and repeated encounters, then a seeded swap search among
    people of the same kind (swaps that leave the mix as it is)."""
    placed: dict[str, set[str]] = {t: set() for t in state.tables}
    for p in stayers:
        placed[state.participants[p].table_id].add(p)
    seating = _Seating(state, placed, avoid_repeat)
    travellers = [p for p in people if p not in stayers]
    rng.shuffle(travellers)
    open_seats: dict[tuple[str, ...], dict[str, int]] = {}
    for p in travellers:
        kind_seats = open_seats.setdefault(parts[p], {})
        kind_seats[target[p]] = kind_seats.get(target[p], 0) + 1
    for person in travellers:
        free = open_seats[parts[person]]
        best = min((t for t, n in free.items() if n), key=lambda t: (seating.cost(person, t), rng.random()))
        free[best] -= 1
        seating.put(person, best)
    same: dict[tuple[str, ...], list[str]] = {}
    for p in travellers:
        same.setdefault(parts[p], []).append(p)
    seating.improve(travellers, rng, partners={p: same[parts[p]] for p in travellers})
    return seating.where


class _Seating:
    """Who sits where during planning, and what a seat costs: revisits and people already met."""

    def __init__(self, state: EventState, placed: dict[str, set[str]], avoid_repeat: bool) -> None:
        self.placed = placed
        self.where = {p: t for t, members in placed.items() for p in members}
        self.avoid_repeat = avoid_repeat
        self.visited = {p: set(v) for p, v in state.visited.items()}
        for person in state.participants.values():
            self.visited.setdefault(person.id, set()).add(person.table_id)
        # everyone met before, plus the round that is ending now (the fold records it when people move)
        self.met = {p: set(m) for p, m in state.met.items()}
        for members in seated_by_table(state).values():
            for pid in members:
                self.met.setdefault(pid, set()).update(m for m in members if m != pid)

    def cost(self, person: str, table_id: str, without: str | None = None) -> int:
        penalty = REVISIT_PENALTY if self.avoid_repeat and table_id in self.visited.get(person, ()) else 0
        met = self.met.get(person)
        repeats = len(met & self.placed[table_id]) if met else 0
        if met and without is not None and without in met and without in self.placed[table_id]:
            repeats -= 1
        return penalty + repeats

    def put(self, person: str, table_id: str) -> None:
        self.placed[table_id].add(person)
        self.where[person] = table_id

    def improve(
        self,
        travellers: list[str],
        rng: random.Random,
        passes: int = 4,
        tries: int = 200,
        partners: dict[str, list[str]] | None = None,
    ) -> None:
        """Swap pairs of travellers while that lowers the total cost (a seeded local search).

        Each pass visits everyone who still has a cost (a revisit or someone already met) and tries
        up to ``tries`` partners (from ``partners[person]`` when given, else any traveller), taking
        the first swap that helps.
        """
        if len(travellers) < 2:
            return
        for _ in range(passes):
            improved = False
            for a in [p for p in travellers if self.cost(p, self.where[p], without=p) > 0]:
                pool = partners[a] if partners is not None else travellers
                for b in rng.sample(pool, min(len(pool), tries)):
                    if self._try_swap(a, b):
                        improved = True
                        break
            if not improved:
                return

    def _try_swap(self, a: str, b: str) -> bool:
        ta, tb = self.where[a], self.where[b]
        if ta == tb:
            return False
        before = self.cost(a, ta, without=a) + self.cost(b, tb, without=b)
        after = self.cost(a, tb, without=b) + self.cost(b, ta, without=a)
        if after >= before:
            return False
        self.placed[ta].discard(a)
        self.placed[tb].discard(b)
        self.put(a, tb)
        self.put(b, ta)
        return True


def _toward_home(
    state: EventState, target: dict[str, str], stayers: set[str], kinds: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    """Stakeholder tables where the parts sat first (their home tables, where the planning group
    seated each part), so that "back to your home table" means it and few people cross the room.

    The planner's tables are put where most of their people call home (the biggest homecomings
    first; a table with someone who stays keeps its place); then, people of one kind being
    interchangeable for the mix, each person takes a seat of their kind at their own home table
    when there is one. The mix of every table is the planner's."""
    home = {p: (state.visited.get(p) or [state.participants[p].table_id])[0] for p in target}
    held = {target[p] for p in stayers}
    groups: dict[str, list[str]] = {}
    for person, table_id in target.items():
        groups.setdefault(table_id, []).append(person)
    movable = sorted((t for t in groups if t not in held), key=table_key)
    free = [t for t in sorted(state.tables, key=table_key) if t not in held]
    rank = {t: i for i, t in enumerate(free)}
    pairs = sorted(
        ((n, g, t) for g in movable for t, n in Counter(home[p] for p in groups[g]).items() if t in rank),
        key=lambda x: (-x[0], rank[x[1]], rank[x[2]]),
    )
    to: dict[str, str] = {}
    for _, group, table_id in pairs:
        if group not in to and table_id not in to.values():
            to[group] = table_id
    left = [t for t in free if t not in to.values()]
    for group in movable:  # nobody calls a free table home: keep the planner's table if free
        if group not in to:
            to[group] = group if group in left else left[0]
            left.remove(to[group])
    where = {person: to.get(table_id, table_id) for person, table_id in target.items()}
    by_kind: dict[tuple[str, ...], list[str]] = {}
    for person in sorted(target):
        if person not in stayers:
            by_kind.setdefault(kinds[person], []).append(person)
    for members in by_kind.values():
        seats_left = Counter(where[p] for p in members)
        settled: dict[str, str] = {}
        for choice in (home, dict(where)):  # everyone home first, then the table the plan gave, then any
            for person in members:
                table_id = choice[person]
                if person not in settled and seats_left[table_id] > 0:
                    settled[person] = table_id
                    seats_left[table_id] -= 1
        spare = sorted(seats_left.elements(), key=table_key)
        for person in members:
            if person not in settled:
                settled[person] = spare.pop(0)
        where.update(settled)
    return where


def _back_home(state: EventState) -> list[dict[str, str]]:
    moves = []
    for person in state.participants.values():
        home = (state.visited.get(person.id) or [person.table_id])[0]
        if home != person.table_id:
            moves.append({"participant_id": person.id, "from": person.table_id, "to": home})
    return moves


def encounters(rounds: list[dict[str, str]]) -> dict[str, set[str]]:
    """Who sat with whom over ``rounds`` (each a mapping participant id -> table id)."""
    met: dict[str, set[str]] = {}
    for seating in rounds:
        at: dict[str, list[str]] = {}
        for person, table_id in seating.items():
            at.setdefault(table_id, []).append(person)
        for members in at.values():
            for person in members:
                met.setdefault(person, set()).update(m for m in members if m != person)
    return met
