"""The state of one event, as folded from its transcript, and the entry record itself."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who is acting. The first three sit at tables; the last three are staff screens."""

    PARTICIPANT = "participant"
    TABLE_HOST = "table_host"
    SCRIBE = "scribe"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"
    WALL = "wall"


TABLE_ROLES = (Role.PARTICIPANT, Role.TABLE_HOST, Role.SCRIBE)
STAFF_ROLES = (Role.FACILITATOR, Role.ORGANISER, Role.WALL)


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    participant_id: str | None = None

    @property
    def label(self) -> str:
        """How the actor is written in the transcript (never a token)."""
        return f"participant:{self.participant_id}" if self.participant_id else self.role.value


SYSTEM = Actor(Role.FACILITATOR)


@dataclass(frozen=True, slots=True)
class Entry:
    """One transcript entry: ``seq`` is gapless and strictly increasing per event; ``at`` is epoch ms."""

    event_id: str
    seq: int
    at: int
    kind: str
    actor: str
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entry:
        return cls(d["event_id"], d["seq"], d["at"], d["kind"], d["actor"], d["payload"])


@dataclass(slots=True)
class Table:
    id: str
    name: str


@dataclass(slots=True)
class Participant:
    id: str
    name: str | None
    table_id: str
    role: Role
    joined_at: int
    seated_seq: int  # seq of the entry that last put them at their table


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a step is for: some tables (``None`` = every table), optionally only one role there."""

    tables: tuple[str, ...] | None = None
    role: Role | None = None

    def includes_table(self, table_id: str) -> bool:
        return self.tables is None or table_id in self.tables

    def to_dict(self) -> dict[str, Any]:
        return {"tables": list(self.tables) if self.tables is not None else None, "role": self.role}


class StepStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(slots=True)
class Step:
    id: str
    seq: int
    text: str
    collect_ideas: bool
    audience: Audience
    pushed_at: int
    deadline: int | None
    status: StepStatus = StepStatus.ACTIVE
    ended_at: int | None = None
    replaces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "text": self.text,
            "collect_ideas": self.collect_ideas,
            "audience": self.audience.to_dict(),
            "pushed_at": self.pushed_at,
            "deadline": self.deadline,
            "status": self.status.value,
            "ended_at": self.ended_at,
            "replaces": self.replaces,
        }


@dataclass(slots=True)
class Idea:
    id: str
    seq: int
    client_id: str
    participant_id: str
    table_id: str
    step_id: str
    text: str
    at: int
    hidden: bool = False

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "participant_id": self.participant_id,
            "table_id": self.table_id,
            "step_id": self.step_id,
            "text": None if (redact and self.hidden) else self.text,
            "at": self.at,
            "hidden": self.hidden,
        }


@dataclass(slots=True)
class EventState:
    id: str
    title: str = ""
    join_code: str = ""
    created_at: int = 0
    seq: int = 0
    tables: dict[str, Table] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    ideas: dict[str, Idea] = field(default_factory=dict)
    # table id -> role (None = everyone there) -> id of the step most recently pushed to them
    current: dict[str, dict[Role | None, str]] = field(default_factory=dict)
    # (participant id, client id) -> idea id: makes re-sending the same idea harmless
    idea_by_client: dict[tuple[str, str], str] = field(default_factory=dict)
    # participant id -> times of their recent ideas, for the rate limit
    recent_ideas: dict[str, deque[int]] = field(default_factory=dict)

    def step_for(self, table_id: str, role: Role | None) -> Step | None:
        """The step a person with ``role`` at ``table_id`` sees now (the latest pushed to them)."""
        slots = self.current.get(table_id, {})
        steps = [self.steps[slots[r]] for r in {None, role} if r in slots]
        return max(steps, key=lambda s: s.seq) if steps else None

    def joined_per_table(self) -> dict[str, int]:
        counts = dict.fromkeys(self.tables, 0)
        for p in self.participants.values():
            counts[p.table_id] = counts.get(p.table_id, 0) + 1
        return counts
