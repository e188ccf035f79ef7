"""One websocket connection: a bounded outbox drained by its own sender task.

Fan-out only appends already-encoded text to outboxes (never awaits), so one slow phone can
never hold up the room; a phone whose outbox overflows is closed and resumes by ``seq``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from ..domain.view import Viewer
from .metrics import MESSAGES

CLOSE_TOO_SLOW = 4008  # the client fell too far behind; it should reconnect and resume
CLOSE_REMOVED = 4403  # the participant was removed from the event; do not reconnect


class Conn:
    __slots__ = (
        "viewer",
        "table_id",
        "seq",
        "ready",
        "task",
        "overflowed",
        "closing",
        "_send",
        "_out",
        "_held",
        "_wake",
        "_max",
    )

    def __init__(
        self, send: Callable[[str], Awaitable[None]], viewer: Viewer, table_id: str | None, max_queue: int
    ) -> None:
        self.viewer = viewer
        self.table_id = table_id
        self.seq = 0  # last entry seq queued to this connection
        self.ready = False  # until the welcome is queued, live entries are held back
        self.task: asyncio.Task[None] | None = None  # the sender task, once started
        self.overflowed = False
        self.closing: tuple[int, str] | None = None  # (code, reason) once the server ends the connection
        self._send = send
        self._out: deque[str] = deque()
        self._held: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self._max = max_queue

    def send(self, text: str) -> None:
        if self.overflowed or self.closing is not None:
            return
        if len(self._out) >= self._max:
            self.kick()
            return
        self._out.append(text)
        self._wake.set()
        MESSAGES.inc()

    def kick(self) -> None:
        """Stop sending at once (even mid-send to a stalled phone); the endpoint closes with 4008."""
        self.overflowed = True
        self._out.clear()
        if self.task is not None:
            self.task.cancel()

    def end(self, code: int, reason: str) -> None:
        """Send what is queued (e.g. the error saying why), then stop; the endpoint closes with ``code``."""
        self.closing = (code, reason)
        self._wake.set()

    def send_entry(self, seq: int, text: str) -> None:
        if not self.ready:
            self._held.append((seq, text))
        elif seq > self.seq:
            self.seq = seq
            self.send(text)

    def start(self, seq: int, first: list[str]) -> None:
        """Queue the welcome (and any replayed entries) up to ``seq``, then the live entries held meanwhile."""
        for text in first:
            self.send(text)
        self.seq = seq
        self.ready = True
        held, self._held = self._held, []
        for s, text in held:
            self.send_entry(s, text)

    def start_sender(self) -> asyncio.Task[None]:
        self.task = asyncio.get_running_loop().create_task(self._run_sender())
        if self.overflowed:
            self.task.cancel()
        return self.task

    async def _run_sender(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._out:
                await self._send(self._out.popleft())
            if self.closing is not None:
                return

    @property
    def queued(self) -> int:
        return len(self._out)
