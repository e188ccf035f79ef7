"""The participant list and invitations (docs/participants.md).

The organiser imports a CSV (checked whole, all or nothing), sees who is invited, who answered and
who has arrived against the parts' targets, prints invitation cards with each person's personal
link, revokes or renews a link, and erases a person's data. Everyone else reaches only their own
invitation, with the token of their personal link (sent in the body, never in an address).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import mail, participant_list
from ..domain import limits
from ..domain.access import ORGANISER, PUBLIC
from ..domain.errors import Conflict, NotFound
from ..domain.model import Role
from ..domain.roster import ROSTER_MAX
from ..hub.room import now_ms
from ..security import hash_token, new_token
from ..storage.tables import InviteeRow, TokenRow
from . import i18n
from .deps import PrincipalDep, ServicesDep, base_url, limit_lookups, limited_body
from .responses import ERRORS, Joined, media
from .route_access import allow

router = APIRouter(prefix="/api", responses=ERRORS)


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    csv: str = Field(
        max_length=limits.MESSAGE_MAX_BYTES,
        description="The list as CSV text: a first line naming the columns name, email, parts, access_needs",
    )
    dry_run: bool = Field(default=False, description="Only check the file and say what would change")


class InviteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    token: str = Field(max_length=64, description="The token of a personal link (after #invite= in it)")


class RsvpBody(InviteBody):
    coming: bool


async def _listing(services: ServicesDep, event_id: str) -> dict[str, Any]:
    state = (await services.current_room(event_id)).state  # with several workers: every join committed
    rows = await asyncio.to_thread(services.store.invitees, event_id)
    checkins = await asyncio.to_thread(services.store.checkins, event_id)
    return {
        "people": [participant_list.person(state, checkins, r) for r in rows],
        "coverage": participant_list.coverage(state, checkins, rows),
        "mail": mail.configured(services.settings),  # whether invitations can be e-mailed
    }


@router.get("/events/{event_id}/people", dependencies=[allow(ORGANISER)])
async def list_people(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """The participant list with each person's answer and arrival, and coverage of the parts
    counting who is coming and who is here. Organiser only: it holds emails and access needs."""
    return await _listing(services, event_id)


@router.post("/events/{event_id}/people/import", dependencies=[allow(ORGANISER), Depends(limited_body)])
async def import_people(
    event_id: str, body: ImportBody, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    """Import (or update from) a CSV; every problem is refused at once with its line and column,
    and nothing is kept unless the whole file is right."""
    state = (await services.rooms.get(event_id)).state
    summary = await asyncio.to_thread(
        participant_list.import_csv, services.store, state, body.csv, now_ms(), dry_run=body.dry_run
    )
    return {**summary, **await _listing(services, event_id)}


@router.delete("/events/{event_id}/people", dependencies=[allow(ORGANISER)])
async def erase_everyone(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Erase the whole list (after the event, say): names, emails, access needs, answers, links."""
    erased = await asyncio.to_thread(services.store.erase_invitees, event_id)
    return {"erased": erased}


@router.delete("/events/{event_id}/people/{person_id}", dependencies=[allow(ORGANISER)])
async def erase_person(event_id: str, person_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Erase one person from the list on request, with everything held about them. (What they said
    in the event is erased with the organiser's ``participant.erase``.)"""
    await asyncio.to_thread(participant_list.find, services.store, event_id, person_id)
    erased = await asyncio.to_thread(services.store.erase_invitees, event_id, [person_id])
    return {"erased": erased}


async def _card(services: ServicesDep, row: InviteeRow, join_code: str) -> dict[str, Any]:
    token = await asyncio.to_thread(participant_list.token_of, services.store, row)
    link = participant_list.personal_link(base_url(services), join_code, token) if token else None
    return {"id": row.id, "name": row.name, "link": link}


@router.post("/events/{event_id}/people/{person_id}/link", dependencies=[allow(ORGANISER)])
async def renew_link(event_id: str, person_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """A new personal link for one person; the one before (and its printed card) stops working."""
    state = (await services.rooms.get(event_id)).state
    row = await asyncio.to_thread(participant_list.find, services.store, event_id, person_id)
    row = await asyncio.to_thread(participant_list.new_link, services.store, row, now_ms())
    return await _card(services, row, state.join_code)


@router.delete("/events/{event_id}/people/{person_id}/link", dependencies=[allow(ORGANISER)])
async def revoke_link(event_id: str, person_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Revoke one personal link: it stops working at once (the person can still join with the code)."""
    row = await asyncio.to_thread(participant_list.find, services.store, event_id, person_id)
    await asyncio.to_thread(participant_list.revoke_link, services.store, row, now_ms())
    return {"id": row.id, "name": row.name, "link": None}


def _qr(url: str) -> bytes:
    out = io.BytesIO()
    import segno  # (imported here: few requests ask for a QR code, and the server need not hold ~1 MB for them)

    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return out.getvalue()


@router.get("/events/{event_id}/invitations", dependencies=[allow(ORGANISER)])
async def invitation_cards(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """What the printable invitation cards show: per person with a working link, their name and
    the link (its QR code from ``.../people/{id}/qr.svg``); the event's title and join code, the
    fallback."""
    state = (await services.rooms.get(event_id)).state
    rows = await asyncio.to_thread(services.store.invitees, event_id)
    cards = await asyncio.to_thread(participant_list.cards, services.store, state, base_url(services))
    return {
        "title": state.title,
        "join_code": state.join_code,
        "join_url": f"{base_url(services)}/join",
        "cards": cards,
        "without_link": len(rows) - len(cards),
    }


@router.get(
    "/events/{event_id}/people/{person_id}/qr.svg", responses=media("image/svg+xml"), dependencies=[allow(ORGANISER)]
)
async def invitation_qr(event_id: str, person_id: str, principal: PrincipalDep, services: ServicesDep) -> Response:
    """The QR code (SVG) of one person's personal link, for their invitation card. One a request:
    a list of hundreds is drawn card by card, never in one long computation."""
    state = (await services.rooms.get(event_id)).state
    row = await asyncio.to_thread(participant_list.find, services.store, event_id, person_id)
    token = await asyncio.to_thread(participant_list.token_of, services.store, row)
    if token is None:
        raise NotFound("unknown_invitation", f"{row.name}'s personal link was revoked", field="person_id")
    svg = await asyncio.to_thread(_qr, participant_list.personal_link(base_url(services), state.join_code, token))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    person_ids: list[str] | None = Field(
        default=None, max_length=ROSTER_MAX, description="Only these people (default: everyone not sent one yet)"
    )
    again: bool = Field(default=False, description="Send again to people already sent one")


@router.post("/events/{event_id}/invitations/send", dependencies=[allow(ORGANISER), Depends(limited_body)])
async def send_invitations(
    event_id: str, body: SendBody, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    """E-mail the invitations through the configured mail server: to everyone with an e-mail and a
    working link not sent one yet (or ``person_ids``). 409 ``mail_off`` without a mail server."""
    state = (await services.rooms.get(event_id)).state
    return await asyncio.to_thread(
        participant_list.email_invitations,
        services.store,
        services.settings,
        state,
        base_url(services),
        now_ms(),
        person_ids=body.person_ids,
        again=body.again,
        translations=i18n.language(state.language).translations,  # the event's language
    )


# --- the person's own invitation ------------------------------------------------------------------


async def _invitee(services: ServicesDep, token: str) -> InviteeRow:
    row = await asyncio.to_thread(services.store.invitee_by_link, hash_token(token))
    if row is None:
        raise NotFound(
            "unknown_invitation",
            "this personal link does not work (it may have been renewed): join with the event's code",
            field="token",
        )
    return row


@router.post("/invitation", dependencies=[allow(PUBLIC), Depends(limit_lookups), Depends(limited_body)])
async def read_invitation(body: InviteBody, services: ServicesDep) -> dict[str, Any]:
    """One's own invitation, from the personal link's token: the event, one's name and parts to
    pre-fill the join form, one's answer, whether one has arrived, and the table where the mix
    needs one most once people are seated."""
    row = await _invitee(services, body.token)
    state = (await services.current_room(row.event_id)).state
    checkins = await asyncio.to_thread(services.store.checkins, row.event_id)
    parts = participant_list.parts_of(row)
    return {
        "event_id": state.id,
        "title": state.title,
        "join_code": state.join_code,
        "name": row.name,
        "parts": list(parts),
        "rsvp": row.rsvp,
        "arrived": participant_list.arrived(state, checkins, row),
        "closed": state.closed_at is not None,
        # the home table the list gives (where the planning group seats them), else where the mix needs them
        "home_table": row.table_id if row.table_id in state.tables else None,
        "suggested_table": (
            row.table_id if row.table_id in state.tables else participant_list.suggested_table(state, parts)
        ),
    }


async def returning(services: ServicesDep, row: InviteeRow) -> dict[str, Any] | None:
    """A personal link that already checked its person in brings back *that* person, never a second
    one: a new phone, a cleared browser, the follow-up round weeks later (even once the event has
    closed, while its links last). A fresh participant token for them, at the table they are at.
    None when the link has not been used to join yet, or its person has been removed since."""
    checkins = await asyncio.to_thread(services.store.checkins, row.event_id)
    if row.id not in checkins:
        return None
    state = (await services.current_room(row.event_id)).state
    participant_id = participant_list.joined_as(state, checkins, row)
    if participant_id is None:
        return None
    person = state.participants[participant_id]
    token = new_token()
    grant = TokenRow(
        hash=hash_token(token),
        event_id=row.event_id,
        role=Role.PARTICIPANT.value,
        participant_id=person.id,
        created_at=now_ms(),
    )
    await asyncio.to_thread(services.store.add_tokens, [grant])
    return {
        "event_id": row.event_id,
        "participant_id": person.id,
        "table_id": person.table_id,
        "token": token,
        "expires_at": None,  # valid until WHOLEROOM_TOKEN_TTL_DAYS after the event is closed
        "phone_url": f"/e/{row.event_id}/phone",
        "returning": True,
    }


@router.post(
    "/invitation/return",
    response_model=Joined,
    dependencies=[allow(PUBLIC), Depends(limit_lookups), Depends(limited_body)],
)
async def return_with_invitation(body: InviteBody, services: ServicesDep) -> dict[str, Any]:
    """Back to one's own phone page with one's personal link, once it has been used to join: the same
    participant (their ideas, ballots and action group), a new token for this phone."""
    row = await _invitee(services, body.token)
    back = await returning(services, row)
    if back is None:
        raise Conflict("not_joined_yet", "this personal link has not been used to join yet: join with the form")
    return back


@router.post("/invitation/rsvp", dependencies=[allow(PUBLIC), Depends(limit_lookups), Depends(limited_body)])
async def answer_invitation(body: RsvpBody, services: ServicesDep) -> dict[str, Any]:
    """Say whether one is coming (and change one's mind until the event ends)."""
    row = await _invitee(services, body.token)
    state = (await services.rooms.get(row.event_id)).state
    if state.closed_at is not None:
        raise Conflict("event_closed", "this event has ended")
    answer = "yes" if body.coming else "no"
    if row.rsvp != answer:
        await asyncio.to_thread(services.store.update_invitee, row.event_id, row.id, rsvp=answer, rsvp_at=now_ms())
    return {"rsvp": answer}
