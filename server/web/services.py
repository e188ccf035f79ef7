"""What a running app holds: store, broker, rooms and the token cache. Built by the lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..domain.errors import Unauthorized
from ..domain.replay import Replay
from ..events import Principal, resolve_token
from ..hub.broker import Broker
from ..hub.room import Room, now_ms
from ..hub.rooms import Rooms
from ..security import hash_token
from ..settings import Settings
from ..storage.store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    broker: Broker
    rooms: Rooms
    admin_secret_hash: str
    _tokens: dict[str, Principal] = field(default_factory=dict)
    replays: dict[str, Replay] = field(default_factory=dict)  # replay indexes, most recently used last
    replay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def principal(self, token: str | None) -> Principal:
        """The event and role a token grants. Known tokens are cached; expiry is checked every time."""
        if not token:
            raise Unauthorized("missing_token", "this needs a token")
        key = hash_token(token)
        principal = self._tokens.get(key)
        if principal is None:
            principal = await asyncio.to_thread(resolve_token, self.store, token, now_ms())
            self._tokens[key] = principal
        principal.check_expiry(now_ms())
        return principal

    async def current_room(self, event_id: str) -> Room:
        """The event's room, holding at least what the database held when asked.

        With several workers, a room hears of other workers' commits through the broker, a moment
        later. A client that wrote through one worker (joined, sent an idea, ran a command) and then
        reads through another must still see its own write, so on a shared database this reads
        what the room has not received yet (one query; usually no rows).
        """
        room = await self.rooms.get(event_id)
        if self.store.multi_writer:
            await room._catch_up()  # the hub's own gap filler: entries after what it delivered, in order
        return room
