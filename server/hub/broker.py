"""Pub/sub between the process that commits an entry and every process holding connections.

The interface is deliberately small so that a Redis backend can replace the in-process one
without touching the rooms. Messages are strings; a channel carries one event's entries.
Brokers only carry live traffic: anything missed is read back from the database by ``seq``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager


class Broker:
    async def connect(self) -> None:
        raise NotImplementedError

    async def disconnect(self) -> None:
        raise NotImplementedError

    async def publish(self, channel: str, message: str) -> None:
        raise NotImplementedError

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        """An async context manager yielding the channel's messages as they are published."""
        raise NotImplementedError

    @property
    def connected(self) -> bool:
        """Whether messages are flowing now (False while Redis is away: rooms then read the database)."""
        return True

    async def lease(self, name: str, holder: str, ttl_ms: int) -> bool:
        """Hold ``name`` for ``ttl_ms`` (renewed by asking again): only one holder at a time, across
        every process on this broker. Background analyses run where the lease is held."""
        raise NotImplementedError


class LocalSubscribers:
    """This process's subscribers, a queue each, by channel: what every backend hands messages to."""

    def __init__(self) -> None:
        self.channels: dict[str, set[asyncio.Queue[str | None]]] = {}

    def add(self, channel: str) -> tuple[asyncio.Queue[str | None], bool]:
        """A new subscriber's queue, and whether it is the channel's first here."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        first = channel not in self.channels
        self.channels.setdefault(channel, set()).add(queue)
        return queue, first

    def remove(self, channel: str, queue: asyncio.Queue[str | None]) -> bool:
        """Forget a subscriber; True when it was the channel's last here."""
        queues = self.channels.get(channel)
        if queues is None:
            return False
        queues.discard(queue)
        if queues:
            return False
        del self.channels[channel]
        return True

    def dispatch(self, channel: str, message: str) -> None:
        for queue in self.channels.get(channel, ()):
            queue.put_nowait(message)

    def everyone(self, message: str | None) -> None:
        """Send every subscriber ``message`` (None ends their iteration)."""
        for queues in self.channels.values():
            for queue in queues:
                queue.put_nowait(message)

    @staticmethod
    async def messages(queue: asyncio.Queue[str | None]) -> AsyncIterator[str]:
        while (message := await queue.get()) is not None:
            yield message


class MemoryBroker(Broker):
    """One process: every subscriber of a channel gets every message, in publish order."""

    def __init__(self) -> None:
        self._local = LocalSubscribers()

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._local.everyone(None)

    async def publish(self, channel: str, message: str) -> None:
        self._local.dispatch(channel, message)

    async def lease(self, name: str, holder: str, ttl_ms: int) -> bool:
        return True  # one process: it always holds every lease

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        return self._subscribe(channel)

    @asynccontextmanager
    async def _subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        queue, _first = self._local.add(channel)
        try:
            yield self._local.messages(queue)
        finally:
            self._local.remove(channel, queue)


def create_broker(url: str, prefix: str = "wholeroom") -> Broker:
    """The broker a URL names: ``memory://`` (one process) or ``redis://host:port/db`` (many)."""
    if url.startswith("memory://"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_broker import RedisBroker  # only deployments that use Redis import it

        return RedisBroker(url, prefix)
    raise ValueError(f"unsupported BROKER_URL {url!r}: use memory:// or redis://host:6379/0")
