"""One path for a client's command, whichever transport carries it (a websocket frame or the body of
``POST /api/events/{id}/commands``): read it, count it against the sender's limits, check who may
send it, carry it out, and say the answer. The transports only wrap the :class:`Reply`: the socket as
``{"type", "ref", ...}``, HTTP as ``{"ok": true, ...}`` or its error status, so both give the same
answers and the same errors for the same command (tests/web/test_one_path.py runs one table of
commands through both).

Order, for every message: read (binary, size, JSON, depth, text), count (an unreadable message
counts as a message of no type, so a client sending garbage is rate limited too), refuse what could
not be read, then who may send it (``domain/access.py``), then carry it out: ``ping`` and
``reaction.next`` are reads answered from the room's memory (never stored); every other type is
parsed into its exact command model and decided in the room's write path.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from .. import library
from ..domain import access, limits
from ..domain.commands import COMMAND_ADAPTER, decider, parse_command
from ..domain.errors import DomainError, Forbidden, Internal, Invalid, RateLimited
from ..domain.model import Actor
from ..domain.reactions import next_for
from ..domain.text import bad_char, check_data, decode_json
from ..hub.room import Room, now_ms, steady_ms
from ..storage.store import dumps
from .bodies import too_large

log = logging.getLogger("wholeroom.commands")

READS = ("ping", "reaction.next")  # answered from memory, never stored (docs/protocol.md)
REF_MAX = 200


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one message: ``type`` is ``ack``, ``pong``, ``reaction`` or ``error``; ``body`` its
    fields (besides ``type`` and ``ref``). ``then``: what a socket sends next unasked (after
    ``reaction.cast``, the next idea to react to); HTTP has one answer per request and leaves it out."""

    type: str
    body: dict[str, Any]
    ref: Any = None
    error: DomainError | None = None
    then: tuple[Reply, ...] = ()

    @classmethod
    def refusal(cls, error: DomainError, ref: Any = None) -> Reply:
        return cls("error", error.to_dict(), ref, error)

    def message(self) -> dict[str, Any]:
        """The websocket message."""
        return {"type": self.type, "ref": self.ref, **self.body}

    def text(self) -> str:
        return dumps(self.message())

    def http(self) -> dict[str, Any]:
        """The HTTP answer's body (raises the error, which the app turns into its status and body)."""
        if self.error is not None:
            raise self.error
        return {"ok": True, **self.body}


def read(raw: str | bytes | None) -> Any:
    """The decoded JSON of a frame or body (None: a binary websocket frame)."""
    if raw is None:
        raise Invalid("binary", "send JSON text frames, not binary")
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode(errors="surrogatepass"))
    if len(raw) > limits.MESSAGE_MAX_BYTES or size > limits.MESSAGE_MAX_BYTES:
        raise Invalid("too_large", too_large(limits.MESSAGE_MAX_BYTES))
    return decode_json(raw)


def ref_of(data: Any) -> Any:
    """The ``ref`` to echo in the answer, when it is one a client can have sent (a short plain value)."""
    ref = data.get("ref") if isinstance(data, dict) else None
    if isinstance(ref, str) and (len(ref) > REF_MAX or bad_char(ref) is not None):
        return None
    return ref if isinstance(ref, str | int | float) and not isinstance(ref, bool) else None


def message_of(data: Any) -> dict[str, Any]:
    """A client message: a JSON object with a string ``type``, within the depth and text limits."""
    check_data(data)
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise Invalid("bad_message", "a message is a JSON object with a string 'type'", field="type")
    return data


def throttle(room: Room, actor: Actor, kind: str) -> None:
    """Count one message of type ``kind`` from ``actor`` against the room's limits (docs/protocol.md)."""
    who = actor.participant_id or actor.role.value
    room.limits.check(who, kind, actor.participant_id is None, steady_ms())


async def handle(room: Room, actor: Actor, raw: str | bytes | None) -> Reply:
    """Answer one message from ``actor`` in ``room``. Never raises: a refusal is an ``error`` reply, and
    a bug is logged and answered ``internal_error`` (this message alone; nothing changed)."""
    ref: Any = None
    data: dict[str, Any] | None = None
    unreadable: DomainError | None = None
    try:
        decoded = read(raw)
        ref = ref_of(decoded)
        data = message_of(decoded)
    except DomainError as exc:
        unreadable = exc
    try:
        throttle(room, actor, data["type"] if data is not None else "")
        if unreadable is not None:
            raise unreadable
        assert data is not None
        return await _carry_out(room, actor, {k: v for k, v in data.items() if k != "ref"}, ref)
    except DomainError as exc:
        return Reply.refusal(exc, ref)
    except Exception:  # a bug: this message is refused, the connection and the room carry on
        log.exception("message from %s failed", actor.label)
        return Reply.refusal(Internal("internal_error", "the server failed on this message; nothing changed"), ref)


async def _carry_out(room: Room, actor: Actor, data: dict[str, Any], ref: Any) -> Reply:
    kind = data["type"]
    if kind in READS:
        access.check_command(kind, actor)  # (stored commands are checked in decide, after removal)
        if kind == "ping":
            return Reply("pong", {"now": now_ms()}, ref)
        return next_reaction(room, actor, ref)
    if kind == "session.load":  # a library script is read from disk: off the event loop
        data = await asyncio.to_thread(library.expand, data)
    command = parse_command(data)
    outcome = await room.execute(decider(actor, command, room.current_themes))
    then = (next_reaction(room, actor, None),) if command.type == "reaction.cast" else ()
    return Reply("ack", dict(outcome.result), ref, then=then)


def next_reaction(room: Room, actor: Actor, ref: Any) -> Reply:
    """The idea ``actor`` should react to next (a read of the room's memory: no entry)."""
    person = room.state.participants.get(actor.participant_id or "")
    if person is None:
        return Reply.refusal(Forbidden("participants_only", "only participants react"), ref)
    return Reply("reaction", next_for(room.state, person, room.priorities), ref)


def pause_ms(reply: Reply) -> int:
    """How long a socket should not be read after ``reply``: after a rate-limit refusal, up to a
    second, so a client sending faster than it may is held back by TCP instead of costing a refusal
    per message."""
    if isinstance(reply.error, RateLimited):
        return min(reply.error.retry_after_ms, REFUSED_PAUSE_MS)
    return 0


REFUSED_PAUSE_MS = 1000


class Ping(BaseModel):
    """Answered with the server's clock: ``pong`` ``{"now"}``."""

    type: Literal["ping"]


class NextReaction(BaseModel):
    """Answered with the next idea to react to (``reaction``); a read, no entry."""

    type: Literal["reaction.next"]


def message_schema() -> dict[str, Any]:
    """The JSON Schema of what either transport takes: every command, and the reads."""
    schema = COMMAND_ADAPTER.json_schema()
    for kind, model in zip(READS, (Ping, NextReaction), strict=True):
        name = model.__name__
        schema["$defs"][name] = model.model_json_schema()
        schema["oneOf"].append({"$ref": f"#/$defs/{name}"})
        schema["discriminator"]["mapping"][kind] = f"#/$defs/{name}"
    return schema
