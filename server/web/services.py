"""What a running app holds: store, broker, rooms and the token cache. Built by the lifespan.

Tokens are looked up in batches: while one query is in flight, every other unknown token waits for
the next, which asks for all of them at once. When a worker dies, thousands of phones say hello to
the others within a second; they cost a few queries, not one each.

A cached token is forgotten when its participant is removed or its event closed (by every worker
that has the event's room: they all receive the entry), and in any case after ``TOKEN_CACHE_S``, so
a worker that never loaded the room cannot go on trusting a revoked token.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from ..domain import limits
from ..domain.errors import Unauthorized
from ..domain.membership import REMOVED_MESSAGE
from ..domain.model import Entry, Role
from ..domain.replay import Replay
from ..domain.throttle import Buckets, ClientLimits
from ..events import REVOKED_MESSAGE, Principal
from ..hub.broker import Broker
from ..hub.connection import CLOSE_POLICY, TokenSockets
from ..hub.room import Room, now_ms, steady_ms
from ..hub.rooms import Rooms
from ..security import hash_token
from ..settings import Settings
from ..storage.store import Grant, Store, dumps

TOKEN_CACHE_S = 60.0


@dataclass
class Services:
    settings: Settings
    store: Store
    broker: Broker
    rooms: Rooms
    admin_secret_hash: str
    _tokens: dict[str, tuple[float, Principal]] = field(default_factory=dict)  # hash -> (when read, principal)
    _unknown: dict[str, asyncio.Future[Grant | None]] = field(default_factory=dict)  # the next batch
    _looking_up: bool = False
    replays: dict[str, Replay] = field(default_factory=dict)  # replay indexes, most recently used last
    replay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    origins: frozenset[str] = frozenset()  # page origins allowed to open the websocket (none: any)
    clients: ClientLimits = field(init=False)  # per client address: lookups, joins, admin secrets
    sockets: TokenSockets = field(init=False)  # open websockets per token
    hellos: Buckets = field(default_factory=Buckets)  # websocket hellos per token (hash)

    def __post_init__(self) -> None:
        self.clients = ClientLimits(self.settings.joins_per_client_per_s)
        self.sockets = TokenSockets(self.settings.sockets_per_token)
        self.rooms.watchers.append(self._on_entry)
        self.rooms.revocations.append(self.revoked)

    async def principal(self, token: str | None) -> Principal:
        """The event and role a token grants. Known tokens are cached; revocation and expiry are
        checked every time."""
        if not token:
            raise Unauthorized("missing_token", "this needs a token")
        key = hash_token(token)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_S:
            principal = cached[1]
        else:
            grant = await self._lookup(key)
            if grant is None:
                raise Unauthorized("bad_token", "this token is not valid (it may belong to another server)")
            row = grant.token
            principal = Principal(
                row.event_id,
                Role(row.role),
                row.participant_id,
                row.expires_at,
                row.revoked_at,
                grant.closed_at,
                row.label,
            )
            self._tokens[key] = (time.monotonic(), principal)
        principal.check(now_ms(), self.settings.token_ttl_days * 86_400_000)
        return principal

    async def revoke(self, event_id: str, token_hash: str) -> None:
        """A link the organiser revoked (already in the database) stops at once: forgotten and its
        sockets closed here, and every other worker told to do the same."""
        self.revoked(token_hash)
        room = await self.rooms.get(event_id)
        # (between workers, not a message to clients: see tests/test_docs.py)
        await room.publish_derived(dict(type="revoked", token=token_hash))

    def revoked(self, token_hash: str) -> None:
        self._tokens.pop(token_hash, None)
        refusal = Unauthorized("link_revoked", REVOKED_MESSAGE)
        text = dumps({"type": "error", "ref": None, **refusal.to_dict()})
        self.sockets.end_all(token_hash, CLOSE_POLICY, "link_revoked", text)

    def check_hello(self, token: str | None) -> None:
        """Count one websocket hello with ``token``, or raise ``rate_limited`` (docs/protocol.md)."""
        if token:
            self.hellos.check(hash_token(token), limits.HELLO_RATE, steady_ms(), "Connecting with one link")

    def _on_entry(self, entry: Entry) -> None:
        """Forget cached tokens that a removal or a close changes (read again from the database,
        where the same transaction changed them)."""
        if entry.kind == "participant.removed":
            self._forget(entry.event_id, entry.payload["participant_id"])
        elif entry.kind in ("event.closed", "event.reopened", "followup.opened", "followup.closed"):
            self._forget(entry.event_id, None)

    def _forget(self, event_id: str, participant_id: str | None) -> None:
        for key, (_at, p) in list(self._tokens.items()):
            if p.event_id == event_id and (participant_id is None or p.participant_id == participant_id):
                del self._tokens[key]

    def _lookup(self, key: str) -> asyncio.Future[Grant | None]:
        future = self._unknown.get(key)
        if future is None:
            future = self._unknown[key] = asyncio.get_running_loop().create_future()
            if not self._looking_up:
                self._looking_up = True
                asyncio.get_running_loop().create_task(self._look_up_batches())
        return future

    async def _look_up_batches(self) -> None:
        try:
            while self._unknown:
                batch, self._unknown = self._unknown, {}
                try:
                    rows = await asyncio.to_thread(self.store.tokens, list(batch))
                except Exception as exc:  # the database is away: every waiting hello fails, and may retry
                    for future in batch.values():
                        if not future.done():  # (a phone that hung up meanwhile cancelled its own)
                            future.set_exception(exc)
                    continue
                for key, future in batch.items():
                    if not future.done():
                        future.set_result(rows.get(key))
        finally:
            self._looking_up = False

    async def present_room(self, principal: Principal) -> Room:
        """The current room of the principal's event, refusing a participant removed from it."""
        room = await self.current_room(principal.event_id)
        if principal.participant_id is not None and principal.participant_id in room.state.removed:
            raise Unauthorized("removed", REMOVED_MESSAGE)
        return room

    async def current_room(self, event_id: str) -> Room:
        """The event's room, holding at least what the database held when asked.

        With several workers, a room hears of other workers' commits through the broker, a moment
        later. A client that wrote through one worker (joined, sent an idea, ran a command) and then
        reads through another must still see its own write, so on a shared database this reads
        what the room has not received yet (one query; usually no rows).
        """
        room = await self.rooms.get(event_id)
        if self.store.multi_writer:
            await room.catch_up()  # the hub's own gap filler: entries after what it delivered, in order
        return room
