"""Volunteering for a role a loaded script declares (a table host, a scribe...)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import CommandModel, Draft, Outcome
from .errors import Conflict, Forbidden, Invalid
from .model import ROLE_NAME_PATTERN, Actor, EventState


class Volunteer(CommandModel):
    type: Literal["role.volunteer"]
    role: str = Field(pattern=ROLE_NAME_PATTERN)


def volunteer_roles(state: EventState) -> dict[str, int]:
    """Roles people may take on themselves, with how many per table."""
    out: dict[str, int] = {}
    for session in state.sessions.values():
        for name, spec in session.script.get("roles", {}).items():
            if spec["assign"] == "volunteer" and spec["per"] == "table":
                out[name] = spec["count"]
    return out


def volunteer(state: EventState, actor: Actor, cmd: Volunteer, now: int) -> Outcome:
    person = state.participants.get(actor.participant_id or "")
    if person is None:
        raise Forbidden("participants_only", "only participants volunteer")
    open_roles = volunteer_roles(state)
    if cmd.role not in open_roles:
        raise Invalid("bad_role", f"you can volunteer as: {', '.join(open_roles) or 'nothing yet'}", field="role")
    if person.role == cmd.role:
        return Outcome(result={"role": cmd.role, "unchanged": True})
    holders = [p for p in state.participants.values() if p.table_id == person.table_id and p.role == cmd.role]
    if len(holders) >= open_roles[cmd.role]:
        raise Conflict("role_taken", f"your table already has its {cmd.role.replace('_', ' ')}", field="role")
    draft = Draft(state, actor, now)
    draft.add("participant.role_set", {"participant_id": person.id, "role": cmd.role})
    return Outcome(draft.entries, {"role": cmd.role})
