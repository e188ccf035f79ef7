"""Move people between tables so that each round brings as many new encounters as possible.

``plan`` is greedy and seeded: travellers, in a shuffled order, each take the table (with room
left) where they would meet the fewest people they have already sat with, never a table they have
visited before when ``avoid_repeat`` allows it. Hosts (people holding the ``stay`` role) stay put.
Tables end up balanced: no table gets more than ceil(people / tables).
"""

from __future__ import annotations

import math
import random
from typing import Literal

from .grouping import seated_by_table
from .model import EventState, table_key

Mode = Literal["host_stays", "shuffle", "stakeholder", "mixed", "back_home", "self_select"]
REVISIT_PENALTY = 1000  # one revisited table outweighs any number of repeated encounters


def plan(state: EventState, mode: Mode, *, stay: str | None, avoid_repeat: bool, seed: str) -> list[dict[str, str]]:
    """The moves for one rotation: ``[{"participant_id", "from", "to"}]`` for everyone who changes table."""
    if mode == "self_select":
        return []
    if mode in ("back_home", "stakeholder"):
        return _back_home(state)
    rng = random.Random(seed)
    tables = sorted(state.tables, key=table_key)
    seated = seated_by_table(state)
    people = [p for t in tables for p in seated.get(t, [])]
    stayers = {p for p in people if mode == "host_stays" and state.participants[p].role == (stay or "table_host")}
    travellers = [p for p in people if p not in stayers]
    rng.shuffle(travellers)
    capacity = math.ceil(len(people) / len(tables)) if tables else 0
    placed: dict[str, list[str]] = {t: [p for p in seated.get(t, []) if p in stayers] for t in tables}
    moves = []
    for person in travellers:
        here = state.participants[person].table_id
        visited = set(state.visited.get(person, [])) | {here}
        met = state.met.get(person, set())
        open_tables = [t for t in tables if len(placed[t]) < capacity] or tables
        costs = []
        for table_id in open_tables:
            penalty = REVISIT_PENALTY if avoid_repeat and table_id in visited else 0
            repeats = sum(1 for other in placed[table_id] if other in met)
            # fewer repeats first, then emptier tables, then a seeded coin
            costs.append((penalty + repeats + len(placed[table_id]) / (capacity + 1), rng.random(), table_id))
        best = min(costs)[2]
        placed[best].append(person)
        if best != here:
            moves.append({"participant_id": person, "from": here, "to": best})
    return moves


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
