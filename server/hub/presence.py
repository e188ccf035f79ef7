"""Presence: who is connected to the room, per table and as staff, summed over every worker."""

from __future__ import annotations

import time
from typing import Any

from ..domain.model import EventState, Role
from ..domain.parts import presence as presence_of_parts
from ..storage.store import dumps
from .fanout import Fanout

PRESENCE_INTERVAL_S = 1.0
PRESENCE_LAPSE_S = 5.0  # another worker's counts lapse this long after its last report
SHARE_EVERY_S = 2.0  # this worker's counts go to the others this often, or on a change


class Presence:
    def __init__(self, worker: str, screens: Fanout) -> None:
        self.worker, self._screens = worker, screens
        # worker -> (when last heard, people per table, staff screens, facilitator screens, their names)
        self._remote: dict[str, tuple[float, dict[str, int], int, int, list[str | None]]] = {}
        self._sent_at = 0.0
        self.dirty = False  # the counts changed since staff screens were last told

    def message(self, state: EventState) -> dict[str, Any]:
        """Connected people per table (not tabs), summed over every worker."""
        connected = {t: len(ids) for t, ids in self._screens.people().items()}
        drivers = self._drivers()
        staff, facilitators = len(self._screens.staff), len(drivers)
        for _seen, counts, their_staff, their_facilitators, their_drivers in self._remote.values():
            for table_id, n in counts.items():
                connected[table_id] = connected.get(table_id, 0) + n
            staff += their_staff
            facilitators += their_facilitators
            drivers += their_drivers
        return {
            "type": "presence",
            "connected": {t: connected.get(t, 0) for t in state.tables},
            "joined": state.joined_per_table(),
            # how many of each part of the system sit at each table (counts only: the wall gets it too)
            **({"parts": presence_of_parts(state)} if state.parts else {}),
            "staff": staff,
            "facilitators": facilitators,
            # the named links among them (null: a link without a name), so consoles say who is driving
            "drivers": sorted(drivers, key=lambda name: (name is None, name or "")),
        }

    def _drivers(self) -> list[str | None]:
        """The facilitator screens (sockets) here, by name: more than one means someone else may be driving."""
        return [conn.name for conn in self._screens.staff if conn.viewer.role is Role.FACILITATOR]

    def report(self) -> dict[str, Any] | None:
        """What to tell the other workers of the people connected here, when it is due (every 2 s, or
        on a change)."""
        now = time.monotonic()
        if not (self.dirty or now - self._sent_at >= SHARE_EVERY_S):
            return None
        self._sent_at = now
        drivers = self._drivers()
        return {
            "type": "presence",
            "worker": self.worker,
            "connected": {t: len(ids) for t, ids in self._screens.people().items()},
            "staff": len(self._screens.staff),
            "facilitators": len(drivers),
            "drivers": drivers,
        }

    def heard(self, message: dict[str, Any]) -> None:
        """Another worker's report."""
        if message["worker"] == self.worker:
            return
        facilitators = message.get("facilitators", 0)  # a worker of an older version
        drivers = message.get("drivers", [None] * facilitators)
        seen = (time.monotonic(), message["connected"], message["staff"], facilitators, drivers)
        self._remote[message["worker"]] = seen
        self.dirty = True

    def forget_silent(self, broker_connected: bool) -> None:
        """Another worker's counts lapse 5 s after its last report (it died, or left the event), but
        not while the broker is away: then nobody's reports arrive, and the last ones stand."""
        if not broker_connected:
            return
        now = time.monotonic()
        for worker, (seen, *_counts) in list(self._remote.items()):
            if now - seen > PRESENCE_LAPSE_S:
                del self._remote[worker]
                self.dirty = True

    def due(self, state: EventState) -> str | None:
        """The presence message for staff screens, once after each change (None: nothing new, or nobody to tell)."""
        if not (self.dirty and self._screens.staff):
            return None
        self.dirty = False
        return dumps(self.message(state))
