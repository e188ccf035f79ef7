"""Who may see what: the reach of each entry, and the snapshot each kind of screen starts from.

Staff screens (facilitator, organiser, wall) receive every entry. A phone receives the entries
about its own table and about itself. Moderators (facilitator, organiser) see hidden ideas'
text; the wall and phones never do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .model import STAFF_ROLES, Entry, EventState, Role


@dataclass(frozen=True, slots=True)
class Viewer:
    role: Role
    participant_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.FACILITATOR, Role.ORGANISER)


@dataclass(frozen=True, slots=True)
class Reach:
    """Which phones an entry goes to (staff screens get everything)."""

    tables: frozenset[str] | None = frozenset()  # None = every table
    participant: str | None = None


_SELF_KINDS = {"participant.joined", "participant.seated", "participant.role_set"}
_IDEA_KINDS = {"idea.submitted", "idea.hidden", "idea.restored"}
_STEP_KINDS = {"step.pushed", "step.extended", "step.ended"}


def reach(state: EventState, entry: Entry) -> Reach:
    """The phones that receive ``entry``; ``state`` must already include it."""
    p = entry.payload
    if entry.kind in _IDEA_KINDS:
        return Reach(frozenset((p["table_id"],)))
    if entry.kind in _STEP_KINDS:
        tables = state.steps[p["step_id"]].audience.tables
        return Reach(None if tables is None else frozenset(tables))
    if entry.kind in _SELF_KINDS:
        return Reach(participant=p["participant_id"])
    return Reach()


def visible(state: EventState, entry: Entry, viewer: Viewer) -> bool:
    if viewer.is_staff:
        return True
    person = state.participants.get(viewer.participant_id or "")
    if person is None:
        return False
    r = reach(state, entry)
    return r.participant == person.id or r.tables is None or person.table_id in r.tables


def redact(state: EventState, entry: Entry, viewer: Viewer) -> Entry:
    """The entry as ``viewer`` may read it now: hidden ideas lose their text for non-moderators."""
    if viewer.is_moderator or entry.kind not in ("idea.submitted", "idea.restored"):
        return entry
    idea = state.ideas.get(entry.payload["idea_id"])
    if idea is None or not idea.hidden:
        return entry
    return replace(entry, payload={**entry.payload, "text": None})


def _event_dict(state: EventState) -> dict[str, Any]:
    return {
        "id": state.id,
        "title": state.title,
        "join_code": state.join_code,
        "tables": [{"id": t.id, "name": t.name} for t in state.tables.values()],
    }


def snapshot(state: EventState, viewer: Viewer) -> dict[str, Any]:
    """Everything ``viewer`` needs to draw its screen as of ``state.seq``."""
    if not viewer.is_staff:
        person = state.participants[viewer.participant_id or ""]
        step = state.step_for(person.table_id, person.role)
        return {
            "seq": state.seq,
            "event": _event_dict(state),
            "me": {"id": person.id, "name": person.name, "table_id": person.table_id, "role": person.role},
            "step": step.to_dict() if step else None,
            "ideas": [i.to_dict() for i in state.ideas.values() if i.table_id == person.table_id and not i.hidden],
        }
    out: dict[str, Any] = {
        "seq": state.seq,
        "event": _event_dict(state),
        "steps": [s.to_dict() for s in state.steps.values()],
        "current": {t: {r or "*": sid for r, sid in slots.items()} for t, slots in state.current.items()},
        "joined": state.joined_per_table(),
        "ideas": [
            i.to_dict(redact=not viewer.is_moderator)
            for i in state.ideas.values()
            if viewer.is_moderator or not i.hidden
        ],
    }
    if viewer.is_moderator:
        out["participants"] = [
            {"id": p.id, "name": p.name, "table_id": p.table_id, "role": p.role, "joined_at": p.joined_at}
            for p in state.participants.values()
        ]
    return out
