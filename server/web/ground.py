"""Common ground over HTTP, for the moderators: what the console shows and what it leaves out.

The live screens get the analysis over the websocket, trimmed for every staff screen (the wall
too). This route adds each listed idea's group-informed consensus with its factors, each part's
representative ideas (Pol.is's list), and each map point's participant id. Facilitator and
organiser only: they already see every reaction with its participant id (docs/privacy.md), so
the ids tell them nothing new, while the wall never gets them.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..domain import limits
from ..domain.access import STAFF
from ..domain.common_ground.analysis import Memory
from ..domain.common_ground.publish import analyse_inputs, analysis_dict, inputs
from ..domain.errors import Invalid
from ..domain.model import EventState
from .deps import PrincipalDep, ServicesDep
from .history import _replay
from .responses import ERRORS
from .route_access import allow

router = APIRouter(prefix="/api/events/{event_id}", responses=ERRORS)


async def _analysed(state: EventState, previous: Memory | None) -> dict[str, Any]:
    matrix, hidden, partitions = inputs(state)  # taken on the loop: the live state changes between awaits
    result = await asyncio.to_thread(analyse_inputs, matrix, hidden, partitions, previous, shares=True)
    return analysis_dict(result, state, detail=True, with_people=True)


@router.get("/common-ground", dependencies=[allow(STAFF)])
async def common_ground(
    event_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    seq: Annotated[int | None, Query(ge=0, le=limits.SEQ_MAX)] = None,
) -> dict[str, Any]:
    """The common-ground analysis now, or after entry ``seq``, with every idea's consensus, each
    group's representative ideas and the participant id of each point on the map."""
    if seq is None:
        room = await services.present_room(principal)
        state = room.state
        at_seq = state.seq
        # with the live analysis's memory, so letters (and the number of groups) are the console's
        analysis = await _analysed(state, room.memory)
        return {"seq": at_seq, "at": None, "live": True, "analysis": analysis}
    replay = await _replay(services, event_id)
    if seq > replay.last_seq:
        raise Invalid("seq_ahead", f"seq {seq} is after the event's last entry ({replay.last_seq})", field="seq")
    past = await asyncio.to_thread(replay.state_at, seq)
    moment = replay.times[past.seq - 1] if past.seq else None
    # computed afresh, without the live history: group letters may differ from what the room saw
    return {"seq": past.seq, "at": moment, "live": False, "analysis": await _analysed(past, None)}
