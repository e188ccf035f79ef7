"""Reactions: agree / disagree / pass on ideas from across the room, during a step that asks for them.

A participant's later answer on an idea replaces the earlier one (the transcript keeps both). A
``react`` step (hand-pushed with ``react: true``, or a script step of kind ``react``) offers every
idea the room may see (``table`` and ``room`` visibility, not hidden), or the ideas of the steps its
``from`` names. Which idea a phone sees next is the routing rule of ``common_ground.routing``:
ideas from other tables first (never the person's own), favouring ideas with few reactions and
ideas that unite or divide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .base import CommandModel, Draft, Outcome
from .capture import shared
from .common_ground.routing import draw_for, next_idea
from .errors import Conflict, Forbidden, NotFound
from .model import Actor, EventState, Idea, Participant, Step, StepStatus


class React(CommandModel):
    type: Literal["reaction.cast"]
    idea_id: str
    value: Literal["agree", "disagree", "pass"]


def react_step(state: EventState, person: Participant) -> Step | None:
    step = state.step_for(person.table_id, person.role)
    return step if step is not None and step.kind == "react" and step.status is StepStatus.ACTIVE else None


def offered(state: EventState, step: Step, idea: Idea) -> bool:
    """Whether ``step`` asks for reactions on ``idea``."""
    if not shared(idea):  # hidden, not for the room, or still waiting for a moderator
        return False
    sources = (step.spec or {}).get("from")
    if not sources:
        return True
    session = state.sessions.get(step.session_id or "")
    if session is None:
        return True
    indexes = {i for i, s in enumerate(session.script["steps"]) if s["id"] in sources}
    return idea.step_id in {run.step_id for run in session.runs if run.index in indexes}


def cast(state: EventState, actor: Actor, cmd: React, now: int) -> Outcome:
    person = state.participants.get(actor.participant_id or "")
    if person is None:
        raise Forbidden("participants_only", "only participants react")
    step = react_step(state, person)
    if step is None:
        raise Conflict("not_reacting", "reactions are taken during a step that asks for them")
    idea = state.ideas.get(cmd.idea_id)
    if idea is None or not offered(state, step, idea):
        raise NotFound("unknown_idea", f"idea {cmd.idea_id} is not offered for reactions now", field="idea_id")
    draft = Draft(state, actor, now)
    draft.add("reaction.cast", {"idea_id": idea.id, "participant_id": person.id, "value": cmd.value})
    return Outcome(draft.entries, {"idea_id": idea.id, "value": cmd.value})


def next_for(state: EventState, person: Participant, priorities: Mapping[str, float]) -> dict[str, Any]:
    """The idea to show ``person`` next (or none left), with how far they have got."""
    step = react_step(state, person)
    if step is None:
        return {"step_id": None, "idea": None, "reacted": 0, "remaining": 0}
    mine = state.reacted.get(person.id, {})
    answered = sum(1 for i in mine if offered(state, step, state.ideas[i]))
    fresh = [
        i
        for i in state.ideas.values()
        if i.id not in mine and i.participant_id != person.id and offered(state, step, i)
    ]
    elsewhere = [i.id for i in fresh if i.table_id != person.table_id]
    pool = elsewhere or [i.id for i in fresh]
    seed = int.from_bytes(state.id.encode()[:8].ljust(8, b"\0"), "big")
    chosen = next_idea(priorities, pool, draw_for(seed, person.id, len(mine))) if pool else None
    idea = state.ideas[chosen] if chosen else None
    return {
        "step_id": step.id,
        "idea": {"id": idea.id, "text": idea.text, "table_id": idea.table_id} if idea else None,
        "reacted": answered,
        "remaining": len(fresh),
    }


def my_answers(state: EventState, step: Step, person: Participant) -> list[dict[str, Any]]:
    """The answers ``person`` gave to the ideas ``step`` offers, oldest first (to change one later)."""
    mine = state.reacted.get(person.id, {})
    return [
        {"idea_id": i, "text": state.ideas[i].text, "value": v}
        for i, v in mine.items()
        if i in state.ideas and offered(state, step, state.ideas[i])
    ]
