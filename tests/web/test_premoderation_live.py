"""Pre-moderation on the wire: a held idea reaches the console, its writer and its table's host, never
the wall or the other phones, until a moderator lets it through; then it arrives everywhere its
visibility allows, with the approval."""

from __future__ import annotations

from typing import Any

from starlette.testclient import WebSocketTestSession

from tests.conftest import Room
from tests.domain.test_premoderation import HOSTED  # the script whose table host lets ideas through

from .test_ws import hello


def entries_until(ws: WebSocketTestSession, kind: str) -> list[dict[str, Any]]:
    """The entries ``ws`` receives up to and including the first of ``kind``."""
    seen = []
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == "entry":
            seen.append(message)
            if message["kind"] == kind:
                return seen


def snapshot_ideas(room: Room, token: str) -> list[dict[str, Any]]:
    r = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    ideas: list[dict[str, Any]] = r.json()["ideas"]
    return ideas


def test_the_wall_gets_a_held_idea_only_once_the_facilitator_lets_it_through(room: Room) -> None:
    ana, bo = room.join("1", name="Ana"), room.join("1", name="Bo")
    pushed = room.command(room.facilitator, type="step.push", text="Any worries?", premoderate=True)
    assert pushed.status_code == 200, pushed.text
    with (
        room.client.websocket_connect("/ws") as console,
        room.client.websocket_connect("/ws") as wall,
        room.client.websocket_connect("/ws") as bos_phone,
        room.client.websocket_connect("/ws") as anas_phone,
    ):
        hello(console, room.facilitator)
        for ws, token in ((wall, room.wall), (bos_phone, bo["token"]), (anas_phone, ana["token"])):
            hello(ws, token)
        sent = room.command(ana["token"], type="idea.submit", client_id="c1", text="The crossing is unsafe")
        assert sent.json()["pending"] is True
        idea_id = sent.json()["idea_id"]
        queued = entries_until(console, "idea.submitted")[-1]
        assert queued["payload"]["pending"] is True and queued["payload"]["text"] == "The crossing is unsafe"
        own = entries_until(anas_phone, "idea.submitted")[-1]  # the writer sees it, waiting
        assert own["payload"]["pending"] is True
        assert [i["id"] for i in snapshot_ideas(room, room.wall)] == []
        assert [i["pending"] for i in snapshot_ideas(room, room.facilitator)] == [True]

        approve = room.command(room.facilitator, type="idea.approve", idea_id=idea_id)
        assert approve.status_code == 200, approve.text
        on_wall = entries_until(wall, "idea.approved")
        assert [e["kind"] for e in on_wall if e["kind"].startswith("idea.")] == ["idea.approved"]
        assert on_wall[-1]["payload"]["text"] == "The crossing is unsafe"
        at_table = entries_until(bos_phone, "idea.approved")
        assert [e["kind"] for e in at_table if e["kind"].startswith("idea.")] == ["idea.approved"]
        assert entries_until(console, "idea.approved")[-1]["payload"] == {"idea_id": idea_id, "table_id": "1"}
        assert entries_until(anas_phone, "idea.approved")[-1]["payload"]["idea_id"] == idea_id
    assert [i["text"] for i in snapshot_ideas(room, room.wall)] == ["The crossing is unsafe"]


def test_a_table_host_lets_through_only_their_own_tables_ideas(room: Room) -> None:
    host1, ana = room.join("1", name="Hana"), room.join("1", name="Ana")
    host2, bo = room.join("2", name="Hugo"), room.join("2", name="Bo")
    session = room.command(room.facilitator, type="session.load", script=HOSTED).json()["session_id"]
    for host in (host1, host2):
        assert room.command(host["token"], type="role.volunteer", role="table_host").status_code == 200
    assert room.command(room.facilitator, type="session.next", session_id=session).status_code == 200
    mine = room.command(ana["token"], type="idea.submit", client_id="a1", text="Slower traffic").json()["idea_id"]
    theirs = room.command(bo["token"], type="idea.submit", client_id="b1", text="Wider pavements").json()["idea_id"]
    # the host's phone holds their own table's queue, and nothing from the other table
    assert [(i["text"], i["pending"]) for i in snapshot_ideas(room, host1["token"])] == [("Slower traffic", True)]
    assert [i["text"] for i in snapshot_ideas(room, bo["token"])] == ["Wider pavements"]  # his own, waiting

    elsewhere = room.command(host1["token"], type="idea.approve", idea_id=theirs)
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (403, "not_your_table")
    not_host = room.command(ana["token"], type="idea.approve", idea_id=mine)
    assert not_host.status_code == 403
    wall = room.command(room.wall, type="idea.approve", idea_id=mine)
    assert (wall.status_code, wall.json()["error"]["code"]) == (403, "read_only")
    assert room.command(host1["token"], type="idea.approve", idea_id=mine).status_code == 200
    assert [i["text"] for i in snapshot_ideas(room, room.wall)] == ["Slower traffic"]
    assert room.command(host2["token"], type="idea.hide", idea_id=theirs).status_code == 403  # the facilitator's
    assert [i["text"] for i in snapshot_ideas(room, room.wall)] == ["Slower traffic"]
