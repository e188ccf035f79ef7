"""When screens are sent more than an entry: who starts again from a snapshot, who may resume, whose
counts and results change (the hub asks these questions; ``view.py`` says what each screen sees).
"""

from __future__ import annotations

from enum import Enum

from .model import Entry, EventState, StepStatus
from .roles import volunteer_roles
from .view import Viewer, sealed


def resumes(after: int | None, delivered: int, oldest: int | None, seated_seq: int | None) -> bool:
    """Whether a screen that last received ``after`` may be sent what it missed instead of a snapshot:
    the room remembers every entry since (``oldest`` is the first it remembers), and the person was
    not seated again since (their view changed wholesale)."""
    return (
        after is not None
        and 0 < after <= delivered
        and oldest is not None
        and oldest <= after + 1
        and (seated_seq is None or seated_seq <= after)
    )


def spoils_replay(missed: list[Entry]) -> bool:
    """Whether entries a screen missed make what it holds wrong (an erased person's texts may be on it)."""
    return any(e.kind == "participant.erased" for e in missed)


class Reseat(Enum):
    """Which phones an entry sends back to a snapshot (besides those ``RESEAT_KINDS`` reach)."""

    NONE = "none"
    EVERY_PHONE = "every_phone"  # phones learn at once which roles they may now volunteer for
    REACHED_TABLES = "reached_tables"  # each phone is dealt its own cards


def reseat(state: EventState, entry: Entry) -> Reseat:
    if entry.kind == "session.loaded" and volunteer_roles(state):
        return Reseat.EVERY_PHONE
    if entry.kind == "step.pushed" and (entry.payload.get("spec") or {}).get("method") == "pass_and_score":
        return Reseat.REACHED_TABLES
    return Reseat.NONE


# entries that change the counts of a presence message (people per table, parts per table)
PRESENCE_KINDS = frozenset(
    {
        "participant.joined",
        "participant.seated",
        "participant.removed",
        "participants.moved",
        "participant.parts_set",
        "event.parts_set",
    }
)

# entries that change who sits at which table (so how many people a vote asks)
_SEATING_KINDS = frozenset(
    {
        "participant.joined",
        "participant.seated",
        "participant.removed",
        "participants.moved",
        "participant.role_set",
        "roles.assigned",
    }
)


def reanalyse(state: EventState, entry: Entry) -> bool:
    """Whether common ground must be computed again after ``entry``."""
    if entry.kind == "participant.erased":  # common ground quotes texts: again without theirs
        return bool(state.reacted)
    return entry.kind in ("reaction.cast", "idea.hidden", "idea.restored") and bool(state.reacted)


def results_changed(state: EventState, entry: Entry) -> set[str]:
    """The vote and marketplace steps whose results (or turnout) ``entry`` changes."""
    out: set[str] = set()
    summarised = _summarised_step(state, entry)
    if summarised is not None:
        out.add(summarised)
    if entry.kind in _SEATING_KINDS:  # how many a sealed vote asks changes with who sits where
        out.update(s.id for s in state.steps.values() if s.status is StepStatus.ACTIVE and sealed(s))
    return out


def _summarised_step(state: EventState, entry: Entry) -> str | None:
    """The vote or marketplace step whose results ``entry`` changes, if any."""
    p = entry.payload
    if entry.kind == "vote.cast" or (entry.kind == "step.ended" and state.steps[p["step_id"]].kind == "vote"):
        return str(p["step_id"])
    if entry.kind == "topic.posted":
        return str(p["step_id"])
    if entry.kind == "step.pushed":  # a new vote (its turnout starts at 0), or one ended by its replacement
        if p.get("kind") == "vote":
            return str(p["step_id"])
        replaced = state.steps.get(p.get("replaces") or "")
        return replaced.id if replaced is not None and replaced.kind == "vote" else None
    if entry.kind in ("topic.joined", "topic.left"):
        return state.topics[p["topic_id"]].step_id
    return None


# entries that change how many are in an action group or whether it has a convener: every phone
# shows those counts, but only the people concerned are sent the entries (domain/follow.py); a
# person removed leaves their group too
ACTION_COUNT_KINDS = frozenset({"action.joined", "action.left", "action.convener_set", "participant.removed"})


def results_seen(viewer: Viewer, revealed: bool) -> str:
    """What a staff screen is sent when a step's results change: ``"results"``, ``"turnout"`` (the
    wall, while the results are sealed: how many have voted, never what) or nothing."""
    if revealed or viewer.is_moderator:
        return "results"
    return "turnout"


def themes_seen(viewer: Viewer, picture_changed: bool, suggestions_changed: bool) -> str | None:
    """What a staff screen is sent when the themes change: moderators the picture with the curation
    suggestions (``"full"``) when either changed, the wall the picture alone (``"plain"``) when it did."""
    if viewer.is_moderator:
        return "full" if picture_changed or suggestions_changed else None
    return "plain" if picture_changed else None
