"""One websocket connection: written to at once while it keeps up, through a bounded outbox when not.

Fan-out never waits for a phone. A message for a connection that is not behind (nothing queued,
nothing being sent) is written at once, inside the fan-out loop: the send runs until it would
have to wait (the socket's buffer is full, the phone not reading), which for a phone that keeps
up is never, so no task is woken for it. If it would wait, a sender task is started for that
connection: it finishes that send, then writes the outbox, where the connection's messages go, in
order, while it is behind; once it has written them all it ends, and messages are written at once
again. A connection that keeps up therefore has no task of its own for sending, and no outbox
(they are made when it falls behind). A phone whose outbox overflows (in messages or in
characters) is closed and resumes by ``seq``. A connection holds at most one unsent ``welcome``: a
newer one takes its place, so a phone that changes seat again and again while not reading costs
one snapshot, not many.

The endpoint learns that a connection is over (cut off, failed, or ended and its last messages
written) through the callback it gives :meth:`Conn.open`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from ..domain.view import Viewer
from .metrics import MESSAGES, WAITED

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


def _nothing() -> None:
    pass


class Conn:
    __slots__ = (
        "viewer", "table_id", "seq", "ready", "task", "closing", "name", "written",
        "_send", "_out", "_held", "_max", "_max_chars", "_chars", "_welcome", "_open", "_over",
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
        self.task: asyncio.Task[None] | None = None  # the sender task, only while the connection is behind
        self.closing: tuple[int, str] | None = None  # (code, reason) once the server ends the connection
        self.name: str | None = None  # a named facilitator link's name (presence shows who is driving)
        self._send = send
        # what waits to be written, in order: only while the connection is behind (or not yet open)
        self._out: deque[str | _Welcome] | None = None
        self._held: list[tuple[int, str]] | None = None  # live entries that came before the welcome
        self._max = max_queue
        self._max_chars = max_chars
        self._chars = 0  # characters queued (of JSON text: bytes, for ASCII)
        self._welcome: _Welcome | None = None  # the welcome still in ``_out``, if any
        self._open = False  # the endpoint is ready: messages may be written
        self._over: Callable[[], None] | None = None  # the endpoint's callback, called once when it is over
        # a send started at once that had to wait, with what it waits for: the sender finishes it first
        self._unfinished: tuple[Coroutine[Any, Any, None], Any] | None = None
        self._dead = False  # a send failed or the connection was cut off: nothing more is written
        self.written = 0  # messages written at once, without a sender task (for tests and metrics)

    @property
    def overflowed(self) -> bool:
        return self.closing is not None and self.closing[0] == CLOSE_TOO_SLOW

    @property
    def behind(self) -> bool:
        """Messages wait (in the outbox, or a send that had to wait): the sender task is writing them."""
        return self.task is not None

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
        if self._open and self.task is None:  # keeping up: write it now
            MESSAGES.value += 1
            self._write_now(item.text if isinstance(item, _Welcome) else item)
            return False
        out = self._out
        if out is None:
            out = self._out = deque()
        # one message is always accepted into an empty outbox, however large (a staff snapshot)
        elif out and (len(out) >= self._max or self._chars + size > self._max_chars):
            self.kick()
            return False
        out.append(item)
        self._chars += size
        MESSAGES.value += 1
        return True

    def _write_now(self, text: str) -> None:
        """Run the send until it completes or would wait; if it would, a sender task finishes it
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
        WAITED.value += 1
        self._start_sender()

    def _start_sender(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run_sender())

    def _fail(self) -> None:
        self._dead = True
        if self._unfinished is not None:  # (the sender is cancelled below: it will not finish it)
            self._unfinished[0].close()
            self._unfinished = None
        self._out = None
        self._chars = 0
        self._welcome = None
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._end()

    def _end(self) -> None:
        """Tell the endpoint, once, that this connection is over."""
        over, self._over = self._over, None
        if over is not None:
            over()

    def kick(self, code: int = CLOSE_TOO_SLOW, reason: str = TOO_SLOW_REASON) -> None:
        """Stop sending at once (even mid-send to a stalled phone); the endpoint closes with ``code``."""
        if self.closing is None:
            self.closing = (code, reason)
        self._fail()

    def end(self, code: int, reason: str) -> None:
        """Send what is queued (e.g. the error saying why), then stop; the endpoint closes with ``code``."""
        self.closing = (code, reason)
        if self._open and self.task is None:  # nothing waits to be written: over now
            self._end()

    def send_entry(self, seq: int, text: str) -> None:
        if not self.ready:
            if self._held is None:
                self._held = []
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
        held, self._held = self._held, None
        for s, text in held or ():
            self.send_entry(s, text)

    def open(self, over: Callable[[], None] = _nothing) -> None:
        """The endpoint is ready: what was queued before (the welcome, a replay) is written, and from
        now on each message as it comes. ``over`` is called once when the connection is over: cut
        off, failed, or ended with everything queued before written (perhaps during this call)."""
        self._over = over
        self._open = True
        out = self._out
        while out and self.task is None and not self._dead:  # written at once until a send waits
            self._write_now(self._take(out))
        if self.task is None:
            self._out = None
            if self._dead or self.closing is not None:
                self._end()

    def stop(self) -> asyncio.Task[None] | None:
        """The endpoint is done with this connection: nothing more is written, and the sender (if
        any, returned so that the endpoint may wait for it to end) is cancelled."""
        task = self.task
        self._over = None
        self._fail()
        return task

    def _take(self, out: deque[str | _Welcome]) -> str:
        item = out.popleft()
        if isinstance(item, _Welcome):
            self._welcome = None
            item = item.text
        self._chars -= len(item)
        return item

    async def _run_sender(self) -> None:
        try:
            if self._unfinished is not None:
                await self._finish()
            out = self._out  # (made by the messages that came while the send above waited, if any)
            while out:
                await self._send(self._take(out))
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket is gone
            self._fail()
            return
        finally:
            if self._unfinished is not None:  # cancelled before it could finish a send started at once
                self._unfinished[0].close()
                self._unfinished = None
        # caught up: the next message is written at once again; the outbox goes until it is needed
        self.task = None
        self._out = None
        if self.closing is not None:
            self._end()

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
        return len(self._out) if self._out is not None else 0

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
