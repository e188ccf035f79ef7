"""The state digest: one SHA-256 that says two servers hold the same event.

It is computed over the folded state, not over the transcript's bytes, so it proves that an
imported transcript rebuilds exactly the same event. The input is canonical JSON (keys sorted,
no spaces, UTF-8).

Version 3 covers everything the fold keeps that a screen, a replay or an output can show, in named
parts (:data:`PARTS`): the event, people (seats, roles, removals, erasures, who sat where and met
whom), steps (and what each table sees), ideas, sessions, groups, ballots, topics, reactions (final
answers in the order people first gave them), the facilitator's theme curation, the flags, and
the timeline (a running hash of every entry's seq, time and kind kept by the fold). Its
digest is the SHA-256 of the parts' own digests, so a file can carry the parts and an import can
say which part of a rebuilt event differs. Versions 1 and 2 (event, participants, steps, ideas,
sessions, groups, ballots and topics only) are still computed, for the files that carry them.
docs/export.md documents it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .model import EventState, Participant
from .runsheet import session_dict


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


# --- version 3 -----------------------------------------------------------------------------------

# Each part and how a message names it.
PARTS = {
    "event": "event (title, tables, parts of the system, language, closing, slides on the wall)",
    "people": "people (names, seats, roles, parts of the system, removals, erasures)",
    "steps": "steps",
    "ideas": "ideas",
    "sessions": "sessions (scripts and run sheets)",
    "groups": "groups",
    "votes": "votes (ballots)",
    "topics": "topics",
    "reactions": "reactions",
    "curation": "theme curation",
    "flags": "flags",
    "timeline": "times (when each entry happened)",
    "follow": "follow-through (action groups, conveners, who shared an email, follow-up rounds)",
}


def _person(p: Participant) -> list[Any]:
    person: list[Any] = [p.id, p.name, p.table_id, p.role, p.joined_at, p.seated_seq]
    return [*person, list(p.parts)] if p.parts else person  # only when said: older digests stay as they were


def digest_parts(state: EventState) -> dict[str, Any]:
    """The state as version 3 digests it: one JSON value per part of :data:`PARTS`.

    An anonymous idea's writer (and the client id that would name them) is left out: exports do
    not carry it, so an imported event must digest like the live one. What the fold derives again
    from these parts (idea counts per step, the rate limit, the index of re-sent ideas) is left out.
    """
    ideas = []
    for idea in state.ideas.values():
        d = idea.to_dict()
        d["client_id"] = None if idea.anonymous else idea.client_id
        ideas.append(d)
    sessions = [
        {
            "id": s.id,
            "seq": s.seq,
            "title": s.title,
            "script": s.script,
            "params": s.params,
            "loaded_at": s.loaded_at,
            "index": s.index,
            "status": s.status.value,
            "started_at": s.started_at,
            "runs": [[r.index, r.step_id, r.started_at, r.ended_at, r.skipped] for r in s.runs],
        }
        for s in state.sessions.values()
    ]
    rows, columns = state.reaction_log.order()
    return {
        "event": {
            "id": state.id,
            "title": state.title,
            "join_code": state.join_code,
            "created_at": state.created_at,
            "tables": [[t.id, t.name] for t in state.tables.values()],
            "seq": state.seq,
            "closed_at": state.closed_at,
            # only events that put a slide on the projector carry this (older digests stay as they were)
            **({"wall_slides": state.wall_slides} if state.wall_slides else {}),
            # likewise only events that declared parts of the system
            **({"parts": [p.to_dict() for p in state.parts.values()]} if state.parts else {}),
            # likewise only events whose wall and console were not in English
            **({"language": state.language} if state.language != "en" else {}),
        },
        "people": {
            "participants": [_person(p) for p in state.participants.values()],
            "removed": [_person(p) for p in state.removed.values()],
            "erased": sorted(state.erased),
            "visited": state.visited,
            "met": {pid: sorted(others) for pid, others in state.met.items()},
        },
        "steps": {
            "steps": [s.to_dict() for s in state.steps.values()],
            "current": sorted(
                [table, role or "", step] for table, slots in state.current.items() for role, step in slots.items()
            ),
        },
        "ideas": ideas,
        "sessions": sessions,
        "groups": [[g.id, g.table_id, g.members] for g in state.groups.values()],
        "votes": state.votes,
        "topics": [[t.id, t.step_id, t.title, t.convener, t.slot, t.space, t.members] for t in state.topics.values()],
        # in the order people first answered (each person's answers too): the analysis reads that order
        "reactions": {
            "answers": [[pid, list(map(list, answers.items()))] for pid, answers in state.reacted.items()],
            "rows": list(rows),
            "columns": list(columns),
        },
        "curation": _curation(state),
        "flags": [
            [f.id, f.idea_id, f.theme_id, f.participant_id, f.reason, f.at, f.outcome] for f in state.flags.values()
        ],
        "timeline": state.timeline,
        # only events with action groups or a follow-up round (the digests of others stay as they were)
        **({"follow": _follow(state)} if state.action_groups or state.followups else {}),
    }


def _follow(state: EventState) -> dict[str, Any]:
    return {
        "groups": [
            [g.id, g.title, g.source, g.members, g.convener, sorted(g.contacts)] for g in state.action_groups.values()
        ],
        "rounds": [[r.id, r.step_id, r.question, r.privacy, r.opened_at, r.closed_at] for r in state.followups],
    }


def _curation(state: EventState) -> list[Any]:
    """The facilitator's theme edits in order, then (only when there were any, so the digests of
    events made before themes could be revealed stay as they were) every reveal of the themes."""
    edits: list[Any] = [[kind, payload] for kind, payload in state.theme_edits]
    if state.theme_reveals:
        edits.append(["theme.revealed", state.theme_reveals])
    if state.theme_dismissed:  # likewise: only when a suggestion was dismissed
        edits.append(["theme.dismissed", list(state.theme_dismissed)])
    return edits


def part_digests(state: EventState) -> dict[str, str]:
    """The SHA-256 (hex) of each part's canonical JSON."""
    return {name: _sha256(value) for name, value in digest_parts(state).items()}


def combine(parts: dict[str, str]) -> str:
    """The version 3 digest of an event whose parts have these digests."""
    return "sha256:" + _sha256(parts)


# --- versions 1 and 2 ----------------------------------------------------------------------------


def digest_view(state: EventState, version: int = 2) -> dict[str, Any]:
    """What versions 1 and 2 digest (less than the state: reactions, curation and flags are not in it)."""
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
        # as versions 1 and 2 were written: without what a session's step is doing now ("now", derived)
        "sessions": [{k: v for k, v in session_dict(state, s).items() if k != "now"} for s in state.sessions.values()],
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


DIGEST_VERSION = 3


def state_digest(state: EventState, version: int = DIGEST_VERSION) -> str:
    """``sha256:<hex>`` of the state as transcript format ``version`` defines it."""
    if version >= 3:
        return combine(part_digests(state))
    return "sha256:" + _sha256(digest_view(state, version))
