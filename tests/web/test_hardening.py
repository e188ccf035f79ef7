"""Careless and hostile input: each gets a clear error, changes nothing, and touches nobody else."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from server.domain.base import Outcome
from server.domain.commands import decide, decider, parse_command
from server.domain.fold import fold
from server.domain.model import Actor, Entry, EventState, Role
from server.hub.room import Room as LiveRoom
from server.storage.store import iter_all
from tests.conftest import Room
from tests.web.test_sessions_live import until
from tests.web.test_ws import hello

FACILITATOR = Actor(Role.FACILITATOR)

ALIAS_BOMB = "a0: &a0 [x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]\n" for i in range(1, 7)
)  # 306 bytes that stand for 262,144 values


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def seq_of(room: Room) -> int:
    seq: int = room.client.get(f"/api/events/{room.id}/snapshot", headers=auth(room.facilitator)).json()["seq"]
    return seq


def still_open(ws: WebSocketTestSession) -> None:
    ws.send_json({"type": "ping", "ref": "still-open"})
    assert until(ws, "pong")["ref"] == "still-open"


# --- 1, 7: scripts that would stall the process or crash the loader -------------------------------


@pytest.mark.parametrize(
    ("script", "where", "words"),
    [
        (ALIAS_BOMB, (6, 5), "more than 20,000 values"),
        ("a: &a [*a]\n", (1, 4), "recursive alias"),
        ("id: !!python/name:os.system x\n", (1, 5), "could not determine a constructor"),
        ('id: "\\ud800"\n', (1, 5), "lone surrogate"),
        ('id: "\\0"\n', (1, 5), "NUL character"),
    ],
)
def test_a_hostile_script_is_a_located_problem(room: Room, script: str, where: tuple[int, int], words: str) -> None:
    """Alias bombs, recursive aliases, unsafe tags and unstorable characters are script problems
    with a line and column, on the check endpoint and when loaded into a room."""
    r = room.client.post("/api/scripts/check", json={"script": script})
    assert r.status_code == 400, r.text
    problem = r.json()["error"]["details"][0]
    assert (problem["line"], problem["column"]) == where and words in problem["message"]
    with room.client.websocket_connect("/ws") as console:
        seq = hello(console, room.facilitator)["seq"]
        console.send_json({"type": "session.load", "script": script, "ref": 1})
        error = until(console, "error")
        assert (error["ref"], error["code"]) == (1, "bad_script") and words in error["details"][0]["message"]
        console.send_json({"type": "step.push", "text": "Still here?", "ref": 2})
        assert until(console, "ack")["ref"] == 2
    assert seq_of(room) == seq + 1


def test_a_nul_in_a_script_is_refused_as_text(room: Room) -> None:
    """A NUL character in the JSON itself is refused before the script is read."""
    r = room.client.post("/api/scripts/check", json={"script": "id: x\x00\n"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_text"
    assert r.json()["error"]["field"] == "script"


# --- 2: text no database can store ------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff tail", "nul \\u0000 here"])
def test_unstorable_text_from_one_phone_touches_nobody_else(room: Room, bad: str) -> None:
    """A lone surrogate or a NUL gets bad_text; the other phone and the wall stay connected and
    keep receiving (before: the commit failed and every socket of the event was closed)."""
    room.command(room.facilitator, type="step.push", text="Ideas?")
    one, two = room.join("1"), room.join("1")
    with (
        room.client.websocket_connect("/ws") as bad_phone,
        room.client.websocket_connect("/ws") as phone,
        room.client.websocket_connect("/ws") as wall,
    ):
        hello(bad_phone, one["token"])
        hello(phone, two["token"])
        seq = hello(wall, room.wall)["seq"]
        bad_phone.send_text('{"type": "idea.submit", "client_id": "c1", "ref": 9, "text": "' + bad + '"}')
        error = until(bad_phone, "error")
        assert (error["ref"], error["code"], error["field"]) == (9, "bad_text", "text")
        phone.send_json({"type": "idea.submit", "client_id": "c2", "text": "Night buses"})
        until(phone, "ack")
        assert until(wall, "entry")["payload"]["text"] == "Night buses"
        still_open(bad_phone)
    assert seq_of(room) == seq + 1


def test_unstorable_text_in_a_join_name_is_refused(room: Room) -> None:
    """The join form's name goes through the same check (it would have kicked the whole event)."""
    r = room.client.post("/api/join", content='{"code": "' + room.code + '", "table_id": "1", "name": "\\ud83d"}')
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_text"


def _run(room: Room, *deciders: Any) -> list[Outcome | BaseException]:
    """Queue ``deciders`` on the live room together (one commit batch) and wait for every answer."""

    async def batch() -> list[Outcome | BaseException]:
        live = await room.client.app.state.services.rooms.get(room.id)  # type: ignore[attr-defined]
        pending = [live.execute(d) for d in deciders]
        return await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 10)

    portal = room.client.portal
    assert portal is not None
    return portal.call(batch)


def _live(room: Room) -> LiveRoom:
    portal = room.client.portal
    assert portal is not None
    rooms = room.client.app.state.services.rooms  # type: ignore[attr-defined]
    live: LiveRoom = portal.call(rooms.get, room.id)
    return live


def _push(text: str) -> Any:
    return decider(FACILITATOR, parse_command({"type": "step.push", "text": text}))


def _same_as_database(room: Room) -> None:
    live = _live(room)
    stored = fold(room.id, iter_all(live._store, room.id))
    assert (live.state.seq, sorted(live.state.steps)) == (stored.seq, sorted(stored.steps))


def test_entries_that_cannot_be_stored_are_refused_for_their_command_alone(room: Room) -> None:
    """A command whose entries hold text the database refuses (however it got there) is refused
    before it reaches the state; the commands around it in the batch are saved, nobody is kicked."""

    def smuggled(state: EventState, now: int) -> Outcome:
        outcome = decide(state, FACILITATOR, parse_command({"type": "step.push", "text": "x"}), now)
        outcome.entries[0].payload["text"] = "\ud800"
        return outcome

    with room.client.websocket_connect("/ws") as wall:
        seq = hello(wall, room.wall)["seq"]
        first, bad, last = _run(room, _push("Before"), smuggled, _push("After"))
        assert isinstance(first, Outcome) and isinstance(last, Outcome)
        assert getattr(bad, "code", None) == "bad_text"
        texts = [until(wall, "entry")["payload"]["text"] for _ in range(2)]
        assert texts == ["Before", "After"]
        still_open(wall)
    assert seq_of(room) == seq + 2
    _same_as_database(room)


# --- 7: a bug in one command ----------------------------------------------------------------------


def test_a_command_that_fails_is_refused_alone_and_its_batch_is_answered(room: Room) -> None:
    """An exception in one command's decide is internal_error for it; the batch still commits."""

    def broken(state: EventState, now: int) -> Outcome:
        raise RuntimeError("a bug in one command")

    seq = seq_of(room)
    first, bad, last = _run(room, _push("Before"), broken, _push("After"))
    assert isinstance(first, Outcome) and isinstance(last, Outcome)
    assert (getattr(bad, "code", None), getattr(bad, "status", None)) == ("internal_error", 500)
    assert seq_of(room) == seq + 2
    _same_as_database(room)


def test_entries_half_applied_never_leave_the_state_ahead_of_the_database(room: Room) -> None:
    """A command whose second entry cannot be applied is refused; its first entry, already applied
    to the state, is taken back (the state is read again), and the rest of the batch is answered."""

    def half(state: EventState, now: int) -> Outcome:
        outcome = decide(state, FACILITATOR, parse_command({"type": "step.push", "text": "Half"}), now)
        broken = Entry(state.id, state.seq + 2, now, "idea.hidden", "facilitator", {"idea_id": "i404"})
        return Outcome([*outcome.entries, broken], outcome.result)

    seq = seq_of(room)
    first, bad, last = _run(room, _push("Before"), half, _push("After"))
    assert isinstance(first, Outcome) and isinstance(last, Outcome)
    assert getattr(bad, "code", None) == "internal_error"
    assert seq_of(room) == seq + 2
    _same_as_database(room)
    assert "Half" not in {step.text for step in _live(room).state.steps.values()}


# --- 10: bodies are counted as they arrive ------------------------------------------------------


def _post_raw(client: TestClient, path: str, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, Any, int]:
    """POST a body of ``chunks`` MiB through the app's ASGI interface, one chunk at a time, as a
    server would; returns the status, the JSON answer, and how many chunks the app asked for."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if asked >= chunks:
            await asyncio.sleep(3600)
        asked += 1
        return {"type": "http.request", "body": b"x" * (1 << 20), "more_body": asked < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    portal = client.portal
    assert portal is not None
    portal.call(client.app, scope, receive, send)  # type: ignore[arg-type]
    import json

    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), asked


@pytest.mark.parametrize("route", ["/api/join", "/api/events/{id}/commands"])
def test_a_chunked_body_is_refused_at_the_limit_not_read_whole(room: Room, route: str) -> None:
    """A 32 MiB chunked body (no Content-Length) gets 413 after its first MiB is read, not all 32:
    on a route whose body FastAPI reads, and on one that reads it itself (found by bench.fuzz)."""
    path = route.replace("{id}", room.id)
    headers = [(b"transfer-encoding", b"chunked"), (b"authorization", f"Bearer {room.facilitator}".encode())]
    status, answer, asked = _post_raw(room.client, path, headers, chunks=32)
    assert (status, answer["error"]["code"], asked) == (413, "too_large", 1)


@pytest.mark.parametrize("length", [b"lots", b"-5", b"1e9"])
def test_a_bad_content_length_is_a_clear_400(room: Room, length: bytes) -> None:
    status, answer, _ = _post_raw(room.client, "/api/join", [(b"content-length", length)], chunks=1)
    assert (status, answer["error"]["code"]) == (400, "bad_content_length")


# --- 11: messages the JSON reader chokes on --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("[" * 20_000 + "]" * 20_000, "too_deep"),
        ('{"type": "step.push", "text": "Q", "duration_s": ' + "9" * 5_000 + "}", "bad_number"),
        ('{"type": "step.push", "text": "Q", "duration_s": NaN}', "bad_number"),
        ('{"type": "ping", "ref": ' + "[" * 40 + "]" * 40 + "}", "too_deep"),
    ],
)
def test_messages_json_cannot_carry_get_an_error_and_the_socket_stays_open(room: Room, raw: str, code: str) -> None:
    with room.client.websocket_connect("/ws") as ws:
        seq = hello(ws, room.facilitator)["seq"]
        ws.send_text(raw)
        assert until(ws, "error")["code"] == code
        still_open(ws)
    assert seq_of(room) == seq


@pytest.mark.parametrize(
    ("hello_message", "code"),
    [
        ({"type": "hello", "token": 12345}, "bad_token_type"),
        ({"type": "hello", "token": ["a"]}, "bad_token_type"),
        ({"type": "hello", "token": "t", "after": True}, "bad_after"),
    ],
)
def test_a_malformed_hello_is_told_why_then_closed(room: Room, hello_message: dict[str, Any], code: str) -> None:
    with room.client.websocket_connect("/ws") as ws:
        ws.send_json(hello_message)
        assert ws.receive_json()["code"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_a_binary_hello_is_told_why_then_closed(room: Room) -> None:
    with room.client.websocket_connect("/ws") as ws:
        ws.send_bytes(b'{"type": "hello"}')
        assert ws.receive_json()["code"] == "binary"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


@pytest.mark.parametrize("query", ["after=9223372036854775808", "after=2147483648"])
def test_a_transcript_position_out_of_range_is_a_422_naming_it(room: Room, query: str) -> None:
    r = room.client.get(f"/api/events/{room.id}/transcript?{query}", headers=auth(room.facilitator))
    assert r.status_code == 422 and r.json()["error"]["field"] == "after"
