"""Who is still in the event: removing a participant, and closing the event (which starts the
clock on phone links: they expire a configured time after it closes)."""

from __future__ import annotations

from typing import Literal

from .base import CommandModel, Draft, Outcome, require_facilitator
from .errors import Conflict, Forbidden, NotFound
from .model import Actor, EventState

REMOVED_MESSAGE = "The facilitator removed you from this event."
REMOVED_REASON = "participant removed"  # the reason written on the ideas hidden with them


class RemoveParticipant(CommandModel):
    type: Literal["participant.remove"]
    participant_id: str
    ideas: Literal["keep", "hide"]  # what becomes of what they wrote


class CloseEvent(CommandModel):
    type: Literal["event.close"]


class ReopenEvent(CommandModel):
    type: Literal["event.reopen"]


def refuse_removed(state: EventState, actor: Actor) -> None:
    """A removed person's token is revoked; this also holds for anything they sent before it was."""
    if actor.participant_id is not None and actor.participant_id in state.removed:
        raise Forbidden("removed", REMOVED_MESSAGE)


def remove(state: EventState, actor: Actor, cmd: RemoveParticipant, now: int) -> Outcome:
    require_facilitator(actor)
    if cmd.participant_id in state.removed:
        raise Conflict("already_removed", f"{cmd.participant_id} was already removed", field="participant_id")
    person = state.participants.get(cmd.participant_id)
    if person is None:
        raise NotFound("unknown_participant", f"there is no participant {cmd.participant_id}", field="participant_id")
    draft = Draft(state, actor, now)
    draft.add("participant.removed", {"participant_id": person.id, "table_id": person.table_id, "ideas": cmd.ideas})
    hidden = []
    if cmd.ideas == "hide":
        for idea in state.ideas.values():
            if idea.participant_id == person.id and not idea.hidden:
                draft.add("idea.hidden", {"idea_id": idea.id, "table_id": idea.table_id, "reason": REMOVED_REASON})
                hidden.append(idea.id)
    return Outcome(draft.entries, {"participant_id": person.id, "hidden": hidden})


def close(state: EventState, actor: Actor, cmd: CloseEvent, now: int) -> Outcome:
    require_facilitator(actor)
    if state.closed_at is not None:
        raise Conflict("event_closed", "the event is already closed")
    draft = Draft(state, actor, now)
    draft.add("event.closed", {})
    return Outcome(draft.entries, {"closed_at": now})


def reopen(state: EventState, actor: Actor, cmd: ReopenEvent, now: int) -> Outcome:
    require_facilitator(actor)
    if state.closed_at is None:
        raise Conflict("event_open", "the event is not closed")
    draft = Draft(state, actor, now)
    draft.add("event.reopened", {})
    return Outcome(draft.entries, {"closed_at": None})
