"""What the projector wall shows besides the room's flow: a full-screen slide the facilitator puts up
and takes down (the join slide: a big QR code and the join code, for people still arriving; the room
slide: "Who is in the room", how many people of each part of the system sit at each table, counts only).

It is a transcript entry like any other change, so every wall (a reloaded one, one on another worker)
shows the same slide, and replay knows when it was up. Phones never receive it.
"""

from __future__ import annotations

from typing import Literal

from .base import CommandModel, Draft, Outcome, require_facilitator
from .errors import Conflict
from .model import Actor, EventState

SLIDES = ("join", "room")


class ShowOnWall(CommandModel):
    type: Literal["wall.show"]
    slide: Literal["join", "room"] | None = None  # None: back to the room's flow


def show(state: EventState, actor: Actor, cmd: ShowOnWall, now: int) -> Outcome:
    """The facilitator puts a slide on the wall (``slide``), or takes it down (``None``)."""
    require_facilitator(actor)
    if cmd.slide == "room" and not state.parts:
        raise Conflict("no_parts", "the room slide shows the parts of the system: declare them first", field="slide")
    if state.wall_slide == cmd.slide:
        said = f"the {cmd.slide} slide is already on the wall" if cmd.slide else "no slide is on the wall"
        raise Conflict("already_shown", said, field="slide")
    draft = Draft(state, actor, now)
    draft.add("wall.shown", {"slide": cmd.slide})
    return Outcome(draft.entries, {"slide": cmd.slide})
