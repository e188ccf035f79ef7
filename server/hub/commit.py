"""Group commit: the room's one write path, each command decided alone and the batch saved in one transaction.

Commands queued while a commit is in flight are decided one after another against the state and
written together in ONE transaction; only after it commits are they acknowledged and published.
Every exception is settled for its own command: one bad command never touches another's answer or
the state, and nothing is acknowledged that the database does not hold.

Commit spacing: while commands keep coming, an event's commits start at least ``spacing_s`` apart
(``WHOLEROOM_COMMIT_SPACING_MS``), so each carries several commands and the cost of a commit (the
transaction, the disk sync, the hop to the writer thread, the publication) is shared by them. A
command that comes after a quiet moment (no commit started within ``spacing_s``) is committed at
once; one that comes sooner waits at most ``spacing_s`` for its commit to start.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.base import Outcome
from ..domain.errors import DomainError, Internal
from ..domain.fold import apply, fold
from ..domain.model import Entry, EventState
from ..domain.text import check_payload
from ..storage.store import Appender, SeqConflict, Store, iter_all
from ..storage.tables import Beside
from . import metrics
from .clock import now_ms
from .feed import Feed

log = logging.getLogger("wholeroom.room")

Decider = Callable[[EventState, int], Outcome]
TokenMaker = Callable[[Outcome], list[Beside]]  # tokens, check-ins


class Unavailable(DomainError):
    status = 503


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


class CommitHost(Protocol):
    """What the group commit reads and changes of its room."""

    event_id: str
    state: EventState
    delivered: int
    # told of every entry committed, at once, before it is acknowledged
    watchers: list[Callable[[Entry], None]]

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...

    def kick_all(self) -> None: ...


class GroupCommit:
    def __init__(self, host: CommitHost, store: Store, writer: Executor, feed: Feed, spacing_s: float = 0.0) -> None:
        self._host, self._store, self._writer, self._feed = host, store, writer, feed
        self._pending: list[_Pending] = []
        self._flushing = False
        self._spacing = spacing_s
        self._last_start = -math.inf  # when the last commit batch was taken (the loop's clock)

    async def execute(self, decide: Decider, tokens: TokenMaker | None = None) -> Outcome:
        """Decide, commit, then acknowledge: resolves once the entries are durable."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(decide, tokens, future))
        if not self._flushing:
            self._flushing = True
            self._host.spawn(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                # commit spacing: soon after the last batch was taken, let more commands join this one
                wait = self._last_start + self._spacing - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last_start = loop.time()
                batch, self._pending = self._pending, []
                try:
                    await self._commit_batch(batch)
                except Exception:  # never leave a batch unanswered; start again from the database
                    log.exception("event %s: a commit batch failed", self._host.event_id)
                    for item in batch:
                        _settle(item.future, _internal())
                    await self.reload()
        finally:
            self._flushing = False

    async def _commit_batch(self, batch: list[_Pending]) -> None:
        host = self._host
        loop = asyncio.get_running_loop()
        appender: Appender | None = None
        if self._store.multi_writer:
            # lock the event's row first, then bring the state up to what other workers committed
            try:
                appender = await loop.run_in_executor(self._writer, self._store.lock_event, host.event_id)
                if appender.last_seq > host.state.seq:
                    # from what was last delivered: our own last commit may not be back from the broker yet
                    missing = await loop.run_in_executor(self._writer, appender.entries_after, host.delivered)
                    self._feed.take(missing)
            except Exception as exc:
                if appender is not None:
                    await loop.run_in_executor(self._writer, appender.rollback)
                log.error("could not lock event %s: %r", host.event_id, exc)
                for item in batch:
                    _settle(item.future, Unavailable("storage_unavailable", "the change was not saved; please retry"))
                return
        now = now_ms()
        expected = host.state.seq
        entries: list[Entry] = []
        tokens: list[Beside] = []
        decided: list[tuple[_Pending, Outcome]] = []
        damaged = False  # a command's entries were half applied: the state must be read again
        for position, item in enumerate(batch):
            try:
                outcome = item.decide(host.state, now)
                for entry in outcome.entries:  # refused here, before the state or the batch sees them
                    check_payload(entry.payload)
                made = item.tokens(outcome) if item.tokens is not None else []
            except DomainError as exc:
                _settle(item.future, exc)
                continue
            except Exception:  # a bug in one command: refuse it alone, the rest of the batch goes on
                log.exception("event %s: a command failed while being decided", host.event_id)
                _settle(item.future, _internal())
                continue
            try:
                for entry in outcome.entries:
                    apply(host.state, entry)
            except Exception:
                log.exception("event %s: entries of a command could not be applied", host.event_id)
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
                        self._writer, self._store.append, host.event_id, expected, entries, tokens
                    )
            except Exception as exc:  # the database refused: nothing was written, so nothing is acked
                log.error("commit failed for event %s at seq %d: %r", host.event_id, expected, exc)
                await self.reload()
                code = "conflict_retry" if isinstance(exc, SeqConflict) else "storage_unavailable"
                for item, _ in decided:
                    _settle(item.future, Unavailable(code, "the change was not saved; please retry"))
                return
            metrics.ENTRIES.inc(len(entries))
            metrics.COMMIT.observe(time.perf_counter() - started)
            for entry in entries:  # before the ack: a removed person's cached token is forgotten first
                for watch in host.watchers:
                    watch(entry)
            await self._feed.publish(entries)
        if damaged:
            await self._reread()
        for item, outcome in decided:
            _settle(item.future, outcome)

    async def _reread(self) -> None:
        """Read the state again from the database, which holds everything acknowledged: no phone
        has seen anything else, so none needs to resume."""
        host = self._host
        state = await asyncio.to_thread(lambda: fold(host.event_id, iter_all(self._store, host.event_id)))
        # committed entries the listener delivered meanwhile (from other workers) follow on
        while state.seq < host.delivered:
            newer = await asyncio.to_thread(self._store.entries, host.event_id, state.seq, host.delivered)
            for entry in newer:
                apply(state, entry)
        host.state = state

    async def reload(self) -> None:
        """Throw away unsaved state: read the transcript again and make every phone resume."""
        host = self._host
        state = await asyncio.to_thread(lambda: fold(host.event_id, iter_all(self._store, host.event_id)))
        host.state = state
        host.kick_all()
