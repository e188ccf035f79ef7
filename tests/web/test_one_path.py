"""One command path: the same message sent over the websocket and to ``POST .../commands`` gets the
same answer, field for field (an ``ack``, ``pong`` or ``reaction`` is ``{"ok": true, ...}`` over
HTTP; an ``error`` is ``{"error": {...}}`` with its status). Each case is played on two events set up
the same way, one per transport, so ids and results match too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.hub.room import steady_ms
from server.web import dispatch
from tests.conftest import Room
from tests.web.test_ws import hello

TIMES = {"now", "at", "deadline", "closed_at", "pushed_at"}  # the clock moves between the two events
AGO = re.compile(r"\d+ (s|min|h) ago|just now")  # (a stale flow says how long ago the room moved)


@dataclass
class Case:
    who: str  # ann (table 1), bo (table 2), facilitator, organiser, wall
    send: dict[str, Any] | str  # a command, or raw text (not necessarily JSON)
    answer: str  # ack, pong, reaction; or the error code
    status: int = 200  # over HTTP
    before: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # said over HTTP first, in both events
    frozen: bool = False  # the rate limiter's clock stands still (no refill while the case runs)


REACT = ("facilitator", {"type": "step.push", "text": "React", "react": True})
CASES: dict[str, Case] = {
    # good ones, a few of each family
    "ping": Case("ann", {"type": "ping"}, "pong"),
    "ping from the wall": Case("wall", {"type": "ping"}, "pong"),
    "idea": Case("ann", {"type": "idea.submit", "client_id": "c1", "text": "Night buses"}, "ack"),
    "idea again": Case(
        "ann",
        {"type": "idea.submit", "client_id": "c1", "text": "Night buses"},
        "ack",
        before=[("ann", {"type": "idea.submit", "client_id": "c1", "text": "Night buses"})],
    ),
    "push": Case("facilitator", {"type": "step.push", "text": "Next?", "duration_s": 300}, "ack"),
    "extend": Case("facilitator", {"type": "step.extend", "step_id": "{S}", "seconds": 60}, "ack"),
    "hide": Case("facilitator", {"type": "idea.hide", "idea_id": "{I}", "reason": "names a person"}, "ack"),
    "seat myself": Case("ann", {"type": "participant.seat", "table_id": "3"}, "ack"),
    "library script": Case("facilitator", {"type": "session.load", "library": "world-cafe"}, "ack"),
    "reaction.next": Case("ann", {"type": "reaction.next"}, "reaction", before=[REACT]),
    "reaction.next, none running": Case("ann", {"type": "reaction.next"}, "reaction"),
    "reaction.cast": Case("ann", {"type": "reaction.cast", "idea_id": "{I}", "value": "agree"}, "ack", before=[REACT]),
    "close": Case("facilitator", {"type": "event.close"}, "ack"),
    "join slide": Case("facilitator", {"type": "wall.show", "slide": "join"}, "ack"),
    "reveal themes": Case("facilitator", {"type": "theme.reveal"}, "ack"),
    "action groups": Case("facilitator", {"type": "actions.form", "source": "hand", "titles": ["Buses"]}, "ack"),
    "join an action group": Case(
        "ann",
        {"type": "action.join", "group_id": "{G}"},
        "ack",
        before=[("facilitator", {"type": "actions.form", "source": "hand", "titles": ["Buses"]})],
    ),
    "erase": Case("organiser", {"type": "participant.erase", "participant_id": "{BO}"}, "ack"),
    "a ref is not part of the command": Case("facilitator", {"type": "step.end", "step_id": "{S}", "ref": 7}, "ack"),
    # messages that are not commands
    "not JSON": Case("ann", "{not json", "bad_json", 400),
    "not an object": Case("ann", '["a list"]', "bad_message", 400),
    "no type": Case("ann", {"text": "Night buses"}, "bad_message", 400),
    "type not a string": Case("ann", {"type": 3}, "bad_message", 400),
    "unknown type": Case("facilitator", {"type": "step.dance"}, "unknown_type", 400),
    "hello again": Case("ann", {"type": "hello", "token": "x"}, "unknown_type", 400),
    "too deep": Case("ann", '{"type": "ping", "x": ' + "[" * 40 + "]" * 40 + "}", "too_deep", 400),
    "bad number": Case("ann", '{"type": "ping", "x": 1e999}', "bad_number", 400),
    "lone surrogate": Case("ann", '{"type": "idea.submit", "client_id": "c", "text": "\\ud800"}', "bad_text", 400),
    "too large": Case("facilitator", {"type": "step.push", "text": "x" * 70_000}, "too_large", 413),
    # commands with a wrong field
    "wrong type": Case("facilitator", {"type": "step.push", "text": "Q", "duration_s": "300"}, "invalid", 400),
    "missing field": Case("ann", {"type": "idea.submit", "client_id": "c2"}, "invalid", 400),
    "unknown field": Case("facilitator", {"type": "step.push", "text": "Q", "colour": "red"}, "invalid", 400),
    "too long": Case("ann", {"type": "idea.submit", "client_id": "c3", "text": "x" * 501}, "text_too_long", 400),
    "bad client_id": Case("ann", {"type": "idea.submit", "client_id": "a b", "text": "x"}, "bad_client_id", 400),
    # the wrong sender
    "phone pushes": Case("ann", {"type": "step.push", "text": "Mine now"}, "facilitator_only", 403),
    "wall hides": Case("wall", {"type": "idea.hide", "idea_id": "{I}"}, "read_only", 403),
    "staff reacts": Case("facilitator", {"type": "reaction.next"}, "participants_only", 403, before=[REACT]),
    "other table": Case(
        "ann", {"type": "idea.submit", "client_id": "c4", "text": "x", "table_id": "2"}, "wrong_table", 403
    ),
    # the room says no
    "unknown idea": Case("facilitator", {"type": "idea.hide", "idea_id": "i999"}, "unknown_idea", 404),
    "ended step": Case(
        "ann",
        {"type": "idea.submit", "client_id": "c5", "text": "Late", "step_id": "{S}"},
        "step_closed",
        409,
        before=[("facilitator", {"type": "step.end", "step_id": "{S}"})],
    ),
    "stale flow": Case(
        "facilitator",
        {"type": "step.push", "text": "Again", "expect_flow_seq": 0},
        "stale_flow",
        409,
    ),
    "rate limited": Case(
        "ann", {"type": "ping"}, "rate_limited", 429, before=[("ann", {"type": "ping"})] * 10, frozen=True
    ),
    "rate limited, not JSON": Case(
        "bo", "{not json", "rate_limited", 429, before=[("bo", {"type": "step.dance"})] * 10, frozen=True
    ),
}


class Scene:
    """An event with Ann at table 1, Bo at table 2, a step for everyone and Bo's idea in it."""

    def __init__(self, client: TestClient) -> None:
        self.room = room = Room(client)
        ann, bo = room.join("1", "Ann"), room.join("2", "Bo")
        self.tokens = {
            "ann": ann["token"],
            "bo": bo["token"],
            "facilitator": room.facilitator,
            "organiser": room.organiser,
            "wall": room.wall,
        }
        step = room.command(room.facilitator, type="step.push", text="What would you change?").json()
        idea = room.command(bo["token"], type="idea.submit", client_id="b1", text="Shade on the square").json()
        self.fill = {"{S}": step["step_id"], "{I}": idea["idea_id"], "{BO}": bo["participant_id"]}
        self.fill["{G}"] = f"a{idea['seq'] + 1}-1"  # the action group a case's first command forms (ids from seq)

    def filled(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.filled(v) for k, v in value.items()}
        return self.fill.get(value, value) if isinstance(value, str) else value

    def text(self, send: dict[str, Any] | str) -> str:
        return send if isinstance(send, str) else json.dumps(self.filled(send))

    def prepare(self, case: Case) -> None:
        for who, command in case.before:
            r = self.room.command(self.tokens[who], **self.filled(command))
            assert r.status_code < 500, r.text

    def over_http(self, case: Case) -> tuple[int, dict[str, Any]]:
        r = self.room.client.post(
            f"/api/events/{self.room.id}/commands",
            content=self.text(case.send).encode(errors="surrogatepass"),
            headers={"Authorization": f"Bearer {self.tokens[case.who]}", "Content-Type": "application/json"},
        )
        return r.status_code, r.json()

    def over_the_socket(self, case: Case) -> dict[str, Any]:
        with self.room.client.websocket_connect("/ws") as ws:
            hello(ws, self.tokens[case.who])
            ws.send_text(self.text(case.send))
            while (reply := ws.receive_json())["type"] not in ("ack", "pong", "reaction", "error"):
                pass  # entries, presence and themes come and go meanwhile
            return reply  # type: ignore[no-any-return]


def timeless(value: Any) -> Any:
    """``value`` with every time replaced by a mark: the two events run a few milliseconds apart."""
    if isinstance(value, dict):
        return {k: "<time>" if k in TIMES and isinstance(v, int) else timeless(v) for k, v in value.items()}
    if isinstance(value, str):
        return AGO.sub("<ago>", value)
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_both_transports_give_the_same_answer(client: TestClient, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """The websocket's reply, without its ``type`` and ``ref``, is the HTTP answer without ``ok``
    (or the error object of an HTTP error); the HTTP status is the error's."""
    by_http, by_socket = Scene(client), Scene(client)
    if case.frozen:
        still = steady_ms()
        monkeypatch.setattr(dispatch, "steady_ms", lambda: still)
    by_http.prepare(case)
    by_socket.prepare(case)
    status, answer = by_http.over_http(case)
    reply = by_socket.over_the_socket(case)

    assert status == case.status, answer
    expected_type = case.answer if case.answer in ("ack", "pong", "reaction") else "error"
    assert reply["type"] == expected_type, reply
    readable = isinstance(case.send, dict) and "ref" in case.send
    assert reply["ref"] == (7 if readable else None)
    if expected_type == "error":
        assert answer["error"]["code"] == case.answer
        http_body = answer["error"]
    else:
        assert answer.pop("ok") is True
        http_body = answer
    socket_body = {k: v for k, v in reply.items() if k not in ("type", "ref")}
    assert timeless(socket_body) == timeless(http_body)


def test_a_reaction_cast_over_the_socket_is_followed_by_the_next_idea(room: Room) -> None:
    """The socket pushes the next idea to react to after the ``ack``; over HTTP (one answer per
    request) the phone asks with ``reaction.next``, which gives the same idea."""
    ann, bo, cy = room.join("1"), room.join("2"), room.join("3")
    room.command(room.facilitator, type="step.push", text="Ideas")
    for n, phone in enumerate((bo, cy)):
        room.command(phone["token"], type="idea.submit", client_id=f"c{n}", text=f"Idea {n}")
    room.command(room.facilitator, type="step.push", text="React", react=True)
    first = room.command(ann["token"], type="reaction.next").json()
    assert first["ok"] is True and first["remaining"] == 2
    with room.client.websocket_connect("/ws") as ws:
        hello(ws, ann["token"])
        ws.send_json({"type": "reaction.cast", "idea_id": first["idea"]["id"], "value": "pass", "ref": 1})
        while (ack := ws.receive_json())["type"] != "ack":
            pass
        pushed = ws.receive_json()
    assert ack["ref"] == 1 and pushed["type"] == "reaction" and pushed["ref"] is None
    asked = room.command(ann["token"], type="reaction.next").json()
    assert {k: v for k, v in pushed.items() if k not in ("type", "ref")} == {
        k: v for k, v in asked.items() if k != "ok"
    }
    assert asked["reacted"] == 1 and asked["idea"]["id"] != first["idea"]["id"]
