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
