"""The fold: ``apply(state, entry)`` advances an event's state by one transcript entry.

This is the only place the rules of state change live; the live server, resume and (later)
replay all go through it. Entries must arrive in ``seq`` order with no gap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from . import limits
from .model import Audience, Entry, EventState, Idea, Participant, Step, StepStatus, Table


class FoldError(ValueError):
    """An entry that cannot follow the state (out of order, or unknown kind)."""


def fold(event_id: str, entries: Iterable[Entry]) -> EventState:
    """The state after ``entries`` (from seq 1)."""
    state = EventState(id=event_id)
    for entry in entries:
        apply(state, entry)
    return state


def apply(state: EventState, entry: Entry) -> None:
    if entry.seq != state.seq + 1:
        raise FoldError(f"entry seq {entry.seq} does not follow {state.seq}")
    handler = _APPLY.get(entry.kind)
    if handler is None:
        raise FoldError(f"unknown entry kind {entry.kind!r}")
    handler(state, entry.payload, entry)
    state.seq = entry.seq


def _event_created(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.title = p["title"]
    state.join_code = p["join_code"]
    state.created_at = e.at
    state.tables = {t["id"]: Table(t["id"], t["name"]) for t in p["tables"]}


def _participant_joined(state: EventState, p: dict[str, Any], e: Entry) -> None:
    pid = p["participant_id"]
    state.participants[pid] = Participant(pid, p["name"], p["table_id"], p["role"], e.at, e.seq)


def _participant_seated(state: EventState, p: dict[str, Any], e: Entry) -> None:
    person = state.participants[p["participant_id"]]
    person.table_id = p["table_id"]
    person.seated_seq = e.seq


def _participant_role_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    person = state.participants[p["participant_id"]]
    person.role = p["role"]
    person.seated_seq = e.seq  # what they see may change: resume them with a fresh snapshot


def _step_pushed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    aud = p["audience"]
    audience = Audience(tuple(aud["tables"]) if aud["tables"] is not None else None, aud["role"])
    step = Step(
        p["step_id"], e.seq, p["text"], p["collect_ideas"], audience, e.at, p["deadline"], replaces=p["replaces"]
    )
    state.steps[step.id] = step
    if step.replaces:
        _end(state.steps[step.replaces], e.at)
    for table_id in audience.tables if audience.tables is not None else state.tables:
        slots = state.current.setdefault(table_id, {})
        if audience.role is None:
            # a step for everyone at the table supersedes role-specific ones there
            slots.clear()
        slots[audience.role] = step.id


def _end(step: Step, at: int) -> None:
    if step.status is StepStatus.ACTIVE:
        step.status = StepStatus.ENDED
        step.ended_at = at


def _step_extended(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.steps[p["step_id"]].deadline = p["deadline"]


def _step_ended(state: EventState, p: dict[str, Any], e: Entry) -> None:
    _end(state.steps[p["step_id"]], e.at)


def _idea_submitted(state: EventState, p: dict[str, Any], e: Entry) -> None:
    idea = Idea(p["idea_id"], e.seq, p["client_id"], p["participant_id"], p["table_id"], p["step_id"], p["text"], e.at)
    state.ideas[idea.id] = idea
    state.idea_by_client[(idea.participant_id, idea.client_id)] = idea.id
    recent = state.recent_ideas.setdefault(idea.participant_id, deque(maxlen=limits.IDEAS_PER_WINDOW))
    recent.append(e.at)


def _idea_hidden(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.ideas[p["idea_id"]].hidden = True


def _idea_restored(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.ideas[p["idea_id"]].hidden = False


_APPLY: dict[str, Callable[[EventState, dict[str, Any], Entry], None]] = {
    "event.created": _event_created,
    "participant.joined": _participant_joined,
    "participant.seated": _participant_seated,
    "participant.role_set": _participant_role_set,
    "step.pushed": _step_pushed,
    "step.extended": _step_extended,
    "step.ended": _step_ended,
    "idea.submitted": _idea_submitted,
    "idea.hidden": _idea_hidden,
    "idea.restored": _idea_restored,
}

ENTRY_KINDS = tuple(_APPLY)
