"""Letting held ideas through: the facilitator, or the step's moderating role at the idea's table,
approves a pending idea (one ``idea.approved`` entry each), after which every screen that may see
its visibility shows it. Hiding a pending idea (``idea.hide``, the facilitator's) keeps it from
everyone else; a table host who would rather not let one through leaves it for the facilitator."""

from __future__ import annotations

from typing import Literal

from .base import CommandModel, Draft, Outcome
from .capture import moderates
from .errors import Conflict, Forbidden, NotFound
from .model import Actor, EventState


class ApproveIdea(CommandModel):
    type: Literal["idea.approve"]
    idea_id: str


def approve(state: EventState, actor: Actor, cmd: ApproveIdea, now: int) -> Outcome:
    """The facilitator lets any waiting idea through; a participant only one waiting at their own
    table, and only when they hold the role its step names (``premoderate: role:table_host``)."""
    idea = state.ideas.get(cmd.idea_id)
    if idea is None:
        raise NotFound("unknown_idea", f"there is no idea {cmd.idea_id}", field="idea_id")
    person = state.participants.get(actor.participant_id or "")
    if actor.participant_id is not None and (person is None or person.table_id != idea.table_id):
        raise Forbidden("not_your_table", f"idea {idea.id} was written at another table", field="idea_id")
    if not idea.pending:
        raise Conflict("not_pending", f"idea {idea.id} is not waiting for a moderator", field="idea_id")
    if person is not None and not moderates(state, idea, person):
        role = (state.steps[idea.step_id].premoderate or "facilitator").removeprefix("role:").replace("_", " ")
        who = "the facilitator" if role == "facilitator" else f"the {role} (or the facilitator)"
        raise Forbidden("not_moderator", f"only {who} lets this idea through", field="idea_id")
    if idea.hidden:
        raise Conflict("hidden", f"idea {idea.id} is hidden; restore it first", field="idea_id")
    draft = Draft(state, actor, now)
    draft.add("idea.approved", {"idea_id": idea.id, "table_id": idea.table_id})
    return Outcome(draft.entries, {"idea_id": idea.id})
