"""Named facilitator links: the organiser issues more facilitator links, each with a name ("Ana –
co-facilitator"), lists them, and revokes one. A revoked link stops at once: its cached grant is
forgotten and its open sockets are closed on every worker. What a named link does is written in
the transcript as ``facilitator:<name>``, so consoles say who moved the room."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ..domain import limits
from ..domain.access import ORGANISER
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.model import Role
from ..domain.text import check_text
from ..hub.room import now_ms
from ..security import hash_token, new_token
from ..storage.tables import TokenRow
from .deps import PrincipalDep, ServicesDep, base_url, limited_body
from .responses import ERRORS
from .route_access import allow

router = APIRouter(prefix="/api", responses=ERRORS)

LINK_ID_CHARS = 12  # a link is named by the start of its token's hash (the token itself is never kept)
UNNAMED = "the first facilitator link"  # the link made with the event has no name


class NewLink(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # exact JSON types, as commands
    name: str = Field(max_length=limits.NAME_MAX, description="Who the link is for, e.g. 'Ana – co-facilitator'")


class LinkOut(BaseModel):
    id: str
    name: str | None = Field(description="null for the link made with the event")
    created_at: int
    revoked_at: int | None


class IssuedLink(LinkOut):
    link: str = Field(description="the console link; shown once, never stored")


class LinkList(BaseModel):
    links: list[LinkOut]


def _link(row: TokenRow) -> dict[str, Any]:
    return {
        "id": row.hash[:LINK_ID_CHARS],
        "name": row.label,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


def _clean_name(name: str) -> str:
    check_text(name, "name")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("empty_text", "name the link: who is it for?", field="name")
    return cleaned


@router.post(
    "/events/{event_id}/facilitators",
    status_code=201,
    response_model=IssuedLink,
    dependencies=[allow(ORGANISER), Depends(limited_body)],
)
async def issue_link(event_id: str, body: NewLink, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """A new facilitator link with a name. Organiser only; the link is shown once."""
    name = _clean_name(body.name)
    existing = await asyncio.to_thread(services.store.staff_tokens, event_id, Role.FACILITATOR.value)
    if any(row.label == name and row.revoked_at is None for row in existing):
        raise Conflict("name_taken", f"a working facilitator link is already called {name!r}", field="name")
    token = new_token()
    row = TokenRow(
        hash=hash_token(token), event_id=event_id, role=Role.FACILITATOR.value, created_at=now_ms(), label=name
    )
    await asyncio.to_thread(services.store.add_tokens, [row])
    return {**_link(row), "link": f"{base_url(services)}/e/{event_id}/console#token={token}"}


@router.get("/events/{event_id}/facilitators", response_model=LinkList, dependencies=[allow(ORGANISER)])
async def list_links(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """The event's facilitator links, oldest first, working and revoked. Organiser only."""
    rows = await asyncio.to_thread(services.store.staff_tokens, event_id, Role.FACILITATOR.value)
    return {"links": [_link(row) for row in rows]}


@router.delete("/events/{event_id}/facilitators/{link_id}", response_model=LinkOut, dependencies=[allow(ORGANISER)])
async def revoke_link(event_id: str, link_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Revoke one facilitator link: it stops working at once and its open consoles are closed."""
    rows = await asyncio.to_thread(services.store.staff_tokens, event_id, Role.FACILITATOR.value)
    row = next((r for r in rows if len(link_id) == LINK_ID_CHARS and r.hash.startswith(link_id)), None)
    if row is None:
        raise NotFound("unknown_link", f"this event has no facilitator link {link_id[:40]!r}", field="link_id")
    if row.revoked_at is not None:
        raise Conflict("already_revoked", f"the link {row.label or UNNAMED!r} was revoked already", field="link_id")
    at = now_ms()
    await asyncio.to_thread(services.store.revoke_token, row.hash, at)
    await services.revoke(event_id, row.hash)
    row.revoked_at = at
    return _link(row)
