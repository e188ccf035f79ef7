"""The Redis broker: entries committed by any worker reach every worker.

One publisher task per process drains a queue and pipelines what is queued (never one Redis call
per websocket handler: that exhausts the connection pool under load), and one listener task per
process reads the subscription and hands each message to the local subscribers of its channel.
Channels are prefixed (``WHOLEROOM_BROKER_PREFIX``) so several deployments, or test runs, can
share one Redis.

If Redis goes away, the listener tries to subscribe again every second at most; meanwhile, every
quarter of a second, and once more when it has subscribed again, it sends every local subscriber
an empty message: "you may have missed something". Rooms answer it by reading the entries they
missed from the database (the broker never has to keep history), so phones keep getting what
other workers commit, a fraction of a second late, for as long as Redis is away. Meanwhile the
publisher keeps what it could not send (at most ``OUTBOX_LIMIT`` messages, the oldest dropped
first: the database has them all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from .broker import Broker, LocalSubscribers

log = logging.getLogger("wholeroom.redis")

GAP = ""  # the message that tells a subscriber it may have missed messages
RETRY_MAX_S = 1.0  # while Redis is away: how often to try to subscribe again
OUTAGE_POLL_S = 0.25  # and how often rooms read what other workers committed from the database
OUTBOX_LIMIT = 20_000  # messages kept for Redis while it is away


class RedisBroker(Broker):
    def __init__(self, url: str, prefix: str = "wholeroom") -> None:
        self.url, self.prefix = url, prefix
        self._local = LocalSubscribers()
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: Any = None
        self._pubsub: Any = None
        self._subscribed = asyncio.Event()
        self.reconnects = 0
        self.dropped = 0  # messages never sent because Redis was away too long

    @property
    def connected(self) -> bool:
        return self._subscribed.is_set()

    def _key(self, channel: str) -> str:
        return f"{self.prefix}:{channel}"

    async def connect(self) -> None:
        import redis.asyncio as redis
        from sqlalchemy.engine import make_url

        self._redis = redis.from_url(self.url, decode_responses=True, health_check_interval=10)
        try:
            await self._redis.ping()
        except Exception as exc:  # start anyway: a worker restarted while Redis is away must still serve
            where = make_url(self.url).render_as_string(hide_password=True)  # never a password in the log
            log.warning("Redis at %s is not answering (%r); serving anyway and trying again", where, exc)
        self._tasks = [asyncio.create_task(self._publisher()), asyncio.create_task(self._listener())]

    async def disconnect(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._local.everyone(None)
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def publish(self, channel: str, message: str) -> None:
        if self._outbox.qsize() >= OUTBOX_LIMIT:  # Redis has been away a long time: readers use the DB
            self._outbox.get_nowait()
            self.dropped += 1
        self._outbox.put_nowait((channel, message))

    async def lease(self, name: str, holder: str, ttl_ms: int) -> bool:
        key = self._key(f"lease:{name}")
        try:
            if await self._redis.set(key, holder, nx=True, px=ttl_ms):
                return True
            if await self._redis.get(key) == holder:  # ours already: renew it
                await self._redis.pexpire(key, ttl_ms)
                return True
        except Exception as exc:  # no Redis, no lease: nobody analyses until it is back
            log.warning("lease %s unavailable: %r", name, exc)
        return False

    async def _publisher(self) -> None:
        while True:
            first = await self._outbox.get()
            batch = [first]
            while not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            failed_at: float | None = None
            while True:
                try:
                    pipe = self._redis.pipeline(transaction=False)
                    for channel, message in batch:
                        pipe.publish(self._key(channel), message)
                    await pipe.execute()
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # Redis is away: keep the batch and try again; readers fill gaps from the DB
                    if failed_at is None:
                        failed_at = time.monotonic()
                        log.warning("publishing failed (%r); retrying every %.1f s", exc, RETRY_MAX_S / 2)
                    await asyncio.sleep(RETRY_MAX_S / 2)
            if failed_at is not None:
                log.warning("publishing again after %.1f s", time.monotonic() - failed_at)

    async def _listener(self) -> None:
        delay = 0.2
        lost_at: float | None = None
        while True:
            try:
                if self._pubsub is not None:  # give the broken connection back before taking another
                    with contextlib.suppress(Exception):
                        await self._pubsub.aclose()
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                channels = [self._key(c) for c in self._local.channels]
                await self._pubsub.subscribe(self._key("_"), *channels)  # always one channel, so listen() works
                self._subscribed.set()  # from here on, a channel's first subscriber subscribes itself
                late = [self._key(c) for c in self._local.channels if self._key(c) not in channels]
                if late:  # channels added while this subscription was being made
                    await self._pubsub.subscribe(*late)
                if lost_at is not None:
                    log.warning("subscribed again after %.1f s", time.monotonic() - lost_at)
                    lost_at = None
                    self._local.everyone(GAP)
                delay = 0.2
                async for message in self._pubsub.listen():
                    if message.get("type") == "message":
                        self._dispatch(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._subscribed.clear()
                if lost_at is None:
                    lost_at = time.monotonic()
                    self.reconnects += 1
                    log.warning("lost the Redis subscription (%r); trying again every %.1f s", exc, RETRY_MAX_S)
                waited = 0.0
                while waited < delay:  # meanwhile rooms read what other workers commit from the database
                    self._local.everyone(GAP)
                    await asyncio.sleep(OUTAGE_POLL_S)
                    waited += OUTAGE_POLL_S
                delay = min(delay * 2, RETRY_MAX_S)

    def _dispatch(self, key: str, data: str) -> None:
        self._local.dispatch(key[len(self.prefix) + 1 :], data)

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        return self._subscribe(channel)

    @asynccontextmanager
    async def _subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        queue, first = self._local.add(channel)
        if first and self._subscribed.is_set():
            # (while Redis is away the listener subscribes every local channel when it is back, and
            # meanwhile tells subscribers to read the database)
            with contextlib.suppress(Exception):
                await self._pubsub.subscribe(self._key(channel))
        try:
            yield self._local.messages(queue)
        finally:
            if self._local.remove(channel, queue):
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(self._key(channel))
