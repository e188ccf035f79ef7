"""A theme looked at more closely: its sub-themes, on demand, for the console and the wall.

The live screens get the themes over the websocket; a click on one asks for its finer groups
here. They are computed from the picture on screen now (the room's latest themes) and the stored
vectors, in the clustering worker, and kept nowhere: curation stays at the level of themes
(docs/themes.md). The themes hold only ideas every staff screen may show (``table`` or ``room``
visibility, not hidden), so the wall may ask too; phones never see themes whole.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path

from ..domain.access import Caller, rule
from ..domain.errors import Conflict, NotFound
from ..domain.theme_commands import THEME_ID
from ..domain.themes.drill import FEWEST_IDEAS as FEWEST
from ..hub.theming import clusterer, drill, event_vector_key, themable, theme_ideas, topic_of
from .deps import PrincipalDep, ServicesDep
from .responses import ERRORS
from .route_access import allow

router = APIRouter(prefix="/api/events/{event_id}", responses=ERRORS)

SCREENS = rule(Caller.WALL, Caller.FACILITATOR, Caller.ORGANISER)


@router.get("/themes/{theme_id}/subthemes", dependencies=[allow(SCREENS)])
async def read_subthemes(
    event_id: str,
    theme_id: Annotated[str, Path(pattern=THEME_ID)],
    principal: PrincipalDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """The sub-themes of theme ``theme_id`` as it is on screen now (biggest first, ids
    ``<theme_id>/1``...; every idea of the theme in one), or none with a note saying why."""
    settings = services.settings
    if not settings.themes:
        raise Conflict("themes_off", "themes are switched off on this server (WHOLEROOM_THEMES)")
    room = await services.present_room(principal)
    view = room.theme_view
    theme = next((t for t in (view or {}).get("themes", ()) if t["id"] == theme_id), None)
    if theme is None:
        raise NotFound("unknown_theme", f"there is no theme {theme_id} on screen now", field="theme_id")
    state = room.state
    ids = [i for i in theme["idea_ids"] if i in state.ideas and themable(state.ideas[i])]
    engine = room.themes
    if engine is not None and engine.active:  # the worker that embeds holds them in memory
        vectors = {i: engine.vectors[i] for i in ids if i in engine.vectors}
    else:
        key = event_vector_key(state, settings.encoder)
        stored = await asyncio.to_thread(services.store.vectors, event_id, key, ids)
        vectors = {i: np.frombuffer(v, dtype=np.float32) for i, v in stored.items()}
    langs = engine.langs if engine is not None and engine.active else None
    ideas = [i for i in await asyncio.to_thread(theme_ideas, state, vectors, langs) if i.id in set(ids)]
    shown = {**theme, "idea_ids": [i.id for i in ideas]}
    parts: list[dict[str, Any]] = []
    if len(ideas) >= FEWEST:
        loop = asyncio.get_running_loop()
        parts = await loop.run_in_executor(clusterer(), drill, ideas, shown, topic_of(state))
    note = ""
    if not parts:
        note = (
            f"Too few ideas to divide (a theme needs {FEWEST})."
            if len(ideas) < FEWEST
            else "Its ideas form no finer groups: they say one thing."
        )
    return {"seq": state.seq, "theme_id": theme_id, "label": theme["label"], "subthemes": parts, "note": note}
