"""A room: one event's live state in this process, and the parts that keep its screens in step.

The room coordinates; each part holds one concern:

- ``commit.py``: the one write path (group commit, each command's errors settled alone);
- ``feed.py``: committed entries in seq order, from the broker or the database;
- ``fanout.py``: the screens on this worker and what each is sent of an entry;
- ``resume.py``: what a (re)connecting screen is sent first;
- ``presence.py``: who is connected, summed over every worker;
- ``derived.py``: common ground, themes and step results, and when they are sent again.

Who sees what, and when a screen starts again from a snapshot, is decided in the domain
(``domain/view.py``, ``domain/delivery.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Executor
from typing import Any

from ..domain.base import Outcome
from ..domain.common_ground.analysis import Memory
from ..domain.delivery import PRESENCE_KINDS
from ..domain.model import Entry, EventState
from ..domain.phone_themes import Seen
from ..domain.throttle import CommandLimits
from ..domain.view import Viewer, snapshot
from ..encoders.encoder import event_encoder
from ..storage.store import Store, dumps
from .broker import Broker
from .clock import now_ms, steady_ms
from .commit import Decider, GroupCommit, TokenMaker
from .connection import Conn
from .derived import Derived
from .fanout import Fanout
from .feed import Feed
from .presence import PRESENCE_INTERVAL_S, Presence
from .resume import Recent, opening, welcome
from .theming import EVERY_S, ThemeEngine

__all__ = ["Room", "now_ms", "steady_ms"]  # the clocks: for the callers that import them from here

log = logging.getLogger("wholeroom.room")

LEASE_MS = 15_000  # the background analyses of an event run in one worker at a time


class Room:
    def __init__(
        self,
        state: EventState,
        store: Store,
        broker: Broker,
        writer: Executor,
        themes_model: str | None = None,
        themes_every_s: float = EVERY_S,
        recent: Iterable[Entry] = (),
        event_writes_per_s: float = 1000.0,
        commit_spacing_s: float = 0.0,
    ) -> None:
        self.event_id = state.id
        self.state = state
        # the last entry sent to this worker's screens: always a committed one, and always in seq
        # order (a screen ignores anything older than what it last received)
        self.delivered = state.seq
        self._recent = Recent(recent)
        self.channel = f"event:{state.id}"
        # derived views (common ground, themes) and presence, shared between workers
        self.derived_channel = f"derived:{state.id}"
        self.worker = f"{os.getpid()}-{id(self):x}"
        self._store, self._broker = store, broker  # (the store: for tests that compare the state with it)
        self._tasks: set[asyncio.Task[None]] = set()
        self._screens = Fanout(on_change=self._screens_changed)
        self._presence = Presence(self.worker, self._screens)
        self._derived = Derived(self._screens, reacted=bool(state.reacted))
        self._feed = Feed(self, store, broker, self.channel)
        self._commit = GroupCommit(self, store, writer, self._feed, commit_spacing_s)
        self.themes = (
            ThemeEngine(self, store, event_encoder(state.themes_encoder, themes_model), themes_every_s)
            if themes_model
            else None
        )
        self.listening = asyncio.Event()
        # told of every entry this room commits (at once, before it is acknowledged) and of every
        # entry it delivers, so a watcher may hear of its own commits twice: watchers are idempotent
        self.watchers: list[Callable[[Entry], None]] = []
        self.revocations: list[Callable[[str], None]] = []  # told of each link revoked (its token's hash)
        # what its screens may send, per participant and per event: in memory, per process
        self.limits = CommandLimits(event_writes_per_s)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self.spawn(self._feed.listen(self.listening))
        self.spawn(self._listen_derived())
        self.spawn(self._tick_loop())
        if self.themes is not None:
            self.spawn(self.themes.run())

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as one of the room's tasks (cancelled when the room stops)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- writing and delivering -------------------------------------------------------------

    async def execute(self, decide: Decider, tokens: TokenMaker | None = None) -> Outcome:
        """Decide, commit, then acknowledge: resolves once the entries are durable (``commit.py``)."""
        return await self._commit.execute(decide, tokens)

    async def catch_up(self, upto: int | None = None) -> None:
        """Read from the database what the broker did not bring (``feed.py``)."""
        await self._feed.catch_up(upto)

    def kick_all(self) -> None:
        """Every screen resumes (the state was read again after a commit failed)."""
        for conn in self._screens.all():
            conn.kick()

    def deliver(self, entry: Entry, text: str) -> None:
        """A committed entry, next in seq order: to the screens allowed to see it, then to what
        follows the room's entries (presence, derived views, watchers, themes)."""
        self.delivered = entry.seq
        self._recent.remember(entry)
        if entry.kind == "participant.erased":
            # the entries kept for resuming lose their texts too, and every screen starts again from
            # a snapshot (names and texts may be on any of them)
            self._derived.erased(self.state)
            self._recent.erase(entry.payload["participant_id"])
            self._screens.start_again(self.state, self._fresh)
            self._tell(entry)
            return
        self._screens.send(self.state, entry, text, self._fresh)
        if entry.kind in PRESENCE_KINDS:
            self._presence.dirty = True
        if entry.kind == "participant.removed":
            self._screens.end_removed(entry.payload["participant_id"])
        self._tell(entry)
        self._derived.on_entry(self.state, entry)

    def _tell(self, entry: Entry) -> None:
        """What follows the room's entries besides its screens: the watchers, and themes."""
        for watch in self.watchers:
            watch(entry)
        if self.themes is not None:
            self.themes.on_entry(entry)

    # --- connections ------------------------------------------------------------------------

    async def attach(self, conn: Conn, after: int | None) -> None:
        """Register ``conn`` and queue what it missed: entries after ``after``, or a snapshot."""
        if conn.viewer.participant_id is not None:
            conn.table_id = self.state.participants[conn.viewer.participant_id].table_id
        self._screens.add(conn)
        upto = self.delivered
        seq, texts = opening(
            self.state,
            upto,
            self._recent,
            conn,
            after,
            fresh=self._fresh,
            resumed=lambda c, after: welcome(self.event_id, self.delivered, c, None, resumed_from=after),
            latest=lambda c: self._derived.latest(self.state, c, upto),
        )
        conn.start(seq, texts)

    def detach(self, conn: Conn) -> None:
        self._screens.remove(conn)

    def connections(self) -> list[Conn]:
        return self._screens.all()

    @property
    def staff(self) -> set[Conn]:
        return self._screens.staff

    @property
    def by_table(self) -> dict[str, set[Conn]]:
        return self._screens.by_table

    @property
    def by_participant(self) -> dict[str, set[Conn]]:
        return self._screens.by_participant

    def _screens_changed(self) -> None:
        self._presence.dirty = True

    def _fresh(self, conn: Conn) -> str:
        """A welcome holding a snapshot of what ``conn``'s viewer sees now."""
        return welcome(self.event_id, self.state.seq, conn, self.view(conn.viewer))

    def view(self, viewer: Viewer) -> dict[str, Any]:
        """What ``viewer`` starts from: the snapshot of the state with the derived views it may see
        (common ground and themes for staff screens, its table's themed ideas for a phone). A
        ``welcome`` carries it, and ``GET .../snapshot`` answers it: one function, so they agree."""
        return self._derived.added_to(self.state, snapshot(self.state, viewer), viewer)

    # --- presence ---------------------------------------------------------------------------

    def presence(self) -> dict[str, Any]:
        """Connected people per table (not tabs), summed over every worker."""
        return self._presence.message(self.state)

    # --- derived views ----------------------------------------------------------------------

    @property
    def analysis(self) -> dict[str, Any] | None:
        return self._derived.analysis

    @property
    def priorities(self) -> dict[str, float]:
        return self._derived.priorities

    @property
    def memory(self) -> Memory | None:
        return self._derived.memory

    @property
    def analysis_seconds(self) -> float:
        return self._derived.analysis_seconds

    @property
    def idea_themes(self) -> dict[str, dict[str, str]]:
        return self._derived.idea_themes

    @property
    def theme_view(self) -> dict[str, Any] | None:
        return self._derived.theme_view

    @property
    def theme_suggestions(self) -> list[dict[str, Any]]:
        return self._derived.theme_suggestions

    @property
    def steady(self) -> dict[str, Seen]:
        return self._derived.steady

    def themes_for(self, viewer: Viewer) -> dict[str, Any] | None:
        """The themes as a staff screen gets them: the moderators' with the curation suggestions."""
        return self._derived.themes_for(viewer)

    def table_themes(self, table_id: str) -> dict[str, dict[str, str]]:
        return self._derived.table_themes(self.state, table_id)

    def current_themes(self) -> dict[str, Any] | None:
        """The room's themes now (as the staff screens have them), for a vote on the themes."""
        return self._derived.theme_view

    async def lease(self, name: str) -> bool:
        return await self._broker.lease(name, self.worker, LEASE_MS)

    async def publish_derived(self, message: dict[str, Any]) -> None:
        await self._broker.publish(self.derived_channel, dumps(message))

    async def _publish_derived_text(self, text: str) -> None:
        await self._broker.publish(self.derived_channel, text)

    # --- the tick and the derived channel ---------------------------------------------------

    async def _tick_loop(self) -> None:
        """Once a second at most: presence to staff screens, and results of votes and marketplaces."""
        while True:
            await asyncio.sleep(PRESENCE_INTERVAL_S)
            try:
                await self._tick()
            except Exception:  # one bad tick (a broker hiccup, a view that failed) must not end the next ones
                log.exception("tick failed for event %s", self.event_id)

    async def _tick(self) -> None:
        """Presence, step results, the themes lease, and a common-ground analysis when one is due."""
        report = self._presence.report()
        if report is not None:
            await self.publish_derived(report)
        self._presence.forget_silent(self._broker.connected)
        text = self._presence.due(self.state)
        if text is not None:
            self._screens.to_staff(text)
        self._derived.send_results(self.state)
        if self.themes is not None:
            await self.themes.tick()
        # one worker analyses each event (a lease); every worker relays what it publishes
        if self._derived.analysis_due() and await self.lease(f"analysis:{self.event_id}"):
            self._derived.analysing()
            self.spawn(self._derived.analyse(lambda: self.state, self._publish_derived_text))

    async def _listen_derived(self) -> None:
        """Views computed by whichever worker holds the lease, and every worker's presence."""
        async with self._broker.subscribe(self.derived_channel) as messages:
            async for raw in messages:
                if not raw:
                    continue
                try:
                    self._on_derived(json.loads(raw))
                except Exception:  # one message that fails to relay must not stop the ones after it
                    log.exception("relaying a derived view failed for event %s", self.event_id)

    def _on_derived(self, message: dict[str, Any]) -> None:
        """A view some worker published: presence counts, common ground, themes."""
        kind = message.get("type")
        if kind == "presence":
            self._presence.heard(message)
        elif kind == "common_ground":
            self._derived.relay_common_ground(message)
        elif kind == "themes":
            self._derived.relay_themes(self.state, message)
        elif kind == "revoked":  # a link revoked on some worker: its sockets here close too
            for revoked in self.revocations:
                revoked(message["token"])
