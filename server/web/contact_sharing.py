"""Sharing an email with one's action group (domain/follow.py), over HTTP only.

The address never enters the transcript, the websocket or a snapshot: ``PUT`` keeps it in the
``action_contact`` table, then the room records that the person shares one (``action.contact_set``);
``GET`` gives a member the addresses of the members of their own group who shared one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ..domain import follow
from ..domain.access import PARTICIPANTS
from ..domain.errors import DomainError
from ..domain.model import Actor
from ..hub.room import now_ms
from .deps import PrincipalDep, ServicesDep
from .dispatch import throttle
from .responses import ERRORS
from .route_access import allow

router = APIRouter(prefix="/api/events/{event_id}", responses=ERRORS)


class ContactBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    # the address to share with my action group, or null to stop sharing it (and delete it)
    email: str | None = Field(max_length=follow.EMAIL_MAX * 2)


@router.put("/action-contact", dependencies=[allow(PARTICIPANTS)])
async def share_contact(
    event_id: str, body: ContactBody, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    """Share an email with the members of my action group (and nobody else), or stop sharing it."""
    assert principal.participant_id is not None  # allow(PARTICIPANTS)
    pid = principal.participant_id
    room = await services.present_room(principal)
    actor = Actor(principal.role, pid)
    throttle(room, actor, "action.contact")
    if body.email is None:
        outcome = await room.execute(lambda state, now: follow.set_contact(state, actor, False, now))
        await asyncio.to_thread(services.store.drop_contact, event_id, pid)
        return {"ok": True, **outcome.result}
    email = follow.check_email(body.email)
    follow.set_contact(room.state, actor, True, now_ms())  # refused (in no group) before anything is kept
    await asyncio.to_thread(services.store.put_contact, event_id, pid, email, now_ms())
    try:
        outcome = await room.execute(lambda state, now: follow.set_contact(state, actor, True, now))
    except DomainError:  # they left their group meanwhile: the address goes
        await asyncio.to_thread(services.store.drop_contact, event_id, pid)
        raise
    return {"ok": True, **outcome.result}


@router.get("/action-contacts", dependencies=[allow(PARTICIPANTS)])
async def group_contacts(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """The emails the members of my action group shared with it (mine included), and nothing else."""
    assert principal.participant_id is not None  # allow(PARTICIPANTS)
    room = await services.present_room(principal)
    state = room.state
    group_id = state.action_of.get(principal.participant_id)
    holders = follow.contact_holders(state, principal.participant_id)
    emails = await asyncio.to_thread(services.store.contacts, event_id, holders)
    people = [
        {"participant_id": pid, "name": state.participants[pid].name, "email": emails[pid]}
        for pid in holders
        if pid in emails and pid in state.participants
    ]
    return {"group_id": group_id, "contacts": people}
