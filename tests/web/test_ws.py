from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.testclient import WebSocketTestSession
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from server.security import hash_token
from server.settings import Settings
from server.storage.tables import TokenRow
from server.web.app import create_app
from tests.conftest import Room


def hello(ws: WebSocketTestSession, token: str, after: int | None = None) -> dict[str, Any]:
    ws.send_json({"type": "hello", "token": token, "after": after})
    welcome: dict[str, Any] = ws.receive_json()
    assert welcome["type"] == "welcome", welcome
    return welcome


def test_bad_token_gets_an_error_then_1008(room: Room) -> None:
    """A wrong token is told so, then the socket is closed with a policy code."""
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": "nope"})
        assert ws.receive_json()["code"] == "bad_token"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_first_message_must_be_hello(room: Room) -> None:
    """A command before hello is refused with hello_first."""
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "idea.submit", "client_id": "a", "text": "x"})
        assert ws.receive_json()["code"] == "hello_first"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ('["a list"]', "bad_message"),
        ('{"type": "step.dance"}', "unknown_type"),
        ('{"type": "step.push", "text": "Q", "duration_s": -5}', "invalid"),
        ('{"type": "step.push", "text": "Q", "colour": "red"}', "invalid"),
        ('{"type": "step.push", "text": "' + "x" * 70_000 + '"}', "too_large"),
    ],
)
def test_bad_messages_get_an_error_and_the_socket_stays_open(room: Room, raw: str, code: str) -> None:
    """Malformed, unknown and oversize messages are answered with a specific error; nothing changes."""
    with room.client.websocket_connect("/ws") as ws:
        welcome = hello(ws, room.facilitator)
        ws.send_text(raw)
        error = ws.receive_json()
        assert (error["type"], error["code"]) == ("error", code)
        ws.send_json({"type": "ping", "ref": 1})
        assert ws.receive_json()["type"] == "pong"
    assert (
        room.client.get(
            f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"}
        ).json()["seq"]
        == welcome["seq"]
    )


def test_participant_cannot_push_or_write_elsewhere(room: Room) -> None:
    """A phone's step.push and an idea for another table are both refused with their ref."""
    phone = room.join("1")
    room.command(room.facilitator, type="step.push", text="Q")
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])
        ws.send_json({"type": "step.push", "text": "I am in charge now", "ref": "x"})
        assert ws.receive_json() == {
            "type": "error",
            "ref": "x",
            "code": "facilitator_only",
            "message": "only the facilitator can do this",
        }
        ws.send_json({"type": "idea.submit", "client_id": "a", "text": "hi", "table_id": "2", "ref": "y"})
        error = ws.receive_json()
        assert (error["ref"], error["code"]) == ("y", "wrong_table")


def test_resending_an_idea_is_acknowledged_once(room: Room) -> None:
    """The same client_id sent twice makes one idea; the second ack says duplicate."""
    phone = room.join("1")
    room.command(room.facilitator, type="step.push", text="Q")
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])
        for _ in range(2):
            ws.send_json({"type": "idea.submit", "client_id": "same", "text": "Trees", "ref": 1})
        messages = [ws.receive_json() for _ in range(3)]
    acks = [m for m in messages if m["type"] == "ack"]
    assert [a["duplicate"] for a in acks] == [False, True] and acks[0]["idea_id"] == acks[1]["idea_id"]
    assert [m["kind"] for m in messages if m["type"] == "entry"] == ["idea.submitted"]


def test_rate_limit_over_the_socket(room: Room) -> None:
    """The 13th idea inside a minute is refused with rate_limited."""
    phone = room.join("1")
    room.command(room.facilitator, type="step.push", text="Q")
    codes = []
    for i in range(13):
        r = room.command(phone["token"], type="idea.submit", client_id=f"c{i}", text=f"idea {i}")
        codes.append(r.status_code)
    assert codes == [200] * 12 + [429]


def test_resume_after_a_drop_sends_exactly_what_was_missed(room: Room) -> None:
    """A phone that reconnects with after=seq receives the entries it missed, once, and no snapshot."""
    ana, bo = room.join("1"), room.join("1")
    room.command(room.facilitator, type="step.push", text="Q")
    with room.client.websocket_connect("/ws") as ws:
        seen = hello(ws, ana["token"])["seq"]
    room.command(bo["token"], type="idea.submit", client_id="b1", text="Bo's first")
    room.command(room.facilitator, type="step.push", text="Other table", audience={"tables": ["2"]})
    room.command(bo["token"], type="idea.submit", client_id="b2", text="Bo's second")
    with room.client.websocket_connect("/ws") as ws:
        welcome = hello(ws, ana["token"], after=seen)
        assert welcome["snapshot"] is None and welcome["resumed_from"] == seen
        missed = [ws.receive_json(), ws.receive_json()]
        assert [m["payload"]["text"] for m in missed] == ["Bo's first", "Bo's second"]
        assert missed[0]["seq"] == seen + 1
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"  # nothing else was queued: no duplicates


def test_resume_never_reveals_a_hidden_idea(room: Room) -> None:
    """An idea hidden while a phone was away comes back without its text."""
    ana, bo = room.join("1"), room.join("1")
    room.command(room.facilitator, type="step.push", text="Q")
    with room.client.websocket_connect("/ws") as ws:
        seen = hello(ws, ana["token"])["seq"]
    idea = room.command(bo["token"], type="idea.submit", client_id="b1", text="rude words").json()
    room.command(room.facilitator, type="idea.hide", idea_id=idea["idea_id"])
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, ana["token"], after=seen)
        submitted, hidden = ws.receive_json(), ws.receive_json()
    assert submitted["payload"]["text"] is None and hidden["kind"] == "idea.hidden"


@pytest.mark.parametrize("after", [0, 10_000])
def test_fresh_or_impossible_after_gets_a_snapshot(room: Room, after: int) -> None:
    """After 0, or a seq the server never reached (restored backup), gives a full snapshot."""
    phone = room.join("1")
    with room.client.websocket_connect("/ws") as ws:
        welcome = hello(ws, phone["token"], after=after)
    assert welcome["snapshot"]["me"]["id"] == phone["participant_id"]


def test_moving_table_sends_a_new_snapshot(room: Room) -> None:
    """A phone moved to another table gets that table's view at once."""
    ana, bo = room.join("1"), room.join("2")
    room.command(room.facilitator, type="step.push", text="Q")
    room.command(bo["token"], type="idea.submit", client_id="b1", text="From table 2")
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, ana["token"])
        ws.send_json({"type": "participant.seat", "table_id": "2", "ref": 1})
        kinds = []
        while True:
            message = ws.receive_json()
            kinds.append(message["type"])
            if message["type"] == "welcome":
                break
        assert message["snapshot"]["me"]["table_id"] == "2"
        assert [i["text"] for i in message["snapshot"]["ideas"]] == ["From table 2"]


def test_staff_get_presence(room: Room) -> None:
    """The console learns how many phones are connected at each table."""
    phone = room.join("2")
    with room.client.websocket_connect("/ws") as console, room.client.websocket_connect("/ws") as ws:
        hello(console, room.facilitator)
        hello(ws, phone["token"])
        message = console.receive_json()
        while message["type"] != "presence":
            message = console.receive_json()
        assert message["connected"]["2"] == 1 and message["joined"]["2"] == 1


def test_expired_token_is_refused(room: Room) -> None:
    """A participant token past its expiry is told to join again."""
    phone = room.join("1")
    store = room.client.app.state.services.store  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        conn.execute(update(TokenRow).where(TokenRow.hash == hash_token(phone["token"])).values(expires_at=1))
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": phone["token"]})
        assert ws.receive_json()["code"] == "token_expired"


def test_a_screens_socket_goes_past_the_http_middlewares(settings: Settings) -> None:
    """/ws connections are handed straight to the endpoint: no HTTP middleware stays on a
    connection's stack for its lifetime, while every HTTP request still passes them all."""
    seen: list[tuple[str, str]] = []

    class Witness:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in ("http", "websocket"):
                seen.append((scope["type"], scope["path"]))
            await self.app(scope, receive, send)

    app = create_app(settings)
    app.add_middleware(Witness)
    with TestClient(app) as client:
        room = Room(client)
        phone = room.join("1")
        with client.websocket_connect("/ws") as ws:
            assert hello(ws, phone["token"])["role"] == "participant"
        with pytest.raises(WebSocketDisconnect):  # another path is the router's: none there
            with client.websocket_connect("/ws/other") as other:
                other.receive_json()
    assert ("http", "/api/join") in seen
    assert not [s for s in seen if s[0] == "websocket" and s[1] == "/ws"]
    assert ("websocket", "/ws/other") in seen
