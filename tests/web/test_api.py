from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import ADMIN, Room


def test_creating_an_event_needs_the_admin_secret(client: TestClient) -> None:
    """Without the admin secret no event is created."""
    r = client.post("/api/events", json={"title": "T", "tables": 3}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_admin_secret"
    assert client.get("/api/events", headers={"Authorization": f"Bearer {ADMIN}"}).json() == []


def test_create_event_with_named_tables(client: TestClient) -> None:
    """Tables can be named; ids are their positions."""
    room = Room(client, tables=["Harbour", "Hill"])
    r = client.get(f"/api/join/{room.code.lower()}")
    assert r.json()["tables"] == [{"id": "1", "name": "Harbour"}, {"id": "2", "name": "Hill"}]
    assert room.data["urls"]["console"].endswith(f"/e/{room.id}/console#token={room.facilitator}")


def test_bad_event_bodies_say_what_is_wrong(client: TestClient) -> None:
    """A missing title, too many tables or duplicate names are refused with the field named."""
    auth = {"Authorization": f"Bearer {ADMIN}"}
    r = client.post("/api/events", json={"tables": 3}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "title"
    r = client.post("/api/events", json={"title": "T", "tables": 501}, headers=auth)
    assert r.json()["error"]["code"] == "bad_tables"
    r = client.post("/api/events", json={"title": "T", "tables": ["A", "A"]}, headers=auth)
    assert r.json()["error"]["code"] == "duplicate_table"
    r = client.post("/api/events", json={"title": "T", "tables": "3"}, headers=auth)  # exact JSON types
    assert r.status_code == 422 and r.json()["error"]["field"] == "tables", r.json()
    assert client.get("/api/events", headers=auth).json() == []


def test_a_join_takes_exact_json_types(room: Room) -> None:
    """A table number sent as a number, or a name that is not text, is refused naming the field."""
    r = room.client.post("/api/join", json={"code": room.code, "table_id": 2})
    assert r.status_code == 422 and r.json()["error"]["field"] == "table_id", r.json()
    r = room.client.post("/api/join", json={"code": room.code, "table_id": "2", "name": True})
    assert r.status_code == 422 and r.json()["error"]["field"] == "name", r.json()
    staff = {"Authorization": f"Bearer {room.facilitator}"}
    assert room.client.get(f"/api/events/{room.id}/snapshot", headers=staff).json()["participants"] == []


def test_join_code_is_forgiving_but_checked(room: Room) -> None:
    """Lower case and dashes are fine; a wrong code or table is a clear 404."""
    messy = room.code[:3].lower() + "-" + room.code[3:].lower()
    r = room.client.post("/api/join", json={"code": messy, "table_id": "2", "name": "Ana"})
    assert r.status_code == 201 and r.json()["table_id"] == "2"
    r = room.client.post("/api/join", json={"code": "ZZZZZZ", "table_id": "2"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_code"
    r = room.client.post("/api/join", json={"code": room.code, "table_id": "99"})
    assert r.status_code == 404 and r.json()["error"]["field"] == "table_id"


def test_commands_over_http_follow_the_same_rules(room: Room) -> None:
    """HTTP commands are checked like websocket ones: roles, shapes, and read-only tokens."""
    phone = room.join("1")
    assert room.command(phone["token"], type="step.push", text="Q").json()["error"]["code"] == "facilitator_only"
    assert room.command(room.organiser, type="step.push", text="Q").status_code == 403
    r = room.command(room.facilitator, type="step.push", text="Q", duration_s="ten minutes")
    assert r.status_code == 400 and r.json()["error"]["field"] == "duration_s"
    r = room.command(room.facilitator, type="step.dance")
    assert r.status_code == 400
    assert room.command(room.facilitator, type="step.push", text="Q").json()["step_id"] == "s3"


def test_oversize_body_is_refused(room: Room) -> None:
    """A body over 64 KiB is refused before it is parsed."""
    r = room.command(room.facilitator, type="step.push", text="x" * 70_000)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_token_of_another_event_is_refused(client: TestClient) -> None:
    """A facilitator token only works on its own event."""
    one, two = Room(client), Room(client)
    r = client.post(
        f"/api/events/{two.id}/commands",
        json={"type": "step.push", "text": "Q"},
        headers={"Authorization": f"Bearer {one.facilitator}"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_event"


def test_transcript_pages_and_never_holds_tokens(room: Room) -> None:
    """The organiser reads JSON Lines pages by seq; tokens never appear in entries."""
    phone = room.join("1", "Ana")
    room.command(room.facilitator, type="step.push", text="Q")
    room.command(phone["token"], type="idea.submit", client_id="a", text="Night buses")
    auth = {"Authorization": f"Bearer {room.organiser}"}
    first = room.client.get(f"/api/events/{room.id}/transcript?after=0&limit=2", headers=auth)
    lines = [json.loads(line) for line in first.text.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2] and first.headers["X-Next-After"] == "2"
    rest = room.client.get(f"/api/events/{room.id}/transcript?after=2", headers=auth).text
    assert [json.loads(line)["kind"] for line in rest.splitlines()] == ["step.pushed", "idea.submitted"]
    everything = first.text + rest
    for token in (phone["token"], room.facilitator, room.organiser, room.wall):
        assert token not in everything
    r = room.client.get(f"/api/events/{room.id}/transcript", headers={"Authorization": f"Bearer {phone['token']}"})
    assert r.status_code == 403


def test_qr_code_is_an_svg_of_the_join_url(room: Room) -> None:
    """The per-table QR code is an SVG; an unknown table is a 404."""
    r = room.client.get(f"/api/events/{room.id}/qr.svg?table=2")
    assert r.headers["content-type"].startswith("image/svg+xml") and r.text.startswith("<svg")
    assert r.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and f"code={room.code}&amp;table=2" in r.text
    assert room.client.get(f"/api/events/{room.id}/qr.svg?table=9").status_code == 404


def test_healthz(client: TestClient) -> None:
    """The health check answers ok."""
    assert client.get("/healthz").text == "ok"


def test_facilitator_makes_fresh_wall_and_organiser_links(room: Room) -> None:
    """New links carry new tokens with their own roles; a participant cannot make them."""
    r = room.client.post(f"/api/events/{room.id}/links", headers={"Authorization": f"Bearer {room.facilitator}"})
    assert r.status_code == 201
    wall_token = r.json()["wall"].split("#token=")[1]
    snap = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {wall_token}"})
    assert snap.status_code == 200 and "participants" not in snap.json()  # the wall's view, not the facilitator's
    phone = room.join("1")
    r = room.client.post(f"/api/events/{room.id}/links", headers={"Authorization": f"Bearer {phone['token']}"})
    assert r.status_code == 403


def test_metrics_speak_prometheus(room: Room) -> None:
    """/metrics reports connections, committed entries and commit latency in Prometheus text format."""
    room.command(room.facilitator, type="step.push", text="Q")
    text = room.client.get("/metrics").text
    assert "# TYPE wholeroom_connections gauge" in text
    assert "wholeroom_entries_committed_total" in text and "wholeroom_commit_seconds_bucket" in text
    assert "# TYPE wholeroom_sends_waited_total counter" in text
    documented = re.findall(
        r"^\| `(wholeroom_\w+)", (Path(__file__).parents[2] / "docs" / "operations.md").read_text(), re.M
    )
    exposed = {m.removesuffix("_total") for m in re.findall(r"^# TYPE (wholeroom_\w+)", text, re.M)}
    exposed = {m for m in exposed if not m.endswith("_created")}  # (the client library's own timestamps)
    assert {d.removesuffix("_total") for d in documented} == exposed  # docs/operations.md lists every metric
    assert re.search(r'^wholeroom_broker_connected\{worker="\d+"\} 1\.0$', text, re.M)
