from __future__ import annotations

from tests.conftest import Room
from tests.web.test_sessions_live import until
from tests.web.test_ws import hello


def test_phones_react_and_the_console_gets_common_ground(room: Room) -> None:
    """Each reaction is acknowledged with the next idea to answer; staff screens receive the analysis."""
    phones = [room.join(str(1 + i % 3)) for i in range(6)]
    room.command(room.facilitator, type="step.push", text="Ideas")
    for n, phone in enumerate(phones):
        room.command(phone["token"], type="idea.submit", client_id=f"c{n}", text=f"Idea {n}")
    room.command(room.facilitator, type="step.push", text="React", react=True)
    with room.client.websocket_connect("/ws") as console, room.client.websocket_connect("/ws") as ws:
        hello(console, room.facilitator)
        hello(ws, phones[0]["token"])
        ws.send_json({"type": "reaction.next", "ref": 1})
        first = until(ws, "reaction")
        assert first["ref"] == 1 and first["idea"]["table_id"] != "1" and first["remaining"] == 5  # not my own
        ws.send_json({"type": "reaction.cast", "idea_id": first["idea"]["id"], "value": "agree"})
        assert until(ws, "ack")["value"] == "agree"
        second = until(ws, "reaction")
        assert second["reacted"] == 1 and second["idea"]["id"] != first["idea"]["id"]
        analysis = until(console, "common_ground")["analysis"]
    assert analysis["level"] == "tallies" and analysis["reactions"] == 1
    assert analysis["tallies"][0]["text"] == first["idea"]["text"]


def test_reacting_outside_a_reaction_step_is_refused(room: Room) -> None:
    """No reaction step running: a clear error, and reaction.next says there is nothing to answer."""
    phone = room.join("1")
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, phone["token"])
        ws.send_json({"type": "reaction.cast", "idea_id": "i1", "value": "agree"})
        assert until(ws, "error")["code"] == "not_reacting"
        ws.send_json({"type": "reaction.next"})
        assert until(ws, "reaction") | {"ref": None} == {
            "type": "reaction",
            "ref": None,
            "step_id": None,
            "idea": None,
            "reacted": 0,
            "remaining": 0,
        }
