"""Co-facilitation: several consoles drive one room, and none may act on a room it has not seen.

Every flow command (a session's next, back, skip, go to, pause and resume; pushing, extending and
ending a step) may name the room's flow as its sender last saw it: ``expect_flow_seq``, the ``seq``
of the latest flow entry (``state.flow``, kept by the fold; 0 before any). When the room has moved
on since, the command is refused with :class:`Stale`, saying who moved it, where to and when, and
nothing changes. So two facilitators pressing Next together advance the room one step, not two.
"""

from __future__ import annotations

from typing import Any

from .base import Outcome
from .errors import Invalid, Stale
from .fold import FLOW_KINDS
from .model import EventState, FlowMark

_DONE = {
    "step.pushed": "started",
    "step.ended": "ended",
    "step.extended": "given more time",
    "step.paused": "paused",
    "step.resumed": "resumed",
    "session.step_skipped": "skipped",
}


def version(state: EventState) -> int:
    """What a flow command names: the seq of the room's latest flow entry (0 before any)."""
    return state.flow.seq if state.flow is not None else 0


def check(state: EventState, expected: int | None, now: int) -> None:
    """Refuse a flow command sent from an older view of the room (``None``: it named none)."""
    if expected is None or expected == version(state):
        return
    mark = state.flow
    if mark is None or expected > mark.seq:
        raise Invalid(
            "invalid",
            f"expect_flow_seq {expected} is ahead of the room's flow (its latest flow entry is {version(state)})",
            field="expect_flow_seq",
        )
    moved = f"{describe(state, mark)} by {_who(mark.actor)} {_ago(now - mark.at)}"
    raise Stale(f"the room moved on: {moved}; nothing was changed, look again and choose", flow=flow_dict(state))


def acknowledge(outcome: Outcome) -> Outcome:
    """Add ``flow_seq`` to a flow command's result: the room's flow version once it is applied (the
    sender knows which change was its own)."""
    marks = [e.seq for e in outcome.entries if e.kind in FLOW_KINDS]
    if marks:
        outcome.result["flow_seq"] = marks[-1]
    return outcome


def flow_dict(state: EventState) -> dict[str, Any] | None:
    """The room's latest change of flow, with the words for it (for snapshots and refusals)."""
    if state.flow is None:
        return None
    return {**state.flow.to_dict(), "text": describe(state, state.flow)}


def describe(state: EventState, mark: FlowMark) -> str:
    """What happened, in words: "step 3 of “Café”, “Round 2”, was started"."""
    session = state.sessions.get(mark.session_id or "")
    if mark.kind == "session.finished":
        return f"“{session.title}” was finished" if session else "the session was finished"
    step = state.steps.get(mark.step_id or "")
    done = _DONE.get(mark.kind, "changed")
    if session is not None and mark.index is not None:
        title = session.script["steps"][mark.index].get("title") or session.script["steps"][mark.index]["id"]
        return f"step {mark.index + 1} of “{session.title}”, “{title}”, was {done}"
    text = " ".join(step.text.split()) if step else "a step"
    text = text if len(text) <= 60 else f"{text[:60].rsplit(' ', 1)[0].rstrip(',;:')}…"  # at a word
    pushed = "pushed" if mark.kind == "step.pushed" else done
    return f"the step “{text}” was {pushed}"


def _who(actor: str) -> str:
    """Who made a change, in words: a named facilitator link by its name."""
    if actor.startswith("facilitator:"):
        return actor.removeprefix("facilitator:")
    return {"facilitator": "a facilitator", "admin": "the server"}.get(actor, actor)


def _ago(ms: int) -> str:
    s = max(0, ms) // 1000
    if s < 2:
        return "just now"
    if s < 90:
        return f"{s} s ago"
    if s < 90 * 60:
        return f"{round(s / 60)} min ago"
    return f"{round(s / 3600)} h ago"
