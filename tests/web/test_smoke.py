from __future__ import annotations

from tests.conftest import Room


def test_idea_reaches_table_and_staff(room: Room) -> None:
    """An idea typed at table 1 reaches the wall and table 1's phones, not table 2's."""
    a = room.join("1", "Ana")
    b = room.join("2")
    client = room.client
    with (
        client.websocket_connect("/ws") as wall,
        client.websocket_connect("/ws") as pa,
        client.websocket_connect("/ws") as pb,
    ):
        wall.send_json({"type": "hello", "token": room.wall})
        pa.send_json({"type": "hello", "token": a["token"]})
        pb.send_json({"type": "hello", "token": b["token"]})
        for ws in (wall, pa, pb):
            assert ws.receive_json()["type"] == "welcome"
        r = room.command(room.facilitator, type="step.push", text="What matters?", duration_s=300)
        assert r.status_code == 200, r.text
        for ws in (wall, pa, pb):
            msg = ws.receive_json()
            assert msg["kind"] == "step.pushed"
        pa.send_json({"type": "idea.submit", "client_id": "c1", "text": "Night buses", "ref": 7})
        got = [pa.receive_json(), pa.receive_json()]
        assert {m["type"] for m in got} == {"ack", "entry"}
        assert wall.receive_json()["payload"]["text"] == "Night buses"
        pb.send_json({"type": "ping"})
        assert pb.receive_json()["type"] == "pong"
