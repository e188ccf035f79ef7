"""What /metrics reports (Prometheus text format), per worker process.

Counters and histograms are updated where things happen; gauges (connections, queue depths) are
read from the rooms when Prometheus scrapes. With several workers behind a load balancer, scrape
each worker (the ``worker`` label is the process id) or accept that each scrape reaches one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry()
WORKER = str(os.getpid())


class Tally:
    """A counter that is a plain integer, for the hottest path (each message to each connection):
    a Prometheus ``Counter`` takes a lock on every increment (about 1 us, some 3 % of a delivery).
    Only the event loop's thread counts; /metrics reads it."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


MESSAGES = Tally()
WAITED = Tally()  # writes that could not complete at once: a sender task took the connection over


class _Tallies(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "wholeroom_messages_sent", "Messages sent or queued to websocket connections", value=MESSAGES.value
        )
        yield CounterMetricFamily(
            "wholeroom_sends_waited",
            "Writes to a websocket that had to wait for the phone to read (a sender task took over)",
            value=WAITED.value,
        )


REGISTRY.register(_Tallies())
ENTRIES = Counter("wholeroom_entries_committed", "Transcript entries committed", registry=REGISTRY)
COMMANDS_REFUSED = Counter("wholeroom_commands_refused", "Commands refused with an error", ["code"], registry=REGISTRY)
COMMIT = Histogram(
    "wholeroom_commit_seconds",
    "Time to commit one batch of entries (group commit)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
    registry=REGISTRY,
)
ANALYSIS = Histogram(
    "wholeroom_analysis_seconds",
    "Time of one background analysis",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


class _Live(Collector):
    """Gauges read at scrape time from whatever ``source`` returns (the process's rooms)."""

    def __init__(self, source: Callable[[], Any]) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rooms = self.source()
        connections = GaugeMetricFamily("wholeroom_connections", "Open websocket connections", labels=["worker"])
        queued = GaugeMetricFamily("wholeroom_send_queue_depth", "Messages waiting in send queues", labels=["worker"])
        loaded = GaugeMetricFamily("wholeroom_rooms", "Events loaded in this worker", labels=["worker"])
        broker = GaugeMetricFamily(
            "wholeroom_broker_connected", "1 while the broker (Redis) delivers, 0 while it is away", labels=["worker"]
        )
        if rooms is not None:
            conns = [c for room in rooms.loaded() for c in room.connections()]
            connections.add_metric([WORKER], len(conns))
            queued.add_metric([WORKER], sum(c.queued for c in conns))
            loaded.add_metric([WORKER], len(rooms.loaded()))
            broker.add_metric([WORKER], float(rooms.broker.connected))
        yield from (connections, queued, loaded, broker)


_registered: list[_Live] = []


def watch(source: Callable[[], Any]) -> None:
    """Report the rooms ``source`` returns (called once by the app)."""
    if _registered:
        _registered[0].source = source
        return
    live = _Live(source)
    REGISTRY.register(live)
    _registered.append(live)


def render() -> bytes:
    return generate_latest(REGISTRY)
