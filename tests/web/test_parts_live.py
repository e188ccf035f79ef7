"""Parts of the system over HTTP and the websocket: declared at creation or later, said when joining,
counted for staff, counts only for the wall, and nobody else's on a phone."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN, Room

from .test_privacy_live import get, next_entry
from .test_ws import hello

SYSTEM = [{"name": "Residents", "target": 40}, {"name": "GPs", "target": 8}, {"name": "Young people"}]


def create(client: TestClient, **extra: Any) -> Any:
    body = {"title": "Our town", "tables": 3, **extra}
    return client.post("/api/events", json=body, headers={"Authorization": f"Bearer {ADMIN}"})


def room_with_parts(client: TestClient) -> Room:
    room = Room(client)
    assert room.command(room.facilitator, type="event.parts_set", parts=SYSTEM).status_code == 200
    return room


def join(room: Room, parts: Any, table_id: str = "1") -> Any:
    return room.client.post("/api/join", json={"code": room.code, "table_id": table_id, "parts": parts})


def test_parts_declared_at_creation_are_offered_to_people_joining(client: TestClient) -> None:
    r = create(client, parts=SYSTEM)
    assert r.status_code == 201, r.text
    lookup = client.get(f"/api/join/{r.json()['join_code']}").json()
    assert lookup["parts"] == [
        {"id": "residents", "name": "Residents"},
        {"id": "gps", "name": "GPs"},
        {"id": "young_people", "name": "Young people"},
    ]


def test_bad_parts_at_creation_name_the_field_and_make_no_event(client: TestClient) -> None:
    before = client.get("/api/events", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    r = create(client, parts=[{"name": "GPs"}, {"name": "GPs", "target": 3}])
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "parts[1].name" and r.json()["error"]["code"] == "duplicate_part"
    r = create(client, parts=[{"name": "GPs", "target": 20_000}])
    assert r.json()["error"]["field"] == "parts[0].target"
    r = create(client, parts=["GPs"])
    assert r.status_code == 422 and r.json()["error"]["field"].startswith("parts.0")
    assert client.get("/api/events", headers={"Authorization": f"Bearer {ADMIN}"}).json() == before


def test_joining_with_a_part_the_event_did_not_declare_is_refused_naming_it(client: TestClient) -> None:
    room = room_with_parts(client)
    r = join(room, ["residents", "dentists"])
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "unknown_part" and error["field"] == "parts" and "'dentists'" in error["message"]
    assert join(room, ["gps", "prefer_not_to_say"]).json()["error"]["code"] == "bad_parts"
    assert join(room, "gps").status_code == 422
    with room.client.websocket_connect("/ws") as console:
        assert hello(console, room.facilitator)["snapshot"]["participants"] == []  # nobody joined


def test_people_say_and_change_their_parts_and_staff_see_the_coverage(client: TestClient) -> None:
    room = room_with_parts(client)
    ana = join(room, ["residents", "young_people"]).json()
    bo = join(room, ["prefer_not_to_say"], table_id="2").json()
    assert room.command(ana["token"], type="participant.parts_set", parts=["gps"]).json()["parts"] == ["gps"]
    other = room.command(bo["token"], type="participant.parts_set", participant_id=ana["participant_id"], parts=[])
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_yourself"
    assert room.command(room.wall, type="participant.parts_set", parts=["gps"]).status_code == 403
    assert room.command(room.organiser, type="event.parts_set", parts=SYSTEM[:2]).status_code == 200  # organiser may
    with room.client.websocket_connect("/ws") as console:
        snap = hello(console, room.facilitator)["snapshot"]
    assert {p["id"]: p["parts"] for p in snap["participants"]} == {
        ana["participant_id"]: ["gps"],
        bo["participant_id"]: ["prefer_not_to_say"],
    }
    rows = {r["id"]: (r["joined"], r["missing"]) for r in snap["coverage"]["parts"]}
    assert rows == {"residents": (0, 40), "gps": (1, 7)}
    assert snap["coverage"]["prefer_not_to_say"] == 1


def test_the_wall_and_other_phones_never_learn_a_persons_parts(client: TestClient) -> None:
    room = room_with_parts(client)
    bo = join(room, [], table_id="1").json()
    with (
        room.client.websocket_connect("/ws") as wall,
        room.client.websocket_connect("/ws") as bos_phone,
        room.client.websocket_connect("/ws") as console,
    ):
        hello(wall, room.wall)
        hello(bos_phone, bo["token"])
        hello(console, room.facilitator)
        ana = join(room, ["gps"], table_id="1").json()
        on_wall = next_entry(wall, "participant.joined")
        assert "parts" not in on_wall["payload"] and on_wall["payload"]["participant_id"] == ana["participant_id"]
        assert next_entry(console, "participant.joined")["payload"]["parts"] == ["gps"]
        room.command(ana["token"], type="participant.parts_set", parts=["gps", "residents"])
        assert next_entry(console, "participant.parts_set")["payload"]["parts"] == ["gps", "residents"]
        room.command(room.facilitator, type="step.push", text="What matters?")
        room.command(ana["token"], type="idea.submit", client_id="c1", text="Evening surgeries")
        wall_seen = [json.dumps(next_entry(wall, "idea.submitted"))]
        phone_seen = [json.dumps(next_entry(bos_phone, "idea.submitted"))]
    for seen in (wall_seen, phone_seen):
        assert all("gps" not in text and "residents" not in text for text in seen)
    with room.client.websocket_connect("/ws") as wall:
        snap = hello(wall, room.wall)["snapshot"]
    assert snap["presence"] == {"residents": {"1": 1}, "gps": {"1": 1}, "young_people": {}}
    assert "participants" not in snap and "coverage" not in snap
    with room.client.websocket_connect("/ws") as phone:
        snap = hello(phone, bo["token"])["snapshot"]
    assert "presence" not in snap and snap["me"]["parts"] == []
    transcript = get(room, "/transcript", room.organiser).text  # staff read it whole
    assert '"parts":["gps","residents"]' in transcript.replace(" ", "")


def test_the_wall_gets_counts_per_table_in_presence_and_a_room_slide(client: TestClient) -> None:
    room = Room(client)
    refused = room.command(room.facilitator, type="wall.show", slide="room")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_parts"
    assert room.command(room.facilitator, type="event.parts_set", parts=SYSTEM).status_code == 200
    with room.client.websocket_connect("/ws") as wall:
        hello(wall, room.wall)
        join(room, ["gps", "residents"], table_id="2")
        while True:
            message = wall.receive_json()
            if message["type"] == "presence" and message.get("parts", {}).get("gps"):
                break
        assert message["parts"] == {"residents": {"2": 1}, "gps": {"2": 1}, "young_people": {}}
        assert set(message) == {"type", "connected", "joined", "staff", "facilitators", "drivers", "parts"}
    assert room.command(room.facilitator, type="wall.show", slide="room").json()["slide"] == "room"
