"""The authorisation matrix, cell by cell, on a real server: every column (a role, or a token that
must not reach the event) against every route and every command. What each cell should do comes
from the declarations (server/domain/access.py, ``allow(...)`` on each route) through
server/web/matrix.py, never from a table written here. Allowed cells answer anything but 401/403
(and never 5xx); refused cells answer 401/403 and change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.websockets import WebSocketDisconnect

from server.domain.access import COMMANDS, EVENT_TOKENS
from server.domain.commands import COMMAND_TYPES
from server.settings import Settings
from server.web.app import create_app
from server.web.dispatch import READS
from server.web.matrix import Column, allowed, routes
from tests.backends import REDIS, postgres_database, redis_prefix, require_servers
from tests.conftest import ADMIN, Room

ROOT = Path(__file__).resolve().parents[2]
SERVER_CODE = "\n".join(p.read_text() for p in (ROOT / "server").rglob("*.py"))
# the codes a refusal can carry over the websocket (which has no status): every Forbidden and Unauthorized
REFUSED_CODES = set(re.findall(r'(?:Forbidden|Unauthorized)\(\s*"([a-z_]+)"', SERVER_CODE))

POLICY_CLOSES = (1008, 4403)  # refused at hello; 4403: a removed participant (docs/protocol.md)
# what each probe sends: path parameters, bodies and queries (the matrix says who may send them)
PATH_VALUES = {
    "code": "{code}",
    "script_id": "world-cafe",
    "screen": "phone",
    "path": "live.js",
    "theme_id": "t-i1",
    "link_id": "000000000000",
}
PROBES: dict[str, dict[str, Any]] = {
    "POST /api/events": {"json": {"title": "Another town", "tables": 2}},
    "POST /api/join": {"json": {"code": "{code}", "table_id": "1", "name": "Ann"}},
    "POST /api/events/{event_id}/commands": {"json": {"type": "no.such_command"}},  # commands: their own rows
    "POST /api/scripts/check": {"json": {"script": "title: Probe\nsteps: []\n"}},
    "POST /api/events/{event_id}/facilitators": {"json": {"name": "Probe"}},
    "GET /api/events/{event_id}/replay/state": {"params": {"seq": 1}},
    "GET /api/events/{event_id}/replay/themes": {"params": {"seq": 1}},
    "PUT /api/events/{event_id}/action-contact": {"json": {"email": "ann@example.org"}},  # in no group: a conflict
}
SAMPLES: dict[str, dict[str, Any]] = {  # each aims at table 1's step, ideas and participant
    "idea.submit": {"client_id": "probe", "text": "Shade on the square", "step_id": "{S1}"},
    "step.push": {"text": "What else?"},
    "step.extend": {"step_id": "{S1}", "seconds": 30},
    "step.end": {"step_id": "{S1}"},
    "idea.hide": {"idea_id": "{I1}"},
    "idea.restore": {"idea_id": "{I2}"},
    "idea.approve": {"idea_id": "{I1}"},  # not waiting: refused as a conflict, to those the rule lets in
    "participant.seat": {"table_id": "3", "participant_id": "{P1}"},
    "participant.role": {"participant_id": "{P1}", "role": "scribe"},
    "participant.remove": {"participant_id": "{P1}", "ideas": "hide"},
    "event.close": {},
    "event.reopen": {},
    "participant.erase": {"participant_id": "{P1}"},
    "event.parts_set": {"parts": [{"name": "Residents", "target": 40}]},
    "participant.parts_set": {"participant_id": "{P1}", "parts": []},  # no parts declared: a conflict
    "session.load": {"library": "world-cafe"},
    "session.next": {"session_id": "x1"},
    "session.back": {"session_id": "x1"},
    "session.skip": {"session_id": "x1"},
    "session.pause": {"session_id": "x1"},
    "session.resume": {"session_id": "x1"},
    "session.goto": {"session_id": "x1", "index": 0},
    "vote.cast": {"step_id": "{S1}", "ballot": ["a"]},
    "topic.post": {"step_id": "{S1}", "title": "Bikes", "slot": "10:00", "space": "A"},
    "topic.join": {"topic_id": "t1"},
    "topic.leave": {"topic_id": "t1"},
    "role.volunteer": {"role": "scribe"},
    "reaction.cast": {"idea_id": "{I1}", "value": "agree"},
    "theme.rename": {"theme_id": "T1", "label": "Green"},
    "theme.merge": {"theme_id": "T1", "merged_theme_ids": ["T2"], "idea_ids": ["{I1}"]},
    "theme.split": {"theme_id": "T1", "new_theme_id": "T9", "idea_ids": ["{I1}"], "remaining_ids": ["{I2}"]},
    "theme.pin": {"theme_id": "T1", "idea_ids": ["{I1}"], "label": "Green"},
    "theme.unpin": {"theme_id": "T1"},
    "theme.move_idea": {"idea_id": "{I1}", "theme_id": "T2"},
    "theme.flag": {"idea_id": "{I1}"},
    "theme.flag_resolve": {"flag_id": "f1", "outcome": "kept"},
    "theme.reveal": {"shown": True},
    "theme.dismiss": {"keys": ["merge:T1+T2"]},
    "wall.show": {"slide": "join"},
    "actions.form": {"source": "hand", "titles": ["Buses"]},
    "action.join": {"group_id": "a1-1"},  # no such group: not found, to those the rule lets in
    "action.leave": {"group_id": "a1-1"},
    "action.convene": {"group_id": "a1-1"},
    "followup.open": {},  # the event is open: a conflict
    "followup.close": {},
    "ping": {},
    "reaction.next": {},
}


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One server per configuration for the whole matrix (each cell gets a fresh event)."""
    # every cell is a fresh caller: no join limit across the hundreds of test joins (limits are tested elsewhere)
    common = {"admin_secret": ADMIN, "public_url": "http://testserver", "themes": False, "joins_per_client_per_s": 1e6}
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("authz") / "test.db"
        with TestClient(create_app(Settings(database_url=f"sqlite:///{path}", **common))) as client:
            yield client
        return
    require_servers()
    with postgres_database() as url:
        settings = Settings(database_url=url, broker_url=REDIS, broker_prefix=redis_prefix(), **common)
        with TestClient(create_app(settings)) as client:
            yield client


class World:
    """Event A (tables 1-3) with a participant at table 1 and one at table 2, a step pushed to
    table 1 only, an idea and a hidden idea from table 1, a participant the facilitator removed; and
    event B, whose token must not reach A."""

    def __init__(self, client: TestClient, other: Room) -> None:
        self.client, self.other = client, other
        self.room = room = Room(client)
        p1, p2 = room.join("1", "Ann"), room.join("2", "Bo")
        s1 = room.command(room.facilitator, type="step.push", text="What would help?", audience={"tables": ["1"]})
        step_id = s1.json()["step_id"]
        ideas = [
            room.command(p1["token"], type="idea.submit", client_id=c, text=t, step_id=step_id).json()["idea_id"]
            for c, t in (("a", "More trees"), ("b", "Fewer cars"))
        ]
        assert room.command(room.facilitator, type="idea.hide", idea_id=ideas[1]).status_code == 200
        removed = room.join("1", "Cas")
        gone = room.command(
            room.facilitator, type="participant.remove", participant_id=removed["participant_id"], ideas="keep"
        )
        assert gone.status_code == 200, gone.text
        self.values = {"event_id": room.id, "code": room.code, "S1": step_id, "I1": ideas[0], "I2": ideas[1]}
        self.values["P1"] = p1["participant_id"]
        self.tokens: dict[Column, str | None] = {
            Column.ANONYMOUS: None,
            Column.PARTICIPANT: p1["token"],
            Column.OTHER_TABLE: p2["token"],
            Column.WALL: room.wall,
            Column.FACILITATOR: room.facilitator,
            Column.ORGANISER: room.organiser,
            Column.ADMIN: ADMIN,
            Column.OTHER_EVENT: other.facilitator,
            Column.REMOVED: removed["token"],
        }

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(r"\{(\w+)\}", lambda m: self.values.get(m[1], m[0]), value)
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value

    def headers(self, column: Column) -> dict[str, str]:
        token = self.tokens[column]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def fingerprint(self) -> tuple[Any, ...]:
        """What a refused call must leave as it was: both events' transcripts, tokens, events."""
        services = self.client.app.state.services  # type: ignore[attr-defined]
        with services.store.engine.connect() as conn:
            tokens = conn.execute(text("select count(*) from token")).scalar_one()
        events = len(services.store.events())
        return services.store.last_seq(self.room.id), services.store.last_seq(self.other.id), tokens, events


class Cells:
    """Runs cells on fresh worlds: a world is built again only after a cell changed it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.other = Room(client)
        self.world = World(client, self.other)
        self.wrong: list[str] = []

    def check(self, name: str, column: Column, expect: bool, call: Any) -> None:
        world = self.world
        world.client.app.state.services.clients.admin.succeeded("testclient")  # type: ignore[attr-defined]
        # (a fresh caller: the wrong admin secrets of earlier cells do not make this one wait)
        before = world.fingerprint()
        outcome, refused = call(world, column)
        changed = world.fingerprint() != before
        if expect and refused is not False:
            self.wrong.append(f"{name} / {column.value}: allowed, but got {outcome}")
        if not expect and not (refused is True and not changed):
            self.wrong.append(f"{name} / {column.value}: refused, but got {outcome} (changed: {changed})")
        if changed:
            self.world = World(self.client, self.other)


def http_outcome(response: Any) -> tuple[str, bool | None]:
    """(what came back, refused?); None when it is neither (a server error)."""
    status = response.status_code
    shown = f"{status} {response.text[:160]}"
    if status >= 500:
        return shown, None
    if status in (401, 403):
        return shown, "code" in response.json().get("error", {})
    return shown, False


def test_every_route_and_command_declares_who_may_call_it(server: TestClient) -> None:
    """No route, websocket or command goes without a rule: an undeclared one fails here."""
    app: FastAPI = server.app  # type: ignore[assignment]
    undeclared = [name for name, _route, rule in routes(app) if rule is None]
    assert undeclared == []
    assert set(COMMANDS) == {*COMMAND_TYPES, *READS}
    assert set(SAMPLES) == set(COMMANDS)


def route_ids() -> list[str]:
    app = create_app(Settings(database_url="sqlite://", admin_secret="x"))
    return [name for name, _route, _rule in routes(app)]


@pytest.mark.parametrize("route_name", route_ids())
def test_route_matrix(server: TestClient, route_name: str) -> None:
    """Each column calls the route: the declared callers get through, the others get 401/403."""
    app: FastAPI = server.app  # type: ignore[assignment]
    declared = {name: (route, rule) for name, route, rule in routes(app)}
    route, rule = declared[route_name]
    assert rule is not None, f"{route_name} declares nobody"
    cells = Cells(server)
    method, path = route_name.split(" ", 1)
    path = path.replace("/...", "/{path}")

    def call(world: World, column: Column) -> tuple[str, bool | None]:
        url = re.sub(r"\{(\w+)\}", lambda m: world.fill(PATH_VALUES.get(m[1], m[0])), path)
        if method == "WS":
            return socket_hello(world, column)
        probe = world.fill(PROBES.get(route_name, {}))
        response = server.request(method.split("|")[0], url, headers=world.headers(column), **probe)
        return http_outcome(response)

    for column in Column:
        cells.check(route_name, column, allowed(column, rule), call)
    assert cells.wrong == []


def socket_hello(world: World, column: Column) -> tuple[str, bool | None]:
    """Say hello with the column's token: a welcome is allowed, an error then a policy close is refused."""
    with world.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": world.tokens[column]})
        reply = ws.receive_json()
        if reply["type"] == "welcome":
            # a socket names no event: another event's token is welcomed to its own event, never to A
            return f"welcome to {reply['event_id']}", reply["event_id"] != world.room.id
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        refused = reply["code"] in REFUSED_CODES and closed.value.code in POLICY_CLOSES
        return f"{reply} then {closed.value.code}", refused


@pytest.mark.parametrize("command_type", list(COMMANDS))
def test_command_matrix_over_http(server: TestClient, command_type: str) -> None:
    """``POST /api/events/{id}/commands``: each column sends the command aimed at table 1's things."""
    rule = COMMANDS[command_type]
    cells = Cells(server)

    def call(world: World, column: Column) -> tuple[str, bool | None]:
        body = {"type": command_type, **world.fill(SAMPLES[command_type])}
        url = f"/api/events/{world.room.id}/commands"
        return http_outcome(server.post(url, json=body, headers=world.headers(column)))

    for column in Column:
        expect = allowed(column, EVENT_TOKENS) and allowed(column, rule)
        cells.check(command_type, column, expect, call)
    assert cells.wrong == []


@pytest.mark.parametrize("command_type", list(COMMANDS))
def test_command_matrix_over_the_websocket(server: TestClient, command_type: str) -> None:
    """Over a socket, each of the event's own tokens sends the command aimed at table 1's things."""
    rule = COMMANDS[command_type]
    cells = Cells(server)

    def call(world: World, column: Column) -> tuple[str, bool | None]:
        with world.client.websocket_connect("/ws") as ws:
            ws.send_json({"type": "hello", "token": world.tokens[column]})
            assert ws.receive_json()["type"] == "welcome"
            ws.send_json({"type": command_type, "ref": "probe", **world.fill(SAMPLES[command_type])})
            reply = ws.receive_json()
            while reply.get("ref") != "probe":  # entries and presence may come first
                reply = ws.receive_json()
        if reply["type"] == "error":
            return str(reply), reply["code"] in REFUSED_CODES
        return reply["type"], False

    for column in (Column.PARTICIPANT, Column.OTHER_TABLE, Column.WALL, Column.FACILITATOR, Column.ORGANISER):
        cells.check(command_type, column, allowed(column, rule), call)
    assert cells.wrong == []


PRIVATE_THEN_PAIRS = """
id: private-then-pairs
title: Alone, then in pairs
method: {name: Test, origin: Us}
steps:
  - {id: one, kind: ideas, duration: 1m, question: "Alone?", capture: {who: each, visibility: private}}
  - {id: two, kind: discuss, audience: group, groups: {size: 2, within: table}, duration: 2m,
     capture: {who: any, visibility: group}}
"""


def table_one_notes(room: Room) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """Table 1 writes a table note, a private note and a pair's note; table 2 has one phone."""
    ann, bo, cy = room.join("1", "Ann"), room.join("1", "Bo"), room.join("2", "Cy")
    step = room.command(room.facilitator, type="step.push", text="Warm up", audience={"tables": ["1"]}).json()
    notes = {"table": "Table one's tree plan"}
    ids = {"table": room.command(ann["token"], type="idea.submit", client_id="t", text=notes["table"]).json()}
    room.command(room.facilitator, type="step.end", step_id=step["step_id"])
    session = room.command(room.facilitator, type="session.load", script=PRIVATE_THEN_PAIRS).json()["session_id"]
    for kind, text_ in (("private", "Ann's private worry"), ("group", "Ann and Bo's pair note")):
        assert room.command(room.facilitator, type="session.next", session_id=session).status_code == 200
        notes[kind] = text_
        ids[kind] = room.command(ann["token"], type="idea.submit", client_id=kind, text=text_).json()
        assert "idea_id" in ids[kind], ids[kind]
    return {k: v["idea_id"] for k, v in ids.items()} | {f"{k} text": v for k, v in notes.items()}, bo, cy


def test_a_participant_at_another_table_never_sees_the_first_tables_notes(room: Room) -> None:
    """Table, private and pair notes of table 1 are in no snapshot or message a table-2 phone gets."""
    with room.client.websocket_connect("/ws") as elsewhere:
        dee = room.join("2", "Dee")
        elsewhere.send_json({"type": "hello", "token": dee["token"]})
        assert elsewhere.receive_json()["type"] == "welcome"
        notes, _bo, _cy = table_one_notes(room)
        elsewhere.send_json({"type": "ping", "ref": "last"})
        received = []
        while (message := elsewhere.receive_json()).get("ref") != "last":
            received.append(message)
    snapshot = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {dee['token']}"})
    staff = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"})
    assert snapshot.status_code == 200 and received
    for kind in ("table", "private", "group"):
        assert notes[f"{kind} text"] in staff.text  # they were written
        assert notes[f"{kind} text"] not in str(received), kind
        assert notes[f"{kind} text"] not in snapshot.text, kind
        assert notes[kind] not in snapshot.text, kind  # not even the idea's id


def test_a_participant_at_another_table_can_flag_none_of_the_first_tables_private_notes(room: Room) -> None:
    """``theme.flag`` on another table's private or pair note is refused as if the idea did not exist
    (a table's own notes are on the wall, so anyone may flag those)."""
    notes, _bo, cy = table_one_notes(room)
    assert room.command(room.facilitator, type="theme.reveal").status_code == 200
    made_up = room.command(cy["token"], type="theme.flag", idea_id="i999999")
    assert (made_up.status_code, made_up.json()["error"]["code"]) == (404, "unknown_idea")
    for kind in ("private", "group"):
        flagged = room.command(cy["token"], type="theme.flag", idea_id=notes[kind])
        assert flagged.status_code == 404 and flagged.json()["error"]["code"] == "unknown_idea", (kind, flagged.text)
