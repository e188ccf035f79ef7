"""Looking back: the replay timeline and state, exports, and a participant's own contributions."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from .. import exports
from ..domain import limits
from ..domain.access import PARTICIPANTS, STAFF
from ..domain.common_ground.publish import analyse_inputs, analysis_dict, inputs
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.harvest import Audience, Harvest, harvest, harvest_dict
from ..domain.mine import contributions
from ..domain.model import Role
from ..domain.replay import ROOM_IDEAS, Replay, room
from ..domain.view import Viewer, snapshot
from ..hub.theming import clusterer, compute, event_vector_key, themable, theme_ideas, themes_dict, topic_of
from .deps import PrincipalDep, ServicesDep
from .responses import ERRORS, media
from .route_access import allow
from .services import Services

router = APIRouter(prefix="/api/events/{event_id}", responses=ERRORS)

REPLAY_CACHE = 4  # events whose checkpoints stay in memory


async def _replay(services: Services, event_id: str) -> Replay:
    """The event's replay index, brought up to date with what has been committed since."""
    cache = services.replays
    replay = cache.pop(event_id, None) or Replay(event_id)
    cache[event_id] = replay  # most recently used last
    while len(cache) > REPLAY_CACHE:
        cache.pop(next(iter(cache)))
    async with services.replay_lock:
        newer = await asyncio.to_thread(services.store.entries, event_id, replay.last_seq)
        # an erasure rewrote earlier entries: read them all again
        if replay.last_seq and any(e.kind == "participant.erased" for e in newer):
            replay = cache[event_id] = Replay(event_id)
            newer = await asyncio.to_thread(services.store.entries, event_id, 0)
        if newer:
            await asyncio.to_thread(replay.extend, newer)
            gc.freeze()  # the index lives on: keep its objects out of every later full collection
    return replay


@router.get("/replay", dependencies=[allow(STAFF)])
async def replay_timeline(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """The whole event on one line: first and last moments, sessions and steps to jump to, activity."""
    replay = await _replay(services, event_id)
    marks, activity = await asyncio.to_thread(replay.timeline)
    return {
        "event_id": event_id,
        "last_seq": replay.last_seq,
        "first_at": replay.times[0] if replay.times else None,
        "last_at": replay.times[-1] if replay.times else None,
        "marks": marks,
        "activity": activity,
    }


@router.get("/replay/state", dependencies=[allow(STAFF)])
async def replay_state(
    event_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    seq: Annotated[int | None, Query(ge=0, le=limits.SEQ_MAX)] = None,
    at: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    table: Annotated[str | None, Query(max_length=16)] = None,
    view: Annotated[str, Query(pattern="^(full|room)$")] = "full",
    ideas_per_table: Annotated[int, Query(ge=1, le=10_000)] = 50,
    ideas: Annotated[int, Query(ge=0, le=1000)] = ROOM_IDEAS,
) -> dict[str, Any]:
    """What the room looked like after entry ``seq``, or at time ``at`` (ms).

    ``view=full``: the organiser's snapshot, with each table's latest ``ideas_per_table`` ideas, or
    every idea of one ``table``. ``view=room``: what the replay viewer draws (numbers for every table
    and one page of ``ideas``, the room's latest or ``table``'s), a few kilobytes on any event.
    A room seek folds forward from the previous room seek's state when that is nearer than a checkpoint."""
    if (seq is None) == (at is None):
        raise Invalid("seq_or_at", "give exactly one of seq or at", field="seq")
    replay = await _replay(services, event_id)
    target = seq if seq is not None else replay.seq_at(at or 0)
    if view == "room":
        near, replay.near = replay.near, None  # this seek takes the last one's state over (or restores its own)
        state = await asyncio.to_thread(replay.state_from, near, target)
        body = await asyncio.to_thread(room, state, step_ideas=replay.step_ideas(state.seq), table=table, ideas=ideas)
        replay.near = state  # done with it: the next seek may fold forward from here
    else:
        state = await asyncio.to_thread(replay.state_at, target)
        if table is not None and table not in state.tables:
            raise NotFound("unknown_table", f"there is no table {table}", field="table")
        body = snapshot(state, Viewer(Role.ORGANISER), ideas_per_table=None if table else ideas_per_table, table=table)
        if state.reacted:  # common ground as it stood then (computed afresh: group letters may differ from live)
            result = await asyncio.to_thread(analyse_inputs, *inputs(state), None)
            body["common_ground"] = analysis_dict(result, state)
    moment = replay.times[state.seq - 1] if state.seq else None
    return {"seq": state.seq, "at": moment, "snapshot": body}


@router.get("/replay/themes", dependencies=[allow(STAFF)])
async def replay_themes(
    event_id: str, principal: PrincipalDep, services: ServicesDep, seq: Annotated[int, Query(ge=0, le=limits.SEQ_MAX)]
) -> dict[str, Any]:
    """The themes as they stood after entry ``seq``: a full re-clustering of the ideas and curation
    up to then (about 0.2 s per 1,000 ideas; the viewer asks for it after the room's state)."""
    settings = services.settings
    if not settings.themes:
        raise Conflict("themes_off", "themes are switched off on this server (WHOLEROOM_THEMES)")
    replay = await _replay(services, event_id)
    state = await asyncio.to_thread(replay.state_at, seq)
    key = event_vector_key(state, settings.encoder)
    vectors = await asyncio.to_thread(services.store.vectors, event_id, key)
    ideas = await asyncio.to_thread(
        theme_ideas, state, {i: np.frombuffer(v, dtype=np.float32) for i, v in vectors.items()}
    )
    missing = sum(1 for i in state.ideas.values() if themable(i)) - len(ideas)
    edits, topic = list(state.theme_edits), topic_of(state)
    theme_map = await asyncio.get_running_loop().run_in_executor(  # in the event's language at that moment
        clusterer(), compute, ideas, edits, topic, None, state.language
    )
    return {"seq": state.seq, "model": key, "not_embedded": missing, **themes_dict(theme_map, state)}


MEDIA = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
AudienceQuery = Annotated[Audience | None, Query(description="shared (for people who took part) or staff")]


async def _harvest(services: Services, event_id: str, audience: Audience, seq: int | None = None) -> Harvest:
    """The harvest after entry ``seq`` (default: the last), with the themes and common ground of
    that moment computed afresh (themes from the stored vectors, as replay_themes does)."""
    replay = await _replay(services, event_id)
    state = await asyncio.to_thread(replay.state_at, replay.last_seq if seq is None else seq)
    last_at = replay.times[state.seq - 1] if state.seq else state.created_at
    settings = services.settings
    key = event_vector_key(state, settings.encoder)
    vectors = await asyncio.to_thread(services.store.vectors, event_id, key) if settings.themes else None
    ideas, note = await asyncio.to_thread(exports.theme_inputs, state, vectors)
    theme_map = None
    if ideas:
        edits = list(state.theme_edits)
        theme_map = await asyncio.get_running_loop().run_in_executor(
            clusterer(), compute, ideas, edits, topic_of(state), None, state.language
        )
    ground = await asyncio.to_thread(exports.ground_for, state)
    return harvest(state, last_at, audience=audience, themes=theme_map, themes_note=note, ground=ground)


PREVIEW_CAP = 20  # ideas per theme and per table step in the harvest preview


@router.get("/harvest", dependencies=[allow(STAFF)])
async def harvest_view(
    event_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    audience: Audience = "shared",
    seq: Annotated[int | None, Query(ge=0, le=limits.SEQ_MAX)] = None,
    full: bool = False,
) -> dict[str, Any]:
    """What the event made, as one model every export renders (docs/export.md): for ``audience``,
    after entry ``seq`` (default: now); a preview (``PREVIEW_CAP`` ideas per list) unless ``full``."""
    report = await _harvest(services, event_id, audience, seq)
    return await asyncio.to_thread(harvest_dict, report, None if full else PREVIEW_CAP)


@router.get("/export", responses=media(*MEDIA.values()), dependencies=[allow(STAFF)])
async def export(
    event_id: str,
    principal: PrincipalDep,
    services: ServicesDep,
    format: Annotated[str, Query(pattern="^(jsonl|csv|md|html|xlsx)$")] = "jsonl",
    csv_table: Annotated[str, Query(pattern="^(ideas|reactions|follow_through)$")] = "ideas",
    audience: AudienceQuery = None,
    vectors: bool = True,
) -> Response:
    """The same exports as `wholeroom export`, as a download. ``audience`` defaults to shared for
    the reports (md, html) and to staff for the data files (csv, xlsx); the transcript has none.
    ``vectors=false``: a jsonl transcript without the ideas' vectors, like `--no-vectors`."""
    chosen: Audience = audience or ("shared" if format in exports.REPORTS else "staff")
    if format == "csv" and csv_table == "reactions" and chosen != "staff":
        raise Invalid("staff_only", "the reactions file lists each person's answers: it is for staff", field="audience")
    if format == "jsonl":
        replay = await _replay(services, event_id)
        state = await asyncio.to_thread(replay.state_at, replay.last_seq)
        kept = await asyncio.to_thread(services.store.all_vectors, event_id) if vectors else []
        lines: Iterator[str] = exports.transcript(state, iter(replay.entries), int(time.time() * 1000), kept)
        name = f"wholeroom-{event_id}.jsonl"
        return StreamingResponse(lines, media_type=MEDIA[format], headers=_attachment(name))
    report = await _harvest(services, event_id, chosen)
    suffix = f"-{csv_table}" if format == "csv" else ""
    name = f"wholeroom-{event_id}{suffix}-{chosen}.{format}"
    if format == "xlsx":
        body = await asyncio.to_thread(exports.xlsx, report)
        return Response(body, media_type=MEDIA[format], headers=_attachment(name))
    if format == "csv":
        render = {"reactions": exports.reactions_csv, "follow_through": exports.follow_through_csv}
        lines = render.get(csv_table, exports.ideas_csv)(report)
    else:
        lines = iter([exports.markdown(report) if format == "md" else exports.html(report)])
    headers = _attachment(name)
    if format == "html":  # its own policy: the pages' would refuse the report's inline stylesheet
        headers["Content-Security-Policy"] = exports.REPORT_CSP
    return StreamingResponse(lines, media_type=MEDIA[format], headers=headers)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/mine", dependencies=[allow(PARTICIPANTS)])
async def my_contributions(event_id: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """A participant's own ideas (hidden ones too, marked), ballots, reactions and topics: theirs to keep."""
    assert principal.participant_id is not None  # allow(PARTICIPANTS)
    room = await services.present_room(principal)  # with several workers: includes the idea just sent
    return contributions(room.state, principal.participant_id)
