"""Commit spacing (server/hub/commit.py): commands that come soon after a commit share the next one;
a command after a quiet moment is committed at once. Both storage configurations."""

from __future__ import annotations

import asyncio
import time
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
SPACING_MS = 8000  # far longer than anything takes on a busy machine, so waiting shows


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


def _pushes(room: Room, *, quiet_s: float = 0.0) -> tuple[float, float, list[Outcome], LiveRoom]:
    """Commit push A alone; after ``quiet_s``, queue B, and C a few turns of the loop later.
    Returns the commit batches B and C took, how long B took to be committed, the three outcomes
    and the live room."""

    async def run() -> tuple[float, float, list[Outcome], LiveRoom]:
        live = await room.client.app.state.services.rooms.get(room.id)  # type: ignore[attr-defined]
        first = await asyncio.wait_for(live.execute(_push("A")), 30)
        if quiet_s:
            await asyncio.sleep(quiet_s)  # the quiet moment itself, not a wait for something
        before = _commits()
        start = time.monotonic()
        b = asyncio.ensure_future(live.execute(_push("B")))
        b.add_done_callback(lambda _: took.append(time.monotonic() - start))
        for _ in range(5):
            await asyncio.sleep(0)
        c = asyncio.ensure_future(live.execute(_push("C")))
        rest = await asyncio.wait_for(asyncio.gather(b, c), 60)
        return _commits() - before, took[0], [first, *rest], live

    took: list[float] = []
    portal = room.client.portal
    assert portal is not None
    return portal.call(run)


def _in_order_and_saved(live: LiveRoom, outcomes: list[Outcome]) -> None:
    seqs = [outcome.entries[0].seq for outcome in outcomes]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    stored = fold(live.event_id, iter_all(live._store, live.event_id))
    assert [step.text for step in stored.steps.values()][-3:] == ["A", "B", "C"]
    assert stored.seq == live.state.seq


def test_commands_soon_after_a_commit_share_the_next_one(settings: Settings) -> None:
    """B comes just after A's commit: it waits out the spacing, and C, queued meanwhile, joins it
    (one commit for both)."""
    with spaced(settings, SPACING_MS) as room:
        commits, _, outcomes, live = _pushes(room)
        assert commits == 1
        _in_order_and_saved(live, outcomes)


def test_without_spacing_nothing_waits(settings: Settings) -> None:
    """Spacing 0 (off): B is committed without waiting, in order with the rest."""
    with spaced(settings, 0) as room:
        _, took, outcomes, live = _pushes(room)
        assert took < SPACING_MS / 1000 / 2  # however busy the machine, far below what a spacing holds
        _in_order_and_saved(live, outcomes)


def test_a_command_after_a_quiet_moment_is_committed_at_once(settings: Settings) -> None:
    """No commit started within the spacing: B is not held back (it would wait the whole spacing)."""
    with spaced(settings, SPACING_MS) as room:
        _, took, outcomes, live = _pushes(room, quiet_s=SPACING_MS / 1000 + 0.5)
        assert took < SPACING_MS / 1000 / 2
        _in_order_and_saved(live, outcomes)


@pytest.mark.parametrize("value", [-1, 51])
def test_the_spacing_is_bounded(value: float) -> None:
    with pytest.raises(ValidationError, match="commit_spacing_ms"):
        Settings(commit_spacing_ms=value)
