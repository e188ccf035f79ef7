"""One websocket connection: a bounded outbox drained by its own sender task.

Fan-out only appends already-encoded text to outboxes (never awaits), so one slow phone can
never hold up the room; a phone whose outbox overflows (in messages or in characters) is closed
and resumes by ``seq``. A connection holds at most one unsent ``welcome``: a newer one takes its
place, so a phone that changes seat again and again while not reading costs one snapshot, not many.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

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
        "viewer", "table_id", "seq", "ready", "task", "closing", "name",
        "_send", "_out", "_held", "_wake", "_max", "_max_chars", "_chars", "_welcome",
    )  # fmt: skip

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
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
        if self.closing is not None:
            return False
        # one message is always accepted into an empty outbox, however large (a staff snapshot)
        if self._out and (len(self._out) >= self._max or self._chars + size > self._max_chars):
            self.kick()
            return False
        self._out.append(item)
        self._chars += size
        self._wake.set()
        MESSAGES.inc()
        return True

    def kick(self, code: int = CLOSE_TOO_SLOW, reason: str = TOO_SLOW_REASON) -> None:
        """Stop sending at once (even mid-send to a stalled phone); the endpoint closes with ``code``."""
        if self.closing is None:
            self.closing = (code, reason)
        self._out.clear()
        self._chars = 0
        self._welcome = None
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
        return self.task

    async def _run_sender(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._out:
                item = self._out.popleft()
                if isinstance(item, _Welcome):
                    self._welcome = None
                    text = item.text
                else:
                    text = item
                self._chars -= len(text)
                await self._send(text)
            if self.closing is not None:
                return

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
