"""Handing out the roles a script declares: at the start, to each new group, after people move,
and passing a rotating role on to the next person.

Every function returns assignments ``{participant_id: role}`` to write as one ``roles.assigned``
entry; a person who loses a role goes back to ``participant``. Seeded, so a replay deals the same.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from .grouping import seated_by_table
from .model import EventState, table_key

DEALT = ("random", "rotate")  # the assignments the server makes (volunteer and facilitator: people do)


def _give(
    assignments: dict[str, str],
    units: list[list[str]],
    role: str,
    count: int,
    roles: Mapping[str, str],
    rng: random.Random | None,
) -> None:
    for members in units:
        holders = [m for m in members if roles.get(m) == role]
        free = [m for m in members if roles.get(m, "participant") == "participant" and m not in assignments]
        missing = max(0, count - len(holders))
        picked = rng.sample(free, min(missing, len(free))) if rng else free[:missing]
        for person in picked:
            assignments[person] = role


def at_start(state: EventState, script_roles: Mapping[str, Any], seed: str) -> dict[str, str]:
    """Per-table roles the server deals, to each table that lacks them."""
    rng = random.Random(seed)
    roles = {p.id: p.role for p in state.participants.values()}
    assignments: dict[str, str] = {}
    tables = [members for _, members in sorted(seated_by_table(state).items(), key=lambda kv: table_key(kv[0]))]
    for role, spec in script_roles.items():
        if spec["per"] == "table" and spec["assign"] in DEALT:
            _give(assignments, tables, role, spec["count"], roles, rng if spec["assign"] == "random" else None)
    return assignments


def to_groups(
    state: EventState, script_roles: Mapping[str, Any], groups: list[dict[str, Any]], seed: str
) -> dict[str, str]:
    """Per-group roles for freshly formed groups: earlier holders step down, each group gets its own."""
    rng = random.Random(seed)
    assignments: dict[str, str] = {}
    for role, spec in script_roles.items():
        if spec["per"] != "group" or spec["assign"] not in DEALT:
            continue
        for person in state.participants.values():
            if person.role == role:
                assignments[person.id] = "participant"
        roles = {p.id: ("participant" if p.role == role else p.role) for p in state.participants.values()}
        units = [list(g["members"]) for g in groups]
        _give(assignments, units, role, spec["count"], roles, rng if spec["assign"] == "random" else None)
    return {pid: r for pid, r in assignments.items() if state.participants[pid].role != r}


def pass_on(state: EventState, script_roles: Mapping[str, Any], role: str) -> dict[str, str]:
    """A rotating role moves to the next person of each group (or table), in their order there."""
    spec = script_roles[role]
    if spec["per"] == "group":
        units = [g.members for g in state.groups.values()]
    else:
        units = [m for _, m in sorted(seated_by_table(state).items(), key=lambda kv: table_key(kv[0]))]
    assignments: dict[str, str] = {}
    for members in units:
        present = [m for m in members if m in state.participants]
        if not present:
            continue
        holders = [i for i, m in enumerate(present) if state.participants[m].role == role]
        start = (holders[-1] + 1) if holders else 0
        for i in holders:
            assignments[present[i]] = "participant"
        for k in range(spec["count"]):
            assignments[present[(start + k) % len(present)]] = role
    return {pid: r for pid, r in assignments.items() if state.participants[pid].role != r}


def after_moves(
    state: EventState, script_roles: Mapping[str, Any], moves: list[dict[str, str]], stay: str | None, seed: str
) -> dict[str, str]:
    """People who moved give up their per-table roles (the role belongs to the table they left), and
    tables that lost a dealt role get it again from the people now there."""
    moved = {m["participant_id"]: m["to"] for m in moves}
    seat = {p.id: moved.get(p.id, p.table_id) for p in state.participants.values()}
    roles = {p.id: p.role for p in state.participants.values()}
    assignments: dict[str, str] = {}
    table_roles = {r for r, s in script_roles.items() if s["per"] == "table"}
    for person in moved:
        if roles[person] in table_roles and roles[person] != stay:
            assignments[person] = "participant"
            roles[person] = "participant"
    tables: dict[str, list[str]] = {}
    for person, table_id in seat.items():
        tables.setdefault(table_id, []).append(person)
    units = [tables[t] for t in sorted(tables, key=table_key)]
    rng = random.Random(seed)
    for role, spec in script_roles.items():
        if spec["per"] == "table" and spec["assign"] in DEALT and role != stay:
            _give(assignments, units, role, spec["count"], roles, rng if spec["assign"] == "random" else None)
    return {pid: r for pid, r in assignments.items() if state.participants[pid].role != r}
