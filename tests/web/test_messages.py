"""The server's messages have one written shape (server/web/messages.py): the committed JSON Schema is
generated from it, and what a live scripted event really sends over the websocket, to the
facilitator, the organiser, the wall and a phone, validates against it. The HTTP snapshot and the
welcome's carry the same fields for the same viewer."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.testclient import WebSocketTestSession

from server.settings import Settings
from server.web import schema
from server.web.app import create_app
from server.web.messages import ModeratorSnapshot, PhoneSnapshot, ServerMessage, WallSnapshot
from tests.conftest import ADMIN, Room
from tests.web.test_themes_live import GREEN, TRANSPORT

MESSAGES: TypeAdapter[Any] = TypeAdapter(ServerMessage)
SNAPSHOTS: dict[str, type[BaseModel]] = {
    "facilitator": ModeratorSnapshot,
    "organiser": ModeratorSnapshot,
    "wall": WallSnapshot,
    "phone": PhoneSnapshot,
}
SCRIPT = """
id: typed
title: Ideas, then two votes
method: {name: Test, origin: Us}
params: {question: "What would make this town better?"}
steps:
  - {id: one, kind: ideas, duration: 5m, question: "{question}", capture: {who: each}}
  - {id: open, kind: vote, method: agree_disagree_pass, options: {from: one}, reveal: live, duration: 2m}
  - {id: sealed, kind: vote, method: agree_disagree_pass, options: {from: one}, reveal: end, duration: 2m}
"""
_refs = itertools.count()
AN_ID = re.compile(r"[a-z]?[0-9]+")  # a table, idea, step or participant id as a map's key


def test_the_committed_schema_is_what_the_models_say() -> None:
    """docs/protocol.schema.json is generated from the models: run `python -m server.web.schema`."""
    assert schema.SCHEMA_PATH.read_text() == schema.render(), "run: python -m server.web.schema"
    assert schema.main(["--check"]) == 0


def test_the_protocol_doc_names_every_message_the_models_type() -> None:
    """Each message type of the models has its row in docs/protocol.md, which points at the schema."""
    protocol = (Path(schema.__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    types = schema.schema()["discriminator"]["mapping"]
    assert len(types) >= 12
    for kind in types:
        assert f"| `{kind}` |" in protocol, kind
    assert "protocol.schema.json" in protocol


class Screen:
    """One socket, keeping everything it received."""

    def __init__(self, ws: WebSocketTestSession, who: str, token: str) -> None:
        self.ws, self.who = ws, who
        self.got: list[dict[str, Any]] = []
        ws.send_json({"type": "hello", "token": token})
        self.welcome = self.until("welcome")

    def until(self, kind: str, wanted: Callable[[dict[str, Any]], bool] = lambda _m: True) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = self.ws.receive_json()
            self.got.append(message)
            if message["type"] == kind and wanted(message):
                return message

    def send(self, **message: Any) -> dict[str, Any]:
        """Send a message and wait for its answer (an ack, error, pong or reaction with its ref)."""
        ref = f"r{next(_refs)}"
        self.ws.send_json({**message, "ref": ref})
        return self._answer(ref, ("ack", "error", "pong", "reaction"))

    def _answer(self, ref: str, answers: tuple[str, ...]) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = self.ws.receive_json()
            self.got.append(message)
            if message.get("ref") == ref and message["type"] in answers:
                return message

    def settle(self) -> None:
        """Everything sent to this screen so far is received (a ping's pong comes after it)."""
        assert self.send(type="ping")["type"] == "pong"


@pytest.fixture
def themed(tmp_path: Path) -> Iterator[TestClient]:
    pytest.importorskip("tokenizers")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=True, encoder="wordllama")
    with TestClient(create_app(settings)) as client:
        yield client


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_what_a_scripted_event_sends_every_screen_matches_the_models(themed: TestClient) -> None:
    """Parts declared, a script of ideas and two votes (one sealed), themes named, reactions, a bad
    command, a stale one, a hidden idea, the join slide, a phone moved, action groups, a follow-up
    round after the close: every message each screen
    receives validates, every welcome's snapshot as its viewer's model, and each of the twelve
    message types is seen at least once."""
    room = Room(themed, tables=3)
    fac = room.facilitator
    ok(room.command(fac, type="event.parts_set", parts=[{"name": "Residents", "target": 2}, {"name": "GPs"}]))
    ann, bo, cy = room.join("1", "Ann"), room.join("2", "Bo"), room.join("3")
    ok(room.command(ann["token"], type="participant.parts_set", parts=["residents"]))
    connect = themed.websocket_connect
    with (
        connect("/ws") as w1,
        connect("/ws") as w2,
        connect("/ws") as w3,
        connect("/ws") as w4,
    ):
        console, organiser = Screen(w1, "facilitator", fac), Screen(w2, "organiser", room.organiser)
        wall, phone = Screen(w3, "wall", room.wall), Screen(w4, "phone", ann["token"])
        screens = (console, organiser, wall, phone)

        session = ok(room.command(fac, type="session.load", script=SCRIPT))["session_id"]
        ok(room.command(fac, type="session.next", session_id=session))
        mine = phone.send(type="idea.submit", client_id="a0", text=TRANSPORT[0])["idea_id"]
        phone.send(type="idea.submit", client_id="b0", text=GREEN[0])
        for n, person in ((1, bo), (2, cy)):
            ok(room.command(person["token"], type="idea.submit", client_id=f"a{n}", text=TRANSPORT[n]))
            ok(room.command(person["token"], type="idea.submit", client_id=f"b{n}", text=GREEN[n]))
        themes = console.until("themes", lambda m: len(m["themes"]) >= 2 and not m["unthemed"])
        ours = next(t for t in themes["themes"] if mine in t["idea_ids"])
        ok(room.command(fac, type="theme.rename", theme_id=ours["id"], label="Getting home"))
        phone.until("idea_themes", lambda m: mine in m["themes"])  # a named theme is told to phones

        flow = ok(room.command(fac, type="session.next", session_id=session))  # the open vote
        stale = console.send(type="session.next", session_id=session, expect_flow_seq=flow["flow_seq"] - 1)
        assert stale["code"] == "stale_flow" and stale["flow"] is not None
        phone.send(type="vote.cast", step_id=flow["step_id"], ballot={mine: "agree"})
        console.until("results")
        with connect("/ws") as w5:  # a phone's snapshot at a vote: its options, ballot and results
            voting = Screen(w5, "phone", ann["token"])
            assert voting.welcome["snapshot"]["ballot"] == {mine: "agree"}
        sealed = ok(room.command(fac, type="session.next", session_id=session))
        ok(room.command(bo["token"], type="vote.cast", step_id=sealed["step_id"], ballot={mine: "disagree"}))
        wall.until("turnout")

        ok(room.command(fac, type="step.push", text="React to the ideas", react=True))
        offered = phone.send(type="reaction.next")
        assert offered["type"] == "reaction" and offered["idea"] is not None
        assert phone.send(type="reaction.cast", idea_id=offered["idea"]["id"], value="agree")["type"] == "ack"
        for person in (bo, cy):
            nxt = ok(room.command(person["token"], type="reaction.next"))
            ok(room.command(person["token"], type="reaction.cast", idea_id=nxt["idea"]["id"], value="pass"))
        console.until("common_ground")

        assert phone.send(type="step.push", text="Mine now")["code"] == "facilitator_only"
        ok(room.command(fac, type="idea.hide", idea_id=mine, reason="a test"))
        ok(room.command(fac, type="wall.show", slide="join"))
        ok(room.command(fac, type="participant.seat", participant_id=ann["participant_id"], table_id="2"))
        phone.until("welcome")
        groups = ok(room.command(fac, type="actions.form", source="hand", titles=["Buses", "Parks"]))["group_ids"]
        assert phone.send(type="action.join", group_id=groups[0])["type"] == "ack"  # after its fresh welcome:
        assert [m for m in phone.got if m["type"] == "welcome" and (m["snapshot"] or {}).get("my_action")]
        ok(room.command(fac, type="event.close"))
        ok(room.command(room.organiser, type="followup.open", question="What has happened since?"))
        for screen in screens:
            screen.settle()

    seen: set[str] = set()
    for screen in (*screens, voting):
        for message in screen.got:
            MESSAGES.validate_python(message)
            seen.add(message["type"])
            if message["type"] == "welcome" and message["snapshot"] is not None:
                SNAPSHOTS[screen.who].model_validate(message["snapshot"])
    assert seen == {
        "welcome", "entry", "ack", "error", "pong", "reaction", "presence",
        "common_ground", "themes", "idea_themes", "results", "turnout",
    }  # fmt: skip

    # the HTTP snapshot and a welcome carry the same fields for the same viewer
    tokens = {"facilitator": fac, "organiser": room.organiser, "wall": room.wall, "phone": ann["token"]}
    answers: dict[str, dict[str, Any]] = {}
    for who, token in tokens.items():
        with connect("/ws") as ws:
            welcome = Screen(ws, who, token).welcome["snapshot"]
        answer = ok(themed.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {token}"}))
        SNAPSHOTS[who].model_validate(answer)
        assert shape(answer) == shape(welcome), who
        answers[who] = answer
    with pytest.raises(ValidationError, match="participants"):  # the models tell the screens apart
        WallSnapshot.model_validate(answers["facilitator"])


def shape(value: Any) -> Any:
    """The fields of an object and of the objects inside it; maps by id (tables, ideas) count as one."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.setdefault("<id>" if AN_ID.fullmatch(key) else key, shape(item))
        return out
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return None
