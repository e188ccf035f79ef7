"""One websocket connection: written to at once while it keeps up, through a bounded outbox when not.

Fan-out never waits for a phone. A message for a connection that is not behind (nothing queued,
nothing being sent) is written at once, inside the fan-out loop: the send runs until it would
have to wait (the socket's buffer is full, the phone not reading), which for a phone that keeps
up is never, so no task is woken for it. If it would wait, the rest of that one send is handed to
the connection's sender task, and from then on the connection is behind: its messages go to its
outbox, in order, until the sender has written them all. A phone whose outbox overflows (in
messages or in characters) is closed and resumes by ``seq``. A connection holds at most one
unsent ``welcome``: a newer one takes its place, so a phone that changes seat again and again
while not reading costs one snapshot, not many.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from ..domain.view import Viewer
from .metrics import MESSAGES

CLOSE_TOO_SLOW = 4008  # the client fell too far behind; it should reconnect and resume
CLOSE_TOO_MANY = 4009  # more sockets than allowed for one token: the oldest is closed; do not reconnect
CLOSE_POLICY = 1008  # the token is refused (bad, or a link the organiser revoked); do not reconnect
CLOSE_REMOVED = 4403  # the participant was removed from the event; do not reconnect
TOO_SLOW_REASON = "too far behind: resume with after=<seq>"


class _Welcome:
    """A queued welcome whose text a newer welcome may replace until the sender takes it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Conn:
    __slots__ = (
        "viewer", "table_id", "seq", "ready", "task", "closing", "name", "written",
        "_send", "_out", "_held", "_wake", "_max", "_max_chars", "_chars", "_welcome", "_behind",
        "_unfinished", "_dead",
    )  # fmt: skip

    def __init__(
        self,
        send: Callable[[str], Coroutine[Any, Any, None]],
        viewer: Viewer,
        table_id: str | None,
        max_queue: int,
        max_chars: int = 1 << 62,
    ) -> None:
        self.viewer = viewer
        self.table_id = table_id
        self.seq = 0  # last entry seq queued to this connection
        self.ready = False  # until the welcome is queued, live entries are held back
        self.task: asyncio.Task[None] | None = None  # the sender task, once started
        self.closing: tuple[int, str] | None = None  # (code, reason) once the server ends the connection
        self.name: str | None = None  # a named facilitator link's name (presence shows who is driving)
        self._send = send
        self._out: deque[str | _Welcome] = deque()
        self._held: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self._max = max_queue
        self._max_chars = max_chars
        self._chars = 0  # characters queued (of JSON text: bytes, for ASCII)
        self._welcome: _Welcome | None = None  # the welcome still in ``_out``, if any
        # the sender task is writing (or about to): every message waits its turn in the outbox
        self._behind = False
        # a send started at once that had to wait, with what it waits for: the sender finishes it first
        self._unfinished: tuple[Coroutine[Any, Any, None], Any] | None = None
        self._dead = False  # a send failed or the connection was cut off: nothing more is written
        self.written = 0  # messages written at once, without the sender task (for tests and metrics)

    @property
    def overflowed(self) -> bool:
        return self.closing is not None and self.closing[0] == CLOSE_TOO_SLOW

    def send(self, text: str) -> None:
        self._push(text, len(text))

    def send_welcome(self, text: str) -> None:
        """Queue a welcome (a snapshot of this screen's view), or put it in place of the one still
        unsent: every entry queued after that one is older than this welcome's ``seq``, and the
        client ignores entries at or below the seq it holds."""
        pending = self._welcome
        if pending is not None:
            self._chars += len(text) - len(pending.text)
            pending.text = text
            return
        slot = _Welcome(text)
        if self._push(slot, len(text)):
            self._welcome = slot

    def _push(self, item: str | _Welcome, size: int) -> bool:
        if self.closing is not None or self._dead:
            return False
        if not self._behind and self.task is not None:  # keeping up: write it now
            MESSAGES.value += 1
            self._write_now(item.text if isinstance(item, _Welcome) else item)
            return False
        # one message is always accepted into an empty outbox, however large (a staff snapshot)
        if self._out and (len(self._out) >= self._max or self._chars + size > self._max_chars):
            self.kick()
            return False
        self._out.append(item)
        self._chars += size
        if self.task is not None:
            self._behind = True
            self._wake.set()
        MESSAGES.value += 1
        return True

    def _write_now(self, text: str) -> None:
        """Run the send until it completes or would wait; if it would, the sender task finishes it
        (and the connection is behind until the sender has caught up)."""
        send = self._send(text)
        try:
            waiting_for = send.send(None)
        except StopIteration:
            self.written += 1
            return
        except Exception:  # the socket is gone: end the connection as a failed sender would
            self._fail()
            return
        self._unfinished = (send, waiting_for)
        self._behind = True
        self._wake.set()

    def _fail(self) -> None:
        self._dead = True
        if self._unfinished is not None:  # (the sender is cancelled below: it will not finish it)
            self._unfinished[0].close()
            self._unfinished = None
        self._out.clear()
        self._chars = 0
        self._welcome = None
        if self.task is not None:
            self.task.cancel()

    def kick(self, code: int = CLOSE_TOO_SLOW, reason: str = TOO_SLOW_REASON) -> None:
        """Stop sending at once (even mid-send to a stalled phone); the endpoint closes with ``code``."""
        if self.closing is None:
            self.closing = (code, reason)
        self._fail()

    def end(self, code: int, reason: str) -> None:
        """Send what is queued (e.g. the error saying why), then stop; the endpoint closes with ``code``."""
        self.closing = (code, reason)
        self._wake.set()

    def send_entry(self, seq: int, text: str) -> None:
        if not self.ready:
            self._held.append((seq, text))
        elif seq > self.seq:
            self.seq = seq
            self._push(text, len(text))

    def start(self, seq: int, first: list[str]) -> None:
        """Queue the welcome (and any replayed entries) up to ``seq``, then the live entries held meanwhile."""
        self.send_welcome(first[0])
        for text in first[1:]:
            self.send(text)
        self.seq = seq
        self.ready = True
        held, self._held = self._held, []
        for s, text in held:
            self.send_entry(s, text)

    def start_sender(self) -> asyncio.Task[None]:
        self.task = asyncio.get_running_loop().create_task(self._run_sender())
        if self.closing is not None and not self._out:  # kicked (or ended with nothing to say) before it started
            self.task.cancel()
        elif self._out:  # the welcome (and a replay) queued before: the sender writes them first
            self._behind = True
            self._wake.set()
        return self.task

    async def _run_sender(self) -> None:
        try:
            await self._sender_loop()
        finally:
            if self._unfinished is not None:  # cancelled before it could finish a send started at once
                self._unfinished[0].close()
                self._unfinished = None

    async def _sender_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._unfinished is not None:
                await self._finish()
            while self._out:
                item = self._out.popleft()
                if isinstance(item, _Welcome):
                    self._welcome = None
                    text = item.text
                else:
                    text = item
                self._chars -= len(text)
                await self._send(text)
            self._behind = False  # caught up: the next message is written at once again
            if self.closing is not None:
                return

    async def _finish(self) -> None:
        """Drive the send started at once to its end, waiting for what it waits for each time (a
        future, as a task would; a bare ``yield`` is one turn of the loop)."""
        assert self._unfinished is not None
        send, waiting_for = self._unfinished
        while True:
            if waiting_for is None:
                await asyncio.sleep(0)
            elif isinstance(waiting_for, asyncio.Future):
                await asyncio.wait((waiting_for,))  # its outcome is the send's to take, below
            else:  # pragma: no cover - an awaitable from another event-loop library
                raise RuntimeError(f"a send waited on {waiting_for!r}, which is not an asyncio future")
            try:
                waiting_for = send.send(None)
            except StopIteration:
                break
            self._unfinished = (send, waiting_for)
        self._unfinished = None

    @property
    def queued(self) -> int:
        return len(self._out)

    @property
    def queued_chars(self) -> int:
        return self._chars


class TokenSockets:
    """The open connections of each token (by its hash), oldest first, at most ``limit`` each.

    One more closes the oldest (4009): a person who opens the page again in a new tab or after a
    half-dead connection keeps the screen they are looking at, and a client holding many sockets
    on one token holds at most ``limit``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, list[Conn]] = {}

    def add(self, key: str, conn: Conn) -> None:
        conns = self._open.setdefault(key, [])
        conns.append(conn)
        while len(conns) > self.limit:
            conns.pop(0).kick(
                CLOSE_TOO_MANY, f"this link is open on more than {self.limit} screens; this one was closed"
            )

    def remove(self, key: str, conn: Conn) -> None:
        conns = self._open.get(key)
        if conns is None:
            return
        if conn in conns:
            conns.remove(conn)
        if not conns:
            del self._open[key]

    def end_all(self, key: str, code: int, reason: str, text: str) -> int:
        """Tell every open connection of the token (by its hash) ``text``, then close it; how many."""
        conns = self._open.pop(key, [])
        for conn in conns:
            conn.send(text)
            conn.end(code, reason)
        return len(conns)

    def count(self, key: str) -> int:
        return len(self._open.get(key, ()))
