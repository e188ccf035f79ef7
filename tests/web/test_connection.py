from __future__ import annotations

import asyncio

from server.domain.model import Role
from server.domain.view import Viewer
from server.hub.connection import Conn


def test_a_stalled_phone_is_cut_off_not_waited_for() -> None:
    """When a phone stops reading, its queue fills, its sender is cancelled and the room moves on."""

    async def scenario() -> tuple[bool, bool, int]:
        stalled = asyncio.Event()

        async def never_returns(_text: str) -> None:
            await stalled.wait()

        conn = Conn(never_returns, Viewer(Role.WALL), None, max_queue=8)
        conn.start(0, ["welcome"])
        task = conn.start_sender()
        await asyncio.sleep(0)  # the sender takes "welcome" and blocks on the phone
        for seq in range(1, 10):
            conn.send_entry(seq, f"entry {seq}")
        await asyncio.sleep(0)
        return conn.overflowed, task.cancelled(), conn.queued

    overflowed, cancelled, queued = asyncio.run(scenario())
    assert overflowed and cancelled and queued == 0


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
        task = conn.start_sender()
        await asyncio.sleep(0.01)
        task.cancel()
        return sent

    assert asyncio.run(scenario()) == ["welcome", "e4", "e5", "e6"]


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
        conn.start_sender()
        reading.set()
        await asyncio.sleep(0.01)
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
        conn.start_sender()
        await asyncio.sleep(0)
        sent_alone = not conn.overflowed
        for seq in range(1, 4):
            conn.send_entry(seq, "y" * 4_000)
        await asyncio.sleep(0)
        return sent_alone and conn.overflowed, conn.queued_chars

    cut_off, chars = asyncio.run(scenario())
    assert cut_off and chars == 0
