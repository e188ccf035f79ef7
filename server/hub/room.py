"""A room: one event's live state in this process, its command queue, and its connections.

Every change goes through :meth:`Room.execute`: commands queued while a commit is in flight are
decided one after another against the state and written together in ONE transaction (group
commit); only after it commits are they acknowledged and published. The room's listener takes
published entries from the broker and fans them out, encoded once, to the connections allowed
to see them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ..domain.base import Outcome
from ..domain.common_ground.analysis import Memory
from ..domain.common_ground.publish import analyse_inputs, analysis_dict, inputs, memory_dict, memory_from
from ..domain.errors import DomainError, Internal
from ..domain.fold import apply, fold
from ..domain.membership import REMOVED_MESSAGE
from ..domain.model import Entry, EventState, Role, StepStatus
from ..domain.parts import presence as presence_of_parts
from ..domain.phone_themes import Seen
from ..domain.privacy import erase_all
from ..domain.roles import volunteer_roles
from ..domain.text import check_payload
from ..domain.throttle import CommandLimits
from ..domain.view import (
    RESEAT_KINDS,
    Viewer,
    approved,
    for_wall,
    public,
    reach,
    redact,
    sealed,
    snapshot,
    step_summary,
    turnout,
    visible,
    wall_sees,
)
from ..storage.store import Appender, SeqConflict, Store, dumps, iter_all
from ..storage.tables import Beside
from . import metrics
from .broker import Broker
from .connection import CLOSE_REMOVED, Conn
from .themes import EVERY_S, ThemeEngine

log = logging.getLogger("wholeroom.room")

RESUME_MAX_ENTRIES = 2000  # a phone further behind than this gets a fresh snapshot instead
PRESENCE_INTERVAL_S = 1.0
PRESENCE_LAPSE_S = 5.0  # another worker's counts lapse this long after its last report
ANALYSIS_INTERVAL_S = 3.0  # common ground is recomputed at most this often while reactions arrive
LEASE_MS = 15_000  # the background analyses of an event run in one worker at a time

Decider = Callable[[EventState, int], Outcome]
TokenMaker = Callable[[Outcome], list[Beside]]  # tokens, check-ins


class Unavailable(DomainError):
    status = 503


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def steady_ms() -> int:
    """Milliseconds on a clock that never jumps (for rate limits)."""
    return time.monotonic_ns() // 1_000_000


def encode_entry(entry: Entry) -> str:
    return dumps({"type": "entry", **entry.to_dict()})


def _parsed(message: str) -> list[tuple[Entry, str]]:
    """The entries of a message another process published (one encoded entry a line), with their lines."""
    out = []
    for line in message.split("\n"):
        data = json.loads(line)
        data.pop("type")
        out.append((Entry.from_dict(data), line))
    return out


@dataclass(slots=True)
class _Pending:
    decide: Decider
    tokens: TokenMaker | None
    future: asyncio.Future[Outcome]


def _internal() -> Internal:
    return Internal("internal_error", "the server failed on this command and logged it; nothing changed")


def _settle(future: asyncio.Future[Outcome], result: Outcome | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


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
    ) -> None:
        self.event_id = state.id
        self.state = state
        # the last entry sent to this worker's screens: always a committed one, and always in seq
        # order (a screen ignores anything older than what it last received)
        self.delivered = state.seq
        # the entries up to ``delivered``, newest last: phones that come back resume from memory
        # (a worker's phones all come back at once when another worker dies)
        self._recent: deque[Entry] = deque(recent, maxlen=RESUME_MAX_ENTRIES)
        self.channel = f"event:{state.id}"
        # derived views (common ground, themes) and presence, shared between workers
        self.derived_channel = f"derived:{state.id}"
        self.worker = f"{os.getpid()}-{id(self):x}"
        # worker -> (when last heard, people per table, staff screens, facilitator screens, their names)
        self._remote_presence: dict[str, tuple[float, dict[str, int], int, int, list[str | None]]] = {}
        self._presence_sent_at = 0.0
        self.idea_themes: dict[str, dict[str, str]] = {}  # the stable themes' ideas, for phones
        self.theme_view: dict[str, Any] | None = None
        self.theme_suggestions: list[dict[str, Any]] = []  # curation suggestions: moderators' screens only
        self.steady: dict[str, Seen] = {}  # what phones know of each theme (relayed for a takeover)
        self._table_themes_sent: dict[str, dict[str, dict[str, str]]] = {}  # idea_themes last sent per table
        self._store, self._broker, self._writer = store, broker, writer
        # what this room published and has not delivered yet, by the message's text: when it comes
        # back from the broker its entries and their encoded lines are taken from here, not parsed
        self._own: dict[str, list[tuple[Entry, str]]] = {}
        self._pending: list[_Pending] = []
        self._flushing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.staff: set[Conn] = set()
        self.by_table: dict[str, set[Conn]] = {}
        self.by_participant: dict[str, set[Conn]] = {}
        self._presence_dirty = False
        self._dirty_steps: set[str] = set()  # vote and marketplace steps whose results changed
        # common ground: recomputed off the event loop, at most every ANALYSIS_INTERVAL_S
        self.analysis: dict[str, Any] | None = None
        self.priorities: dict[str, float] = {}
        # what the last analysis passes to the next (letters, k); relayed to every worker, so the
        # moderators' route and a worker taking over the lease continue from it
        self.memory: Memory | None = None
        self._reactions_dirty = False
        self._analysing = False
        self._analysed_at = 0.0
        self.analysis_seconds = 0.0  # how long the last analysis took (for /metrics)
        self.themes = ThemeEngine(self, store, themes_model, themes_every_s) if themes_model else None
        self._reactions_dirty = bool(state.reacted)  # after a restart: analyse what is there
        self.listening = asyncio.Event()
        # told of every entry this room commits (at once, before it is acknowledged) and of every
        # entry it delivers, so a watcher may hear of its own commits twice: watchers are idempotent
        self.watchers: list[Callable[[Entry], None]] = []
        self.revocations: list[Callable[[str], None]] = []  # told of each link revoked (its token's hash)
        # what its screens may send, per participant and per event: in memory, per process
        self.limits = CommandLimits(event_writes_per_s)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._spawn(self._listen())
        self._spawn(self._listen_derived())
        self._spawn(self._tick_loop())
        if self.themes is not None:
            self._spawn(self.themes.run())

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` as one of the room's tasks (cancelled when the room stops)."""
        self._spawn(coro)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the one write path -----------------------------------------------------------------

    async def execute(self, decide: Decider, tokens: TokenMaker | None = None) -> Outcome:
        """Decide, commit, then acknowledge: resolves once the entries are durable."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(decide, tokens, future))
        if not self._flushing:
            self._flushing = True
            self._spawn(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._commit_batch(batch)
                except Exception:  # never leave a batch unanswered; start again from the database
                    log.exception("event %s: a commit batch failed", self.event_id)
                    for item in batch:
                        _settle(item.future, _internal())
                    await self._reload()
        finally:
            self._flushing = False

    async def _commit_batch(self, batch: list[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        appender: Appender | None = None
        if self._store.multi_writer:
            # lock the event's row first, then bring the state up to what other workers committed
            try:
                appender = await loop.run_in_executor(self._writer, self._store.lock_event, self.event_id)
                if appender.last_seq > self.state.seq:
                    # from what was last delivered: our own last commit may not be back from the broker yet
                    missing = await loop.run_in_executor(self._writer, appender.entries_after, self.delivered)
                    self._take(missing)
            except Exception as exc:
                if appender is not None:
                    await loop.run_in_executor(self._writer, appender.rollback)
                log.error("could not lock event %s: %r", self.event_id, exc)
                for item in batch:
                    _settle(item.future, Unavailable("storage_unavailable", "the change was not saved; please retry"))
                return
        now = now_ms()
        expected = self.state.seq
        entries: list[Entry] = []
        tokens: list[Beside] = []
        decided: list[tuple[_Pending, Outcome]] = []
        damaged = False  # a command's entries were half applied: the state must be read again
        for position, item in enumerate(batch):
            try:
                outcome = item.decide(self.state, now)
                for entry in outcome.entries:  # refused here, before the state or the batch sees them
                    check_payload(entry.payload)
                made = item.tokens(outcome) if item.tokens is not None else []
            except DomainError as exc:
                _settle(item.future, exc)
                continue
            except Exception:  # a bug in one command: refuse it alone, the rest of the batch goes on
                log.exception("event %s: a command failed while being decided", self.event_id)
                _settle(item.future, _internal())
                continue
            try:
                for entry in outcome.entries:
                    apply(self.state, entry)
            except Exception:
                log.exception("event %s: entries of a command could not be applied", self.event_id)
                _settle(item.future, _internal())
                # the state now holds part of a refused command: the rest of the batch waits for
                # the state to be read again (after the commit of what came before)
                damaged = True
                self._pending[:0] = batch[position + 1 :]
                break
            entries.extend(outcome.entries)
            tokens.extend(made)
            decided.append((item, outcome))
        started = time.perf_counter()
        if not entries and appender is not None:
            await loop.run_in_executor(self._writer, appender.rollback)
        if entries:
            try:
                if appender is not None:
                    await loop.run_in_executor(self._writer, appender.commit, entries, tokens)
                else:
                    await loop.run_in_executor(
                        self._writer, self._store.append, self.event_id, expected, entries, tokens
                    )
            except Exception as exc:  # the database refused: nothing was written, so nothing is acked
                log.error("commit failed for event %s at seq %d: %r", self.event_id, expected, exc)
                await self._reload()
                code = "conflict_retry" if isinstance(exc, SeqConflict) else "storage_unavailable"
                for item, _ in decided:
                    _settle(item.future, Unavailable(code, "the change was not saved; please retry"))
                return
            metrics.ENTRIES.inc(len(entries))
            metrics.COMMIT.observe(time.perf_counter() - started)
            for entry in entries:  # before the ack: a removed person's cached token is forgotten first
                for watch in self.watchers:
                    watch(entry)
            lines = [(e, encode_entry(e)) for e in entries]
            message = "\n".join(line for _, line in lines)
            self._own[message] = lines
            await self._broker.publish(self.channel, message)
        if damaged:
            await self._reread()
        for item, outcome in decided:
            _settle(item.future, outcome)

    async def _reread(self) -> None:
        """Read the state again from the database, which holds everything acknowledged: no phone
        has seen anything else, so none needs to resume."""
        state = await asyncio.to_thread(lambda: fold(self.event_id, iter_all(self._store, self.event_id)))
        # committed entries the listener delivered meanwhile (from other workers) follow on
        while state.seq < self.delivered:
            newer = await asyncio.to_thread(self._store.entries, self.event_id, state.seq, self.delivered)
            for entry in newer:
                apply(state, entry)
        self.state = state

    async def _reload(self) -> None:
        """Throw away unsaved state: read the transcript again and make every phone resume."""
        state = await asyncio.to_thread(lambda: fold(self.event_id, iter_all(self._store, self.event_id)))
        self.state = state
        for conn in self._all_conns():
            conn.kick()

    # --- fan-out ----------------------------------------------------------------------------

    def _take(self, entries: list[Entry]) -> None:
        """Apply what is new here and deliver what was not delivered yet, from committed entries in
        ``seq`` order that follow on from ``delivered``."""
        for entry in entries:
            if entry.seq == self.state.seq + 1:  # committed by another worker
                apply(self.state, entry)
            if self.delivered < entry.seq <= self.state.seq:
                self.deliver(entry, encode_entry(entry))

    async def catch_up(self, upto: int | None = None) -> None:
        """Read from the database what the broker did not bring (a gap in seq, or Redis was away),
        this worker's own commits included."""
        missing = await asyncio.to_thread(self._store.entries, self.event_id, self.delivered, upto)
        self._take(missing)

    async def _listen(self) -> None:
        async with self._broker.subscribe(self.channel) as messages:
            await self.catch_up()  # anything committed elsewhere between reading the transcript and now
            self.listening.set()
            async for message in messages:
                if not message:  # the broker lost its connection for a while: fill in from the database
                    await self.catch_up()
                    self._forget_own()
                    continue
                own = self._own.pop(message, None)
                for entry, line in own if own is not None else _parsed(message):
                    if entry.seq <= self.delivered:  # read from the database meanwhile
                        continue
                    if entry.seq > self.delivered + 1:  # a gap: read what came before from the database
                        await self.catch_up(upto=entry.seq - 1)
                        if entry.seq <= self.delivered:  # another catch-up read it meanwhile
                            continue
                        if entry.seq != self.delivered + 1:  # (only if the database lags the broker)
                            log.warning("event %s: seq %d came before %d", self.event_id, entry.seq, self.delivered)
                            continue
                    if entry.seq == self.state.seq + 1:  # committed by another worker
                        apply(self.state, entry)
                    self.deliver(entry, line)
                if self._own:
                    self._forget_own()

    def _forget_own(self) -> None:
        """Forget own messages delivered meanwhile from the database (Redis was away, or lost them)."""
        for message, lines in list(self._own.items()):
            if lines[-1][0].seq <= self.delivered:
                del self._own[message]

    def deliver(self, entry: Entry, text: str) -> None:
        """Send ``entry`` to the screens allowed to see it, encoded once (an anonymous idea is
        encoded again without its writer: no screen gets that, moderators' included)."""
        self.delivered = entry.seq
        self._recent.append(entry)
        if entry.kind == "participant.erased":
            self._erased(entry.payload["participant_id"])
            self._tell(entry)
            self._reactions_dirty = bool(self.state.reacted)  # common ground quotes texts: again without theirs
            return
        alternative = public(self.state, entry)
        public_text = encode_entry(alternative) if alternative is not None else text
        moderator_text = public_text
        if entry.kind == "idea.approved":  # the screens that never saw the held idea get it whole
            public_text = encode_entry(approved(self.state, entry))
        wall = wall_sees(self.state, entry)
        named = for_wall(entry)  # people join the projector without their names
        wall_text = encode_entry(named) if named is not None else public_text
        for conn in self.staff:
            if conn.viewer.is_moderator:
                conn.send_entry(entry.seq, moderator_text)
            elif wall:
                conn.send_entry(entry.seq, wall_text)
        # the writer of an anonymous idea gets it whole (as on resume): their phone shows it as theirs
        writer = entry.payload.get("participant_id") if alternative is not None else None
        r = reach(self.state, entry)
        tables = self.by_table.keys() if r.tables is None else r.tables
        for table_id in tables:
            for conn in self.by_table.get(table_id, ()):
                conn.send_entry(entry.seq, text if writer and conn.viewer.participant_id == writer else public_text)
        reseat = entry.kind in RESEAT_KINDS
        if entry.kind == "session.loaded" and volunteer_roles(self.state):
            # phones learn at once which roles they may now volunteer for
            for conns in list(self.by_table.values()):
                for conn in list(conns):
                    self._reseat(conn)
        if entry.kind == "step.pushed" and (entry.payload.get("spec") or {}).get("method") == "pass_and_score":
            # each phone is dealt its own cards: it starts again from a snapshot that holds them
            for table_id in tables:
                for conn in list(self.by_table.get(table_id, ())):
                    self._reseat(conn)
        for participant_id in r.participants:
            for conn in list(self.by_participant.get(participant_id, ())):
                if reseat:
                    self._reseat(conn)
                else:
                    conn.send_entry(entry.seq, text if writer and participant_id == writer else public_text)
        if entry.kind in _PRESENCE_KINDS:
            self._presence_dirty = True
        if entry.kind == "participant.removed":
            self._end_removed(entry.payload["participant_id"])
        self._tell(entry)
        if entry.kind in ("reaction.cast", "idea.hidden", "idea.restored") and self.state.reacted:
            self._reactions_dirty = True
        summarised = _summarised_step(self.state, entry)
        if summarised is not None:
            self._dirty_steps.add(summarised)
        if entry.kind in _SEATING_KINDS:  # how many a sealed vote asks changes with who sits where
            self._dirty_steps.update(
                s.id for s in self.state.steps.values() if s.status is StepStatus.ACTIVE and sealed(s)
            )

    def _end_removed(self, participant_id: str) -> None:
        """The removed person's phones (on this worker) are told why, then closed for good."""
        text = dumps({"type": "error", "ref": None, "code": "removed", "message": REMOVED_MESSAGE})
        for conn in list(self.by_participant.get(participant_id, ())):
            self._unindex(conn)
            conn.send(text)
            conn.end(CLOSE_REMOVED, "removed")

    def _erased(self, participant_id: str) -> None:
        """A person was erased: the entries kept for resuming lose their texts too, and every screen
        starts again from a snapshot (names and texts may be on any of them)."""
        self.analysis = None  # it quotes texts: recomputed without theirs on the next tick
        changed = {e.seq: e for e in erase_all(list(self._recent), participant_id)}
        if changed:
            self._recent = deque((changed.get(e.seq, e) for e in self._recent), maxlen=RESUME_MAX_ENTRIES)
        for conn in list(self.staff):
            conn.send(self._welcome(conn, snapshot(self.state, conn.viewer)))
            conn.seq = max(conn.seq, self.state.seq)
        for conns in list(self.by_table.values()):
            for conn in list(conns):
                self._reseat(conn)

    def _tell(self, entry: Entry) -> None:
        """What follows the room's entries besides its screens: the watchers, and themes."""
        for watch in self.watchers:
            watch(entry)
        if self.themes is not None:
            self.themes.on_entry(entry)

    def _reseat(self, conn: Conn) -> None:
        """A phone whose table or role changed starts again from a snapshot of its new view."""
        person = self.state.participants[conn.viewer.participant_id or ""]
        if conn.table_id != person.table_id:
            self._unindex(conn)
            conn.table_id = person.table_id
            self._index(conn)
        conn.send_welcome(self._welcome(conn, snapshot(self.state, conn.viewer)))  # replaces one still unsent
        conn.seq = max(conn.seq, self.state.seq)

    # --- connections ------------------------------------------------------------------------

    def connections(self) -> list[Conn]:
        return self._all_conns()

    def _all_conns(self) -> list[Conn]:
        return [*self.staff, *(c for conns in self.by_table.values() for c in conns)]

    def _index(self, conn: Conn) -> None:
        if conn.viewer.is_staff:
            self.staff.add(conn)
        else:
            self.by_table.setdefault(conn.table_id or "", set()).add(conn)
            self.by_participant.setdefault(conn.viewer.participant_id or "", set()).add(conn)
        self._presence_dirty = True

    def _unindex(self, conn: Conn) -> None:
        self.staff.discard(conn)
        for index, key in ((self.by_table, conn.table_id), (self.by_participant, conn.viewer.participant_id)):
            conns = index.get(key or "")
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del index[key or ""]
        self._presence_dirty = True

    def current_themes(self) -> dict[str, Any] | None:
        """The room's themes now (as the staff screens have them), for a vote on the themes."""
        return self.theme_view

    def view(self, viewer: Viewer) -> dict[str, Any]:
        """What ``viewer`` starts from: the snapshot of the state with the derived views it may see
        (common ground and themes for staff screens, its table's themed ideas for a phone). A
        ``welcome`` carries it, and ``GET .../snapshot`` answers it: one function, so they agree."""
        return self._derived(snapshot(self.state, viewer), viewer)

    def _derived(self, snap: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        if viewer.is_staff:
            return {**snap, "common_ground": self.analysis, "themes": self.themes_for(viewer)}
        table_id = self.state.participants[viewer.participant_id or ""].table_id
        return {**snap, "idea_themes": self.table_themes(table_id)}

    def _welcome(self, conn: Conn, snap: dict[str, Any] | None, resumed_from: int | None = None) -> str:
        if snap is not None:
            snap = self._derived(snap, conn.viewer)
        return dumps(
            {
                "type": "welcome",
                "event_id": self.event_id,
                "seq": self.state.seq if snap is not None else self.delivered,
                "now": now_ms(),
                "role": conn.viewer.role.value,
                "participant_id": conn.viewer.participant_id,
                "resumed_from": resumed_from,
                "snapshot": snap,
            }
        )

    async def attach(self, conn: Conn, after: int | None) -> None:
        """Register ``conn`` and queue what it missed: entries after ``after``, or a snapshot."""
        viewer = conn.viewer
        if viewer.participant_id is not None:
            conn.table_id = self.state.participants[viewer.participant_id].table_id
        self._index(conn)
        upto = self.delivered
        person = self.state.participants.get(viewer.participant_id or "")
        can_resume = (
            after is not None
            and 0 < after <= upto
            and bool(self._recent)
            and self._recent[0].seq <= after + 1  # memory holds every entry it missed
            and (person is None or person.seated_seq <= after)
        )
        missed = list(islice(self._recent, (after or 0) + 1 - self._recent[0].seq, None)) if can_resume else []
        if not can_resume or any(e.kind == "participant.erased" for e in missed):  # texts it holds may be gone
            conn.start(self.state.seq, [self._welcome(conn, snapshot(self.state, viewer))])
            return
        texts = [self._welcome(conn, None, resumed_from=after)]
        texts += [encode_entry(redact(self.state, e, viewer)) for e in missed if visible(self.state, e, viewer)]
        if not viewer.is_staff and self.idea_themes and conn.table_id is not None:
            texts.append(dumps({"type": "idea_themes", "seq": upto, "themes": self.table_themes(conn.table_id)}))
        if viewer.is_staff:  # derived views are not entries: a resumed screen gets the latest again
            if self.analysis is not None:
                texts.append(dumps({"type": "common_ground", "seq": upto, "analysis": self.analysis}))
            if self.theme_view is not None:
                texts.append(dumps({"type": "themes", "seq": upto, **(self.themes_for(viewer) or {})}))
        conn.start(upto, texts)

    def detach(self, conn: Conn) -> None:
        self._unindex(conn)

    # --- presence ---------------------------------------------------------------------------

    def presence(self) -> dict[str, Any]:
        """Connected people per table (not tabs), summed over every worker."""
        connected = {t: len(ids) for t, ids in self._local_people().items()}
        staff, facilitators, drivers = len(self.staff), self._local_facilitators(), self._local_drivers()
        for _seen, counts, their_staff, their_facilitators, their_drivers in self._remote_presence.values():
            for table_id, n in counts.items():
                connected[table_id] = connected.get(table_id, 0) + n
            staff += their_staff
            facilitators += their_facilitators
            drivers += their_drivers
        return {
            "type": "presence",
            "connected": {t: connected.get(t, 0) for t in self.state.tables},
            "joined": self.state.joined_per_table(),
            # how many of each part of the system sit at each table (counts only: the wall gets it too)
            **({"parts": presence_of_parts(self.state)} if self.state.parts else {}),
            "staff": staff,
            "facilitators": facilitators,
            # the named links among them (null: a link without a name), so consoles say who is driving
            "drivers": sorted(drivers, key=lambda name: (name is None, name or "")),
        }

    def _local_drivers(self) -> list[str | None]:
        return [conn.name for conn in self.staff if conn.viewer.role is Role.FACILITATOR]

    def _local_facilitators(self) -> int:
        """Facilitator screens (sockets) here: more than one means someone else may be driving."""
        return sum(1 for conn in self.staff if conn.viewer.role is Role.FACILITATOR)

    def _forget_silent_workers(self) -> None:
        """Another worker's counts lapse 5 s after its last report (it died, or left the event), but
        not while the broker is away: then nobody's reports arrive, and the last ones stand."""
        if not self._broker.connected:
            return
        now = time.monotonic()
        for worker, (seen, *_counts) in list(self._remote_presence.items()):
            if now - seen > PRESENCE_LAPSE_S:
                del self._remote_presence[worker]
                self._presence_dirty = True

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
        await self._share_presence()
        self._forget_silent_workers()
        if self._presence_dirty and self.staff:
            self._presence_dirty = False
            text = dumps(self.presence())
            for conn in self.staff:
                conn.send(text)
        dirty, self._dirty_steps = self._dirty_steps, set()
        for step_id in dirty:
            self._send_results(step_id)
        if self.themes is not None:
            await self.themes.tick()
        due = time.monotonic() - self._analysed_at >= ANALYSIS_INTERVAL_S
        if self._reactions_dirty and due and not self._analysing:
            # one worker analyses each event (a lease); every worker relays what it publishes
            if await self._broker.lease(f"analysis:{self.event_id}", self.worker, LEASE_MS):
                self._reactions_dirty, self._analysing = False, True
                self._spawn(self._analyse())

    async def _analyse(self) -> None:
        """Common ground for the reactions so far, computed in a worker thread, then sent to staff."""
        try:
            matrix, hidden, partitions = inputs(self.state)  # copies, taken on the loop
            started = time.perf_counter()
            result = await asyncio.to_thread(analyse_inputs, matrix, hidden, partitions, self.memory)
            self.analysis_seconds = time.perf_counter() - started
            metrics.ANALYSIS.labels("common_ground").observe(self.analysis_seconds)
            self.memory = result.memory
            view = analysis_dict(result, self.state)
            message = {
                "type": "common_ground",
                "seq": self.state.seq,
                "analysis": view,
                "priorities": dict(result.priorities),
                "memory": memory_dict(result.memory),  # for the workers only: never relayed to a screen
            }
            await self._broker.publish(self.derived_channel, dumps(message))
        except Exception:  # a failed analysis must not take the room down; the next tick retries
            log.exception("common-ground analysis failed for event %s", self.event_id)
            self._reactions_dirty = True
        finally:
            self._analysing = False
            self._analysed_at = time.monotonic()

    async def lease(self, name: str) -> bool:
        return await self._broker.lease(name, self.worker, LEASE_MS)

    async def publish_derived(self, message: dict[str, Any]) -> None:
        await self._broker.publish(self.derived_channel, dumps(message))

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
            if message["worker"] != self.worker:
                facilitators = message.get("facilitators", 0)  # a worker of an older version
                drivers = message.get("drivers", [None] * facilitators)
                seen = (time.monotonic(), message["connected"], message["staff"], facilitators, drivers)
                self._remote_presence[message["worker"]] = seen
                self._presence_dirty = True
        elif kind == "common_ground":
            self.analysis, self.priorities = message["analysis"], message.get("priorities", {})
            if "memory" in message:
                self.memory = memory_from(message["memory"])
            text = dumps({"type": "common_ground", "seq": message["seq"], "analysis": self.analysis})
            for conn in self.staff:
                conn.send(text)
        elif kind == "themes":
            self._relay_themes(message)
        elif kind == "revoked":  # a link revoked on some worker: its sockets here close too
            for revoked in self.revocations:
                revoked(message["token"])

    def _relay_themes(self, message: dict[str, Any]) -> None:
        """The themes the lease holder published, to this worker's screens: the picture to staff
        screens, and to each phone its table's ideas in stable themes. Each only when it changed."""
        self.idea_themes = message.get("idea_themes", {})
        if "steady" in message:
            self.steady = {t: Seen.from_dict(s) for t, s in message["steady"].items()}
        suggestions = message.get("suggestions", [])
        changed, suggested = message["view"] != self.theme_view, suggestions != self.theme_suggestions
        self.theme_view, self.theme_suggestions = message["view"], suggestions
        if changed or suggested:
            plain = dumps({"type": "themes", "seq": message["seq"], **self.theme_view})
            full = dumps({"type": "themes", "seq": message["seq"], **self.theme_view, "suggestions": suggestions})
            for conn in self.staff:
                if conn.viewer.is_moderator:
                    conn.send(full)
                elif changed:  # the wall: the picture, never the suggestions
                    conn.send(plain)
        # phones get, for their own table's ideas only, which theme each is in (so they can contest it)
        for table_id, conns in self.by_table.items():
            mine = self.table_themes(table_id)
            if conns and mine != self._table_themes_sent.get(table_id, {}):
                self._table_themes_sent[table_id] = mine
                line = dumps({"type": "idea_themes", "seq": message["seq"], "themes": mine})
                for conn in conns:
                    conn.send(line)

    def themes_for(self, viewer: Viewer) -> dict[str, Any] | None:
        """The themes as a staff screen gets them: the moderators' with the curation suggestions."""
        if self.theme_view is None or not viewer.is_moderator:
            return self.theme_view
        return {**self.theme_view, "suggestions": self.theme_suggestions}

    def table_themes(self, table_id: str) -> dict[str, dict[str, str]]:
        ideas = self.state.table_ideas.get(table_id, ())
        return {i: self.idea_themes[i] for i in ideas if i in self.idea_themes}

    async def _share_presence(self) -> None:
        """Tell the other workers how many people are connected here (every 2 s, or on a change)."""
        now = time.monotonic()
        if not (self._presence_dirty or now - self._presence_sent_at >= 2.0):
            return
        self._presence_sent_at = now
        local = {t: len(ids) for t, ids in self._local_people().items()}
        message = {
            "type": "presence",
            "worker": self.worker,
            "connected": local,
            "staff": len(self.staff),
            "facilitators": self._local_facilitators(),
            "drivers": self._local_drivers(),
        }
        await self.publish_derived(message)

    def _local_people(self) -> dict[str, set[str | None]]:
        return {t: {c.viewer.participant_id for c in conns} for t, conns in self.by_table.items()}

    def _send_results(self, step_id: str) -> None:
        step = self.state.steps[step_id]
        summary = step_summary(self.state, step)
        if summary is None:
            return
        results, revealed = summary
        text = dumps({"type": "results", "step_id": step_id, "kind": step.kind, "results": results})
        # while the results are sealed the wall learns how many have voted, never what
        count = None if revealed else dumps({"type": "turnout", **turnout(self.state, step)})
        for conn in self.staff:
            if revealed or conn.viewer.is_moderator:
                conn.send(text)
            elif count is not None:
                conn.send(count)
        if revealed:
            tables = self.by_table.keys() if step.audience.tables is None else step.audience.tables
            for table_id in tables:
                for conn in self.by_table.get(table_id, ()):
                    conn.send(text)


# entries that change the counts of a presence message (people per table, parts per table)
_PRESENCE_KINDS = {
    "participant.joined",
    "participant.seated",
    "participant.removed",
    "participants.moved",
    "participant.parts_set",
    "event.parts_set",
}

# entries that change who sits at which table (so how many people a vote asks)
_SEATING_KINDS = {
    "participant.joined",
    "participant.seated",
    "participant.removed",
    "participants.moved",
    "participant.role_set",
    "roles.assigned",
}


def _summarised_step(state: EventState, entry: Entry) -> str | None:
    """The vote or marketplace step whose results ``entry`` changes, if any."""
    p = entry.payload
    if entry.kind == "vote.cast" or (entry.kind == "step.ended" and state.steps[p["step_id"]].kind == "vote"):
        return str(p["step_id"])
    if entry.kind == "topic.posted":
        return str(p["step_id"])
    if entry.kind == "step.pushed":  # a new vote (its turnout starts at 0), or one ended by its replacement
        if p.get("kind") == "vote":
            return str(p["step_id"])
        replaced = state.steps.get(p.get("replaces") or "")
        return replaced.id if replaced is not None and replaced.kind == "vote" else None
    if entry.kind in ("topic.joined", "topic.left"):
        return state.topics[p["topic_id"]].step_id
    return None
