"""Removing a participant: their token stops working at once, everywhere, and their phone is told
why instead of reconnecting forever. Closing the event starts the clock on phone and wall links."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.domain.errors import Unauthorized
from server.hub.connection import CLOSE_REMOVED
from server.security import hash_token
from server.settings import Settings
from server.web.app import create_app
from server.web.services import TOKEN_CACHE_S
from tests.backends import REDIS, postgres_database, redis_prefix, require_servers
from tests.conftest import ADMIN, Room

from .test_ws import hello


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def removed_then_closed(ws: object) -> None:
    """What a removed phone receives: the reason, then a close it must not reconnect after."""
    message = ws.receive_json()  # type: ignore[attr-defined]
    while message["type"] != "error":
        message = ws.receive_json()  # type: ignore[attr-defined]
    assert (message["code"], message["message"]) == ("removed", "The facilitator removed you from this event.")
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()  # type: ignore[attr-defined]
    assert (closed.value.code, closed.value.reason) == (CLOSE_REMOVED, "removed")


def test_a_removed_phone_is_told_why_and_its_token_stops_working(room: Room) -> None:
    phone, other = room.join("1", "Ann"), room.join("1", "Bob")
    room.command(room.facilitator, type="step.push", text="What matters?")
    assert room.command(phone["token"], type="idea.submit", client_id="a", text="Night buses").status_code == 200
    with room.client.websocket_connect("/ws") as ws, room.client.websocket_connect("/ws") as others:
        hello(ws, phone["token"])
        hello(others, other["token"])
        pid = phone["participant_id"]
        r = room.command(room.facilitator, type="participant.remove", participant_id=pid, ideas="hide")
        assert r.status_code == 200, r.text
        removed_then_closed(ws)
        entry = others.receive_json()
        assert (entry["type"], entry["payload"]["idea_id"]) == ("entry", r.json()["hidden"][0])  # hidden, as idea.hide
    # the same token: refused by the socket (same close), and by every route
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": phone["token"]})
        removed_then_closed(ws)
    for r in (
        room.client.get(f"/api/events/{room.id}/mine", headers=bearer(phone["token"])),
        room.client.get(f"/api/events/{room.id}/snapshot", headers=bearer(phone["token"])),
        room.command(phone["token"], type="idea.submit", client_id="b", text="Again"),
    ):
        assert (r.status_code, r.json()["error"]["code"]) == (401, "removed")
    snap = room.client.get(f"/api/events/{room.id}/snapshot", headers=bearer(room.facilitator)).json()
    assert [p["id"] for p in snap["participants"]] == [other["participant_id"]]
    assert room.command(other["token"], type="idea.submit", client_id="c", text="Trams").status_code == 200


def test_closing_the_event_expires_phone_and_wall_links_after_the_set_time(room: Room) -> None:
    phone = room.join("1")
    services = room.client.app.state.services  # type: ignore[attr-defined]
    assert room.client.get(f"/api/events/{room.id}/mine", headers=bearer(phone["token"])).status_code == 200  # cached
    services.settings.token_ttl_days = 0  # links expire as soon as the event closes
    assert room.command(room.facilitator, type="event.close").status_code == 200
    for token in (phone["token"], room.wall):
        r = room.client.get(f"/api/events/{room.id}/snapshot", headers=bearer(token))
        assert (r.status_code, r.json()["error"]["code"]) == (401, "token_expired")
    for token in (room.facilitator, room.organiser):  # replay, exports and the report come after the event
        assert room.client.get(f"/api/events/{room.id}/snapshot", headers=bearer(token)).status_code == 200
    r = room.client.post("/api/join", json={"code": room.code, "table_id": "1"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "event_closed")
    assert room.command(room.facilitator, type="event.reopen").status_code == 200
    assert room.client.get(f"/api/events/{room.id}/mine", headers=bearer(phone["token"])).status_code == 200


def test_links_stay_valid_for_the_set_time_after_the_event_closes(room: Room) -> None:
    phone = room.join("1")
    assert phone["expires_at"] is None  # no fixed end while the event runs
    room.command(room.facilitator, type="event.close")
    assert room.client.get(f"/api/events/{room.id}/mine", headers=bearer(phone["token"])).status_code == 200


@pytest.fixture
def workers() -> Iterator[tuple[TestClient, TestClient]]:
    """Two workers sharing PostgreSQL and Redis (one broker prefix: they hear each other)."""
    require_servers()
    with postgres_database() as url:
        prefix = redis_prefix()
        settings = [
            Settings(database_url=url, broker_url=REDIS, broker_prefix=prefix, admin_secret=ADMIN, themes=False)
            for _ in range(2)
        ]
        with TestClient(create_app(settings[0])) as one, TestClient(create_app(settings[1])) as two:
            yield one, two


def test_removal_through_one_worker_closes_the_phone_on_the_other(workers: tuple[TestClient, TestClient]) -> None:
    one, two = workers
    room = Room(one)
    phone = room.join("1")
    with two.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])  # the other worker now knows (and caches) this token
        room.command(room.facilitator, type="participant.remove", participant_id=phone["participant_id"], ideas="keep")
        removed_then_closed(ws)
    r = two.get(f"/api/events/{room.id}/mine", headers=bearer(phone["token"]))
    assert (r.status_code, r.json()["error"]["code"]) == (401, "removed")


def test_a_worker_that_never_loaded_the_event_rereads_a_cached_token_within_a_minute(tmp_path: Path) -> None:
    """Two workers that do not hear each other (separate brokers): the second cached the phone's token
    without loading the event, so no entry tells it of the removal; its cache entry lapses instead."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=False)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        room = Room(one)
        phone = room.join("1")
        services = two.app.state.services  # type: ignore[attr-defined]
        assert asyncio.run(services.principal(phone["token"])).participant_id == phone["participant_id"]
        room.command(room.facilitator, type="participant.remove", participant_id=phone["participant_id"], ideas="keep")
        key = hash_token(phone["token"])
        read_at, principal = services._tokens[key]
        services._tokens[key] = (read_at - TOKEN_CACHE_S, principal)  # a minute later
        with pytest.raises(Unauthorized) as refused:
            asyncio.run(services.principal(phone["token"]))
        assert refused.value.code == "removed"
