"""Follow-through: what people take out of the room, and the check-in weeks later.

- **Commitments** ("what will I do next?"): a step of kind ``commit`` whose ``privacy`` is
  ``private`` (only the writer and the staff screens see them: never the wall, other phones or a
  shared export) or ``shared`` (the table and the room see them, like ideas). A commitment is an
  idea of that step, kept with the visibility the privacy gives it when it was written, so every
  output that keeps the ideas' promises keeps this one.
- **Action groups**: formed by the facilitator around the room's themes, its Open Space topics or
  by hand (``actions.form``, or a script step of kind ``actions``); each person is in at most one;
  each has at most one convener, who volunteers or is named. A member may share an email with
  their group (``PUT .../action-contact``): the transcript only says *that* they shared
  (``action.contact_set``); the address is kept in its own table, shown to their group's members
  and nobody else, and deleted when they withdraw it, leave the group, are removed or erased.
- **Follow-up rounds**: once the event is closed, the staff reopen it for one question
  ("what has happened since?"), reached by the links people already have; the answers are ideas
  of a step of kind ``followup``. Closing the round closes the event again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import Field

from .base import CommandModel, Draft, Outcome, clean_text
from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import Actor, Entry, EventState, Role

PRIVACIES = ("private", "shared")
VISIBILITY = {"private": "private", "shared": "room"}  # the capture visibility each privacy gives
PROMISES = {
    "private": (
        "Private: only you and the organisers (facilitator and organiser) see what you write here; "
        "never the wall, your table, other phones or a shared report."
    ),
    "shared": "Shared: your table and the room (the wall) see what you write here, like ideas.",
}
TITLE_MAX = 200
GROUPS_MAX = 60
QUESTION_MAX = 500
EMAIL_MAX = 254
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
FOLLOWUP_DEFAULT = "What has happened since the event? What did you do, and what helped or got in the way?"


def capture_for(privacy: str) -> dict[str, Any]:
    """The capture a commitments (or follow-up) step makes: one list each, kept as its privacy says."""
    return {"who": "each", "shape": "commitment", "max_items": 5, "visibility": VISIBILITY[privacy]}


def promise(step_spec: Mapping[str, Any] | None) -> str | None:
    """What a commitments or follow-up step promises its writers (None for other steps)."""
    privacy = (step_spec or {}).get("privacy")
    return PROMISES.get(privacy) if isinstance(privacy, str) else None


# --- commands ---------------------------------------------------------------------------------


class FormActionGroups(CommandModel):
    type: Literal["actions.form"]
    source: Literal["themes", "topics", "hand"]
    titles: list[str] | None = Field(default=None, max_length=GROUPS_MAX)  # by hand
    step_id: str | None = None  # topics of one marketplace step (default: every topic)


class JoinActionGroup(CommandModel):
    type: Literal["action.join", "action.leave"]
    group_id: str


class Convene(CommandModel):
    """A member volunteers to convene their group (or steps down); the facilitator names a member."""

    type: Literal["action.convene"]
    group_id: str
    participant_id: str | None = None  # the facilitator's choice; a participant convenes themselves
    step_down: bool = False


class OpenFollowUp(CommandModel):
    type: Literal["followup.open"]
    question: str = Field(default=FOLLOWUP_DEFAULT, max_length=QUESTION_MAX * 2)
    privacy: Literal["private", "shared"] = "private"


class CloseFollowUp(CommandModel):
    type: Literal["followup.close"]


def _group(state: EventState, group_id: str) -> Any:
    group = state.action_groups.get(group_id)
    if group is None:
        raise NotFound("unknown_action_group", f"there is no action group {group_id}", field="group_id")
    return group


def _person(state: EventState, actor: Actor) -> str:
    if actor.participant_id is None or actor.participant_id not in state.participants:
        raise Forbidden("participants_only", "only participants join action groups")
    return actor.participant_id


# the room's themes as a vote offers them ([{"id", "text"}], sessions.theme_options), asked only when needed
ThemeChoices = Callable[[], list[dict[str, Any]]]


def _no_themes() -> list[dict[str, Any]]:
    raise Conflict("no_themes", "there are no themes to form action groups around yet", field="source")


def proposals(
    state: EventState, cmd: FormActionGroups, themes: ThemeChoices
) -> list[tuple[str, str | None, str | None]]:
    """(title, source, convener) of each group ``cmd`` asks for, before those formed already."""
    if cmd.source == "hand":
        if not cmd.titles:
            raise Invalid("empty_titles", "name at least one action group", field="titles")
        titles = [clean_text(t, TITLE_MAX, "titles") for t in cmd.titles]
        return [(t, None, None) for t in dict.fromkeys(titles)]
    if cmd.titles is not None:
        raise Invalid("invalid", "titles: only for action groups formed by hand", field="titles")
    if cmd.source == "themes":
        return [(o["text"][:TITLE_MAX], f"theme:{o['id']}", None) for o in themes()]
    topics = [t for t in state.topics.values() if cmd.step_id is None or t.step_id == cmd.step_id]
    if cmd.step_id is not None and cmd.step_id not in state.steps:
        raise NotFound("unknown_step", f"there is no step {cmd.step_id}", field="step_id")
    if not topics:
        raise Conflict("no_topics", "there are no Open Space topics to form action groups around", field="source")
    return [
        (t.title, f"topic:{t.id}", t.convener if t.convener in state.participants else None)
        for t in topics
        if t.convener not in state.erased
    ]


def form_entries(state: EventState, draft: Draft, cmd: FormActionGroups, themes: ThemeChoices) -> list[str]:
    """Add an ``actions.formed`` entry to ``draft`` (the ids of the new groups)."""
    known = {g.source for g in state.action_groups.values() if g.source} | {
        g.title.casefold() for g in state.action_groups.values() if g.source is None
    }
    new = [
        (title, source, convener)
        for title, source, convener in proposals(state, cmd, themes)
        if (source or title.casefold()) not in known
    ]
    if not new:
        raise Conflict("nothing_to_form", "every one of those action groups exists already", field="source")
    if len(state.action_groups) + len(new) > GROUPS_MAX:
        raise Conflict("too_many_groups", f"an event has at most {GROUPS_MAX} action groups", field="source")
    seq = draft.next_seq
    # a topic's group takes its title from the topic (the transcript holds it once: erasure finds it)
    groups = [
        {
            "id": f"a{seq}-{n}",
            "title": None if source and source.startswith("topic:") else title,
            "source": source,
            "convener": convener,
        }
        for n, (title, source, convener) in enumerate(new, start=1)
    ]
    # a topic's convener convenes its group (and is in it); someone convening two topics, the first
    seen = {p for p, group_id in state.action_of.items() if state.action_groups[group_id].convener == p}
    for g in groups:
        if g["convener"] in seen:
            g["convener"] = None
        elif g["convener"]:
            seen.add(g["convener"])
    draft.add("actions.formed", {"groups": groups})
    return [str(g["id"]) for g in groups]


def form(
    state: EventState, actor: Actor, cmd: FormActionGroups, now: int, themes: ThemeChoices = _no_themes
) -> Outcome:
    draft = Draft(state, actor, now)
    ids = form_entries(state, draft, cmd, themes)
    return Outcome(draft.entries, {"group_ids": ids})


def join(state: EventState, actor: Actor, cmd: JoinActionGroup, now: int) -> Outcome:
    person = _person(state, actor)
    group = _group(state, cmd.group_id)
    draft = Draft(state, actor, now)
    if cmd.type == "action.leave":
        if person not in group.members:
            raise Conflict("not_a_member", "you are not in this action group", field="group_id")
        draft.add("action.left", {"group_id": group.id, "participant_id": person})
        return Outcome(draft.entries, {"group_id": group.id})
    if person in group.members:
        return Outcome(result={"group_id": group.id, "unchanged": True})
    left = state.action_of.get(person)
    draft.add("action.joined", {"group_id": group.id, "participant_id": person, "left": left})
    return Outcome(draft.entries, {"group_id": group.id, "left": left})


def convene(state: EventState, actor: Actor, cmd: Convene, now: int) -> Outcome:
    group = _group(state, cmd.group_id)
    if actor.participant_id is not None:
        if cmd.participant_id not in (None, actor.participant_id):
            raise Forbidden("not_yourself", "you can volunteer yourself, not name someone", field="participant_id")
        who: str | None = _person(state, actor)
    elif actor.role is Role.FACILITATOR:
        who = cmd.participant_id
        if who is None and not cmd.step_down:
            raise Invalid("invalid", "participant_id: name the member who convenes", field="participant_id")
    else:
        raise Forbidden("read_only", f"the {actor.role.value} token is read-only")
    draft = Draft(state, actor, now)
    if cmd.step_down:
        if group.convener is None or (who is not None and group.convener != who):
            raise Conflict("not_convener", "they do not convene this group", field="group_id")
        draft.add("action.convener_set", {"group_id": group.id, "participant_id": None})
        return Outcome(draft.entries, {"group_id": group.id, "convener": None})
    if who not in group.members:
        raise Conflict("not_a_member", "a convener is a member of the group: join it first", field="participant_id")
    if group.convener == who:
        return Outcome(result={"group_id": group.id, "convener": who, "unchanged": True})
    if group.convener is not None and actor.participant_id is not None:
        raise Conflict("convener_taken", "this group has a convener already", field="group_id")
    draft.add("action.convener_set", {"group_id": group.id, "participant_id": who})
    return Outcome(draft.entries, {"group_id": group.id, "convener": who})


def check_email(email: str) -> str:
    clean = email.strip()
    if len(clean) > EMAIL_MAX or not EMAIL_RE.match(clean):
        raise Invalid("bad_email", "that does not look like an email address (name@example.org)", field="email")
    return clean


def set_contact(state: EventState, actor: Actor, shared: bool, now: int) -> Outcome:
    """Whether ``actor`` shares an email with their action group now (the address is not an entry)."""
    person = _person(state, actor)
    group_id = state.action_of.get(person)
    if group_id is None:
        raise Conflict("no_action_group", "join an action group first: your email goes to its members only")
    group = state.action_groups[group_id]
    if not shared and person not in group.contacts:
        return Outcome(result={"group_id": group_id, "shared": False, "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("action.contact_set", {"group_id": group_id, "participant_id": person, "shared": shared})
    return Outcome(draft.entries, {"group_id": group_id, "shared": shared})


def contact_holders(state: EventState, participant_id: str) -> list[str]:
    """Whose emails ``participant_id`` may read: the members of their group who shared one."""
    group = state.action_groups.get(state.action_of.get(participant_id, ""))
    if group is None:
        return []
    return [m for m in group.members if m in group.contacts]


def _require_staff(actor: Actor) -> None:
    if actor.role not in (Role.FACILITATOR, Role.ORGANISER) or actor.participant_id is not None:
        raise Forbidden("staff_only", "only facilitator and organiser tokens may do this")


def open_followup(state: EventState, actor: Actor, cmd: OpenFollowUp, now: int) -> Outcome:
    _require_staff(actor)
    if state.followup is not None:
        raise Conflict("followup_open", "a follow-up round is open already; close it first")
    if state.closed_at is None:
        raise Conflict("event_open", "the event is still open: close it before a follow-up round")
    question = clean_text(cmd.question, QUESTION_MAX, "question")
    draft = Draft(state, actor, now)
    step_id = f"s{draft.next_seq + 1}"
    followup_id = f"f{draft.next_seq}"
    draft.add(
        "followup.opened",
        {"followup_id": followup_id, "step_id": step_id, "question": question, "privacy": cmd.privacy},
    )
    draft.add(
        "step.pushed",
        {
            "step_id": step_id,
            "text": question,
            "collect_ideas": True,
            "audience": {"tables": None, "role": None},
            "deadline": None,
            "replaces": None,
            "kind": "followup",
            "spec": {"kind": "followup", "privacy": cmd.privacy, "capture": capture_for(cmd.privacy)},
        },
    )
    return Outcome(draft.entries, {"followup_id": followup_id, "step_id": step_id})


def close_followup(state: EventState, actor: Actor, cmd: CloseFollowUp, now: int) -> Outcome:
    _require_staff(actor)
    round_ = state.followup
    if round_ is None:
        raise Conflict("no_followup", "no follow-up round is open")
    draft = Draft(state, actor, now)
    step = state.steps.get(round_.step_id)
    if step is not None and step.status.value == "active":
        draft.add("step.ended", {"step_id": step.id})
    draft.add("followup.closed", {"followup_id": round_.id})
    return Outcome(draft.entries, {"followup_id": round_.id})


# --- who sees what --------------------------------------------------------------------------------

ACTION_KINDS = frozenset(
    {"actions.formed", "action.joined", "action.left", "action.convener_set", "action.contact_set"}
)


def action_reach(state: EventState, entry: Entry) -> set[str]:
    """The phones an action-group entry changes (``state`` includes it): everyone when groups form;
    otherwise the person and the members of the groups concerned."""
    p = entry.payload
    if entry.kind == "actions.formed":
        return set(state.participants)
    people = {p["participant_id"]} if p.get("participant_id") else set()
    for group_id in (p["group_id"], p.get("left")):
        group = state.action_groups.get(group_id or "")
        if group is not None:
            people.update(group.members)
    return {pid for pid in people if pid in state.participants}


def action_snapshot(state: EventState, *, moderator: bool) -> list[dict[str, Any]]:
    """Every action group: for moderators with its members, convener and who shared an email (never
    the address); for phones and the wall, its title, how many are in it and whether it has a convener."""
    out = []
    for g in state.action_groups.values():
        item: dict[str, Any] = {"id": g.id, "title": g.title, "count": len(g.members), "has_convener": bool(g.convener)}
        if moderator:
            item.update(source=g.source, members=list(g.members), convener=g.convener, contacts=sorted(g.contacts))
        out.append(item)
    return out


def my_action(state: EventState, participant_id: str) -> dict[str, Any] | None:
    """The person's own action group, as their phone shows it: who is in it, who convenes, who shared
    an email (the addresses themselves come from ``GET .../action-contacts``)."""
    group = state.action_groups.get(state.action_of.get(participant_id, ""))
    if group is None:
        return None
    return {
        "id": group.id,
        "title": group.title,
        "convener": group.convener,
        "shared": participant_id in group.contacts,
        "members": [
            {
                "id": m,
                "name": state.participants[m].name if m in state.participants else None,
                "convener": m == group.convener,
                "contact": m in group.contacts,
            }
            for m in group.members
        ],
    }
