"""Split tables into small groups (pairs, fours) and merge groups, deterministically from a seed."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Literal

from .model import EventState, table_key

Remainder = Literal["trio", "join", "alone"]


def seated_by_table(state: EventState) -> dict[str, list[str]]:
    """Participant ids per table, in joining order (stable input for seeded shuffles)."""
    tables: dict[str, list[str]] = defaultdict(list)
    for person in state.participants.values():
        tables[person.table_id].append(person.id)
    return dict(tables)


def chunk(members: list[str], size: int, remainder: Remainder) -> list[list[str]]:
    """Cut ``members`` into groups of ``size``; a short last group joins the previous ones or stays."""
    groups = [members[i : i + size] for i in range(0, len(members), size)]
    if len(groups) > 1 and len(groups[-1]) < size and remainder != "alone":
        short = groups.pop()
        if remainder == "trio" or len(short) == 1:
            # spread the leftovers one per group: pairs become trios
            for k, person in enumerate(short):
                groups[k % len(groups)].append(person)
        else:
            groups[-1].extend(short)
    return groups


def split(state: EventState, size: int, remainder: Remainder, seed: str) -> list[dict[str, object]]:
    """New groups of ``size`` inside every table; ids are ``g<table>-<n>``."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for table_id, members in sorted(seated_by_table(state).items(), key=lambda kv: table_key(kv[0])):
        shuffled = members[:]
        rng.shuffle(shuffled)
        for n, group in enumerate(chunk(shuffled, size, remainder), start=1):
            out.append({"id": f"g{table_id}-{n}", "table_id": table_id, "members": group})
    return out


def by_topics(state: EventState, signup_steps: set[str], slot: str) -> list[dict[str, object]]:
    """One group per marketplace topic of ``slot``: its convener and everyone who signed up. Groups
    like these cross tables (``table_id`` is empty); people who chose nothing stay free."""
    out: list[dict[str, object]] = []
    for topic in state.topics.values():
        if topic.step_id in signup_steps and topic.slot == slot:
            members = [m for m in topic.members if m in state.participants]
            out.append({"id": topic.id, "table_id": "", "members": members, "topic": topic.title, "space": topic.space})
    return out


def merge(state: EventState, factor: int) -> list[dict[str, object]]:
    """Join each table's current groups ``factor`` at a time (pairs -> fours); people who have no
    group yet (they arrived later) join the last merged group of their table."""
    by_table: dict[str, list[list[str]]] = defaultdict(list)
    for existing in state.groups.values():
        still_here = (m for m in existing.members if m in state.participants)
        members = [m for m in still_here if state.participants[m].table_id == existing.table_id]
        if members:
            by_table[existing.table_id].append(members)
    grouped = {m for groups in by_table.values() for g in groups for m in g}
    out: list[dict[str, object]] = []
    for table_id, members in sorted(seated_by_table(state).items(), key=lambda kv: table_key(kv[0])):
        # smallest first, so odd groups pair up evenly: 2+2 and 3, not 3+2 and 2
        groups = sorted(by_table.get(table_id, []), key=len)
        merged = [sum(groups[i : i + factor], []) for i in range(0, len(groups), factor)] or [[]]
        merged[-1].extend(m for m in members if m not in grouped)
        for n, group in enumerate(merged, start=1):
            if group:
                out.append({"id": f"g{table_id}-{n}", "table_id": table_id, "members": group})
    return out
