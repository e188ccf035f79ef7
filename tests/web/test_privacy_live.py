"""Promises kept on the wire: an anonymous idea names nobody live, on resume, in the transcript, the
exports and replay; an erased person is gone from all of them and the export still verifies."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from starlette.testclient import WebSocketTestSession

from server.domain.transcript_file import read_lines
from server.settings import Settings
from server.transcript_cli import import_transcript
from server.web.app import open_store
from tests.conftest import Room

from .test_ws import hello

ANONYMOUS = """
id: anon
title: Said freely
method: {name: Test, origin: Us}
steps:
  - {id: s, kind: ideas, duration: 5m, capture: {who: each, attribution: anonymous}}
"""


def start(room: Room) -> None:
    loaded = room.command(room.facilitator, type="session.load", script=ANONYMOUS).json()
    assert room.command(room.facilitator, type="session.next", session_id=loaded["session_id"]).status_code == 200


def next_entry(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == "entry" and message["kind"] == kind:
            return message


def get(room: Room, path: str, token: str | None = None) -> Any:
    r = room.client.get(f"/api/events/{room.id}{path}", headers={"Authorization": f"Bearer {token or room.organiser}"})
    assert r.status_code == 200, r.text
    return r


def test_an_anonymous_idea_names_its_writer_nowhere(room: Room) -> None:
    ana, bo = room.join("1", name="Ana"), room.join("1", name="Bo")
    start(room)
    with (
        room.client.websocket_connect("/ws") as console,
        room.client.websocket_connect("/ws") as wall,
        room.client.websocket_connect("/ws") as bos_phone,
        room.client.websocket_connect("/ws") as anas_phone,
    ):
        welcome = hello(console, room.facilitator)
        for ws, token in ((wall, room.wall), (bos_phone, bo["token"]), (anas_phone, ana["token"])):
            hello(ws, token)
        r = room.command(ana["token"], type="idea.submit", client_id="c1", text="said freely")
        live = next_entry(console, "idea.submitted")
        assert next_entry(wall, "idea.submitted") == next_entry(bos_phone, "idea.submitted") == live
        assert next_entry(anas_phone, "idea.submitted")["payload"]["participant_id"] == ana["participant_id"]
    assert (live["actor"], live["payload"]["participant_id"], live["payload"]["client_id"]) == (
        "participant",
        None,
        None,
    )
    with room.client.websocket_connect("/ws") as console:  # resuming from before the idea
        hello(console, room.facilitator, after=welcome["seq"])
        resumed = next_entry(console, "idea.submitted")
    assert resumed == live
    pid = ana["participant_id"]
    transcript = get(room, "/transcript").text
    assert '"said freely"' in transcript and f"participant:{pid}" not in transcript.split("idea.submitted")[1]
    exported = get(room, "/export?format=jsonl").text
    submitted = next(json.loads(line) for line in exported.splitlines() if '"idea.submitted"' in line)
    assert (submitted["actor"], submitted["payload"]["participant_id"]) == ("participant", None)
    read_lines(exported.splitlines(keepends=True))  # still verifies
    ideas = list(csv.DictReader(io.StringIO(get(room, "/export?format=csv").text.lstrip("\ufeff"))))
    assert ideas[0]["author"] == "(anonymous)"
    replayed = get(room, f"/replay/state?seq={r.json()['seq']}").json()["snapshot"]["ideas"]
    assert replayed[0]["participant_id"] is None
    assert get(room, "/snapshot", room.facilitator).json()["ideas"][0]["participant_id"] is None
    mine = get(room, "/mine", ana["token"]).json()  # the writer still has their own
    assert [i["text"] for i in mine["ideas"]] == ["said freely"]


def test_an_organiser_erases_a_person_everywhere_and_the_export_still_verifies(room: Room) -> None:
    ana, bo = room.join("1", name="Ana Example"), room.join("1", name="Bo")
    room.command(room.facilitator, type="step.push", text="What matters?")
    room.command(ana["token"], type="idea.submit", client_id="c1", text="Ana's night buses")
    room.command(bo["token"], type="idea.submit", client_id="c2", text="Bo's parks")
    before = get(room, "/export?format=jsonl").text.splitlines(keepends=True)
    refused = room.command(room.facilitator, type="participant.erase", participant_id=ana["participant_id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "organiser_only"
    with room.client.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        r = room.command(room.organiser, type="participant.erase", participant_id=ana["participant_id"])
        assert r.status_code == 200, r.text
        fresh = console.receive_json()
        while fresh["type"] != "welcome":  # (a presence count may come first)
            fresh = console.receive_json()
    assert fresh["type"] == "welcome" and "Ana" not in json.dumps(fresh)  # screens start again without her
    after = get(room, "/export?format=jsonl").text
    for output in (after, get(room, "/transcript").text, get(room, "/export?format=csv").text):
        assert "Ana" not in output and "Bo's parks" in output
    for fmt in ("md", "html"):
        assert "Ana" not in get(room, f"/export?format={fmt}").text
    rebuilt = read_lines(after.splitlines(keepends=True))
    assert rebuilt.state.participants[ana["participant_id"]].name is None
    chains = [json.loads(line)["chain"] for line in before[1:]]
    assert [json.loads(line)["chain"] for line in after.splitlines()[1 : len(before)]] == chains
    again = room.command(room.organiser, type="participant.erase", participant_id=ana["participant_id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_erased"


def test_an_export_with_anonymous_and_erased_ideas_imports_into_another_database(room: Room, tmp_path: Path) -> None:
    ana, bo = room.join("1", name="Ana"), room.join("1", name="Bo")
    start(room)
    for who, n in ((ana, 1), (ana, 2), (bo, 3)):  # two anonymous ideas of one writer, one of another
        assert room.command(who["token"], type="idea.submit", client_id=f"c{n}", text=f"idea {n}").status_code == 200
    erased = room.command(room.organiser, type="participant.erase", participant_id=bo["participant_id"])
    assert erased.status_code == 200
    path = tmp_path / "event.jsonl"
    path.write_text(get(room, "/export?format=jsonl").text)
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/other.db"))
    try:
        event_id, _, digest, _ = import_transcript(store, path, progress=False)
        assert [i.text for i in store.ideas(event_id)] == ["idea 1", "idea 2", "idea 3"]  # anonymous: kept
        assert {i.participant_id for i in store.ideas(event_id)} == {""}  # nobody knows who wrote them
    finally:
        store.engine.dispose()
    assert digest == json.loads(path.read_text().splitlines()[0])["digest"]
