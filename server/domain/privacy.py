"""What the room promised people about their words, kept in every output.

- **Anonymous ideas** (a capture with ``attribution: anonymous``): nobody but the writer can link
  the idea to the person. Every screen (phones, wall, facilitator, organiser), the transcript read
  over HTTP, exports and replay get the entry without its writer (``actor`` and ``participant_id``
  blanked, no ``client_id``). The stored transcript keeps the link, for re-sent ideas, the rate
  limit and the writer's own download.
- **Erasure** (``participant.erase``): a person's name and the texts they wrote (ideas, flag
  reasons, topic titles; not their anonymous ideas, which nobody can link to them and which would
  be linked by changing) are replaced in the state and in every stored entry. Each replaced value
  leaves its SHA-256 in the entry's ``erased`` map, so the exported chain, which covers those
  hashes rather than the texts, still verifies (see ``transcript_file``).

Pure functions over entries; docs/privacy.md is the reader's version.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, Literal

from .base import CommandModel, Draft, Outcome
from .digest import canonical
from .errors import Conflict, Forbidden, NotFound
from .fold import ERASED_TEXT
from .model import Actor, Entry, EventState, Role

ANONYMOUS_ACTOR = "participant"  # how an anonymous idea's actor reads outside the stored transcript

# The texts people write (or are called), per entry kind: the fields the chain covers by hash and
# that an erasure replaces. Ids, choices and times are not texts.
PERSONAL: dict[str, tuple[str, ...]] = {
    "participant.joined": ("name",),
    "idea.submitted": ("text",),
    "idea.restored": ("text",),
    "theme.flagged": ("reason",),
    "topic.posted": ("title",),
}


def text_hash(value: Any) -> str:
    """The hash that stands for a personal value in the chain (and stays once it is erased)."""
    return hashlib.sha256(canonical(value)).hexdigest()


# --- anonymous ideas ------------------------------------------------------------------------------


def is_anonymous(state: EventState, entry: Entry) -> bool:
    """Whether ``entry`` is about an anonymous idea (``state`` knows the idea by then)."""
    if entry.kind == "idea.submitted":
        return bool(entry.payload.get("anonymous"))
    if entry.kind == "idea.restored":
        idea = state.ideas.get(entry.payload["idea_id"])
        return idea is not None and idea.anonymous
    return False


def _actor(actor: str) -> str:
    """The writer acts as ``participant:<id>``; the facilitator who restores an idea stays named."""
    return ANONYMOUS_ACTOR if actor.startswith("participant:") else actor


def unlinked(entry: Entry) -> Entry:
    """``entry`` (about an anonymous idea) without anything that names its writer."""
    payload = {**entry.payload, "participant_id": None}
    if "client_id" in payload:
        payload["client_id"] = None
    return replace(entry, actor=_actor(entry.actor), payload=payload)


def for_readers(state: EventState, entry: Entry) -> Entry:
    """``entry`` as the transcript is read over HTTP: anonymous ideas unlinked. A restored idea the
    state does not know (yet) is unlinked too (its writer in that entry is only a copy)."""
    if entry.kind == "idea.restored":
        idea = state.ideas.get(entry.payload["idea_id"])
        return unlinked(entry) if idea is None or idea.anonymous else entry
    return unlinked(entry) if is_anonymous(state, entry) else entry


class Unlinker:
    """Walks a transcript in order and unlinks anonymous ideas from their writers: the form of the
    transcript every reader outside the server gets (HTTP, exports)."""

    def __init__(self) -> None:
        self.anonymous: set[str] = set()

    def __call__(self, entry: Entry) -> Entry:
        if entry.kind == "idea.submitted" and entry.payload.get("anonymous"):
            self.anonymous.add(entry.payload["idea_id"])
            return unlinked(entry)
        if entry.kind == "idea.restored" and entry.payload["idea_id"] in self.anonymous:
            return unlinked(entry)
        return entry


# --- erasure --------------------------------------------------------------------------------------


class EraseParticipant(CommandModel):
    type: Literal["participant.erase"]
    participant_id: str


def erase(state: EventState, actor: Actor, cmd: EraseParticipant, now: int) -> Outcome:
    """The organiser erases one person on request: one ``participant.erased`` entry; committing it
    rewrites that person's earlier entries (storage) and the fold replaces them in the state."""
    if actor.role is not Role.ORGANISER:
        raise Forbidden("organiser_only", "only the organiser erases a person")
    person = state.participants.get(cmd.participant_id) or state.removed.get(cmd.participant_id)
    if person is None:  # (a person the facilitator removed can still ask to be erased)
        raise NotFound("unknown_participant", f"there is no participant {cmd.participant_id}", field="participant_id")
    if cmd.participant_id in state.erased:
        raise Conflict("already_erased", f"participant {cmd.participant_id} was already erased", field="participant_id")
    draft = Draft(state, actor, now)
    draft.add("participant.erased", {"participant_id": person.id})
    return Outcome(draft.entries, {"participant_id": person.id})


def erased_fields(entry: Entry, participant_id: str, ideas: set[str]) -> tuple[str, ...]:
    """The personal fields of ``entry`` that belong to ``participant_id`` (``ideas``: theirs, which
    grows as their ideas are met in order)."""
    p = entry.payload
    if entry.kind == "participant.joined":
        mine = p["participant_id"] == participant_id
    elif entry.kind == "idea.submitted":
        # an anonymous idea is not erased: nobody can link it to them, and replacing it would
        # show everyone watching which ideas were theirs
        mine = p["participant_id"] == participant_id and not p.get("anonymous")
        if mine:
            ideas.add(p["idea_id"])
    elif entry.kind == "idea.restored":
        mine = p["idea_id"] in ideas
    elif entry.kind == "theme.flagged":
        mine = p["participant_id"] == participant_id
    elif entry.kind == "topic.posted":
        mine = p["convener"] == participant_id
    else:
        return ()
    return PERSONAL[entry.kind] if mine else ()


def erase_entry(entry: Entry, fields: tuple[str, ...]) -> Entry:
    """``entry`` with ``fields`` replaced, each original kept as its hash in ``payload.erased``."""
    if not fields:
        return entry
    p = entry.payload
    done = dict(p.get("erased") or {})
    payload = dict(p)
    for name in fields:
        if name in done:  # erased before
            continue
        done[name] = text_hash(p.get(name))
        payload[name] = None if entry.kind in ("participant.joined", "theme.flagged") else ERASED_TEXT
    payload["erased"] = done
    return replace(entry, payload=payload)


def erase_all(entries: list[Entry], participant_id: str) -> list[Entry]:
    """The entries of ``participant_id``'s texts, erased (only those that change)."""
    ideas: set[str] = set()
    out = []
    for entry in entries:
        fields = erased_fields(entry, participant_id, ideas)
        if fields:
            changed = erase_entry(entry, fields)
            if changed != entry:
                out.append(changed)
    return out


# --- the chain's view of an entry -----------------------------------------------------------------


def sealed(entry: Entry, anonymous: bool) -> dict[str, Any]:
    """What the transcript chain (version 2) covers of ``entry``: its personal texts by hash (the
    recorded hash once erased), and nothing that names an anonymous idea's writer."""
    d = entry.to_dict()
    payload = dict(entry.payload)
    erased = payload.pop("erased", None) or {}
    for name in PERSONAL.get(entry.kind, ()):
        value = payload.get(name)
        if name in erased and value in (None, ERASED_TEXT):  # erased: its recorded hash stands for it
            payload[name] = erased[name]
        elif name in payload:  # (a text put back next to a recorded hash is hashed: the chain breaks)
            payload[name] = text_hash(value)
    if anonymous:
        d["actor"] = _actor(entry.actor)
        payload.pop("participant_id", None)
        payload.pop("client_id", None)
    d["payload"] = payload
    return d
