"""The state digest: one SHA-256 that says two servers hold the same event.

It is computed over the folded state, not over the transcript's bytes, so it proves that an
imported transcript rebuilds exactly the same event. The input is canonical JSON (keys sorted,
no spaces, UTF-8) of: the event (id, title, join code, creation time, tables), every participant,
step, idea (hidden ones included, with their text; since version 2 without the writer of an
anonymous idea, which exports do not carry), session (with its run sheet), group, ballot and
topic, and the last ``seq``. docs/export.md documents it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .model import EventState
from .runsheet import session_dict


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_view(state: EventState, version: int = 2) -> dict[str, Any]:
    ideas = [i.to_dict() for i in state.ideas.values()]
    if version == 1:  # version 1 files named anonymous ideas' writers
        for d, idea in zip(ideas, state.ideas.values(), strict=True):
            d["participant_id"] = idea.participant_id
    view: dict[str, Any] = {
        "event": {
            "id": state.id,
            "title": state.title,
            "join_code": state.join_code,
            "created_at": state.created_at,
            "tables": [[t.id, t.name] for t in state.tables.values()],
        },
        "seq": state.seq,
        "participants": [[p.id, p.name, p.table_id, p.role, p.joined_at] for p in state.participants.values()],
        "steps": [s.to_dict() for s in state.steps.values()],
        "ideas": ideas,
        "sessions": [session_dict(s) for s in state.sessions.values()],
        "groups": [[g.id, g.table_id, g.members] for g in state.groups.values()],
        "votes": state.votes,
        "topics": [[t.id, t.step_id, t.title, t.convener, t.slot, t.space, t.members] for t in state.topics.values()],
    }
    # added only when used, so the digests of events that never removed anyone or closed stay as they were
    if state.removed:
        view["removed"] = sorted(state.removed)
    if state.closed_at is not None:
        view["closed_at"] = state.closed_at
    return view


def state_digest(state: EventState, version: int = 2) -> str:
    """``sha256:<hex>`` of the canonical state view (as transcript format ``version`` defines it)."""
    return "sha256:" + hashlib.sha256(canonical(digest_view(state, version))).hexdigest()
