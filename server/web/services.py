"""What a running app holds: store, broker, rooms and the token cache. Built by the lifespan.

Tokens are looked up in batches: while one query is in flight, every other unknown token waits for
the next, which asks for all of them at once. When a worker dies, thousands of phones say hello to
the others within a second; they cost a few queries, not one each.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..domain.errors import Unauthorized
from ..domain.model import Role
from ..domain.replay import Replay
from ..events import Principal
from ..hub.broker import Broker
from ..hub.room import Room, now_ms
from ..hub.rooms import Rooms
from ..security import hash_token
from ..settings import Settings
from ..storage.store import Store
from ..storage.tables import TokenRow


@dataclass
class Services:
    settings: Settings
    store: Store
    broker: Broker
    rooms: Rooms
    admin_secret_hash: str
    _tokens: dict[str, Principal] = field(default_factory=dict)
    _unknown: dict[str, asyncio.Future[TokenRow | None]] = field(default_factory=dict)  # the next batch
    _looking_up: bool = False
    replays: dict[str, Replay] = field(default_factory=dict)  # replay indexes, most recently used last
    replay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def principal(self, token: str | None) -> Principal:
        """The event and role a token grants. Known tokens are cached; expiry is checked every time."""
        if not token:
            raise Unauthorized("missing_token", "this needs a token")
        key = hash_token(token)
        principal = self._tokens.get(key)
        if principal is None:
            row = await self._lookup(key)
            if row is None:
                raise Unauthorized("bad_token", "this token is not valid (it may belong to another server)")
            principal = Principal(row.event_id, Role(row.role), row.participant_id, row.expires_at)
            self._tokens[key] = principal
        principal.check_expiry(now_ms())
        return principal

    def _lookup(self, key: str) -> asyncio.Future[TokenRow | None]:
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
