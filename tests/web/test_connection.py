from __future__ import annotations

import asyncio

from server.domain.model import Role
from server.domain.view import Viewer
from server.hub.connection import Conn
from server.hub.metrics import WAITED


def test_a_stalled_phone_is_cut_off_not_waited_for() -> None:
    """When a phone stops reading, its queue fills, its sender is cancelled, the endpoint is told
    the connection is over, and the room moves on."""

    async def scenario() -> tuple[bool, bool, int, int]:
        stalled = asyncio.Event()
        over: list[str] = []

        async def never_returns(_text: str) -> None:
            await stalled.wait()

        conn = Conn(never_returns, Viewer(Role.WALL), None, max_queue=8)
        conn.start(0, ["welcome"])
        conn.open(lambda: over.append("over"))  # "welcome" starts and has to wait: a sender takes it
        task = conn.task
        assert task is not None and conn.behind
        for seq in range(1, 10):
            conn.send_entry(seq, f"entry {seq}")
        await asyncio.sleep(0)
        return conn.overflowed, task.cancelled(), conn.queued, len(over)

    overflowed, cancelled, queued, told = asyncio.run(scenario())
    assert overflowed and cancelled and queued == 0 and told == 1


def test_entries_held_until_the_welcome_go_out_once_in_order() -> None:
    """Live entries that arrive while a phone is being resumed follow the replay, without repeats."""

    async def scenario() -> list[str]:
        sent: list[str] = []

        async def record(text: str) -> None:
            sent.append(text)

        conn = Conn(record, Viewer(Role.WALL), None, max_queue=8)
        conn.send_entry(5, "e5")  # arrives live while the replay is read from the database
        conn.send_entry(6, "e6")
        conn.start(5, ["welcome", "e4", "e5"])
        conn.open()
        conn.send_entry(6, "e6")  # (live again, and already sent: not twice)
        conn.send_entry(7, "e7")
        return sent

    assert asyncio.run(scenario()) == ["welcome", "e4", "e5", "e6", "e7"]


def test_a_phone_not_reading_holds_one_welcome_however_often_it_is_reseated() -> None:
    """Each seat change queues a snapshot: a newer one replaces the one still unsent, in its place."""

    async def scenario() -> tuple[list[str], int]:
        sent: list[str] = []
        reading = asyncio.Event()

        async def slow(text: str) -> None:
            await reading.wait()
            sent.append(text)

        conn = Conn(slow, Viewer(Role.PARTICIPANT, "p1"), "1", max_queue=8)
        conn.start(3, ["welcome at 3"])
        conn.send_entry(4, "e4")
        for seq in range(5, 600):  # 595 reseats while the phone reads nothing
            conn.send_welcome(f"welcome at {seq}")
        conn.send_entry(600, "e600")
        queued = conn.queued
        conn.open()
        reading.set()
        while conn.behind:
            await asyncio.sleep(0)
        return sent, queued

    sent, queued = asyncio.run(scenario())
    assert queued == 3
    # e4 follows the newest welcome (seq 599): the client ignores it, as it ignores any seq it holds
    assert sent == ["welcome at 599", "e4", "e600"]


def test_an_outbox_is_bounded_in_characters_too() -> None:
    """A few large messages cut a phone off before the message count would."""

    async def scenario() -> tuple[bool, int]:
        stalled = asyncio.Event()

        async def never_returns(_text: str) -> None:
            await stalled.wait()

        conn = Conn(never_returns, Viewer(Role.WALL), None, max_queue=512, max_chars=10_000)
        conn.start(0, ["x" * 50_000])  # one message larger than the bound still goes out alone
        conn.open()
        await asyncio.sleep(0)
        sent_alone = not conn.overflowed
        for seq in range(1, 4):
            conn.send_entry(seq, "y" * 4_000)
        await asyncio.sleep(0)
        return sent_alone and conn.overflowed, conn.queued_chars

    cut_off, chars = asyncio.run(scenario())
    assert cut_off and chars == 0


class Socket:
    """A socket the test controls: writes complete at once while it is writable; when it is not
    (the phone is not reading), a write waits until it is again, as uvicorn's send does."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, text: str) -> None:
        await self.writable.wait()
        self.received.append(text)


def test_a_phone_that_keeps_up_is_written_at_once_and_one_that_is_behind_is_queued_in_order() -> None:
    """While nothing waits, a message is written inside the fan-out call itself (no task exists for
    the connection); once a write has to wait, a sender task finishes it, what follows queues
    behind it and goes out in order when the phone reads again, and then the sender ends and
    messages are written at once again."""

    async def scenario() -> None:
        socket = Socket()
        conn = Conn(socket.send, Viewer(Role.PARTICIPANT, "p1"), "1", max_queue=8)
        conn.start(0, ["welcome"])
        conn.open()
        conn.send_entry(1, "e1")
        conn.send_entry(2, "e2")
        # written before this coroutine gave the loop a single turn, and no task was made
        assert socket.received == ["welcome", "e1", "e2"] and conn.written == 3 and conn.queued == 0
        assert conn.task is None and not conn.behind

        waited = WAITED.value
        socket.writable.clear()  # the phone stops reading
        conn.send_entry(3, "e3")  # its write starts and has to wait: a sender task takes it over
        conn.send_entry(4, "e4")  # so these queue behind it
        conn.send_entry(5, "e5")
        assert socket.received == ["welcome", "e1", "e2"] and conn.queued == 2 and conn.written == 3
        assert WAITED.value == waited + 1  # (/metrics: wholeroom_sends_waited_total)
        task = conn.task
        assert task is not None and conn.behind

        socket.writable.set()  # the phone reads again: the sender finishes e3, then drains e4, e5, and ends
        await task
        assert socket.received == ["welcome", "e1", "e2", "e3", "e4", "e5"]
        assert conn.task is None and not conn.behind and conn.queued == 0

        conn.send_entry(6, "e6")  # caught up: written at once again
        assert socket.received[-1] == "e6" and conn.written == 4 and conn.task is None

    asyncio.run(scenario())


def test_a_phone_behind_a_write_that_waits_is_still_cut_off_when_its_outbox_overflows() -> None:
    """A write started at once that has to wait counts as being behind: the outbox bound applies
    to what follows, and cutting the phone off abandons the waiting write."""

    async def scenario() -> tuple[bool, bool, list[str], int]:
        socket = Socket()
        over: list[str] = []
        conn = Conn(socket.send, Viewer(Role.WALL), None, max_queue=4)
        conn.start(0, ["welcome"])
        conn.open(lambda: over.append("over"))
        socket.writable.clear()
        conn.send_entry(1, "e1")  # waits: a sender task takes it over
        task = conn.task
        assert task is not None
        for seq in range(2, 7):  # 2-5 fill the outbox, 6 overflows it
            conn.send_entry(seq, f"e{seq}")
        socket.writable.set()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return conn.overflowed, task.cancelled(), socket.received, len(over)

    overflowed, cancelled, received, told = asyncio.run(scenario())
    assert overflowed and cancelled and received == ["welcome"] and told == 1


def test_a_socket_that_fails_on_a_direct_write_ends_the_connection_not_the_fan_out() -> None:
    """A write at once that raises (the phone is gone) ends that connection (the endpoint is told),
    as a failed send in a sender does; the fan-out that called it goes on, and nothing more is written."""

    async def scenario() -> tuple[list[str], int]:
        calls = 0
        over: list[str] = []

        async def gone(_text: str) -> None:
            nonlocal calls
            calls += 1
            raise ConnectionResetError("the phone went away")

        conn = Conn(gone, Viewer(Role.PARTICIPANT, "p1"), "1", max_queue=8)
        conn.ready = True  # (no welcome: nothing was queued before it opened)
        conn.open(lambda: over.append("over"))
        conn.send_entry(1, "e1")  # raises inside: the caller does not see it
        conn.send_entry(2, "e2")  # nothing more is tried
        await asyncio.sleep(0)
        return over, calls

    over, calls = asyncio.run(scenario())
    assert over == ["over"] and calls == 1


def test_a_failed_send_in_the_sender_ends_the_connection() -> None:
    """A send that had to wait and then fails (the phone went away while behind) ends the
    connection: the endpoint is told, the rest of the outbox is dropped."""

    async def scenario() -> tuple[list[str], list[str], bool]:
        socket = Socket()
        over: list[str] = []
        written: list[str] = []

        async def send(text: str) -> None:
            await socket.send(text)
            if text == "e2":
                raise ConnectionResetError("the phone went away")
            written.append(text)

        conn = Conn(send, Viewer(Role.PARTICIPANT, "p1"), "1", max_queue=8)
        conn.start(0, ["welcome"])
        conn.open(lambda: over.append("over"))
        socket.writable.clear()
        for seq in range(1, 4):
            conn.send_entry(seq, f"e{seq}")
        task = conn.task
        assert task is not None
        socket.writable.set()
        await task
        conn.send_entry(4, "e4")  # nothing more is tried
        return over, written, conn.task is None

    over, written, no_task = asyncio.run(scenario())
    assert over == ["over"] and written == ["welcome", "e1"] and no_task


def test_an_ended_connection_is_over_once_what_it_was_told_is_written() -> None:
    """``end`` (a removed person, a revoked link) lets the last message out first: at once for a
    phone that keeps up, after the sender has drained the outbox for one that is behind."""

    async def scenario() -> tuple[list[str], list[str], list[str], list[str]]:
        keeping_up, behind = Socket(), Socket()
        over_now: list[str] = []
        over_later: list[str] = []
        a = Conn(keeping_up.send, Viewer(Role.PARTICIPANT, "p1"), "1", max_queue=8)
        b = Conn(behind.send, Viewer(Role.PARTICIPANT, "p2"), "1", max_queue=8)
        for conn, over in ((a, over_now), (b, over_later)):
            conn.start(0, ["welcome"])
            conn.open(lambda over=over: over.append("over"))  # type: ignore[misc]
        behind.writable.clear()
        b.send("e1")  # waits
        for conn in (a, b):
            conn.send("you were removed")
            conn.end(4403, "removed")
            conn.send("too late")  # nothing is queued after the end
        assert over_now == ["over"] and over_later == []
        behind.writable.set()
        assert b.task is not None
        await b.task
        return over_now, over_later, keeping_up.received, behind.received

    over_now, over_later, a_got, b_got = asyncio.run(scenario())
    assert over_now == over_later == ["over"]
    assert a_got == ["welcome", "you were removed"] and b_got == ["welcome", "e1", "you were removed"]
