"""Who may see what: the reach of each entry, and the snapshot each kind of screen starts from.

Moderators' screens (facilitator, organiser) receive every entry; the wall every entry but ideas
that are not public and each person's ballots, reactions and flags. A phone receives the entries
about its own table and about itself. Moderators see hidden ideas' text; the wall and phones never
do. Nobody but its writer sees who wrote an anonymous idea (docs/privacy.md). An idea waiting for a
moderator (pending, capture.py) reaches only moderators, its writer and its table's moderating role;
its ``idea.approved`` carries it to the others, as if it had just arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .capture import PUBLIC, moderators_at, phone_sees, shared
from .flow import flow_dict
from .follow import ACTION_KINDS, action_reach, action_snapshot, my_action
from .model import STAFF_ROLES, Entry, EventState, Flag, Idea, Participant, Role, Step, StepStatus, Topic
from .parts import coverage, presence
from .privacy import is_anonymous, unlinked
from .reactions import my_answers
from .roles import volunteer_roles
from .runsheet import session_dict
from .votes import my_options, tally


@dataclass(frozen=True, slots=True)
class Viewer:
    role: Role
    participant_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.FACILITATOR, Role.ORGANISER)


@dataclass(frozen=True, slots=True)
class Reach:
    """Which phones an entry goes to (staff screens get everything)."""

    tables: frozenset[str] | None = frozenset()  # None = every table
    participants: frozenset[str] = frozenset()


_SELF_KINDS = {
    "participant.parts_set",
    "reaction.cast",
    "theme.flagged",
    "participant.joined",
    "participant.seated",
    "participant.role_set",
    "vote.cast",
    "topic.joined",
    "topic.left",
}
_IDEA_KINDS = {"idea.submitted", "idea.hidden", "idea.restored", "idea.approved"}
_STEP_KINDS = {"step.pushed", "step.extended", "step.ended", "step.paused", "step.resumed"}
# Entries that change what a phone shows as a whole (its table, group or role): the phones they
# reach are sent a fresh snapshot (a ``welcome``) instead of the entry itself.
RESEAT_KINDS = {
    "participant.seated",
    "participant.role_set",
    "groups.formed",
    "participants.moved",
    "roles.assigned",
    # action groups (domain/follow.py): the phones of the people whose group changed start again
    *ACTION_KINDS,
}


def reach(state: EventState, entry: Entry) -> Reach:
    """The phones that receive ``entry``; ``state`` must already include it."""
    p = entry.payload
    if entry.kind in _IDEA_KINDS:
        return _idea_reach(state, state.ideas[p["idea_id"]])
    if entry.kind in _STEP_KINDS:
        tables = state.steps[p["step_id"]].audience.tables
        return Reach(None if tables is None else frozenset(tables))
    if entry.kind == "participant.role_set" and p["participant_id"] in state.participants:
        # the table learns who took a role (its phones stop offering a role that is filled)
        table_id = state.participants[p["participant_id"]].table_id
        return Reach(frozenset((table_id,)), frozenset((p["participant_id"],)))
    if entry.kind in ACTION_KINDS:
        return Reach(participants=frozenset(action_reach(state, entry)))
    if entry.kind in _SELF_KINDS:
        return Reach(participants=frozenset((p["participant_id"],)))
    if entry.kind == "groups.formed":
        members = {m for g in p["groups"] for m in g["members"]} | set(p.get("dissolved", ()))
        return Reach(participants=frozenset(m for m in members if m in state.participants))
    if entry.kind == "participants.moved":
        return Reach(participants=frozenset(m["participant_id"] for m in p["moves"]))
    if entry.kind == "roles.assigned":
        return Reach(participants=frozenset(p["assignments"]))
    if entry.kind in (
        "topic.posted",
        "theme.revealed",
        "event.closed",
        "event.reopened",
        "event.parts_set",
        "followup.opened",
        "followup.closed",
    ):
        return Reach(None)
    if entry.kind == "theme.flag_resolved" and p["flag_id"] in state.flags:  # the person who flagged learns
        return Reach(participants=frozenset((state.flags[p["flag_id"]].participant_id,)))
    return Reach()


def _idea_reach(state: EventState, idea: Idea) -> Reach:
    if idea.pending:  # its writer, and who may let it through at its table
        return Reach(participants=frozenset((idea.participant_id, *moderators_at(state, idea))))
    if idea.visibility == "private":
        return Reach(participants=frozenset((idea.participant_id,)))
    if idea.visibility == "group":
        group = state.groups.get(idea.group_id or "")
        members = group.members if group is not None else [idea.participant_id]
        return Reach(participants=frozenset((idea.participant_id, *members)))
    if idea.visibility == "facilitator":
        return Reach()
    return Reach(frozenset((idea.table_id,)))


# What one person chose, said or asked: the wall gets the tallies and common ground, never these.
_PERSONAL_CHOICES = {
    "vote.cast",
    "reaction.cast",
    "theme.flagged",
    "theme.flag_resolved",
    "participant.parts_set",
    "action.contact_set",  # (whether someone shared an email with their action group: never the wall's)
}
# The facilitator's own tools: curation suggestions are for moderators' screens, and so are their dismissals.
_MODERATORS_ONLY = {"theme.dismissed"}


def wall_sees(state: EventState, entry: Entry) -> bool:
    """The projector shows everything but ideas kept private, to a group, or for the facilitator,
    and each person's ballots, reactions and flags (a secret ballot stays secret)."""
    if entry.kind in _PERSONAL_CHOICES or entry.kind in _MODERATORS_ONLY:
        return False
    if entry.kind not in _IDEA_KINDS:
        return True
    idea = state.ideas.get(entry.payload["idea_id"])
    return idea is None or (idea.visibility in PUBLIC and not idea.pending)


def public(state: EventState, entry: Entry) -> Entry | None:
    """The entry as every screen gets it live, when that differs from the stored one: an anonymous
    idea travels without its writer (the writer recognises it by the idea id in the ack)."""
    return unlinked(entry) if is_anonymous(state, entry) else None


def visible(state: EventState, entry: Entry, viewer: Viewer) -> bool:
    if viewer.is_staff:
        return viewer.is_moderator or wall_sees(state, entry)
    person = state.participants.get(viewer.participant_id or "")
    if person is None:
        return False
    r = reach(state, entry)
    return person.id in r.participants or r.tables is None or person.table_id in r.tables


def for_wall(entry: Entry) -> Entry | None:
    """The entry as the projector gets it, when that differs: people join it without their names
    and without their parts of the system (the wall shows those as counts only)."""
    if entry.kind == "participant.joined" and (entry.payload.get("name") is not None or "parts" in entry.payload):
        payload = {k: v for k, v in entry.payload.items() if k != "parts"}
        return replace(entry, payload={**payload, "name": None})
    return None


def redact(state: EventState, entry: Entry, viewer: Viewer) -> Entry:
    """The entry as ``viewer`` may read it now: an anonymous idea without its writer (but for the
    writer), a hidden idea without its text for non-moderators, and no names on the wall."""
    if viewer.role is Role.WALL and entry.kind == "participant.joined":
        return for_wall(entry) or entry
    if entry.kind == "idea.approved" and not viewer.is_moderator:
        return approved(state, entry, viewer.participant_id)
    if entry.kind not in ("idea.submitted", "idea.restored"):
        return entry
    idea = state.ideas.get(entry.payload["idea_id"])
    if idea is None:
        return entry
    mine = viewer.participant_id is not None and idea.participant_id == viewer.participant_id
    shown = entry if mine else (public(state, entry) or entry)
    if viewer.is_moderator or not idea.hidden:
        return shown
    return replace(shown, payload={**shown.payload, "text": None})


def approved(state: EventState, entry: Entry, own: str | None = None) -> Entry:
    """An ``idea.approved`` as the screens that never saw the idea get it: with the idea itself, as
    ``own``'s phone may read it (no writer of an anonymous idea, no text of a hidden one)."""
    idea = state.ideas.get(entry.payload["idea_id"])
    if idea is None:
        return entry
    return replace(entry, payload={**entry.payload, **idea.to_dict(redact=True, own=own), "id": idea.id})


def _event_dict(state: EventState) -> dict[str, Any]:
    return {
        "id": state.id,
        "title": state.title,
        "join_code": state.join_code,
        "tables": [{"id": t.id, "name": t.name} for t in state.tables.values()],
        "closed_at": state.closed_at,
        "themes_revealed": state.themes_revealed,
        "wall_slide": state.wall_slide,
        "parts": [p.to_dict() for p in state.parts.values()],  # the declared parts (never who said which)
        "language": state.language,  # the wall's and console's (a phone keeps its own)
        # the follow-up round open now (domain/follow.py), only once there has been one
        **({"followup": followup_dict(state)} if state.followups else {}),
    }


def followup_dict(state: EventState) -> dict[str, Any] | None:
    round_ = state.followup
    if round_ is None:
        return None
    return {"id": round_.id, "step_id": round_.step_id, "question": round_.question, "privacy": round_.privacy}


def snapshot(
    state: EventState, viewer: Viewer, *, ideas_per_table: int | None = None, table: str | None = None
) -> dict[str, Any]:
    """Everything ``viewer`` needs to draw its screen as of ``state.seq``.

    For staff, ``ideas_per_table`` keeps only each table's latest ideas (``idea_counts`` then says how
    many each table has), and ``table`` keeps only that table's ideas: replays of big events use both.
    """
    if not viewer.is_staff:
        return _phone_snapshot(state, state.participants[viewer.participant_id or ""])
    tables = [table] if table is not None else list(state.tables)
    chosen = [state.ideas[i] for t in tables for i in state.table_ideas.get(t, [])[-(ideas_per_table or 0) :]]
    if ideas_per_table is None and table is None:
        chosen = list(state.ideas.values())
    if not viewer.is_moderator:
        chosen = [i for i in chosen if shared(i)]
    out: dict[str, Any] = {
        "seq": state.seq,
        "event": _event_dict(state),
        "steps": [s.to_dict() for s in state.steps.values()],
        "current": {t: {r or "*": sid for r, sid in slots.items()} for t, slots in state.current.items()},
        "joined": state.joined_per_table(),
        "ideas": [i.to_dict(redact=not viewer.is_moderator) for i in chosen],
        "idea_counts": {t: len(ids) for t, ids in state.table_ideas.items()},
        "sessions": [session_dict(state, s) for s in state.sessions.values()],
        "flow": flow_dict(state),
        "groups": [{"id": g.id, "table_id": g.table_id, "members": g.members} for g in state.groups.values()],
        "results": [
            summary[0]
            for sid in state.votes
            if (summary := step_summary(state, state.steps[sid])) is not None and (viewer.is_moderator or summary[1])
        ],
        "topics": [topic_dict(t) for t in state.topics.values()],
        # votes whose results are still sealed: how many have voted, never what
        "turnout": [turnout(state, step) for step in state.steps.values() if sealed(step)],
        # members, conveners and who shared an email for moderators; titles and counts for the wall
        **({"action_groups": action_snapshot(state, moderator=viewer.is_moderator)} if state.action_groups else {}),
    }
    if viewer.is_moderator:
        out["flags"] = [_flag_dict(f) for f in state.flags.values() if f.outcome is None]
        out["participants"] = [
            {
                "id": p.id,
                "name": p.name,
                "table_id": p.table_id,
                "role": p.role,
                "joined_at": p.joined_at,
                "parts": list(p.parts),
            }
            for p in state.participants.values()
        ]
        out["coverage"] = coverage(state)
    elif state.parts:  # the wall: how many of each part sit at each table, never who
        out["presence"] = presence(state)
    return out


def _phone_snapshot(state: EventState, person: Participant) -> dict[str, Any]:
    step = state.step_for(person.table_id, person.role)
    out: dict[str, Any] = {
        "seq": state.seq,
        "event": _event_dict(state),
        "me": {
            "id": person.id,
            "name": person.name,
            "table_id": person.table_id,
            "role": person.role,
            "parts": list(person.parts),  # only their own phone hears them
            # moved by the rotation that is the current step ("Move to table 7")
            "moved": step is not None and step.kind == "rotate" and person.seated_seq > step.seq,
        },
        "step": step.to_dict() if step else None,
        "ideas": [
            idea.to_dict(redact=True, own=person.id)
            for idea in (state.ideas[i] for i in state.table_ideas.get(person.table_id, ()))
            if phone_sees(state, idea, person)
        ],
        "volunteer_roles": volunteer_roles(state),
        "flags": [_flag_dict(f) for f in state.flags.values() if f.participant_id == person.id],
        # who at my table already holds each of those roles (a full role cannot be volunteered for)
        "role_holders": {
            role: [p.id for p in state.participants.values() if p.table_id == person.table_id and p.role == role]
            for role in volunteer_roles(state)
        },
        "group": None,
    }
    if state.action_groups:  # the groups to join, and the person's own (its members only see who is in it)
        out["action_groups"] = action_snapshot(state, moderator=False)
        out["my_action"] = my_action(state, person.id)
    group = state.groups.get(state.group_of.get(person.id, ""))
    if group is not None and group.table_id in (person.table_id, ""):
        names = {m: state.participants[m].name for m in group.members}
        out["group"] = {"id": group.id, "members": [{"id": m, "name": n} for m, n in names.items()]}
        topic = state.topics.get(group.id)
        if topic is not None:  # a marketplace session: where to go
            out["group"]["topic"] = {"title": topic.title, "slot": topic.slot, "space": topic.space}
    if step is not None and step.kind == "vote":
        out["options"] = my_options(state, step, person)  # all, my table's, or my dealt cards
        ballots = state.votes.get(step.id, {})
        out["ballot"] = ballots.get(person.id)
        reveal = (step.spec or {}).get("reveal") == "live" or step.status is StepStatus.ENDED
        out["results"] = _tally_now(state, step) if reveal else None
    out["past_results"] = past_results(state, person, step)
    if step is not None and step.kind == "react":
        out["reactions"] = my_answers(state, step, person)
    if step is not None and step.kind == "signup":
        out["topics"] = [topic_dict(t, person.id) for t in state.topics.values() if t.step_id == step.id]
    return out


# A tally as of one seq, for the many phone snapshots a reseat or reconnect storm asks for at once
# (a vote of 2,000 ballots takes milliseconds to add up: once per seq, not once per phone).
_TALLIES: dict[tuple[str, str, int], dict[str, Any]] = {}
_TALLIES_MAX = 64


def _tally_now(state: EventState, step: Step) -> dict[str, Any]:
    key = (state.id, step.id, state.seq)
    found = _TALLIES.get(key)
    if found is None:
        if len(_TALLIES) >= _TALLIES_MAX:
            _TALLIES.clear()
        found = _TALLIES[key] = tally(step, state.votes.get(step.id, {}))
    return found


def past_results(state: EventState, person: Participant, current: Step | None) -> dict[str, Any] | None:
    """The results of the latest vote this person took part in, once revealed, when it is no longer
    the step on their phone: the phone keeps showing what the room said (never a ballot)."""
    for step in reversed(state.steps.values()):  # in the order they were pushed: the latest first
        if step.kind != "vote" or step is current:
            continue
        aud = step.audience
        if (aud.tables is not None and person.table_id not in aud.tables) or aud.role not in (None, person.role):
            continue
        revealed = (step.spec or {}).get("reveal") == "live" or step.status is StepStatus.ENDED
        if not revealed:
            return None
        spec = step.spec or {}
        return {
            "step_id": step.id,
            "title": spec.get("title") or step.text,
            "spec": spec,
            "results": _tally_now(state, step),
        }
    return None


def step_summary(state: EventState, step: Step) -> tuple[dict[str, Any], bool] | None:
    """What a vote or marketplace step adds up to now, and whether phones and the wall may see it."""
    if step.kind == "vote":
        revealed = (step.spec or {}).get("reveal") == "live" or step.status is StepStatus.ENDED
        return tally(step, state.votes.get(step.id, {})), revealed
    if step.kind == "signup":
        return {
            "step_id": step.id,
            "topics": [topic_dict(t) for t in state.topics.values() if t.step_id == step.id],
        }, True
    return None


def sealed(step: Step) -> bool:
    """A vote whose results nobody but the moderators may see yet (it reveals them when it ends)."""
    return step.kind == "vote" and (step.spec or {}).get("reveal") != "live" and step.status is not StepStatus.ENDED


def turnout(state: EventState, step: Step) -> dict[str, Any]:
    """How many have voted in ``step`` so far, of how many it asks (the people seated at its tables,
    with its role if it names one): what the wall shows while the results are sealed, never more."""
    audience = step.audience
    eligible = sum(
        1
        for p in state.participants.values()
        if audience.includes_table(p.table_id) and (audience.role is None or p.role == audience.role)
    )
    return {"step_id": step.id, "voters": len(state.votes.get(step.id, {})), "eligible": eligible}


def _flag_dict(flag: Flag) -> dict[str, Any]:
    return {
        "flag_id": flag.id,
        "idea_id": flag.idea_id,
        "theme_id": flag.theme_id,
        "participant_id": flag.participant_id,
        "reason": flag.reason,
        "at": flag.at,
        "outcome": flag.outcome,
    }


def topic_dict(topic: Topic, participant_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": topic.id,
        "step_id": topic.step_id,
        "title": topic.title,
        "convener": topic.convener,
        "slot": topic.slot,
        "space": topic.space,
        "count": len(topic.members),
    }
    if participant_id is not None:
        out["joined"] = participant_id in topic.members
    return out
