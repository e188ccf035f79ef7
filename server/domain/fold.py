"""The fold: ``apply(state, entry)`` advances an event's state by one transcript entry.

This is the only place the rules of state change live; the live server, resume and (later)
replay all go through it. Entries must arrive in ``seq`` order with no gap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from hashlib import sha256
from typing import Any

from . import limits
from .capture import PUBLIC, count_keys, premoderation
from .model import (
    ActionGroup,
    Audience,
    Entry,
    EventState,
    Flag,
    FlowMark,
    FollowUp,
    Group,
    Idea,
    Part,
    Participant,
    Session,
    SessionStatus,
    Step,
    StepRun,
    StepStatus,
    Table,
    Topic,
)

ERASED_TEXT = "(erased)"  # what an erased person's texts read as (domain/privacy.py)


# Entries that change what the room is doing: the latest is the version flow commands name
FLOW_KINDS = frozenset(
    {
        "step.pushed",
        "step.ended",
        "step.extended",
        "step.paused",
        "step.resumed",
        "session.step_skipped",
        "session.finished",
    }
)


class FoldError(ValueError):
    """An entry that cannot follow the state (out of order, or unknown kind)."""


def fold(event_id: str, entries: Iterable[Entry]) -> EventState:
    """The state after ``entries`` (from seq 1)."""
    state = EventState(id=event_id)
    for entry in entries:
        apply(state, entry)
    return state


def apply(state: EventState, entry: Entry) -> None:
    if entry.seq != state.seq + 1:
        raise FoldError(f"entry seq {entry.seq} does not follow {state.seq}")
    handler = _APPLY.get(entry.kind)
    if handler is None:
        raise FoldError(f"unknown entry kind {entry.kind!r}")
    handler(state, entry.payload, entry)
    if entry.kind in FLOW_KINDS:
        _mark_flow(state, entry)
    state.seq = entry.seq
    state.timeline = sha256(f"{state.timeline}|{entry.seq}|{entry.at}|{entry.kind}".encode()).hexdigest()


def _mark_flow(state: EventState, e: Entry) -> None:
    step = state.steps.get(e.payload.get("step_id") or "")
    session_id = e.payload.get("session_id") or (step.session_id if step else None)
    index = e.payload.get("index", step.index if step else None)
    state.flow = FlowMark(e.seq, e.at, e.actor, e.kind, step.id if step else None, session_id, index)


def _event_created(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.title = p["title"]
    state.join_code = p["join_code"]
    state.created_at = e.at
    state.tables = {t["id"]: Table(t["id"], t["name"]) for t in p["tables"]}
    state.parts = _parts(p.get("parts", ()))
    state.themes_encoder = p.get("themes_encoder", "default")
    state.language = p.get("language", "en")


def _event_language_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.language = p["language"]


def _parts(declared: Any) -> dict[str, Part]:
    return {d["id"]: Part(d["id"], d["name"], d["target"]) for d in declared}


def _event_parts_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.parts = _parts(p["parts"])


def _participant_parts_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.participants[p["participant_id"]].parts = tuple(p["parts"])


def _participant_joined(state: EventState, p: dict[str, Any], e: Entry) -> None:
    pid = p["participant_id"]
    state.participants[pid] = Participant(
        pid, p["name"], p["table_id"], p["role"], e.at, e.seq, tuple(p.get("parts", ()))
    )
    state.visited[pid] = [p["table_id"]]


def _participant_removed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    pid = p["participant_id"]
    state.removed[pid] = state.participants.pop(pid)
    group = state.groups.get(state.group_of.pop(pid, ""))
    if group is not None:
        group.members.remove(pid)
    _leave_action(state, pid)


def _event_closed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.closed_at = e.at
    round_ = state.followup  # closing the event closes its follow-up round too
    if round_ is not None:
        round_.closed_at = e.at
        _end(state, state.steps[round_.step_id], e.at)


def _event_reopened(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.closed_at = None


# --- follow-through (domain/follow.py) ---------------------------------------------------------


def _touch(state: EventState, people: Iterable[str], seq: int) -> None:
    """Their phones' view of the action groups changed: they resume from a fresh snapshot."""
    for pid in people:
        if pid in state.participants:
            state.participants[pid].seated_seq = seq


def _leave_action(state: EventState, pid: str) -> list[str]:
    """``pid`` leaves their action group (its convenership and their shared email with it)."""
    group = state.action_groups.get(state.action_of.pop(pid, ""))
    if group is None:
        return []
    group.members.remove(pid)
    group.contacts.discard(pid)
    if group.convener == pid:
        group.convener = None
    return group.members


def _actions_formed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    for g in p["groups"]:
        title = g["title"] if g["title"] is not None else state.topics[g["source"].removeprefix("topic:")].title
        group = state.action_groups[g["id"]] = ActionGroup(g["id"], title, g["source"])
        convener = g.get("convener")
        if convener is not None and convener in state.participants:
            _leave_action(state, convener)
            group.members.append(convener)
            group.convener = convener
            state.action_of[convener] = group.id
    _touch(state, state.participants, e.seq)  # every phone now offers the groups


def _action_joined(state: EventState, p: dict[str, Any], e: Entry) -> None:
    pid = p["participant_id"]
    before = _leave_action(state, pid)
    group = state.action_groups[p["group_id"]]
    group.members.append(pid)
    state.action_of[pid] = group.id
    _touch(state, [pid, *before, *group.members], e.seq)


def _action_left(state: EventState, p: dict[str, Any], e: Entry) -> None:
    before = _leave_action(state, p["participant_id"])
    _touch(state, [p["participant_id"], *before], e.seq)


def _action_convener_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    group = state.action_groups[p["group_id"]]
    group.convener = p["participant_id"]
    _touch(state, group.members, e.seq)


def _action_contact_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    group = state.action_groups[p["group_id"]]
    if p["shared"]:
        group.contacts.add(p["participant_id"])
    else:
        group.contacts.discard(p["participant_id"])
    _touch(state, group.members, e.seq)


def _followup_opened(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.followups.append(FollowUp(p["followup_id"], p["step_id"], p["question"], p["privacy"], e.at))
    state.closed_at = None  # the links people have work again (no new people join: commands.join)


def _followup_closed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    for round_ in state.followups:
        if round_.id == p["followup_id"]:
            round_.closed_at = e.at
    state.closed_at = e.at


def _participant_seated(state: EventState, p: dict[str, Any], e: Entry) -> None:
    _seat(state, p["participant_id"], p["table_id"], e.seq)


def _seat(state: EventState, participant_id: str, table_id: str, seq: int) -> None:
    person = state.participants[participant_id]
    person.table_id = table_id
    person.seated_seq = seq
    visited = state.visited.setdefault(participant_id, [])
    if table_id not in visited:
        visited.append(table_id)


def _participant_role_set(state: EventState, p: dict[str, Any], e: Entry) -> None:
    person = state.participants[p["participant_id"]]
    person.role = p["role"]
    person.seated_seq = e.seq  # what they see may change: resume them with a fresh snapshot


def _step_pushed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    aud = p["audience"]
    audience = Audience(tuple(aud["tables"]) if aud["tables"] is not None else None, aud["role"])
    step = Step(
        p["step_id"], e.seq, p["text"], p["collect_ideas"], audience, e.at, p["deadline"], replaces=p["replaces"]
    )
    step.kind = p.get("kind", "custom")
    step.premoderate = p.get("premoderate") or premoderation(p.get("spec"))
    if p.get("spec") is not None and not p.get("session_id"):  # a hand-pushed commitments or follow-up step
        step.spec = p["spec"]
    if p.get("session_id"):
        step.session_id, step.index = p["session_id"], p["index"]
        step.spec, step.options, step.warn_ms = p["spec"], p["options"], p["warn_ms"]
        step.texts = p.get("texts")
        session = state.sessions[step.session_id]
        session.index = p["index"]
        session.status = SessionStatus.RUNNING
        if session.started_at is None:
            session.started_at = e.at
        session.runs.append(StepRun(p["index"], step.id, e.at))
    state.steps[step.id] = step
    if step.replaces:
        _end(state, state.steps[step.replaces], e.at)
    for table_id in audience.tables if audience.tables is not None else state.tables:
        slots = state.current.setdefault(table_id, {})
        if audience.role is None:
            # a step for everyone at the table supersedes role-specific ones there
            slots.clear()
        slots[audience.role] = step.id


def _end(state: EventState, step: Step, at: int) -> None:
    if step.status is StepStatus.ACTIVE:
        step.status = StepStatus.ENDED
        step.ended_at = at
        if step.session_id is not None:
            for run in state.sessions[step.session_id].runs:
                if run.step_id == step.id and run.ended_at is None:
                    run.ended_at = at


def _step_extended(state: EventState, p: dict[str, Any], e: Entry) -> None:
    step = state.steps[p["step_id"]]
    if "remaining" in p:  # extended while paused
        step.paused_remaining = p["remaining"]
    else:
        step.deadline = p["deadline"]


def _step_ended(state: EventState, p: dict[str, Any], e: Entry) -> None:
    _end(state, state.steps[p["step_id"]], e.at)


def _idea_submitted(state: EventState, p: dict[str, Any], e: Entry) -> None:
    idea = Idea(
        p["idea_id"],
        e.seq,
        p["client_id"] or "",  # an exported anonymous idea has no writer
        p["participant_id"] or "",
        p["table_id"],
        p["step_id"],
        p["text"],
        e.at,
        visibility=p.get("visibility", "table"),
        group_id=p.get("group_id"),
        anonymous=p.get("anonymous", False),
        pending=p.get("pending", False),
    )
    state.ideas[idea.id] = idea
    if idea.visibility in PUBLIC and not idea.pending:  # one the room may react to: it counts before anyone has
        state.reaction_log.add_idea(idea.id)
    for key in count_keys(idea.step_id, idea.participant_id, idea.table_id, idea.group_id):
        state.step_counts[key] = state.step_counts.get(key, 0) + 1
    state.table_ideas.setdefault(idea.table_id, []).append(idea.id)
    state.idea_by_client[(idea.participant_id, idea.client_id)] = idea.id
    recent = state.recent_ideas.setdefault(idea.participant_id, deque(maxlen=limits.IDEAS_PER_WINDOW))
    recent.append(e.at)


def _idea_hidden(state: EventState, p: dict[str, Any], e: Entry) -> None:
    # ideas are never changed in place, so that replay checkpoints can share them
    state.ideas[p["idea_id"]] = replace(state.ideas[p["idea_id"]], hidden=True, hidden_reason=p.get("reason"))


def _idea_restored(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.ideas[p["idea_id"]] = replace(state.ideas[p["idea_id"]], hidden=False, hidden_reason=None)


def _idea_approved(state: EventState, p: dict[str, Any], e: Entry) -> None:
    idea = state.ideas[p["idea_id"]] = replace(state.ideas[p["idea_id"]], pending=False)
    if idea.visibility in PUBLIC:
        state.reaction_log.add_idea(idea.id)


def _session_loaded(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.sessions[p["session_id"]] = Session(p["session_id"], e.seq, p["title"], p["script"], p["params"], e.at)


def _session_step_skipped(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.sessions[p["session_id"]].runs.append(StepRun(p["index"], None, e.at, e.at, skipped=True))


def _session_finished(state: EventState, p: dict[str, Any], e: Entry) -> None:
    session = state.sessions[p["session_id"]]
    session.status = SessionStatus.FINISHED
    session.index = len(session.script["steps"])


def _step_paused(state: EventState, p: dict[str, Any], e: Entry) -> None:
    step = state.steps[p["step_id"]]
    step.paused_remaining, step.deadline = p["remaining"], None
    state.sessions[p["session_id"]].status = SessionStatus.PAUSED


def _step_resumed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    step = state.steps[p["step_id"]]
    step.paused_remaining, step.deadline = None, p["deadline"]
    state.sessions[p["session_id"]].status = SessionStatus.RUNNING


def _groups_formed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.groups = {g["id"]: Group(g["id"], g["table_id"], list(g["members"])) for g in p["groups"]}
    state.group_of = {m: g.id for g in state.groups.values() for m in g.members}
    for member in {*state.group_of, *p.get("dissolved", ())}:
        state.participants[member].seated_seq = e.seq  # their view changes: resume from a snapshot


def _participants_moved(state: EventState, p: dict[str, Any], e: Entry) -> None:
    at_table: dict[str, list[str]] = {}
    for person in state.participants.values():
        at_table.setdefault(person.table_id, []).append(person.id)
    for members in at_table.values():  # this round is over: everyone at a table has met
        for pid in members:
            state.met.setdefault(pid, set()).update(m for m in members if m != pid)
    for move in p["moves"]:
        _seat(state, move["participant_id"], move["to"], e.seq)


def _roles_assigned(state: EventState, p: dict[str, Any], e: Entry) -> None:
    for participant_id, role in p["assignments"].items():
        person = state.participants[participant_id]
        person.role, person.seated_seq = role, e.seq


def _vote_cast(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.votes.setdefault(p["step_id"], {})[p["participant_id"]] = p["ballot"]


def _topic_posted(state: EventState, p: dict[str, Any], e: Entry) -> None:
    topic = Topic(p["topic_id"], p["step_id"], p["title"], p["convener"], p["slot"], p["space"])
    if p["convener"] in state.participants:  # a convener hosts their own session in that slot
        for other in state.topics.values():
            if other.step_id == topic.step_id and other.slot == topic.slot and p["convener"] in other.members:
                other.members.remove(p["convener"])
        topic.members.append(p["convener"])
    state.topics[topic.id] = topic


def _topic_joined(state: EventState, p: dict[str, Any], e: Entry) -> None:
    for topic_id in p["left"]:
        state.topics[topic_id].members.remove(p["participant_id"])
    state.topics[p["topic_id"]].members.append(p["participant_id"])


def _topic_left(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.topics[p["topic_id"]].members.remove(p["participant_id"])


REACTION_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


def _reaction_cast(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.reacted.setdefault(p["participant_id"], {})[p["idea_id"]] = p["value"]
    state.reaction_log.record(p["participant_id"], p["idea_id"], REACTION_VALUES[p["value"]])


def _theme_edit(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.theme_edits.append((e.kind, p))


def _theme_flagged(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.flags[p["flag_id"]] = Flag(p["flag_id"], p["idea_id"], p["theme_id"], p["participant_id"], p["reason"], e.at)


def _participant_erased(state: EventState, p: dict[str, Any], e: Entry) -> None:
    """A person's name and texts are gone (the stored entries were rewritten in the same commit)."""
    pid = p["participant_id"]
    state.erased.add(pid)
    state.person(pid).name = None
    for idea in [i for i in state.ideas.values() if i.participant_id == pid and not i.anonymous]:
        state.ideas[idea.id] = replace(idea, text=ERASED_TEXT)
    for flag in state.flags.values():
        if flag.participant_id == pid:
            flag.reason = None
    for topic in state.topics.values():
        if topic.convener == pid:
            topic.title = ERASED_TEXT
    for group in state.action_groups.values():  # the email they shared is deleted with them (storage)
        group.contacts.discard(pid)
        source = state.topics.get((group.source or "").removeprefix("topic:"))
        if source is not None and source.convener == pid:
            group.title = ERASED_TEXT


def _theme_flag_resolved(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.flags[p["flag_id"]].outcome = p["outcome"]


def _themes_revealed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.theme_reveals.append(bool(p["shown"]))


def _wall_shown(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.wall_slides.append(p["slide"])


def _suggestions_dismissed(state: EventState, p: dict[str, Any], e: Entry) -> None:
    state.theme_dismissed.update(dict.fromkeys(p["keys"]))


_APPLY: dict[str, Callable[[EventState, dict[str, Any], Entry], None]] = {
    "event.created": _event_created,
    "participant.joined": _participant_joined,
    "participant.seated": _participant_seated,
    "participant.role_set": _participant_role_set,
    "participant.removed": _participant_removed,
    "event.closed": _event_closed,
    "event.reopened": _event_reopened,
    "step.pushed": _step_pushed,
    "step.extended": _step_extended,
    "step.ended": _step_ended,
    "idea.submitted": _idea_submitted,
    "idea.hidden": _idea_hidden,
    "idea.restored": _idea_restored,
    "idea.approved": _idea_approved,
    "session.loaded": _session_loaded,
    "session.step_skipped": _session_step_skipped,
    "session.finished": _session_finished,
    "step.paused": _step_paused,
    "step.resumed": _step_resumed,
    "groups.formed": _groups_formed,
    "participants.moved": _participants_moved,
    "roles.assigned": _roles_assigned,
    "vote.cast": _vote_cast,
    "topic.posted": _topic_posted,
    "topic.joined": _topic_joined,
    "topic.left": _topic_left,
    "reaction.cast": _reaction_cast,
    **dict.fromkeys(
        ("theme.rename", "theme.merge", "theme.split", "theme.pin", "theme.unpin", "theme.move_idea"), _theme_edit
    ),
    "theme.flagged": _theme_flagged,
    "theme.flag_resolved": _theme_flag_resolved,
    "theme.revealed": _themes_revealed,
    "wall.shown": _wall_shown,
    "theme.dismissed": _suggestions_dismissed,
    "participant.erased": _participant_erased,
    "event.parts_set": _event_parts_set,
    "event.language_set": _event_language_set,
    "participant.parts_set": _participant_parts_set,
    "actions.formed": _actions_formed,
    "action.joined": _action_joined,
    "action.left": _action_left,
    "action.convener_set": _action_convener_set,
    "action.contact_set": _action_contact_set,
    "followup.opened": _followup_opened,
    "followup.closed": _followup_closed,
}

ENTRY_KINDS = tuple(_APPLY)
