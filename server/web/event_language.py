"""The event's interface language (the wall's and the console's, docs/architecture.md "Interface
languages"): the organiser reads it and changes it. A change is an entry (``event.language_set``),
so replay and exports know it; a wall or console open then loads its page again, in the new
language, when the entry reaches it. Phones keep their own."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ..domain.access import ORGANISER
from ..domain.commands import check_language, set_event_language
from ..domain.errors import NotFound
from ..domain.model import Actor
from ..languages import LANGUAGES
from .deps import PrincipalDep, ServicesDep, limited_body
from .responses import ERRORS
from .route_access import allow

router = APIRouter(prefix="/api", responses=ERRORS)


class EventLanguage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # exact JSON types, as commands
    language: str = Field(max_length=8, description=f"One of {', '.join(LANGUAGES)}")


class EventLanguageOut(BaseModel):
    language: str
    languages: dict[str, str] = Field(description="Every interface language, named in itself")


def _answer(language: str) -> dict[str, Any]:
    return {"language": language, "languages": LANGUAGES}


@router.get("/events/{event_id}/language", response_model=EventLanguageOut, dependencies=[allow(ORGANISER)])
async def read_language(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """The language of the event's wall and console, and the languages there are. Organiser only."""
    language = await asyncio.to_thread(services.store.event_language, event_id)
    if language is None:
        raise NotFound("unknown_event", f"there is no event {event_id[:40]!r}")
    return _answer(language)


@router.put(
    "/events/{event_id}/language",
    response_model=EventLanguageOut,
    dependencies=[allow(ORGANISER), Depends(limited_body)],
)
async def set_language(
    event_id: str, body: EventLanguage, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    """Change the language of the event's wall and console (an ``event.language_set`` entry; the
    same language again records nothing). Organiser only."""
    check_language(body.language)  # refused before the room is touched
    room = await services.present_room(principal)
    actor = Actor(principal.role, principal.participant_id, principal.name)
    await room.execute(lambda state, now: set_event_language(state, actor, body.language, now))
    return _answer(body.language)
