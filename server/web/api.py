"""The JSON API. Every change goes through a room's ``execute``, like websocket commands do."""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import library
from ..domain import limits
from ..domain.access import ADMIN, EVENT_TOKENS, FACILITATOR, PUBLIC, STAFF
from ..domain.commands import join
from ..domain.errors import NotFound
from ..domain.model import Actor, Role
from ..domain.parts import PARTS_MAX
from ..domain.privacy import for_readers
from ..domain.runsheet import plan
from ..domain.scripts.languages import in_default
from ..domain.scripts.loader import ScriptError, load_script
from ..domain.sessions import SCRIPT_MAX_CHARS
from ..domain.view import Viewer
from ..events import new_event
from ..hub.room import now_ms, steady_ms
from ..languages import DEFAULT as DEFAULT_LANGUAGE
from ..languages import LANGUAGES
from ..security import hash_token, new_token, normalise_join_code
from ..storage.store import dumps
from ..storage.tables import Beside, CheckinRow, TokenRow
from . import dispatch, i18n, participants
from .deps import (
    PrincipalDep,
    ServicesDep,
    base_url,
    limit_joins,
    limit_lookups,
    limited_body,
)
from .responses import (
    ERRORS,
    CommandAck,
    EventCreated,
    EventSummary,
    Joined,
    JoinLookup,
    Links,
    json_body,
    media,
)
from .route_access import allow

router = APIRouter(prefix="/api", responses=ERRORS)


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # exact JSON types, as commands
    title: str = Field(min_length=1, max_length=limits.TITLE_MAX)
    tables: int | list[str] = Field(description="How many numbered tables, or their names")
    parts: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=PARTS_MAX + 1,
        description='The parts of the system wanted in the room: [{"name": "Residents", "target": 40}, ...]'
        " (1-30; an id is made from each name unless given; docs/protocol.md)",
    )
    language: str = Field(
        default=DEFAULT_LANGUAGE,
        max_length=8,
        description=(
            "The interface language of the event's wall, console, printouts and invitation e-mail: "
            f"one of {', '.join(LANGUAGES)}"
        ),
    )
    themes_encoder: Literal["default", "multilingual"] = Field(
        default="default",
        description="The themes' encoder: the server's (default) or multilingual, for ideas in several languages"
        " (docs/themes.md)",
    )


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # exact JSON types, as commands
    code: str = Field(max_length=20)
    table_id: str = Field(max_length=16)
    name: str | None = Field(default=None, max_length=limits.NAME_MAX)
    parts: list[str] = Field(
        default_factory=list,
        max_length=PARTS_MAX + 1,
        description='The parts of the system the person comes from (declared ids), or ["prefer_not_to_say"]',
    )
    invite: str | None = Field(
        default=None,
        max_length=64,
        description="The token of the person's personal link (docs/participants.md): joining with it checks them in",
    )


@router.post(
    "/events", status_code=201, response_model=EventCreated, dependencies=[allow(ADMIN), Depends(limited_body)]
)
async def create_event(body: EventCreate, services: ServicesDep) -> dict[str, Any]:
    # numbered tables are named in the event's language
    tables = i18n.numbered_tables(body.tables, body.language) if isinstance(body.tables, int) else body.tables
    created = await asyncio.to_thread(
        new_event, services.store, body.title, tables, body.parts, body.language, body.themes_encoder
    )
    return created.to_dict(base_url(services))


@router.get("/events", response_model=list[EventSummary], dependencies=[allow(ADMIN)])
async def list_events(services: ServicesDep) -> list[dict[str, Any]]:
    rows = await asyncio.to_thread(services.store.events)
    return [{"event_id": r.id, "title": r.title, "join_code": r.join_code, "created_at": r.created_at} for r in rows]


async def _event_for_code(services: ServicesDep, code: str) -> str:
    event_id = await asyncio.to_thread(services.store.event_by_code, normalise_join_code(code))
    if event_id is None:
        raise NotFound("unknown_code", f"no event has the join code {code!r}; check it on the wall", field="code")
    return event_id


@router.get("/join/{code}", response_model=JoinLookup, dependencies=[allow(PUBLIC), Depends(limit_lookups)])
async def lookup_code(code: str, services: ServicesDep) -> dict[str, Any]:
    room = await services.rooms.get(await _event_for_code(services, code))
    state = room.state
    return {
        "event_id": state.id,
        "title": state.title,
        "join_code": state.join_code,
        "tables": [{"id": t.id, "name": t.name} for t in state.tables.values()],
        "parts": [{"id": p.id, "name": p.name} for p in state.parts.values()],  # to tick when joining
    }


@router.post(
    "/join",
    status_code=201,
    response_model=Joined,
    dependencies=[allow(PUBLIC), Depends(limit_joins), Depends(limited_body)],
)
async def join_event(body: JoinRequest, services: ServicesDep) -> dict[str, Any]:
    room = await services.rooms.get(await _event_for_code(services, body.code))
    room.limits.check_event_write(steady_ms())
    invited = None
    if body.invite is not None:
        invited = await asyncio.to_thread(services.store.invitee_by_link, hash_token(body.invite))
        if invited is None or invited.event_id != room.event_id:
            raise NotFound(
                "unknown_invitation", "this personal link does not work here: join without it", field="invite"
            )
        back = await participants.returning(services, invited)  # already checked in: the same person
        if back is not None:
            return back
    token = new_token()

    def token_rows(outcome: Any) -> list[Beside]:
        pid = outcome.result["participant_id"]
        rows: list[Beside] = [
            TokenRow(
                hash=hash_token(token),
                event_id=room.event_id,
                role=Role.PARTICIPANT.value,
                participant_id=pid,
                created_at=now_ms(),
            )
        ]
        if invited is not None:  # checked in, in the join's own commit (the list, never the transcript)
            rows.append(CheckinRow(event_id=room.event_id, participant_id=pid, invitee_id=invited.id, at=now_ms()))
        return rows

    outcome = await room.execute(lambda state, now: join(state, body.name, body.table_id, now, body.parts), token_rows)
    return {
        "event_id": room.event_id,
        "participant_id": outcome.result["participant_id"],
        "table_id": body.table_id,
        "token": token,
        "expires_at": None,  # valid until WHOLEROOM_TOKEN_TTL_DAYS after the event is closed
        "phone_url": f"/e/{room.event_id}/phone",
    }


@router.post(
    "/events/{event_id}/commands",
    response_model=CommandAck,
    dependencies=[allow(EVENT_TOKENS)],
    openapi_extra=json_body(dispatch.message_schema(), "a message, as over the websocket (docs/protocol.md)"),
)
async def run_command(
    event_id: str, request: Request, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    """One command, by the same path as a websocket message (dispatch.py): the same checks, limits,
    errors and results; the answer is the websocket reply's fields with ``ok``."""
    room = await services.rooms.get(event_id)
    actor = Actor(principal.role, principal.participant_id, principal.name)
    reply = await dispatch.handle(room, actor, await request.body())
    return reply.http()


@router.post("/events/{event_id}/links", status_code=201, response_model=Links, dependencies=[allow(FACILITATOR)])
async def new_links(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Fresh wall and organiser links (new tokens; earlier ones keep working). Facilitator only."""
    tokens = {role: new_token() for role in (Role.WALL, Role.ORGANISER)}
    rows = [
        TokenRow(hash=hash_token(t), event_id=event_id, role=r.value, created_at=now_ms()) for r, t in tokens.items()
    ]
    await asyncio.to_thread(services.store.add_tokens, rows)
    base = base_url(services)
    return {
        "wall": f"{base}/e/{event_id}/wall#token={tokens[Role.WALL]}",
        "organiser": f"{base}/e/{event_id}/organiser#token={tokens[Role.ORGANISER]}",
    }


@router.get("/events/{event_id}/snapshot", dependencies=[allow(EVENT_TOKENS)])
async def read_snapshot(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    room = await services.present_room(principal)  # with several workers: includes the caller's own writes
    return room.view(Viewer(principal.role, principal.participant_id))  # what a welcome carries


@router.get("/events/{event_id}/transcript", responses=media("application/x-ndjson"), dependencies=[allow(STAFF)])
async def read_transcript(
    event_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, le=limits.SEQ_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """The transcript as JSON Lines, ``limit`` entries after ``after``; page with the last seq."""
    entries = await asyncio.to_thread(services.store.entries, event_id, after, None, limit)
    state = (await services.rooms.get(event_id)).state  # knows which ideas are anonymous
    body = "".join(dumps(for_readers(state, e).to_dict()) + "\n" for e in entries)
    headers = {"X-Next-After": str(entries[-1].seq if entries else after)}
    return Response(body, media_type="application/x-ndjson", headers=headers)


class ScriptCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # exact JSON types, as commands
    script: str = Field(max_length=SCRIPT_MAX_CHARS)
    tables: int | None = Field(default=None, ge=1, le=limits.TABLES_MAX)


@router.get("/scripts", dependencies=[allow(PUBLIC)])
async def list_scripts() -> list[dict[str, Any]]:
    """The library: every ready script with its method, purpose, fit and parameters."""
    return await asyncio.to_thread(library.catalogue)


@router.get("/scripts/{script_id}", dependencies=[allow(PUBLIC)])
async def read_script(script_id: str) -> dict[str, Any]:
    """One library script: its YAML text and its run sheet."""
    text = await asyncio.to_thread(library.script_text, script_id)
    return {"id": script_id, "text": text, **await asyncio.to_thread(_checked, text, f"{script_id}.yaml", None)}


@router.post("/scripts/check", dependencies=[allow(PUBLIC), Depends(limited_body)])
async def check_script(body: ScriptCheck) -> dict[str, Any]:
    """Validate a script (for example before uploading it); the problems come with line and column."""
    return await asyncio.to_thread(_checked, body.script, "upload.yaml", body.tables)  # bounded, and off the loop


def _checked(text: str, filename: str, tables: int | None) -> dict[str, Any]:
    try:
        script = load_script(text, filename, tables=tables)
    except ScriptError as exc:
        raise exc.refusal() from None
    data = in_default(script)  # texts in the script's default language, the others under texts
    return {
        "title": data["title"],
        "languages": script.languages,
        "params": data["params"],
        "runsheet": plan(data["steps"]),
    }


@router.get("/events/{event_id}/qr.svg", responses=media("image/svg+xml"), dependencies=[allow(PUBLIC)])
async def join_qr(
    event_id: str, services: ServicesDep, table: Annotated[str | None, Query(max_length=16)] = None
) -> Response:
    """A QR code for the join page, optionally seating the phone at ``table`` directly."""
    room = await services.rooms.get(event_id)
    if table is not None and table not in room.state.tables:
        raise NotFound("unknown_table", f"there is no table {table}", field="table")
    url = f"{base_url(services)}/join?code={room.state.join_code}"
    if table is not None:
        url += f"&table={table}"
    out = io.BytesIO()
    import segno  # (imported here: few requests ask for a QR code, and the server need not hold ~1 MB for them)

    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False, title=f"Join: {url}")
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
