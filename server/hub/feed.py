"""The room's committed entries in seq order: its own and other workers', from the broker (its own
without parsing them again) or, for a gap or while the broker was away, from the database."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Protocol

from ..domain.fold import apply
from ..domain.model import Entry, EventState
from ..storage.store import Store, dumps
from .broker import Broker

log = logging.getLogger("wholeroom.room")


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


class FeedHost(Protocol):
    """What the feed reads and calls of its room."""

    event_id: str
    state: EventState
    delivered: int  # the last entry sent to this worker's screens

    def deliver(self, entry: Entry, text: str) -> None: ...


class Feed:
    def __init__(self, host: FeedHost, store: Store, broker: Broker, channel: str) -> None:
        self._host, self._store, self._broker, self.channel = host, store, broker, channel
        # what this room published and has not delivered yet, by the message's text: when it comes
        # back from the broker its entries and their encoded lines are taken from here, not parsed
        self._own: dict[str, list[tuple[Entry, str]]] = {}

    async def publish(self, entries: list[Entry]) -> None:
        """Publish entries this room committed (every worker's listener delivers them, this one's too)."""
        lines = [(e, encode_entry(e)) for e in entries]
        message = "\n".join(line for _, line in lines)
        self._own[message] = lines
        await self._broker.publish(self.channel, message)

    def take(self, entries: list[Entry]) -> None:
        """Apply what is new here and deliver what was not delivered yet, from committed entries in
        ``seq`` order that follow on from ``delivered``."""
        host = self._host
        for entry in entries:
            if entry.seq == host.state.seq + 1:  # committed by another worker
                apply(host.state, entry)
            if host.delivered < entry.seq <= host.state.seq:
                host.deliver(entry, encode_entry(entry))

    async def catch_up(self, upto: int | None = None) -> None:
        """Read from the database what the broker did not bring (a gap in seq, or Redis was away),
        this worker's own commits included."""
        host = self._host
        missing = await asyncio.to_thread(self._store.entries, host.event_id, host.delivered, upto)
        self.take(missing)

    async def listen(self, listening: asyncio.Event) -> None:
        host = self._host
        async with self._broker.subscribe(self.channel) as messages:
            await self.catch_up()  # anything committed elsewhere between reading the transcript and now
            listening.set()
            async for message in messages:
                if not message:  # the broker lost its connection for a while: fill in from the database
                    await self.catch_up()
                    self._forget_own()
                    continue
                own = self._own.pop(message, None)
                for entry, line in own if own is not None else _parsed(message):
                    if entry.seq <= host.delivered:  # read from the database meanwhile
                        continue
                    if entry.seq > host.delivered + 1:  # a gap: read what came before from the database
                        await self.catch_up(upto=entry.seq - 1)
                        if entry.seq <= host.delivered:  # another catch-up read it meanwhile
                            continue
                        if entry.seq != host.delivered + 1:  # (only if the database lags the broker)
                            log.warning("event %s: seq %d came before %d", host.event_id, entry.seq, host.delivered)
                            continue
                    if entry.seq == host.state.seq + 1:  # committed by another worker
                        apply(host.state, entry)
                    host.deliver(entry, line)
                if self._own:
                    self._forget_own()

    def _forget_own(self) -> None:
        """Forget own messages delivered meanwhile from the database (Redis was away, or lost them)."""
        for message, lines in list(self._own.items()):
            if lines[-1][0].seq <= self._host.delivered:
                del self._own[message]
