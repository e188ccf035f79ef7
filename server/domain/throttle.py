"""Token buckets: how often one participant, one event or one client address may do something.

Pure: every call takes ``now`` (milliseconds on any steady clock) and nothing here reads a clock,
so the rules are tested with plain calls. The hub and the web layer hold the buckets, in memory
per process, and pass the time. A refusal is :class:`RateLimited` with ``retry_after_ms``: the
wait after which the same request would be accepted. A refused request takes nothing from a bucket.

The rates themselves are in :mod:`server.domain.limits` (docs/protocol.md has the table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import limits
from .errors import RateLimited
from .limits import Rate


class Bucket:
    """Holds up to ``rate.burst`` tokens, refilled at ``rate.per_s``; each request takes one."""

    __slots__ = ("tokens", "at")

    def __init__(self, rate: Rate, now: int) -> None:
        self.tokens = float(rate.burst)
        self.at = now

    def refill(self, rate: Rate, now: int) -> None:
        if now > self.at:
            self.tokens = min(float(rate.burst), self.tokens + (now - self.at) * rate.per_s / 1000)
            self.at = now

    def wait_ms(self, rate: Rate, now: int) -> int:
        """0 when a token is there, else how long until one will be (nothing is taken)."""
        self.refill(rate, now)
        if self.tokens >= 1:
            return 0
        return max(1, math.ceil((1 - self.tokens) * 1000 / rate.per_s))

    def take(self) -> None:
        self.tokens -= 1

    def full(self, rate: Rate, now: int) -> bool:
        self.refill(rate, now)
        return self.tokens >= rate.burst


class Buckets:
    """One bucket per key (a participant and a command kind, a client address, ...).

    At most ``max_keys`` are kept. Over that, full buckets are forgotten first (a full bucket
    behaves exactly like a new one), then the least recently created, so a crowd of addresses
    costs bounded memory.
    """

    def __init__(self, max_keys: int = 50_000) -> None:
        self._buckets: dict[str, Bucket] = {}
        self._max = max_keys

    def __len__(self) -> int:
        return len(self._buckets)

    def wait_ms(self, key: str, rate: Rate, now: int) -> int:
        bucket = self._buckets.get(key)
        return 0 if bucket is None else bucket.wait_ms(rate, now)

    def take(self, key: str, rate: Rate, now: int) -> None:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._forget(rate, now)
            bucket = self._buckets[key] = Bucket(rate, now)
        bucket.take()

    def check(self, key: str, rate: Rate, now: int, what: str) -> None:
        """Take a token for ``key``, or raise ``rate_limited`` saying ``what`` is limited to what."""
        wait = self.wait_ms(key, rate, now)
        if wait:
            raise limited(what, rate, wait)
        self.take(key, rate, now)

    def _forget(self, rate: Rate, now: int) -> None:
        full = [k for k, b in self._buckets.items() if b.full(rate, now)]
        for key in full:
            del self._buckets[key]
        for key in list(self._buckets)[: max(0, len(self._buckets) - self._max // 2)]:
            del self._buckets[key]


def limited(what: str, rate: Rate, wait_ms: int) -> RateLimited:
    seconds = max(1, math.ceil(wait_ms / 1000))
    return RateLimited(
        "rate_limited",
        f"{what} is limited to {rate.describe()} (bursts of {rate.burst}); try again in {seconds} s",
        retry_after_ms=wait_ms,
    )


@dataclass(slots=True)
class _Failures:
    count: int
    last: int


class Backoff:
    """Failed attempts per key (an address guessing the admin secret): the first ``free`` cost
    nothing, then each further one must wait twice as long as the one before (from ``first_ms``,
    at most ``max_ms``) after the last failure. A key quiet for ``forget_ms`` starts afresh; a
    success does too. While a key must wait, every attempt is refused, a right one included."""

    def __init__(self, free: int, first_ms: int, max_ms: int, forget_ms: int, max_keys: int = 50_000) -> None:
        self.free, self.first_ms, self.max_ms, self.forget_ms = free, first_ms, max_ms, forget_ms
        self._failures: dict[str, _Failures] = {}
        self._max = max_keys

    def wait_ms(self, key: str, now: int) -> int:
        f = self._failures.get(key)
        if f is None:
            return 0
        if now - f.last >= self.forget_ms:
            del self._failures[key]
            return 0
        if f.count < self.free:
            return 0
        delay: int = min(self.max_ms, self.first_ms << min(f.count - self.free, 40))
        return max(0, f.last + delay - now)

    def failed(self, key: str, now: int) -> None:
        f = self._failures.get(key)
        if f is None:
            if len(self._failures) >= self._max:
                self._failures = {k: v for k, v in self._failures.items() if now - v.last < self.forget_ms}
                for k in list(self._failures)[: max(0, len(self._failures) - self._max // 2)]:
                    del self._failures[k]
            f = self._failures[key] = _Failures(0, now)
        f.count += 1
        f.last = now

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


class CommandLimits:
    """One event's limits on what its screens send: per participant and message type, per staff
    role (its commands together), and, for what participants write, per event (so that a thousand
    phones together cannot send more than the room can store). Staff never wait for the event's."""

    def __init__(self, event_writes_per_s: float) -> None:
        self.event_rate = Rate(event_writes_per_s, max(1, round(event_writes_per_s * limits.EVENT_WRITES_BURST_S)))
        self._senders = Buckets(max_keys=1_000_000)  # bounded by the event's participants x kinds
        self._event = Bucket(self.event_rate, 0)

    def check(self, who: str, kind: str, staff: bool, now: int) -> None:
        """Count one ``kind`` message from ``who`` (a participant id, or a staff role), or raise
        ``rate_limited`` with how long to wait. Unknown kinds share one bucket."""
        if staff:
            rate = limits.STAFF_RATE
            if kind not in limits.READ_ONLY_TYPES:
                kind = "commands"
        else:
            rate = limits.PARTICIPANT_RATES.get(kind, limits.PARTICIPANT_OTHER)
            if kind not in limits.PARTICIPANT_RATES:
                kind = "other"
        key = f"{who}\n{kind}"
        wait = self._senders.wait_ms(key, rate, now)
        if wait:
            raise limited(f"'{kind}' from one {'role' if staff else 'participant'}", rate, wait)
        writes = not staff and kind not in limits.READ_ONLY_TYPES
        if writes:
            wait = self._event.wait_ms(self.event_rate, now)
            if wait:
                raise limited("what this event's participants send together", self.event_rate, wait)
            self._event.take()
        self._senders.take(key, rate, now)

    def check_event_write(self, now: int) -> None:
        """Count one write that no participant sent yet (a join) against the event's limit."""
        wait = self._event.wait_ms(self.event_rate, now)
        if wait:
            raise limited("what this event's participants send together", self.event_rate, wait)
        self._event.take()


class ClientLimits:
    """Per client address: join-code lookups, joins, and wrong admin secrets."""

    def __init__(self, joins_per_client_per_s: float) -> None:
        burst = max(1, round(joins_per_client_per_s * limits.CLIENT_BURST_S))
        self.rate = Rate(joins_per_client_per_s, burst)
        self.lookups = Buckets()
        self.joins = Buckets()
        self.admin = Backoff(
            limits.ADMIN_FREE_FAILURES, limits.ADMIN_FIRST_WAIT_MS, limits.ADMIN_MAX_WAIT_MS, limits.ADMIN_FORGET_MS
        )

    def check_admin(self, client: str, now: int) -> None:
        """Raise ``rate_limited`` while ``client`` must wait after wrong admin secrets."""
        wait = self.admin.wait_ms(client, now)
        if wait:
            raise RateLimited(
                "rate_limited",
                f"too many wrong admin secrets from this address; try again in {math.ceil(wait / 1000)} s",
                retry_after_ms=wait,
            )
