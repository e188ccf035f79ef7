"""What a script step's ``capture`` asks of ideas: who may write, how many, who sees them, and
whether they carry their writer's id. Hand-written steps capture for everyone, at the table.

Premoderation: a step may hold its ideas until a moderator lets them through (``premoderate``).
A held idea is *pending*: its writer sees it as waiting, the facilitator (and organiser) see it in
the queue, and so does whoever holds the step's moderating role at the writer's table; nobody else
(the wall, the table, exports for the room, themes, common ground) sees it until it is approved.

Visibility: ``private`` (the writer and the facilitator), ``group`` (the writer's group),
``table`` and ``room`` (the writer's table; the wall shows them), ``facilitator`` (staff only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import Conflict, Forbidden
from .model import EventState, Idea, Participant, Step

PUBLIC = ("table", "room")  # what the wall and the table's phones see


@dataclass(frozen=True, slots=True)
class Capture:
    visibility: str = "table"
    anonymous: bool = False
    group_id: str | None = None
    pending: bool = False


def premoderation(spec: dict[str, Any] | None) -> str | None:
    """Who lets a script step's ideas through (its ``capture.premoderate``): ``facilitator``,
    ``role:<name>``, or None when they go out at once."""
    value = ((spec or {}).get("capture") or {}).get("premoderate")
    if value is True:
        return "facilitator"
    return value if isinstance(value, str) and value.startswith("role:") else None


def held(step: Step, visibility: str) -> bool:
    """Whether an idea written in ``step`` waits for a moderator: only if others would see it."""
    return step.premoderate is not None and visibility not in ("private", "facilitator")


def check(state: EventState, step: Step, person: Participant) -> Capture:
    """How ``person``'s idea in ``step`` is kept, or the error that refuses it."""
    spec = (step.spec or {}).get("capture")
    if not spec:
        return Capture(pending=held(step, "table"))
    who, limit = spec.get("who", "each"), spec.get("max_items")
    if who.startswith("role:") and person.role != who.removeprefix("role:"):
        role = who.removeprefix("role:").replace("_", " ")
        raise Forbidden("not_your_role", f"in this step only the {role} writes", field="step_id")
    group_id = state.group_of.get(person.id)
    if limit is not None:
        shared = who == "any"  # one list for the group (or the table)
        key = ("g", group_id or f"t:{person.table_id}") if shared else ("p", person.id)
        if state.step_counts.get((step.id, *key), 0) >= limit:
            whose = "your group's" if shared and group_id else "your table's" if shared else "your"
            raise Conflict("enough_items", f"this step takes {limit}; that was {whose} last", field="step_id")
    visibility = spec.get("visibility", "room")
    return Capture(visibility, spec.get("attribution") == "anonymous", group_id, held(step, visibility))


def shared(idea: Idea) -> bool:
    """Whether screens beyond the moderators' and the writer's may show ``idea``: the wall, the
    room's exports, themes and common ground (public, not hidden, not waiting for a moderator)."""
    return idea.visibility in PUBLIC and not idea.hidden and not idea.pending


def moderating_role(state: EventState, idea: Idea) -> str | None:
    """The table role that may let ``idea`` through at its table (besides the facilitator)."""
    step = state.steps.get(idea.step_id)
    if step is None or step.premoderate is None or not step.premoderate.startswith("role:"):
        return None
    return step.premoderate.removeprefix("role:")


def moderates(state: EventState, idea: Idea, person: Participant) -> bool:
    """Whether ``person`` (at a table) may let ``idea`` through or hide it while it waits."""
    role = moderating_role(state, idea)
    return role is not None and person.table_id == idea.table_id and person.role == role


def moderators_at(state: EventState, idea: Idea) -> list[str]:
    """The people at ``idea``'s table who may let it through (their phones see it waiting)."""
    role = moderating_role(state, idea)
    if role is None:
        return []
    return [p.id for p in state.participants.values() if p.table_id == idea.table_id and p.role == role]


def count_keys(step_id: str, participant_id: str, table_id: str, group_id: str | None) -> list[tuple[str, str, str]]:
    """The counters an idea adds to (per person, and per group or table)."""
    return [(step_id, "p", participant_id), (step_id, "g", group_id or f"t:{table_id}")]


def phone_sees(state: EventState, idea: Idea, person: Participant) -> bool:
    """Whether ``person``'s phone shows ``idea`` (its snapshot's rule): an idea of their table, not
    hidden, and theirs, public, or their group's."""
    if idea.table_id != person.table_id or idea.hidden:
        return False
    if idea.participant_id == person.id:
        return True
    if idea.pending:
        return moderates(state, idea, person)
    if idea.visibility in PUBLIC:
        return True
    return idea.visibility == "group" and idea.group_id is not None and state.group_of.get(person.id) == idea.group_id
