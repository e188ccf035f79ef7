"""Tokens are looked up in batches, so a crowd saying hello at once costs a few queries, not one each."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from server.domain.errors import Unauthorized
from server.domain.model import Role
from server.storage.store import Grant
from server.web.services import Services
from tests.conftest import Room


def test_a_crowd_of_unknown_tokens_costs_a_few_queries(room: Room) -> None:
    """60 phones this worker has never seen say hello at once (as when another worker dies): each gets
    its own participant, a bad token is refused, and the database is asked a handful of times."""
    phones = [room.join(str(1 + n % 3)) for n in range(60)]
    services: Services = room.client.app.state.services  # type: ignore[attr-defined]
    services._tokens.clear()  # as on a worker that never saw these phones
    queries: list[int] = []
    real = services.store.tokens

    def counted(hashes: Sequence[str]) -> dict[str, Grant]:
        queries.append(len(hashes))
        return real(hashes)

    services.store.tokens = counted  # type: ignore[method-assign]

    async def hellos() -> list[Any]:
        return await asyncio.gather(*(services.principal(p["token"]) for p in phones))

    principals = asyncio.run(hellos())
    assert [p.participant_id for p in principals] == [p["participant_id"] for p in phones]
    assert all(p.role is Role.PARTICIPANT and p.event_id == room.id for p in principals)
    assert sum(queries) == 60 and len(queries) <= 3, queries
    with pytest.raises(Unauthorized):
        asyncio.run(services.principal("not-a-token"))


def test_a_phone_that_hangs_up_mid_lookup_does_not_hold_up_the_others(room: Room) -> None:
    """One hello is cancelled while its token is being looked up; the others in its batch still get
    their answer."""
    phones = [room.join("1") for _ in range(5)]
    services: Services = room.client.app.state.services  # type: ignore[attr-defined]
    services._tokens.clear()

    async def hellos() -> list[Any]:
        tasks = [asyncio.ensure_future(services.principal(p["token"])) for p in phones]
        await asyncio.sleep(0)  # every lookup is queued
        tasks[0].cancel()
        return await asyncio.wait_for(asyncio.gather(*tasks[1:]), 10)

    principals = asyncio.run(hellos())
    assert [p.participant_id for p in principals] == [p["participant_id"] for p in phones[1:]]
