"""What a harvest report says, computed from the folded state: the event's arc, ideas by table and
step, participation over time, and the names of the people who chose to give one.

The report is made to be shared, so it quotes only what the room saw: ideas kept private, to a
group or for the facilitator are counted, never quoted, and so are hidden and erased ones.

Renderers (Markdown, HTML, CSV) in ``server/exports.py`` only lay this out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .capture import PUBLIC
from .model import EventState, Idea, table_key
from .votes import tally

BUCKET_MS = 5 * 60_000


@dataclass(slots=True)
class StepReport:
    id: str
    text: str
    kind: str
    session: str | None
    tables: str
    planned_s: int | None
    started_at: int
    ended_at: int | None
    ideas: int
    results: dict[str, Any] | None = None


@dataclass(slots=True)
class TableReport:
    id: str
    name: str
    ideas_by_step: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass(slots=True)
class Harvest:
    title: str
    join_code: str
    started_at: int
    ended_at: int
    people: int
    ideas: int
    hidden: int
    unshared: int  # ideas kept private, to a group or for the facilitator: counted, not quoted
    steps: list[StepReport]
    tables: list[TableReport]
    participation: list[tuple[int, int, int]]  # (bucket start, ideas in it, people joined so far)
    names: list[str]


def harvest(state: EventState, last_at: int) -> Harvest:
    """The report's content. Hidden ideas are counted but never quoted."""
    visible = [i for i in state.ideas.values() if not i.hidden]
    ideas_per_step = Counter(i.step_id for i in visible)
    steps = []
    for step in state.steps.values():
        session = state.sessions.get(step.session_id or "")
        reached = (
            "all tables"
            if step.audience.tables is None
            else ", ".join(state.tables[t].name for t in step.audience.tables) or "facilitator only"
        )
        if step.audience.role:
            reached += f" ({step.audience.role.replace('_', ' ')})"
        results = tally(step, state.votes.get(step.id, {})) if step.kind == "vote" else None
        steps.append(
            StepReport(
                step.id,
                step.text,
                step.kind,
                session.title if session else None,
                reached,
                (step.spec or {}).get("duration") if step.spec else _planned(step.pushed_at, step.deadline),
                step.pushed_at,
                step.ended_at,
                ideas_per_step.get(step.id, 0),
                results,
            )
        )
    texts = {s.id: s.text for s in state.steps.values()}
    tables: list[TableReport] = []
    for table in sorted(state.tables.values(), key=lambda t: table_key(t.id)):
        report = TableReport(table.id, table.name)
        by_step: dict[str, list[str]] = {}
        for idea_id in state.table_ideas.get(table.id, ()):
            idea = state.ideas[idea_id]
            if quotable(state, idea):
                by_step.setdefault(idea.step_id, []).append(idea.text)
        report.ideas_by_step = [(texts.get(step_id, step_id), ideas) for step_id, ideas in by_step.items()]
        tables.append(report)
    return Harvest(
        title=state.title,
        join_code=state.join_code,
        started_at=state.created_at,
        ended_at=last_at,
        people=len(state.participants),
        ideas=len(visible),
        hidden=len(state.ideas) - len(visible),
        unshared=sum(1 for i in visible if i.visibility not in PUBLIC),
        steps=steps,
        tables=tables,
        participation=participation(state, last_at),
        names=sorted({p.name for p in state.participants.values() if p.name}, key=str.casefold),
    )


def quotable(state: EventState, idea: Idea) -> bool:
    """Whether the shareable report may quote ``idea``: shown to the room, not hidden, not erased."""
    erased = idea.participant_id in state.erased and not idea.anonymous  # (anonymous ideas are not erased)
    return idea.visibility in PUBLIC and not idea.hidden and not erased


def _planned(pushed_at: int, deadline: int | None) -> int | None:
    return (deadline - pushed_at) // 1000 if deadline else None


def participation(state: EventState, last_at: int) -> list[tuple[int, int, int]]:
    """Ideas per five minutes and people joined so far, from the first idea or join to the last entry."""
    times = [i.at for i in state.ideas.values()] + [p.joined_at for p in state.participants.values()]
    if not times:
        return []
    start = min(times) // BUCKET_MS * BUCKET_MS
    buckets = range(start, max(last_at, start) + 1, BUCKET_MS)
    ideas = Counter(i.at // BUCKET_MS * BUCKET_MS for i in state.ideas.values())
    joins = sorted(p.joined_at for p in state.participants.values())
    out, joined = [], 0
    for bucket in buckets:
        while joined < len(joins) and joins[joined] < bucket + BUCKET_MS:
            joined += 1
        out.append((bucket, ideas.get(bucket, 0), joined))
    return out
