"""The state of one event, as folded from its transcript, and the entry record itself."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .reaction_matrix import ReactionLog


class Role(StrEnum):
    """Who is acting. The first three sit at tables; the last three are staff screens."""

    PARTICIPANT = "participant"
    TABLE_HOST = "table_host"
    SCRIBE = "scribe"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"
    WALL = "wall"


# Roles people hold at tables. A loaded facilitation script may declare more (client, convener...).
TABLE_ROLES = ("participant", "table_host", "scribe")
ROLE_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
STAFF_ROLES = (Role.FACILITATOR, Role.ORGANISER, Role.WALL)


# an event's themes_encoder: the server's encoder, or the multilingual one (docs/themes.md)
THEMES_ENCODERS = ("default", "multilingual")


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    participant_id: str | None = None
    name: str | None = None  # a named facilitator link's name ("Ana – co-facilitator")

    @property
    def label(self) -> str:
        """How the actor is written in the transcript (never a token): ``participant:<id>``, a role,
        or ``facilitator:<name>`` for a link the organiser issued with a name."""
        if self.participant_id:
            return f"participant:{self.participant_id}"
        return f"{self.role.value}:{self.name}" if self.name else self.role.value


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


def table_key(table_id: str) -> tuple[int, str]:
    """Tables sort by number (2 before 10)."""
    return (int(table_id), "") if table_id.isdigit() else (1 << 30, table_id)


@dataclass(slots=True)
class Table:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Part:
    """A part of the whole system the event wants in the room (residents, GPs, the police...);
    ``target``: how many of them the organiser hopes for (None: no number)."""

    id: str
    name: str
    target: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "target": self.target}


PREFER_NOT_TO_SAY = "prefer_not_to_say"  # a person's answer that is not a part


@dataclass(slots=True)
class Participant:
    id: str
    name: str | None
    table_id: str
    role: str
    joined_at: int
    seated_seq: int  # seq of the entry that last put them at their table
    # the parts of the system they said they come from (empty: not said; or PREFER_NOT_TO_SAY alone).
    # Staff see them; no other screen or shared output links them to the person (docs/privacy.md).
    parts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a step is for: some tables (``None`` = every table), optionally only one role there."""

    tables: tuple[str, ...] | None = None
    role: str | None = None

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
    # set when the step comes from a facilitation script
    session_id: str | None = None
    index: int | None = None
    kind: str = "custom"
    spec: dict[str, Any] | None = None  # the script step, as written (capture, vote, rotation...)
    options: list[dict[str, Any]] | None = None  # a vote's ballot options, fixed when it starts
    warn_ms: int | None = None  # warn this long before the deadline
    paused_remaining: int | None = None  # while paused: ms that were left
    # who lets its ideas through before anyone else sees them: None (nobody needs to), "facilitator",
    # or "role:<name>" (the facilitator, or whoever holds that role at the writer's table)
    premoderate: str | None = None
    # a script step in several languages: its text in each (``text`` is the default language's)
    texts: dict[str, str] | None = None

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
            "session_id": self.session_id,
            "index": self.index,
            "kind": self.kind,
            "spec": self.spec,
            "options": self.options,
            "warn_ms": self.warn_ms,
            "paused_remaining": self.paused_remaining,
            # only when set: the digests of steps that never held ideas stay as they were
            **({"premoderate": self.premoderate} if self.premoderate else {}),
            **({"texts": self.texts} if self.texts else {}),
        }


@dataclass(slots=True)
class Group:
    """Some people at one table working together for a step (pairs, fours...)."""

    id: str
    table_id: str
    members: list[str]


class SessionStatus(StrEnum):
    LOADED = "loaded"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


@dataclass(slots=True)
class StepRun:
    """One script step as it actually ran (or was skipped)."""

    index: int
    step_id: str | None
    started_at: int
    ended_at: int | None = None
    skipped: bool = False


@dataclass(slots=True)
class Session:
    """One run of a facilitation script inside the event."""

    id: str
    seq: int
    title: str
    script: dict[str, Any]  # the validated script as data (aliases, durations in seconds)
    params: dict[str, str]
    loaded_at: int
    index: int = -1  # the script step running now; -1 before the start
    status: SessionStatus = SessionStatus.LOADED
    started_at: int | None = None
    runs: list[StepRun] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FlowMark:
    """The room's latest change of flow (a step started, ended, extended, paused, resumed or skipped,
    a session finished): the version that every flow command names (``expect_flow_seq``)."""

    seq: int
    at: int
    actor: str
    kind: str
    step_id: str | None
    session_id: str | None
    index: int | None  # the script step, for a session's entries

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "step_id": self.step_id,
            "session_id": self.session_id,
            "index": self.index,
        }


@dataclass(slots=True)
class Flag:
    """A participant's "this idea doesn't belong in this theme", until the facilitator decides."""

    id: str
    idea_id: str
    theme_id: str | None
    participant_id: str
    reason: str | None
    at: int
    outcome: str | None = None  # kept | moved


@dataclass(slots=True)
class Topic:
    """An Open Space topic posted on the marketplace grid."""

    id: str
    step_id: str
    title: str
    convener: str
    slot: str
    space: str
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ActionGroup:
    """A group that takes something forward after the event (domain/follow.py): formed around a
    theme, an Open Space topic or by hand; one convener; an email only for members who shared one."""

    id: str
    title: str
    source: str | None  # "theme:<id>", "topic:<id>", or None (by hand)
    members: list[str] = field(default_factory=list)
    convener: str | None = None
    contacts: set[str] = field(default_factory=set)  # members who shared an email with this group


@dataclass(slots=True)
class FollowUp:
    """A check-in weeks after the event: its phones' links work again while it is open."""

    id: str
    step_id: str
    question: str
    privacy: str  # private | shared
    opened_at: int
    closed_at: int | None = None


@dataclass(frozen=True, slots=True)
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
    visibility: str = "table"  # private | group | table | room | facilitator (see capture.py)
    group_id: str | None = None
    anonymous: bool = False
    hidden_reason: str | None = None
    pending: bool = False  # held for a moderator (the step premoderates): only they and the writer see it

    def to_dict(self, *, redact: bool = False, own: str | None = None) -> dict[str, Any]:
        """``redact``: for a screen that is not a moderator's (no hidden text); ``own``: the reader's
        participant id, whose own ideas carry the ``client_id`` they sent. An anonymous idea names
        its writer to nobody else, moderators included (docs/privacy.md)."""
        mine = own == self.participant_id
        return {
            "id": self.id,
            "client_id": self.client_id if mine else None,
            "seq": self.seq,
            "participant_id": None if (self.anonymous and not mine) else self.participant_id,
            "visibility": self.visibility,
            "group_id": self.group_id,
            "anonymous": self.anonymous,
            "table_id": self.table_id,
            "step_id": self.step_id,
            "text": None if (redact and self.hidden) else self.text,
            "at": self.at,
            "hidden": self.hidden,
            "hidden_reason": None if redact else self.hidden_reason,
            # only while it waits: the digests of ideas that never waited stay as they were
            **({"pending": True} if self.pending else {}),
        }


@dataclass(slots=True)
class EventState:
    id: str
    title: str = ""
    join_code: str = ""
    created_at: int = 0
    themes_encoder: str = "default"  # "default" (the server's) or "multilingual" (docs/themes.md)
    language: str = "en"  # the interface language of its wall and console (server/languages.py)
    seq: int = 0
    tables: dict[str, Table] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)  # the parts of the system declared, in order
    participants: dict[str, Participant] = field(default_factory=dict)
    removed: dict[str, Participant] = field(default_factory=dict)  # removed by the facilitator
    closed_at: int | None = None  # when the facilitator closed the event (its phone links expire after)
    steps: dict[str, Step] = field(default_factory=dict)
    ideas: dict[str, Idea] = field(default_factory=dict)
    # table id -> role (None = everyone there) -> id of the step most recently pushed to them
    current: dict[str, dict[str | None, str]] = field(default_factory=dict)
    # (participant id, client id) -> idea id: makes re-sending the same idea harmless
    idea_by_client: dict[tuple[str, str], str] = field(default_factory=dict)
    # participant id -> times of their recent ideas, for the rate limit
    recent_ideas: dict[str, deque[int]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)  # participant id -> group id (latest grouping)
    votes: dict[str, dict[str, Any]] = field(default_factory=dict)  # step id -> participant id -> ballot
    topics: dict[str, Topic] = field(default_factory=dict)
    # participant id -> table ids they have sat at, and people they have shared a table with
    visited: dict[str, list[str]] = field(default_factory=dict)
    met: dict[str, set[str]] = field(default_factory=dict)
    table_ideas: dict[str, list[str]] = field(default_factory=dict)  # table id -> idea ids, in order
    step_counts: dict[tuple[str, str, str], int] = field(default_factory=dict)  # ideas per step and writer/group
    reacted: dict[str, dict[str, str]] = field(default_factory=dict)  # participant -> idea -> agree/disagree/pass
    reaction_log: ReactionLog = field(default_factory=ReactionLog)  # the same, as a matrix for the analysis
    theme_edits: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # curation, in order
    flags: dict[str, Flag] = field(default_factory=dict)
    theme_reveals: list[bool] = field(default_factory=list)  # the facilitator showed (or hid) themes on phones
    wall_slides: list[str | None] = field(
        default_factory=list
    )  # slides the facilitator put on the wall (None: taken down)
    theme_dismissed: dict[str, None] = field(default_factory=dict)  # curation suggestions dismissed (keys, in order)
    erased: set[str] = field(default_factory=set)  # participants erased on request
    action_groups: dict[str, ActionGroup] = field(default_factory=dict)  # domain/follow.py
    action_of: dict[str, str] = field(default_factory=dict)  # participant id -> action group id
    followups: list[FollowUp] = field(default_factory=list)  # follow-up rounds, in order
    flow: FlowMark | None = None  # the latest change of the room's flow (None before any step)
    # SHA-256 (hex) over every entry's seq, time and kind so far: when things happened, which replay
    # shows, even where the rest of the state forgets it (a reaction's time, a reopened event's closing)
    timeline: str = ""

    @property
    def themes_revealed(self) -> bool:
        """Whether phones may contest the themes now (the facilitator revealed them)."""
        return bool(self.theme_reveals) and self.theme_reveals[-1]

    @property
    def followup(self) -> FollowUp | None:
        """The follow-up round open now, if any."""
        last = self.followups[-1] if self.followups else None
        return last if last is not None and last.closed_at is None else None

    @property
    def wall_slide(self) -> str | None:
        """The full-screen slide on the projector wall now (``"join"``), or None."""
        return self.wall_slides[-1] if self.wall_slides else None

    def person(self, participant_id: str) -> Participant:
        """A participant, present or removed (their ideas and ballots still name them)."""
        return self.participants.get(participant_id) or self.removed[participant_id]

    def step_for(self, table_id: str, role: str | None) -> Step | None:
        """The step a person with ``role`` at ``table_id`` sees now (the latest pushed to them)."""
        slots = self.current.get(table_id, {})
        steps = [self.steps[slots[r]] for r in {None, role} if r in slots]
        return max(steps, key=lambda s: s.seq) if steps else None

    def showing_at(self, step_id: str) -> list[str]:
        """The tables where ``step_id`` is what (some of) the people there see now."""
        return [t for t, slots in self.current.items() if step_id in slots.values()]

    def table_roles(self) -> tuple[str, ...]:
        """The roles people can hold here: the built-in ones and those the loaded scripts declare."""
        declared = [r for s in self.sessions.values() for r in s.script.get("roles", {})]
        return tuple(dict.fromkeys([*TABLE_ROLES, *declared]))

    def joined_per_table(self) -> dict[str, int]:
        counts = dict.fromkeys(self.tables, 0)
        for p in self.participants.values():
            counts[p.table_id] = counts.get(p.table_id, 0) + 1
        return counts
