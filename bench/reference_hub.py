"""The bare reference hub: a FastAPI websocket hub that only relays, for ``wholeroom bench --reference``.

It answers the few requests the bench's phones make, the way Wholeroom answers them, and nothing
more: ``POST /api/events`` (staff tokens and a join code), ``POST /api/join`` (a participant's
token), and ``/ws`` (``hello`` -> ``welcome``; ``step.push`` and ``idea.submit`` are acknowledged and
relayed as an ``entry``; ``ping`` -> ``pong``). No database, no rules, no queue: each message is
encoded once and written with ``await ws.send_text(text)`` in a plain loop (the fastest FastAPI
fan-out measured in shared/docs/PERFORMANCE_NOTES.md). A push goes to everyone, an idea to its
table and the staff screens. It runs under uvicorn with the options ``wholeroom serve`` uses, and
freezes the garbage collector after every 500 new connections as Wholeroom does, so that what a
ratio to it measures is the room's own work, not a different collector policy.

Run: ``python -m bench.reference_hub --port P --admin-secret S``.
"""

from __future__ import annotations

import gc
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import click
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Person:
    role: str  # "participant", "facilitator", "wall" or "organiser"
    participant_id: str | None = None
    table_id: str | None = None


@dataclass
class Hub:
    admin_secret: str
    event_id: str = ""
    join_code: str = ""
    seq: int = 0
    people: dict[str, Person] = field(default_factory=dict)  # by token
    tables: dict[str, list[WebSocket]] = field(default_factory=dict)  # phones' sockets by table
    staff: list[WebSocket] = field(default_factory=list)
    connections: int = 0
    frozen_at: int = 0

    def entry(self, kind: str, actor: str | None, payload: dict[str, Any]) -> tuple[int, str]:
        self.seq += 1
        at = time.time_ns() // 1_000_000
        return self.seq, _dumps(
            {
                "type": "entry",
                "event_id": self.event_id,
                "seq": self.seq,
                "at": at,
                "kind": kind,
                "actor": actor,
                "payload": payload,
            }
        )


def create_app(admin_secret: str) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    hub = Hub(admin_secret)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/events", status_code=201)
    async def create_event(request: Request) -> Any:
        if request.headers.get("authorization") != f"Bearer {hub.admin_secret}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        hub.event_id, hub.join_code = secrets.token_hex(8), secrets.token_hex(3)
        tokens = {role: secrets.token_urlsafe(18) for role in ("facilitator", "wall", "organiser")}
        for role, token in tokens.items():
            hub.people[token] = Person(role)
        return {"event_id": hub.event_id, "join_code": hub.join_code, "tokens": tokens}

    @app.post("/api/join", status_code=201)
    async def join(request: Request) -> Any:
        body = await request.json()
        if body.get("code") != hub.join_code:
            return JSONResponse({"error": "unknown_code"}, status_code=404)
        token, participant_id = secrets.token_urlsafe(18), secrets.token_hex(8)
        hub.people[token] = Person("participant", participant_id, str(body.get("table_id") or "1"))
        return {"participant_id": participant_id, "token": token, "event_id": hub.event_id}

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        await ws.accept()
        try:
            hello = json.loads(await ws.receive_text())
            person = hub.people.get(hello.get("token", ""))
            if person is None:
                await ws.close(1008, "unknown token")
                return
            await ws.send_text(
                _dumps(
                    {
                        "type": "welcome",
                        "event_id": hub.event_id,
                        "seq": hub.seq,
                        "role": person.role,
                        "participant_id": person.participant_id,
                    }
                )
            )
            group = hub.staff if person.participant_id is None else hub.tables.setdefault(person.table_id or "", [])
            group.append(ws)
            hub.connections += 1
            if hub.connections >= hub.frozen_at + 500:  # as server/hub/rooms.py does
                gc.freeze()
                hub.frozen_at = hub.connections
            try:
                while True:
                    await _command(hub, ws, person, json.loads(await ws.receive_text()))
            finally:
                group.remove(ws)
                hub.connections -= 1
                hub.frozen_at = min(hub.frozen_at, hub.connections)
        except WebSocketDisconnect:
            return

    return app


async def _command(hub: Hub, ws: WebSocket, person: Person, data: dict[str, Any]) -> None:
    kind, ref = data.get("type"), data.get("ref")
    if kind == "ping":
        await ws.send_text(_dumps({"type": "pong", "ref": ref, "now": time.time_ns() // 1_000_000}))
        return
    if kind == "step.push" and person.role == "facilitator":
        seq, text = hub.entry("step.pushed", "facilitator", {"step_id": secrets.token_hex(6), "text": data.get("text")})
        await ws.send_text(_dumps({"type": "ack", "ref": ref, "seq": seq}))
        targets = [*hub.staff, *(s for sockets in hub.tables.values() for s in sockets)]
    elif kind == "idea.submit" and person.participant_id is not None:
        payload = {
            "idea_id": secrets.token_hex(6),
            "participant_id": person.participant_id,
            "table_id": person.table_id,
            "client_id": data.get("client_id"),
            "text": data.get("text"),
        }
        seq, text = hub.entry("idea.submitted", person.participant_id, payload)
        await ws.send_text(_dumps({"type": "ack", "ref": ref, "seq": seq, "idea_id": payload["idea_id"]}))
        targets = [*hub.staff, *hub.tables.get(person.table_id or "", ())]
    else:
        await ws.send_text(
            _dumps(
                {
                    "type": "error",
                    "ref": ref,
                    "code": "unsupported",
                    "message": f"the reference hub does not take {kind!r}",
                }
            )
        )
        return
    for target in targets:  # encoded once, written in a plain loop: no queue, no task per send
        try:
            await target.send_text(text)
        except Exception:  # a phone that went away: its own handler forgets it
            continue


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True)
@click.option("--admin-secret", required=True)
def main(host: str, port: int, admin_secret: str) -> None:
    """Serve the bare reference hub with the uvicorn options ``wholeroom serve`` uses."""
    import uvicorn

    uvicorn.run(
        create_app(admin_secret),
        host=host,
        port=port,
        ws_per_message_deflate=False,
        ws_max_size=1024 * 1024,
        ws_ping_interval=60.0,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
