"""Two facilitators drive one room on a real server (SQLite, and PostgreSQL with Redis): pressing
Next together advances the room one step, the other press is refused, and each console sees the other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import WebSocketTestSession

from tests.conftest import Room
from tests.web.test_sessions_live import PAIRS, until
from tests.web.test_ws import hello


def answer(ws: WebSocketTestSession, ref: str) -> dict[str, Any]:
    """The ack or error for ``ref`` (entries and presence may come first)."""
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message.get("ref") == ref:
            return message


def started(room: Room) -> tuple[str, int]:
    """A session at its first step, and the flow version both consoles then see."""
    room.join("1", "Ana")
    room.join("1", "Bo")
    session = room.command(room.facilitator, type="session.load", script=PAIRS).json()["session_id"]
    first = room.command(room.facilitator, type="session.next", session_id=session, expect_flow_seq=0).json()
    return session, first["flow_seq"]


def snapshot(room: Room) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {room.facilitator}"}
    return room.client.get(f"/api/events/{room.id}/snapshot", headers=headers).json()  # type: ignore[no-any-return]


def test_two_consoles_pressing_next_at_once_advance_one_step(room: Room) -> None:
    """Both consoles send Next from step 1 at the same moment: one starts step 2, the other is
    refused with who moved the room and where to; the room is at step 2, not 3."""
    session, flow = started(room)
    with room.client.websocket_connect("/ws") as one, room.client.websocket_connect("/ws") as two:
        hello(one, room.facilitator)
        hello(two, room.facilitator)
        for ws, ref in ((one, "a"), (two, "b")):
            ws.send_json({"type": "session.next", "session_id": session, "expect_flow_seq": flow, "ref": ref})
        replies = [answer(one, "a"), answer(two, "b")]
    assert sorted(r["type"] for r in replies) == ["ack", "error"]
    ack = next(r for r in replies if r["type"] == "ack")
    error = next(r for r in replies if r["type"] == "error")
    assert (ack["index"], error["code"], error["field"]) == (1, "stale_flow", "expect_flow_seq")
    assert error["message"].startswith("the room moved on: step 2 of “Pairs then vote”, “two”, was started by a")
    assert error["flow"]["seq"] == ack["flow_seq"] and error["flow"]["step_id"] == ack["step_id"]
    snap = snapshot(room)
    sheet = snap["sessions"][0]
    assert (sheet["index"], sheet["now"]["state"], sheet["now"]["step_id"]) == (1, "running", ack["step_id"])
    assert snap["flow"]["seq"] == ack["flow_seq"]
    assert [row["started_at"] is not None for row in sheet["runsheet"]] == [True, True, False]


def test_a_console_and_an_api_call_pressing_next_together(room: Room) -> None:
    """A socket and an HTTP command sent in parallel from the same view: exactly one advance."""
    session, flow = started(room)
    command = {"type": "session.next", "session_id": session, "expect_flow_seq": flow}
    with room.client.websocket_connect("/ws") as console, ThreadPoolExecutor(1) as pool:
        hello(console, room.facilitator)
        http = pool.submit(room.command, room.facilitator, **command)
        console.send_json({**command, "ref": "c"})
        over_ws, over_http = answer(console, "c"), http.result()
    ws_outcome = "ack" if over_ws["type"] == "ack" else over_ws["code"]
    http_outcome = "ack" if over_http.status_code == 200 else over_http.json()["error"]["code"]
    assert sorted([ws_outcome, http_outcome]) == ["ack", "stale_flow"]
    assert snapshot(room)["sessions"][0]["index"] == 1


def test_each_console_counts_the_facilitator_screens(room: Room) -> None:
    """Presence tells a console how many facilitator screens are open (the wall is not one)."""
    with (
        room.client.websocket_connect("/ws") as one,
        room.client.websocket_connect("/ws") as two,
        room.client.websocket_connect("/ws") as wall,
    ):
        hello(one, room.facilitator)
        hello(two, room.facilitator)
        hello(wall, room.wall)
        message = until(one, "presence")
        while message["facilitators"] != 2 or message["staff"] != 3:  # counts settle within a second or two
            message = until(one, "presence")
        assert message["facilitators"] == 2


def test_a_hand_pushed_step_interrupts_the_script_step(room: Room) -> None:
    """Pushed by hand to every table, a step takes the script step's place: the session says so."""
    session, flow = started(room)
    hand = room.command(room.facilitator, type="step.push", text="Coffee break", expect_flow_seq=flow).json()
    now = snapshot(room)["sessions"][0]["now"]
    assert (now["state"], now["tables"], now["replaced_by"]) == ("interrupted", [], hand["step_id"])
    paused = room.command(room.facilitator, type="session.pause", session_id=session, expect_flow_seq=hand["flow_seq"])
    assert (paused.status_code, paused.json()["error"]["code"]) == (409, "no_running_step")
