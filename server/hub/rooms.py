"""The rooms of this process, loaded on first use by folding the event's transcript."""

from __future__ import annotations

import asyncio
import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from ..domain.errors import NotFound
from ..domain.fold import fold
from ..domain.model import Entry, EventState
from ..storage.store import Store, iter_all
from . import theming
from .broker import Broker
from .resume import RESUME_MAX_ENTRIES
from .room import Room

# Long-lived connection objects make every full garbage collection slower (about 0.1 s per 1,000
# connections here); freezing them after each wave of joins keeps those pauses out of broadcasts.
FREEZE_AFTER_NEW_CONNECTIONS = 500


class Rooms:
    def __init__(
        self,
        store: Store,
        broker: Broker,
        themes_model: str | None = None,
        themes_every_s: float = theming.EVERY_S,
        event_writes_per_s: float = 1000.0,
        commit_spacing_s: float = 0.0,
    ) -> None:
        self.store, self.broker, self.themes_model, self.themes_every_s = store, broker, themes_model, themes_every_s
        self.event_writes_per_s = event_writes_per_s
        self.commit_spacing_s = commit_spacing_s
        # SQLite has one writer at a time anyway: one thread keeps commits in order and off the loop.
        # PostgreSQL takes a row lock per event, so events commit side by side.
        writers = 8 if store.multi_writer else 1
        self.writer = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="wholeroom-writer")
        self._rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Future[Room]] = {}
        self.connections = 0
        self._frozen_at = 0
        # told of every entry a room of this process commits or delivers (the token cache listens for removals)
        self.watchers: list[Callable[[Entry], None]] = []
        # told of each link revoked on any worker (by its hash): the token cache and open sockets here
        self.revocations: list[Callable[[str], None]] = []

    async def get(self, event_id: str) -> Room:
        room = self._rooms.get(event_id)
        if room is not None:
            return room
        if event_id in self._loading:
            return await asyncio.shield(self._loading[event_id])
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._loading[event_id] = future
        try:
            recent: deque[Entry] = deque(maxlen=RESUME_MAX_ENTRIES)  # the tail, for phones that resume

            def kept(entries: Iterable[Entry]) -> Iterator[Entry]:
                for entry in entries:
                    recent.append(entry)
                    yield entry

            def load() -> EventState:
                return fold(event_id, kept(iter_all(self.store, event_id)))

            state = await asyncio.to_thread(load)
            if state.seq == 0:
                raise NotFound("unknown_event", f"there is no event {event_id}")
            room = Room(
                state,
                self.store,
                self.broker,
                self.writer,
                self.themes_model,
                self.themes_every_s,
                recent=recent,
                event_writes_per_s=self.event_writes_per_s,
                commit_spacing_s=self.commit_spacing_s,
            )
            room.watchers = self.watchers
            room.revocations = self.revocations
            room.start()
            await room.listening.wait()
            self._rooms[event_id] = room
            future.set_result(room)
            return room
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: other waiters re-raise it themselves
            raise
        finally:
            del self._loading[event_id]

    def connected(self) -> None:
        self.connections += 1
        if self.connections >= self._frozen_at + FREEZE_AFTER_NEW_CONNECTIONS:
            gc.freeze()
            self._frozen_at = self.connections

    def disconnected(self) -> None:
        self.connections -= 1
        self._frozen_at = min(self._frozen_at, self.connections)

    def loaded(self) -> list[Room]:
        return list(self._rooms.values())

    async def close(self) -> None:
        for room in self._rooms.values():
            await room.stop()
        self._rooms.clear()
        self.writer.shutdown(wait=True)
        theming.shutdown()
