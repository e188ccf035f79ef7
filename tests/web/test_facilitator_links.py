"""Named facilitator links: the organiser issues one ("Ana – co-facilitator"), lists and revokes it;
what it does carries its name (the room's flow, a stale_flow refusal, the consoles' presence), and
once revoked it stops at once: refused over HTTP, its open console told why and closed."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.conftest import Room

from .test_ws import hello

ANA = "Ana – co-facilitator"


def links(room: Room, method: str = "GET", path: str = "", token: str | None = None, **body: Any) -> Any:
    return room.client.request(
        method,
        f"/api/events/{room.id}/facilitators{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {token or room.organiser}"},
    )


def issue(room: Room, name: str) -> dict[str, Any]:
    r = links(room, "POST", name=name)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def token_of(made: dict[str, Any]) -> str:
    return str(made["link"].split("#token=", 1)[1])


def presence_with(ws: WebSocketTestSession, facilitators: int) -> dict[str, Any]:
    """The first presence message that counts ``facilitators`` facilitator screens."""
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == "presence" and message["facilitators"] == facilitators:
            return message


def test_the_organiser_issues_and_lists_named_links(room: Room) -> None:
    made = issue(room, f"  {ANA} ")
    assert made["name"] == ANA and made["link"].endswith(f"/e/{room.id}/console#token={token_of(made)}")
    listed = links(room).json()["links"]
    assert [(link["name"], link["revoked_at"]) for link in listed] == [(None, None), (ANA, None)]
    assert listed[1]["id"] == made["id"] and "link" not in listed[1]  # the link itself is shown once
    taken = links(room, "POST", name=ANA)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "name_taken")
    blank = links(room, "POST", name="   ")
    assert (blank.status_code, blank.json()["error"]["field"]) == (400, "name")
    assert links(room, "POST", name="x" * 41).status_code in (400, 422)
    assert links(room, "POST", token=room.facilitator, name="Bo").status_code == 403  # the organiser's to give
    assert links(room, token=room.wall).status_code == 403
    assert len(links(room).json()["links"]) == 2  # nothing was made by the refusals


def test_a_named_link_drives_the_room_under_its_name(room: Room) -> None:
    ana = token_of(issue(room, ANA))
    with room.client.websocket_connect("/ws") as first, room.client.websocket_connect("/ws") as hers:
        hello(first, room.facilitator)
        hello(hers, ana)
        drivers = presence_with(first, 2)["drivers"]
        assert drivers == [ANA, None]  # the console names who else is driving
    pushed = room.command(ana, type="step.push", text="Warm up", expect_flow_seq=0)
    assert pushed.status_code == 200, pushed.text
    stale = room.command(room.facilitator, type="step.push", text="Something else", expect_flow_seq=0)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_flow" and f"by {ANA}" in error["message"]
    assert error["flow"]["actor"] == f"facilitator:{ANA}"
    snapshot = room.client.get(
        f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"}
    ).json()
    assert snapshot["flow"]["actor"] == f"facilitator:{ANA}"


def test_a_revoked_link_stops_at_once_and_its_console_closes(room: Room) -> None:
    made = issue(room, ANA)
    ana = token_of(made)
    assert room.command(ana, type="step.push", text="Warm up").status_code == 200
    with room.client.websocket_connect("/ws") as console:
        hello(console, ana)
        revoked = links(room, "DELETE", f"/{made['id']}")
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None
        while (message := console.receive_json())["type"] != "error":
            pass
        assert message["code"] == "link_revoked"
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                console.receive_json()
        assert closed.value.code == 1008
    refused = room.command(ana, type="step.push", text="Again")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "link_revoked")
    with room.client.websocket_connect("/ws") as again:
        again.send_json({"type": "hello", "token": ana})
        assert again.receive_json()["code"] == "link_revoked"
    assert room.command(room.facilitator, type="step.push", text="Still mine").status_code == 200
    assert [link["revoked_at"] is not None for link in links(room).json()["links"]] == [False, True]
    twice = links(room, "DELETE", f"/{made['id']}")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_revoked")
    assert links(room, "DELETE", "/000000000000").status_code == 404
