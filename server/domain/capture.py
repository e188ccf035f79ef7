"""What a script step's ``capture`` asks of ideas: who may write, how many, who sees them, and
whether they carry their writer's id. Hand-written steps capture for everyone, at the table.

Visibility: ``private`` (the writer and the facilitator), ``group`` (the writer's group),
``table`` and ``room`` (the writer's table; the wall shows them), ``facilitator`` (staff only).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Conflict, Forbidden
from .model import EventState, Idea, Participant, Step

PUBLIC = ("table", "room")  # what the wall and the table's phones see


@dataclass(frozen=True, slots=True)
class Capture:
    visibility: str = "table"
    anonymous: bool = False
    group_id: str | None = None


def check(state: EventState, step: Step, person: Participant) -> Capture:
    """How ``person``'s idea in ``step`` is kept, or the error that refuses it."""
    spec = (step.spec or {}).get("capture")
    if not spec:
        return Capture()
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
    return Capture(visibility, spec.get("attribution") == "anonymous", group_id)


def count_keys(step_id: str, participant_id: str, table_id: str, group_id: str | None) -> list[tuple[str, str, str]]:
    """The counters an idea adds to (per person, and per group or table)."""
    return [(step_id, "p", participant_id), (step_id, "g", group_id or f"t:{table_id}")]


def phone_sees(state: EventState, idea: Idea, person: Participant) -> bool:
    """Whether ``person``'s phone shows ``idea`` (its snapshot's rule): an idea of their table, not
    hidden, and theirs, public, or their group's."""
    if idea.table_id != person.table_id or idea.hidden:
        return False
    if idea.participant_id == person.id or idea.visibility in PUBLIC:
        return True
    return idea.visibility == "group" and idea.group_id is not None and state.group_of.get(person.id) == idea.group_id
