"""Rate limits and socket limits over the real transports (docs/protocol.md, "Limits")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.domain import limits
from server.settings import Settings
from server.web import api, deps, dispatch, services
from server.web.app import create_app
from tests.conftest import ADMIN, Room
from tests.web.test_ws import hello


@contextmanager
def serving(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=changes))) as client:
        yield client


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rate limits' clock stands still while the test runs: no token comes back between its
    requests, however slow a loaded machine makes them (the limits read it through these modules)."""
    for module in (dispatch, services, api, deps):
        monkeypatch.setattr(module, "steady_ms", lambda: 10_000_000)


def refused(r: Any) -> dict[str, Any]:
    assert r.status_code == 429, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == "rate_limited" and error["retry_after_ms"] > 0
    assert int(r.headers["Retry-After"]) == -(-error["retry_after_ms"] // 1000)
    return error


# (a slow rate, so that no token comes back while a test runs, however busy the machine: at 2/s a
# burst of 30 lookups that took over half a second let the 31st through on a loaded CI machine)
SLOW = 0.2  # per second: a burst of 15 s worth is 3


def test_join_code_lookups_from_one_address_are_limited(settings: Settings) -> None:
    """Guessing join codes: a burst of 15 s worth, then 429 with Retry-After, right codes included."""
    with serving(settings, joins_per_client_per_s=SLOW) as client:
        room = Room(client)
        codes = [client.get(f"/api/join/WRONG{i}").status_code for i in range(3)]
        assert codes == [404] * 3
        assert refused(client.get(f"/api/join/{room.code}"))["retry_after_ms"] <= 5000


def test_joins_from_one_address_are_limited(settings: Settings) -> None:
    """Joins have their own bucket per address: lookups do not use it up."""
    with serving(settings, joins_per_client_per_s=SLOW) as client:
        room = Room(client)
        for _ in range(3):
            room.join("1")
        r = client.post("/api/join", json={"code": room.code, "table_id": "1"})
        assert refused(r)["retry_after_ms"] <= 5000
        assert client.get(f"/api/join/{room.code}").status_code == 200


def test_wrong_admin_secrets_lock_the_address_out_for_a_while(settings: Settings) -> None:
    """Five wrong secrets are answered 401; then even the right one waits (429, Retry-After)."""
    with serving(settings) as client:
        wrong = {"Authorization": "Bearer guess"}
        assert [client.get("/api/events", headers=wrong).status_code for _ in range(5)] == [401] * 5
        right = {"Authorization": f"Bearer {ADMIN}"}
        assert 0 < refused(client.get("/api/events", headers=right))["retry_after_ms"] <= 1000


@pytest.mark.usefixtures("still_clock")
def test_a_phone_changing_seat_again_and_again_is_slowed_down(room: Room) -> None:
    """A burst of seat changes is acknowledged, the next is refused with when to retry; other
    commands of the same phone still pass."""
    phone = room.join("1")
    burst = limits.PARTICIPANT_RATES["participant.seat"].burst
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])
        for i in range(burst + 1):
            ws.send_json({"type": "participant.seat", "table_id": "2" if i % 2 == 0 else "1", "ref": i})
        answers = {}
        while len(answers) < burst + 1:
            m = ws.receive_json()
            if m["type"] in ("ack", "error"):
                answers[m["ref"]] = m
        assert [answers[i]["type"] for i in range(burst)] == ["ack"] * burst
        assert answers[burst]["code"] == "rate_limited" and answers[burst]["retry_after_ms"] > 0
        ws.send_json({"type": "ping", "ref": "p"})
        while (m := ws.receive_json())["type"] != "pong":
            pass
    r = room.command(phone["token"], type="participant.seat", table_id="3")  # HTTP counts in the same bucket
    refused(r)


def test_all_the_phones_of_an_event_together_are_limited_but_not_the_facilitator(settings: Settings) -> None:
    """At half a write a second (bursts of 1: slow enough that no write comes back while the test
    runs, however busy the machine), a phone's join passes and its idea waits (429 with the time to
    wait); the facilitator is not held back, and another event is not touched."""
    with serving(settings, event_writes_per_s=0.5) as client:
        room, other = Room(client), Room(client)
        phone = room.join("1")
        assert room.command(room.facilitator, type="step.push", text="Q").status_code == 200
        assert (
            refused(room.command(phone["token"], type="idea.submit", client_id="c1", text="x"))["retry_after_ms"]
            <= 2000
        )
        assert room.command(room.facilitator, type="step.push", text="Q2").status_code == 200
        other.join("1")  # (201: another event's phones have their own bucket)


def test_one_socket_too_many_on_a_token_closes_the_oldest(settings: Settings) -> None:
    """With two sockets allowed, a third on the same token closes the first with 4009 (the newest
    tab is the one the person looks at); the others keep working."""
    with serving(settings, sockets_per_token=2) as client:
        room = Room(client)
        phone = room.join("1")
        with (
            client.websocket_connect("/ws") as first,
            client.websocket_connect("/ws") as second,
            client.websocket_connect("/ws") as third,
        ):
            hello(first, phone["token"])
            hello(second, phone["token"])
            hello(third, phone["token"])
            with pytest.raises(WebSocketDisconnect) as closed:
                first.receive_json()
            assert closed.value.code == 4009 and "this one was closed" in closed.value.reason
            for ws in (second, third):
                ws.send_json({"type": "ping", "ref": 1})
                assert ws.receive_json()["type"] == "pong"


@pytest.mark.usefixtures("still_clock")
def test_a_client_saying_hello_in_a_loop_is_told_when_to_come_back(room: Room) -> None:
    """Each hello costs a token lookup and a snapshot: a burst of them is served, the next gets
    ``rate_limited`` with when to retry and close code 1013 (come back later, the link still works)."""
    phone = room.join("1")
    for _ in range(limits.HELLO_RATE.burst):
        with room.client.websocket_connect("/ws") as ws:
            hello(ws, phone["token"])
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": phone["token"]})
        error = ws.receive_json()
        assert (error["type"], error["code"]) == ("error", "rate_limited") and error["retry_after_ms"] > 0
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1013
    mine = room.client.get(f"/api/events/{room.id}/mine", headers={"Authorization": f"Bearer {phone['token']}"})
    assert mine.status_code == 200  # the link itself still works


@pytest.mark.usefixtures("still_clock")
def test_frames_that_are_not_messages_count_against_the_sender(room: Room) -> None:
    """Garbage frames are answered with what is wrong, but they are not free: after the burst for
    unknown types, the sender is told to wait, like for any other message."""
    phone = room.join("1")
    burst = limits.PARTICIPANT_OTHER.burst
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])
        for _ in range(burst + 1):
            ws.send_text("{not json")
        codes = [ws.receive_json()["code"] for _ in range(burst + 1)]
        assert codes == ["bad_json"] * burst + ["rate_limited"]
