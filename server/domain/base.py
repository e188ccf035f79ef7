"""What every command shares: its base model, the outcome it produces, and drafting entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import Forbidden, Invalid
from .model import Actor, Entry, EventState, Role
from .text import check_text


class CommandModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FlowCommand(CommandModel):
    """A command that changes the room's flow; ``expect_flow_seq`` names the flow it was sent from
    (the seq of the latest flow entry its sender saw, 0 before any: :mod:`.flow`)."""

    expect_flow_seq: int | None = Field(default=None, ge=0)


@dataclass(slots=True)
class Outcome:
    """What a command produced: entries to append, and the result for the acknowledgement."""

    entries: list[Entry] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


class Draft:
    """Numbers entries after the state's current ``seq``."""

    def __init__(self, state: EventState, actor: Actor, now: int) -> None:
        self.state, self.actor, self.now = state, actor, now
        self.entries: list[Entry] = []

    @property
    def next_seq(self) -> int:
        return self.state.seq + len(self.entries) + 1

    def add(self, kind: str, payload: dict[str, Any]) -> Entry:
        entry = Entry(self.state.id, self.next_seq, self.now, kind, self.actor.label, payload)
        self.entries.append(entry)
        return entry


def require_facilitator(actor: Actor) -> None:
    if actor.role is Role.FACILITATOR:
        return
    if actor.role in (Role.ORGANISER, Role.WALL):
        raise Forbidden("read_only", f"the {actor.role.value} token is read-only")
    raise Forbidden("facilitator_only", "only the facilitator can do this")


def clean_text(text: str, limit: int, field_name: str) -> str:
    check_text(text, field_name)
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("empty_text", f"{field_name} must not be empty", field=field_name)
    if len(cleaned) > limit:
        raise Invalid(
            "text_too_long", f"{field_name} has {len(cleaned)} characters; the limit is {limit}", field=field_name
        )
    return cleaned


Handler = Callable[[EventState, Actor, Any, int], Outcome]
