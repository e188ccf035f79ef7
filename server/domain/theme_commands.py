"""The facilitator shapes the themes; participants can contest where an idea landed.

Curation commands carry what the facilitator saw (the ideas of each theme as shown), so every
later re-clustering can respect them even though themes are recomputed (docs/themes.md). They
are transcript entries like any other change; the themes themselves are derived, not recorded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import CommandModel, Draft, Outcome, clean_text, require_facilitator
from .capture import PUBLIC, phone_sees
from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import Actor, EventState, Flag

THEME_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
LABEL_MAX = 80
IDS_MAX = 10_000


class Rename(CommandModel):
    type: Literal["theme.rename"]
    theme_id: str = Field(pattern=THEME_ID)
    label: str = Field(max_length=LABEL_MAX * 2)
    idea_ids: list[str] = Field(default=[], max_length=IDS_MAX)  # the theme's ideas as shown: they stay together


class Merge(CommandModel):
    type: Literal["theme.merge"]
    theme_id: str = Field(pattern=THEME_ID)
    merged_theme_ids: list[str] = Field(min_length=1, max_length=50)
    idea_ids: list[str] = Field(min_length=1, max_length=IDS_MAX)


class Split(CommandModel):
    type: Literal["theme.split"]
    theme_id: str = Field(pattern=THEME_ID)
    new_theme_id: str = Field(pattern=THEME_ID)
    idea_ids: list[str] = Field(min_length=1, max_length=IDS_MAX)
    remaining_ids: list[str] = Field(min_length=1, max_length=IDS_MAX)


class Pin(CommandModel):
    type: Literal["theme.pin"]
    theme_id: str = Field(pattern=THEME_ID)
    idea_ids: list[str] = Field(min_length=1, max_length=IDS_MAX)
    label: str = Field(max_length=LABEL_MAX * 2)


class Unpin(CommandModel):
    type: Literal["theme.unpin"]
    theme_id: str = Field(pattern=THEME_ID)


class MoveIdea(CommandModel):
    type: Literal["theme.move_idea"]
    idea_id: str
    theme_id: str | None = Field(default=None, pattern=THEME_ID)
    theme_idea_ids: list[str] = Field(default=[], max_length=IDS_MAX)


Edit = Rename | Merge | Split | Pin | Unpin | MoveIdea


def edit(state: EventState, actor: Actor, cmd: Edit, now: int) -> Outcome:
    """Record a curation edit after checking the ideas it names exist and the label reads."""
    require_facilitator(actor)
    payload = cmd.model_dump(exclude={"type"})
    if isinstance(cmd, Rename) and not cmd.idea_ids:
        del payload["idea_ids"]  # a rename of the name alone, as before
    ids = [*payload.get("idea_ids", []), *payload.get("remaining_ids", []), *payload.get("theme_idea_ids", [])]
    if "idea_id" in payload:
        ids.append(payload["idea_id"])
    unknown = [i for i in ids if i not in state.ideas]
    if unknown:
        raise NotFound("unknown_idea", f"no such idea: {', '.join(unknown[:5])}", field="idea_ids")
    if "label" in payload:
        payload["label"] = clean_text(cmd.label, LABEL_MAX, "label")  # type: ignore[union-attr]
    if isinstance(cmd, Split) and set(cmd.idea_ids) & set(cmd.remaining_ids):
        raise Invalid("overlap", "an idea cannot both leave and stay", field="idea_ids")
    if isinstance(cmd, Split) and (cmd.new_theme_id == cmd.theme_id or cmd.new_theme_id in _curated_ids(state)):
        # a split makes a new theme: reusing an id would silently replace that theme's curation
        raise Conflict(
            "theme_exists", f"there is already a theme {cmd.new_theme_id}: pick another id", field="new_theme_id"
        )
    if isinstance(cmd, Merge) and cmd.theme_id in cmd.merged_theme_ids:
        raise Invalid("self_merge", "a theme cannot merge into itself", field="merged_theme_ids")
    draft = Draft(state, actor, now)
    draft.add(cmd.type, payload)
    return Outcome(draft.entries, {"theme_id": payload.get("theme_id")})


def _curated_ids(state: EventState) -> set[str]:
    """Every theme id that an earlier curation edit named."""
    ids: set[str] = set()
    for _kind, payload in state.theme_edits:
        ids.update(i for i in (payload.get("theme_id"), payload.get("new_theme_id")) if i)
        ids.update(payload.get("merged_theme_ids", ()))
    return ids


# what a dismissal names: a suggestion's key (server/domain/themes/suggest.py): two themes not to
# merge, an idea to leave where it is, a theme not to split
_ONE = r"[A-Za-z0-9_.:-]{1,64}"
SUGGESTION_KEY = rf"^(merge:{_ONE}\+{_ONE}|move:\S{{1,64}}|split:{_ONE})$"


class Dismiss(CommandModel):
    type: Literal["theme.dismiss"]
    keys: list[Annotated[str, Field(pattern=SUGGESTION_KEY)]] = Field(min_length=1, max_length=200)


def dismiss(state: EventState, actor: Actor, cmd: Dismiss, now: int) -> Outcome:
    """The facilitator dismisses a curation suggestion: it is not made again (keys already
    dismissed are left out; dismissing only those changes nothing)."""
    require_facilitator(actor)
    keys = [k for k in dict.fromkeys(cmd.keys) if k not in state.theme_dismissed]
    if not keys:
        return Outcome(result={"keys": [], "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("theme.dismissed", {"keys": keys})
    return Outcome(draft.entries, {"keys": keys})


class FlagIdea(CommandModel):
    type: Literal["theme.flag"]
    idea_id: str
    theme_id: str | None = Field(default=None, pattern=THEME_ID)
    reason: str | None = Field(default=None, max_length=400)


class ResolveFlag(CommandModel):
    type: Literal["theme.flag_resolve"]
    flag_id: str
    outcome: Literal["kept", "moved"]


class Reveal(CommandModel):
    type: Literal["theme.reveal"]
    shown: bool = True


def reveal(state: EventState, actor: Actor, cmd: Reveal, now: int) -> Outcome:
    """The facilitator shows the themes to the room (phones may then contest where an idea landed),
    or stops showing them."""
    require_facilitator(actor)
    if state.themes_revealed == cmd.shown:
        code, said = ("already_revealed", "shown to") if cmd.shown else ("not_revealed", "hidden from")
        raise Conflict(code, f"the themes are already {said} phones", field="shown")
    draft = Draft(state, actor, now)
    draft.add("theme.revealed", {"shown": cmd.shown})
    return Outcome(draft.entries, {"shown": cmd.shown})


def flag(state: EventState, actor: Actor, cmd: FlagIdea, now: int) -> Outcome:
    """A participant says an idea does not belong in the theme it is shown in (once the facilitator
    has revealed the themes: before that a phone offers no way to)."""
    if actor.participant_id is None:
        raise Forbidden("participants_only", "participants flag ideas; the facilitator moves them")
    if not state.themes_revealed:
        raise Conflict("themes_not_revealed", "the facilitator has not shown the themes to the room yet")
    person = state.participants.get(actor.participant_id)
    idea = state.ideas.get(cmd.idea_id)
    # a phone sees its table's ideas (its own, its group's, the public ones) and, on the wall and in
    # reaction rounds, every table's public ones; the answer is the same for an idea it may not see
    # as for one that does not exist
    seen = idea is not None and person is not None and (phone_sees(state, idea, person) or idea.visibility in PUBLIC)
    if idea is None or idea.hidden or not seen:
        raise NotFound("unknown_idea", f"there is no idea {cmd.idea_id}", field="idea_id")
    mine = [f for f in state.flags.values() if f.idea_id == idea.id and f.participant_id == actor.participant_id]
    if any(f.outcome is None for f in mine):
        raise Conflict("already_flagged", "you have already flagged this idea; the facilitator will decide")
    reason = cmd.reason.strip() if cmd.reason else None
    draft = Draft(state, actor, now)
    flag_id = f"f{draft.next_seq}"
    draft.add(
        "theme.flagged",
        {
            "flag_id": flag_id,
            "idea_id": idea.id,
            "theme_id": cmd.theme_id,
            "participant_id": actor.participant_id,
            "reason": reason or None,
        },
    )
    return Outcome(draft.entries, {"flag_id": flag_id})


def resolve(state: EventState, actor: Actor, cmd: ResolveFlag, now: int) -> Outcome:
    require_facilitator(actor)
    found: Flag | None = state.flags.get(cmd.flag_id)
    if found is None:
        raise NotFound("unknown_flag", f"there is no flag {cmd.flag_id}", field="flag_id")
    if found.outcome is not None:
        raise Conflict("already_resolved", f"flag {cmd.flag_id} was already resolved ({found.outcome})")
    draft = Draft(state, actor, now)
    draft.add("theme.flag_resolved", {"flag_id": found.id, "outcome": cmd.outcome})
    return Outcome(draft.entries, {"flag_id": found.id})
