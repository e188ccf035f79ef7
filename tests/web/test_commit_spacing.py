"""Commit spacing (server/hub/commit.py): commands that come soon after a commit share the next one;
a command after a quiet moment is committed at once. Both storage configurations."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from server.domain.base import Outcome
from server.domain.commands import decider, parse_command
from server.domain.fold import fold
from server.domain.model import Actor, Role
from server.hub import metrics
from server.hub.room import Room as LiveRoom
from server.settings import Settings
from server.storage.store import iter_all
from server.web.app import create_app
from tests.conftest import Room

FACILITATOR = Actor(Role.FACILITATOR)


@contextmanager
def spaced(settings: Settings, spacing_ms: float) -> Iterator[Room]:
    # model_copy does not validate: the tests may space commits further apart than an operator may
    with TestClient(create_app(settings.model_copy(update={"commit_spacing_ms": spacing_ms}))) as client:
        yield Room(client)


def _push(text: str) -> Any:
    return decider(FACILITATOR, parse_command({"type": "step.push", "text": text}))


def _commits() -> float:
    value = metrics.REGISTRY.get_sample_value("wholeroom_commit_seconds_count")
    return value or 0.0


def _pushes(room: Room, *, quiet_s: float = 0.0) -> tuple[float, list[Outcome], LiveRoom]:
    """Commit push A alone; after ``quiet_s``, queue B, let its commit begin or wait, then queue C.
    Returns the commit batches B and C took, the three outcomes and the live room."""

    async def run() -> tuple[float, list[Outcome], LiveRoom]:
        live = await room.client.app.state.services.rooms.get(room.id)  # type: ignore[attr-defined]
        first = await asyncio.wait_for(live.execute(_push("A")), 30)
        if quiet_s:
            await asyncio.sleep(quiet_s)  # the quiet moment itself, not a wait for something
        before = _commits()
        b = asyncio.ensure_future(live.execute(_push("B")))
        for _ in range(5):  # B's commit is taken now, unless it is held back for C
            await asyncio.sleep(0)
        c = asyncio.ensure_future(live.execute(_push("C")))
        rest = await asyncio.wait_for(asyncio.gather(b, c), 30)
        return _commits() - before, [first, *rest], live

    portal = room.client.portal
    assert portal is not None
    return portal.call(run)


def _in_order_and_saved(live: LiveRoom, outcomes: list[Outcome]) -> None:
    seqs = [outcome.entries[0].seq for outcome in outcomes]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    stored = fold(live.event_id, iter_all(live._store, live.event_id))
    assert [step.text for step in stored.steps.values()][-3:] == ["A", "B", "C"]
    assert stored.seq == live.state.seq


@pytest.mark.parametrize(("spacing_ms", "batches"), [(2000, 1), (0, 2)])
def test_commands_soon_after_a_commit_share_the_next_one(settings: Settings, spacing_ms: float, batches: int) -> None:
    """B comes just after A's commit: spaced, B waits and C joins it (one commit); unspaced, B
    commits alone and C after it."""
    with spaced(settings, spacing_ms) as room:
        commits, outcomes, live = _pushes(room)
        assert commits == batches
        _in_order_and_saved(live, outcomes)


def test_a_command_after_a_quiet_moment_is_committed_at_once(settings: Settings) -> None:
    """No commit started within the spacing: B is taken at once, so C (queued a moment later)
    has a commit of its own. Were B held back, C would have joined it."""
    with spaced(settings, 200) as room:
        commits, outcomes, live = _pushes(room, quiet_s=0.4)
        assert commits == 2
        _in_order_and_saved(live, outcomes)


def test_the_first_command_of_a_room_is_not_held_back(settings: Settings) -> None:
    """With a spacing of an hour, a room's first command still commits (it would wait an hour)."""
    with spaced(settings, 3_600_000) as room:

        async def run() -> Outcome:
            live = await room.client.app.state.services.rooms.get(room.id)  # type: ignore[attr-defined]
            return await asyncio.wait_for(live.execute(_push("Alone")), 30)

        portal = room.client.portal
        assert portal is not None
        assert portal.call(run).entries[0].kind == "step.pushed"


@pytest.mark.parametrize("value", [-1, 51])
def test_the_spacing_is_bounded(value: float) -> None:
    with pytest.raises(ValidationError, match="commit_spacing_ms"):
        Settings(commit_spacing_ms=value)
