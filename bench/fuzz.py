"""Fuzzing the websocket and command path: random and mutated frames from a phone and a facilitator.

    python -m bench.fuzz [--minutes 10] [--seed N]

Drives a real app (FastAPI TestClient, SQLite) through the whole path (parse, decide, apply, encode,
store) with hypothesis: raw text, random JSON, and well-formed-but-wrong payloads of every command
type (field names right, values drawn from the event's own ids and from hostile text and numbers),
over the websocket and over ``POST /api/events/{id}/commands`` (the event's rate limits lifted, so
frames reach decide; tests/web/test_limits.py tests the limits). After every frame it checks:

- the sender got an answer (``ack`` or ``error``; never ``internal_error``, never a 5xx) and its
  connection is still open;
- a refused frame changed nothing (the room's ``seq`` is where it was);
- the room's state and the database agree (no entry applied in memory and not stored);
- another phone and the wall on the same event are still connected and still receiving.

``tests/web/test_fuzz.py`` runs a short, derandomised version in CI; this command runs batches of
fresh random examples until the time is up and prints what it sent and what came back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any, get_args

import anyio
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.testclient import WebSocketTestSession

from server.domain.commands import COMMAND_ADAPTER, COMMAND_TYPES, Command
from server.domain.throttle import CommandLimits
from server.settings import Settings
from server.web.app import create_app

ADMIN = "fuzz-admin-secret"
ANSWER_WITHIN_S = 20  # a frame not answered by then is a wedged room
ALIAS_BOMB = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]\n" for i in range(1, 7))
SCRIPT = """
id: fuzz
title: Fuzz
method: {name: Test, origin: Us}
steps:
  - {id: one, kind: ideas, duration: 1m, capture: {who: each}}
  - {id: two, kind: discuss, audience: group, groups: {size: 2}, duration: 2m}
  - {id: pick, kind: vote, method: agree_disagree_pass, options: {from: one}, reveal: live, duration: 2m}
"""
SCRIPTS = [SCRIPT, ALIAS_BOMB, "a: &a [*a]\n", "id: !!python/name:os.system x\n", 'id: "\\ud800"\n', "[" * 500]
LIBRARY = ["one-two-four-all", "world-cafe", "open-space", "no-such-script"]

# the fields of each command type, from the command models themselves
FIELDS: dict[str, list[str]] = {}
for _member in get_args(get_args(Command)[0]):
    for _name in get_args(_member.model_fields["type"].annotation):
        FIELDS[_name] = [f for f in _member.model_fields if f != "type"]
FIELDS["session.load"] = [*FIELDS["session.load"], "library"]
FIELDS |= {"ping": [], "reaction.next": [], "hello": ["token", "after"]}
assert set(COMMAND_TYPES) <= set(FIELDS) and COMMAND_ADAPTER is not None

HOSTILE_TEXT = [
    "",
    " ",
    "\ud800",
    "\udfff",
    "a\ud83d",
    "\x00",
    "nul\x00",
    "x" * 501,
    "y" * 2001,
    "z" * 70_000,
    "é",
    "😀",
    "\u202e",
    "<script>alert(1)</script>",
    "=1+1",
    "null",
    "1",
    "../../etc",
    "s1",
    "i999",
    "p1 ",
    " 1",
]
HOSTILE_NUMBERS = [0, -1, 1, 2**31, 2**63, -(2**63), 10**20, 0.5, math.nan, math.inf, -math.inf, 1e308]

texts = st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE_TEXT))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from(HOSTILE_NUMBERS), st.floats(), texts
)
json_values = st.recursive(
    scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(texts, kids, max_size=4)), max_leaves=10
)


def dumps(value: Any) -> str:
    """JSON as a client could send it: always valid UTF-8 (lone surrogates travel as escapes)."""
    return json.dumps(value, allow_nan=True)


class _Unlimited(CommandLimits):
    def check(self, who: str, kind: str, staff: bool, now: int) -> None:
        return None


class World:
    """One event on a real app: a facilitator console and a phone that send the frames, another phone
    and the wall that only watch."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        r = client.post("/api/events", json={"title": "Fuzz", "tables": 3}, headers=self.auth(ADMIN))
        assert r.status_code == 201, r.text
        created = r.json()
        self.event_id: str = created["event_id"]
        self.tokens = {"facilitator": created["tokens"]["facilitator"], "wall": created["tokens"]["wall"]}
        for name in ("phone", "watcher"):
            joined = client.post("/api/join", json={"code": created["join_code"], "table_id": "1", "name": name})
            self.tokens[name] = joined.json()["token"]
        self.command("facilitator", {"type": "step.push", "text": "What matters?"})
        self.command("facilitator", {"type": "session.load", "script": SCRIPT})
        self.sockets: dict[str, WebSocketTestSession] = {}
        self.sent: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self._refs = count()
        services = client.app.state.services  # type: ignore[attr-defined]
        self.store = services.store
        portal = client.portal
        assert portal is not None
        self.portal = portal
        self.room = portal.call(services.rooms.get, self.event_id)
        # rate limits (tests/web/test_limits.py) would refuse most frames before they reach decide
        self.room.limits = _Unlimited(1.0)

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def command(self, who: str, command: dict[str, Any]) -> Any:
        url = f"/api/events/{self.event_id}/commands"
        return self.client.post(url, json=command, headers=self.auth(self.tokens[who]))

    @contextmanager
    def connected(self) -> Iterator[World]:
        with (
            self.client.websocket_connect("/ws") as facilitator,
            self.client.websocket_connect("/ws") as phone,
            self.client.websocket_connect("/ws") as watcher,
            self.client.websocket_connect("/ws") as wall,
        ):
            self.sockets = {"facilitator": facilitator, "phone": phone, "watcher": watcher, "wall": wall}
            for name, ws in self.sockets.items():
                ws.send_json({"type": "hello", "token": self.tokens[name]})
                assert ws.receive_json()["type"] == "welcome"
            yield self

    def ids(self) -> list[str]:
        """Ids that exist in the event now (so wrong payloads sometimes name real things)."""

        def read() -> list[str]:
            s = self.room.state
            return [*s.tables, *s.participants, *s.steps, *s.sessions, *list(s.ideas)[-20:], *s.topics, *s.flags]

        ids: list[str] = self.portal.call(read)
        return ids

    def seq(self) -> int:
        seq: int = self.portal.call(lambda: self.room.state.seq)
        return seq

    def roundtrip(self, name: str) -> list[dict[str, Any]]:
        """Everything ``name`` received up to the answer to a fresh ping (the socket must be open)."""
        ref = f"fuzz-{next(self._refs)}"
        ws = self.sockets[name]
        ws.send_json({"type": "ping", "ref": ref})
        got = []
        while True:
            message: dict[str, Any] = json.loads(_receive(ws)["text"])
            if message.get("type") in ("pong", "error") and message.get("ref") == ref:
                return got
            got.append(message)

    def post(self, who: str, frame: str) -> tuple[int, Any]:
        """``POST /api/events/{id}/commands`` through the app, failing (not hanging) if it never answers."""
        sent: list[dict[str, Any]] = []
        body = [{"type": "http.request", "body": frame.encode(), "more_body": False}]

        async def receive() -> dict[str, Any]:
            if body:
                return body.pop()
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [(b"authorization", f"Bearer {self.tokens[who]}".encode()), (b"content-type", b"application/json")]
        path = f"/api/events/{self.event_id}/commands"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        app = self.client.app

        async def call() -> None:
            await asyncio.wait_for(app(scope, receive, send), ANSWER_WITHIN_S)  # type: ignore[arg-type]

        try:
            self.portal.call(call)
        except TimeoutError:
            raise AssertionError(f"no answer over HTTP within {ANSWER_WITHIN_S} s (is the room wedged?)") from None
        answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return sent[0]["status"], json.loads(answer)

    def check(self, who: str, frame: str, over_http: bool) -> None:
        """Send one frame and check every property (see the module's docstring)."""
        before = self.seq()
        if over_http:
            status, answer = self.post(who, frame)
            assert status < 500, (status, answer)
            refused = status >= 400
            code = answer["error"]["code"] if refused else "ok"
        else:
            self.sockets[who].send_text(frame)
            answers = [m for m in self.roundtrip(who) if m.get("type") in ("ack", "error", "pong", "reaction")]
            codes = [m.get("code", m["type"]) for m in answers]
            assert codes, "no answer"
            assert "internal_error" not in codes, answers
            refused = bool(codes) and all(m["type"] == "error" for m in answers)
            code = codes[0] if codes else "no answer"
        self.sent[who + (" http" if over_http else " ws")] += 1
        self.answers[code] += 1
        if refused:
            assert self.seq() == before, f"refused ({code}) but the room moved from seq {before} to {self.seq()}"
        assert self.store.last_seq(self.event_id) == self.seq(), "the room's state and the database differ"
        for watcher in ("watcher", "wall"):
            self.roundtrip(watcher)  # still connected, and drained of what it received


HOSTILE_FRAMES = [
    "[" * 20_000 + "]" * 20_000,
    '{"type": "TYPE", "x": ' + "[" * 40 + "]" * 40 + "}",
    '{"type": "TYPE", "index": ' + "9" * 5_000 + "}",
    '{"type": "TYPE", "seconds": NaN, "duration_s": Infinity}',
    '{"type": "TYPE", "text": "\\ud800", "client_id": "c1", "step_id": null}',
    '{"type": "TYPE", "ref": {"deep": [[[["x"]]]]}}',
    '{"type": "TYPE", "\\u0000": 1}',
    '{"type": "hello", "token": 123}',
    '{"type": 5}',
    "null",
    "",
]


def plausible(field: str, some_id: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value of the right shape for ``field`` (so commands get past parsing to decide and store)."""
    if field.endswith("_ids") or field == "left":
        return st.lists(some_id, max_size=4)
    if field in ("duration_s", "seconds", "index", "after"):
        return st.one_of(st.integers(-2, 700), st.sampled_from(HOSTILE_NUMBERS))
    if field in ("collect_ideas", "react"):
        return st.booleans()
    if field == "audience":
        return st.fixed_dictionaries({"tables": st.none() | st.lists(some_id, max_size=3), "role": st.none() | texts})
    if field == "ballot":
        answers = st.sampled_from(["agree", "disagree", "pass", 1, 5, -1, [0.5, 2]]) | json_values
        return st.dictionaries(some_id, answers, max_size=3) | st.lists(some_id, max_size=3)
    if field == "params":
        return st.dictionaries(texts, texts, max_size=2)
    if field == "value":
        return st.sampled_from(["agree", "disagree", "pass"]) | texts
    if field == "outcome":
        return st.sampled_from(["kept", "moved"]) | texts
    if field in ("role", "new_theme_id", "theme_id"):
        return st.sampled_from(["participant", "table_host", "scribe", "t1", "t2"]) | some_id
    if field in ("text", "label", "title", "reason", "name", "slot", "space", "source", "client_id", "token"):
        return texts
    return some_id


def _receive(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next message on ``ws``, failing (not hanging) if none comes; a close fails too."""

    async def next_message() -> dict[str, Any]:
        with anyio.fail_after(ANSWER_WITHIN_S):
            message: dict[str, Any] = await ws._send_rx.receive()
            return message

    try:
        message = ws.portal.call(next_message)
    except TimeoutError:
        raise AssertionError(f"no answer on the websocket within {ANSWER_WITHIN_S} s (is the room wedged?)") from None
    assert message["type"] == "websocket.send", f"the connection was closed: {message}"
    return message


def frames(world: World) -> st.SearchStrategy[tuple[str, str, bool]]:
    """(who, frame text, over HTTP?) for the world as it is when drawn."""

    @st.composite
    def draw(draw: st.DrawFn) -> tuple[str, str, bool]:
        who = draw(st.sampled_from(["phone", "facilitator"]))
        ids = world.ids()
        # an index, not the id itself: the event changes between runs, the choices hypothesis makes must not
        some_id = st.one_of(st.integers(0, 1 << 16).map(lambda i: ids[i % len(ids)]), texts)
        kind = draw(st.integers(0, 11))
        if kind == 0:
            frame = draw(st.text(max_size=80))
        elif kind == 1:
            frame = dumps(draw(json_values))
        elif kind == 2:
            frame = draw(st.sampled_from(HOSTILE_FRAMES)).replace("TYPE", draw(st.sampled_from(sorted(FIELDS))))
        else:
            message_type = draw(st.sampled_from(sorted(FIELDS)))
            message: dict[str, Any] = {"type": message_type}
            for field in FIELDS[message_type]:
                if draw(st.integers(0, 4)):  # most fields present
                    if draw(st.integers(0, 5)) == 0:  # the wrong type, or worse
                        message[field] = draw(json_values)
                    elif field == "script":
                        message[field] = draw(st.one_of(st.sampled_from(SCRIPTS), texts))
                    elif field == "library":
                        message[field] = draw(st.sampled_from(LIBRARY))
                    else:
                        message[field] = draw(plausible(field, some_id))
            if draw(st.integers(0, 9)) == 0:
                message[draw(texts)] = draw(json_values)  # an unknown field
            if draw(st.booleans()):
                message["ref"] = draw(json_values)
            frame = dumps(message)
        over_http = draw(st.integers(0, 4)) == 0
        return who, frame, over_http

    return draw()


def run(world: World, *, examples: int, derandomize: bool, seed: int | None = None) -> None:
    """Check ``examples`` frames; a failing property raises with hypothesis's smallest example."""

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(st.data())
    def one_frame(data: st.DataObject) -> None:
        who, frame, over_http = data.draw(frames(world))
        try:
            world.check(who, frame, over_http)
        except BaseException:
            # the event moves on between examples, so hypothesis may not replay a failure: say it now
            print(f"FAILED on a frame from the {who} ({'HTTP' if over_http else 'websocket'}): {frame[:500]!r}")
            raise

    if seed is not None:
        from hypothesis import seed as with_seed

        with_seed(seed)(one_frame)()
    else:
        one_frame()


@contextmanager
def fuzz_world(folder: Path) -> Iterator[World]:
    app = create_app(
        Settings(database_url=f"sqlite:///{folder}/fuzz.db", admin_secret=ADMIN, public_url="http://x", themes=False)
    )
    with TestClient(app) as client:
        world = World(client)
        with world.connected():
            yield world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=300, help="examples per fresh event")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    sent: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    batches = 0
    while time.monotonic() - started < args.minutes * 60:
        with tempfile.TemporaryDirectory() as folder, fuzz_world(Path(folder)) as world:
            try:
                seed = None if args.seed is None else args.seed + batches
                run(world, examples=args.batch, derandomize=False, seed=seed)
            finally:
                sent += world.sent
                answers += world.answers
                batches += 1
    elapsed = time.monotonic() - started
    print(f"frames sent: {sum(sent.values()):,} in {elapsed:.0f} s ({batches} events): {dict(sent)}")
    print("answers:", ", ".join(f"{code} {n}" for code, n in answers.most_common()))
    print("properties held: no 5xx, no internal_error, no dropped socket, refused = unchanged, memory = database")


if __name__ == "__main__":
    main()
