from __future__ import annotations

from typing import Any

from starlette.testclient import WebSocketTestSession

from tests.conftest import Room
from tests.web.test_ws import hello

PAIRS = """
id: pairs
title: Pairs then vote
method: {name: Test, origin: Us}
params: {question: "What could we do?"}
steps:
  - {id: one, kind: ideas, duration: 1m, question: "{question}", capture: {who: each}}
  - {id: two, kind: discuss, audience: group, groups: {size: 2}, duration: 2m, capture: {who: any}}
  - {id: pick, kind: vote, method: agree_disagree_pass, options: {from: one}, reveal: live, duration: 2m}
"""


def until(ws: WebSocketTestSession, wanted: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == wanted:
            return message


def test_a_script_drives_the_phones(room: Room) -> None:
    """Loading and stepping a script pushes its steps, forms pairs, and shows live vote results."""
    ana, bo = room.join("1", "Ana"), room.join("1", "Bo")
    loaded = room.command(room.facilitator, type="session.load", script=PAIRS, params={"question": "Why here?"})
    session = loaded.json()["session_id"]
    with room.client.websocket_connect("/ws") as phone, room.client.websocket_connect("/ws") as other:
        hello(phone, ana["token"])
        hello(other, bo["token"])
        room.command(room.facilitator, type="session.next", session_id=session)
        pushed = until(phone, "entry")
        assert (pushed["kind"], pushed["payload"]["text"], pushed["payload"]["kind"]) == (
            "step.pushed",
            "Why here?",
            "ideas",
        )
        phone.send_json({"type": "idea.submit", "client_id": "a1", "text": "Night buses"})
        until(phone, "ack")
        room.command(room.facilitator, type="session.next", session_id=session)
        regrouped = until(phone, "welcome")["snapshot"]
        assert {m["name"] for m in regrouped["group"]["members"]} == {"Ana", "Bo"}
        room.command(room.facilitator, type="session.next", session_id=session)
        vote = until(other, "entry")
        while vote["kind"] != "step.pushed" or vote["payload"]["kind"] != "vote":
            vote = until(other, "entry")
        option = vote["payload"]["options"][0]["id"]
        other.send_json({"type": "vote.cast", "step_id": vote["payload"]["step_id"], "ballot": {option: "agree"}})
        results = until(phone, "results")["results"]
        assert results["options"][0]["agree"] == 1


def test_a_bad_upload_is_refused_with_every_problem(room: Room) -> None:
    """An uploaded script with mistakes gets bad_script with located problems; nothing is loaded."""
    bad = PAIRS.replace("1m", "1 min").replace("kind: vote", "kind: poll")
    with room.client.websocket_connect("/ws") as console:
        seq = hello(console, room.facilitator)["seq"]
        console.send_json({"type": "session.load", "script": bad, "ref": 1})
        error = until(console, "error")
    assert error["code"] == "bad_script" and [(d["line"], d["column"]) for d in error["details"]] == [(7, 38), (9, 22)]
    snap = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"})
    assert snap.json()["seq"] == seq and snap.json()["sessions"] == []


def test_script_check_endpoint(room: Room) -> None:
    """POST /api/scripts/check returns the run sheet, or the problems with their places."""
    ok = room.client.post("/api/scripts/check", json={"script": PAIRS})
    assert [row["planned_offset_s"] for row in ok.json()["runsheet"]] == [0, 60, 180]
    bad = room.client.post("/api/scripts/check", json={"script": "id: x\n"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_script"


def test_library_run_sheet_shows_groups_and_capture(room: Room) -> None:
    """The run sheet of a library script, before loading, says how each step groups and captures."""
    rows = room.client.get("/api/scripts/one-two-four-all").json()["runsheet"]
    assert any(
        row["groups"]
        == {"size": 2, "within": "table", "remainder": "trio", "merge": None, "by": None, "from": None, "slot": None}
        for row in rows
    )
    assert all("capture" in row and "optional" in row for row in rows)
