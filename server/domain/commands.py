"""Commands: what people ask the room to do. Parsed from the wire, validated against state.

``decide(state, actor, command, now)`` returns the entries to append (not yet applied) and the
result to acknowledge; it raises a :mod:`server.domain.errors` error and changes nothing when the
command cannot be carried out. It never performs I/O, so it is tested with plain calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, TypeAdapter, ValidationError

from ..languages import DEFAULT as DEFAULT_LANGUAGE
from ..languages import LANGUAGES
from . import (
    access,
    capture,
    display,
    flow,
    follow,
    limits,
    membership,
    moderation,
    parts,
    privacy,
    reactions,
    roles,
    sessions,
    signup,
    theme_commands,
    votes,
)
from .base import CommandModel, Draft, FlowCommand, Handler, Outcome, clean_text, require_facilitator
from .errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from .model import ROLE_NAME_PATTERN, THEMES_ENCODERS, Actor, Entry, EventState, Role, StepStatus
from .text import check_text

CLIENT_ID_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{limits.CLIENT_ID_MAX}}}$")


class AudienceIn(CommandModel):
    tables: list[str] | None = None
    role: str | None = Field(default=None, pattern=ROLE_NAME_PATTERN)


class SubmitIdea(CommandModel):
    type: Literal["idea.submit"]
    client_id: str
    text: str
    step_id: str | None = None
    table_id: str | None = None


class PushStep(FlowCommand):
    type: Literal["step.push"]
    text: str
    duration_s: int | None = Field(default=None, ge=1, le=limits.STEP_DURATION_MAX_S)
    collect_ideas: bool = True
    react: bool = False  # ask for agree / disagree / pass on the room's ideas instead
    audience: AudienceIn | None = None
    replaces: str | None = None
    # hold its ideas until a moderator lets them through: the facilitator (true), or also whoever
    # holds a table role at the writer's table ("role:table_host")
    premoderate: bool | Annotated[str, Field(pattern=r"^role:[a-z][a-z0-9_]{0,31}$")] = False
    # a commitments step ("what will I do next?"): private (the writer and the staff) or shared
    commit: Literal["private", "shared"] | None = None


class ExtendStep(FlowCommand):
    type: Literal["step.extend"]
    step_id: str
    seconds: int = Field(ge=1, le=limits.STEP_DURATION_MAX_S)


class EndStep(FlowCommand):
    type: Literal["step.end"]
    step_id: str


class HideIdea(CommandModel):
    type: Literal["idea.hide"]
    idea_id: str
    reason: str | None = Field(default=None, max_length=200)


class RestoreIdea(CommandModel):
    type: Literal["idea.restore"]
    idea_id: str


class Seat(CommandModel):
    type: Literal["participant.seat"]
    table_id: str
    participant_id: str | None = None


class SetRole(CommandModel):
    type: Literal["participant.role"]
    participant_id: str
    role: str = Field(pattern=ROLE_NAME_PATTERN)


Command = Annotated[
    SubmitIdea
    | PushStep
    | ExtendStep
    | EndStep
    | HideIdea
    | RestoreIdea
    | moderation.ApproveIdea
    | Seat
    | SetRole
    | sessions.LoadSession
    | sessions.MoveSession
    | sessions.GotoStep
    | votes.CastVote
    | signup.PostTopic
    | signup.JoinTopic
    | roles.Volunteer
    | reactions.React
    | theme_commands.Rename
    | theme_commands.Merge
    | theme_commands.Split
    | theme_commands.Pin
    | theme_commands.Unpin
    | theme_commands.MoveIdea
    | theme_commands.FlagIdea
    | theme_commands.ResolveFlag
    | theme_commands.Reveal
    | display.ShowOnWall
    | theme_commands.Dismiss
    | membership.RemoveParticipant
    | membership.CloseEvent
    | membership.ReopenEvent
    | privacy.EraseParticipant
    | parts.SetEventParts
    | parts.SetMyParts
    | follow.FormActionGroups
    | follow.JoinActionGroup
    | follow.Convene
    | follow.OpenFollowUp
    | follow.CloseFollowUp,
    Field(discriminator="type"),
]
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
COMMAND_TYPES: tuple[str, ...] = tuple(
    name for member in get_args(get_args(Command)[0]) for name in get_args(member.model_fields["type"].annotation)
)


def parse_command(data: dict[str, Any]) -> Command:
    """A command from its JSON object, or :class:`Invalid` naming the first field that is wrong."""
    try:
        return COMMAND_ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            known = ", ".join(COMMAND_TYPES)
            raise Invalid(
                "unknown_type", f"unknown message type {data.get('type')!r}; expected one of {known}", field="type"
            ) from None
        where = ".".join(str(part) for part in first["loc"][1:]) or "type"
        raise Invalid("invalid", f"{where}: {first['msg']}", field=where) from None


def decide(
    state: EventState, actor: Actor, command: Command, now: int, themes: Mapping[str, Any] | None = None
) -> Outcome:
    """Validate ``command`` from ``actor`` against ``state`` at time ``now`` (epoch ms). ``themes``:
    the room's themes now (derived, not in the state), which a vote on the themes takes as options."""
    membership.refuse_removed(state, actor)
    access.check_command(command.type, actor)  # who may send it: the declared rule, before the state
    if isinstance(command, FlowCommand):  # sent from a view of the room that has moved on: refused
        flow.check(state, command.expect_flow_seq, now)
    if isinstance(command, sessions.MoveSession | sessions.GotoStep):
        outcome = sessions.move(state, actor, command, now, themes)
    elif isinstance(command, follow.FormActionGroups):
        outcome = follow.form(state, actor, command, now, lambda: sessions.theme_options(state, themes))
    else:
        outcome = _HANDLERS[type(command)](state, actor, command, now)
    return flow.acknowledge(outcome) if isinstance(command, FlowCommand) else outcome


def decider(
    actor: Actor, command: Command, themes: Callable[[], Mapping[str, Any] | None] | None = None
) -> Callable[[EventState, int], Outcome]:
    """``decide`` bound to one command, for a room to call with its state and the time; ``themes``
    reads the room's themes when the command is decided."""
    return lambda state, now: decide(state, actor, command, now, themes() if themes is not None else None)


def _submit_idea(state: EventState, actor: Actor, cmd: SubmitIdea, now: int) -> Outcome:
    if actor.participant_id is None:
        raise Forbidden("participants_only", "only participants at a table submit ideas")
    person = state.participants.get(actor.participant_id)
    if person is None:
        raise NotFound("unknown_participant", "this participant is not in the event")
    if not CLIENT_ID_RE.match(cmd.client_id):
        raise Invalid(
            "bad_client_id",
            f"client_id must be 1-{limits.CLIENT_ID_MAX} letters, digits, '-' or '_'",
            field="client_id",
        )
    existing = state.idea_by_client.get((person.id, cmd.client_id))
    if existing is not None:
        idea = state.ideas[existing]
        return Outcome(result={"idea_id": idea.id, "seq": idea.seq, "duplicate": True})
    if cmd.table_id is not None and cmd.table_id != person.table_id:
        raise Forbidden("wrong_table", f"you sit at table {person.table_id}, not {cmd.table_id}", field="table_id")
    text = clean_text(cmd.text, limits.IDEA_MAX, "text")
    step = state.steps.get(cmd.step_id) if cmd.step_id else state.step_for(person.table_id, person.role)
    if step is None:
        if cmd.step_id:
            raise NotFound("unknown_step", f"there is no step {cmd.step_id}", field="step_id")
        raise Conflict("no_step", "your table has no step yet; wait for the facilitator")
    if not step.audience.includes_table(person.table_id) or step.audience.role not in (None, person.role):
        raise Forbidden("not_your_step", "that step was not pushed to your table", field="step_id")
    if step.status is not StepStatus.ACTIVE:
        raise Conflict("step_closed", "that step has ended; your idea was not added", field="step_id")
    if not step.collect_ideas:
        raise Conflict("not_collecting", "this step does not collect ideas", field="step_id")
    kept = capture.check(state, step, person)
    recent = [t for t in state.recent_ideas.get(person.id, ()) if t > now - limits.IDEA_WINDOW_MS]
    if len(recent) >= limits.IDEAS_PER_WINDOW:
        raise RateLimited(
            "rate_limited",
            f"at most {limits.IDEAS_PER_WINDOW} ideas per {limits.IDEA_WINDOW_MS // 1000} s; wait a moment",
            retry_after_ms=min(recent) + limits.IDEA_WINDOW_MS - now,
        )
    draft = Draft(state, actor, now)
    idea_id = f"i{draft.next_seq}"
    draft.add(
        "idea.submitted",
        {
            "idea_id": idea_id,
            "client_id": cmd.client_id,
            "participant_id": person.id,
            "table_id": person.table_id,
            "step_id": step.id,
            "text": text,
            "visibility": kept.visibility,
            "group_id": kept.group_id,
            "anonymous": kept.anonymous,
            **({"pending": True} if kept.pending else {}),
        },
    )
    result = {"idea_id": idea_id, "seq": draft.entries[0].seq, "duplicate": False}
    return Outcome(draft.entries, {**result, "pending": True} if kept.pending else result)


def _audience(state: EventState, given: AudienceIn | None, default: dict[str, Any]) -> dict[str, Any]:
    if given is None:
        return default
    tables = None
    if given.tables is not None:
        if not given.tables:
            raise Invalid("empty_audience", "choose at least one table, or all tables", field="audience.tables")
        unknown = [t for t in given.tables if t not in state.tables]
        if unknown:
            raise NotFound("unknown_table", f"no such table: {', '.join(unknown)}", field="audience.tables")
        tables = list(dict.fromkeys(given.tables))
    roles = state.table_roles()
    if given.role is not None and given.role not in roles:
        raise Invalid("bad_role", f"a step can target {', '.join(roles)}", field="audience.role")
    return {"tables": tables, "role": given.role}


def _push_step(state: EventState, actor: Actor, cmd: PushStep, now: int) -> Outcome:
    require_facilitator(actor)
    text = clean_text(cmd.text, limits.STEP_TEXT_MAX, "text")
    default: dict[str, Any] = {"tables": None, "role": None}
    if cmd.replaces is not None:
        old = state.steps.get(cmd.replaces)
        if old is None:
            raise NotFound("unknown_step", f"there is no step {cmd.replaces}", field="replaces")
        default = old.audience.to_dict()
    premoderate = _premoderation(state, cmd.premoderate)
    if cmd.commit is not None and (cmd.react or not cmd.collect_ideas):
        raise Invalid("invalid", "commit: a commitments step collects what people write", field="commit")
    draft = Draft(state, actor, now)
    step_id = f"s{draft.next_seq}"
    draft.add(
        "step.pushed",
        {
            "step_id": step_id,
            "text": text,
            "collect_ideas": cmd.collect_ideas and not cmd.react,
            "audience": _audience(state, cmd.audience, default),
            "deadline": now + cmd.duration_s * 1000 if cmd.duration_s else None,
            "replaces": cmd.replaces,
            **({"kind": "react"} if cmd.react else {}),
            **(
                {"kind": "commit", "spec": {"kind": "commit", "privacy": cmd.commit, **_commit_capture(cmd.commit)}}
                if cmd.commit
                else {}
            ),
            **({"premoderate": premoderate} if premoderate and cmd.collect_ideas and not cmd.react else {}),
        },
    )
    return Outcome(draft.entries, {"step_id": step_id})


def _commit_capture(privacy: str) -> dict[str, Any]:
    return {"capture": follow.capture_for(privacy)}


def _premoderation(state: EventState, given: bool | str) -> str | None:
    """Who lets a hand-pushed step's ideas through, from the push form's ``premoderate``."""
    if given is False:
        return None
    if given is True:
        return "facilitator"
    roles = state.table_roles()
    if given.removeprefix("role:") not in roles:
        raise Invalid("bad_role", f"premoderate names a table role: one of {', '.join(roles)}", field="premoderate")
    return given


def _active_step(state: EventState, step_id: str) -> Any:
    step = state.steps.get(step_id)
    if step is None:
        raise NotFound("unknown_step", f"there is no step {step_id}", field="step_id")
    if step.status is not StepStatus.ACTIVE:
        raise Conflict("step_closed", f"step {step_id} has already ended", field="step_id")
    return step


def _extend_step(state: EventState, actor: Actor, cmd: ExtendStep, now: int) -> Outcome:
    require_facilitator(actor)
    step = _active_step(state, cmd.step_id)
    draft = Draft(state, actor, now)
    if step.paused_remaining is not None:  # paused: the extra time waits with the rest
        remaining = step.paused_remaining + cmd.seconds * 1000
        draft.add("step.extended", {"step_id": step.id, "deadline": None, "remaining": remaining})
        return Outcome(draft.entries, {"step_id": step.id, "deadline": None, "remaining": remaining})
    deadline = max(step.deadline or now, now) + cmd.seconds * 1000
    draft.add("step.extended", {"step_id": step.id, "deadline": deadline})
    return Outcome(draft.entries, {"step_id": step.id, "deadline": deadline})


def _end_step(state: EventState, actor: Actor, cmd: EndStep, now: int) -> Outcome:
    require_facilitator(actor)
    step = _active_step(state, cmd.step_id)
    draft = Draft(state, actor, now)
    draft.add("step.ended", {"step_id": step.id})
    return Outcome(draft.entries, {"step_id": step.id})


def _idea(state: EventState, idea_id: str) -> Any:
    idea = state.ideas.get(idea_id)
    if idea is None:
        raise NotFound("unknown_idea", f"there is no idea {idea_id}", field="idea_id")
    return idea


def _hide_idea(state: EventState, actor: Actor, cmd: HideIdea, now: int) -> Outcome:
    require_facilitator(actor)
    idea = _idea(state, cmd.idea_id)
    if idea.hidden:
        raise Conflict("already_hidden", f"idea {idea.id} is already hidden", field="idea_id")
    draft = Draft(state, actor, now)
    draft.add("idea.hidden", {"idea_id": idea.id, "table_id": idea.table_id, "reason": cmd.reason})
    return Outcome(draft.entries, {"idea_id": idea.id})


def _restore_idea(state: EventState, actor: Actor, cmd: RestoreIdea, now: int) -> Outcome:
    require_facilitator(actor)
    idea = _idea(state, cmd.idea_id)
    if not idea.hidden:
        raise Conflict("not_hidden", f"idea {idea.id} is not hidden", field="idea_id")
    draft = Draft(state, actor, now)
    draft.add(
        "idea.restored",
        {
            "idea_id": idea.id,
            "table_id": idea.table_id,
            "text": idea.text,
            "participant_id": idea.participant_id,
            "step_id": idea.step_id,
            "at": idea.at,
        },
    )
    return Outcome(draft.entries, {"idea_id": idea.id})


def _seat(state: EventState, actor: Actor, cmd: Seat, now: int) -> Outcome:
    target = cmd.participant_id or actor.participant_id
    if actor.role is not Role.FACILITATOR:
        if actor.participant_id is None:
            require_facilitator(actor)
        if target != actor.participant_id:
            raise Forbidden("not_yourself", "participants can only move themselves", field="participant_id")
    if target is None or target not in state.participants:
        raise NotFound("unknown_participant", f"there is no participant {target}", field="participant_id")
    if cmd.table_id not in state.tables:
        raise NotFound("unknown_table", f"there is no table {cmd.table_id}", field="table_id")
    if state.participants[target].table_id == cmd.table_id:
        return Outcome(result={"participant_id": target, "table_id": cmd.table_id, "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("participant.seated", {"participant_id": target, "table_id": cmd.table_id})
    return Outcome(draft.entries, {"participant_id": target, "table_id": cmd.table_id})


def _set_role(state: EventState, actor: Actor, cmd: SetRole, now: int) -> Outcome:
    require_facilitator(actor)
    if cmd.participant_id not in state.participants:
        raise NotFound("unknown_participant", f"there is no participant {cmd.participant_id}", field="participant_id")
    roles = state.table_roles()
    if cmd.role not in roles:
        raise Invalid("bad_role", f"a participant's role is one of {', '.join(roles)}", field="role")
    draft = Draft(state, actor, now)
    draft.add("participant.role_set", {"participant_id": cmd.participant_id, "role": cmd.role})
    return Outcome(draft.entries, {"participant_id": cmd.participant_id, "role": cmd.role})


_HANDLERS: dict[type[CommandModel], Handler] = {
    SubmitIdea: _submit_idea,
    PushStep: _push_step,
    ExtendStep: _extend_step,
    EndStep: _end_step,
    HideIdea: _hide_idea,
    RestoreIdea: _restore_idea,
    moderation.ApproveIdea: moderation.approve,
    Seat: _seat,
    SetRole: _set_role,
    sessions.LoadSession: sessions.load,
    sessions.MoveSession: sessions.move,
    sessions.GotoStep: sessions.move,
    votes.CastVote: votes.cast,
    signup.PostTopic: signup.post,
    signup.JoinTopic: signup.join,
    roles.Volunteer: roles.volunteer,
    reactions.React: reactions.cast,
    **dict.fromkeys(
        (
            theme_commands.Rename,
            theme_commands.Merge,
            theme_commands.Split,
            theme_commands.Pin,
            theme_commands.Unpin,
            theme_commands.MoveIdea,
        ),
        theme_commands.edit,
    ),
    theme_commands.FlagIdea: theme_commands.flag,
    theme_commands.ResolveFlag: theme_commands.resolve,
    theme_commands.Reveal: theme_commands.reveal,
    display.ShowOnWall: display.show,
    theme_commands.Dismiss: theme_commands.dismiss,
    membership.RemoveParticipant: membership.remove,
    membership.CloseEvent: membership.close,
    membership.ReopenEvent: membership.reopen,
    privacy.EraseParticipant: privacy.erase,
    parts.SetEventParts: parts.set_event_parts,
    parts.SetMyParts: parts.set_my_parts,
    follow.FormActionGroups: follow.form,
    follow.JoinActionGroup: follow.join,
    follow.Convene: follow.convene,
    follow.OpenFollowUp: follow.open_followup,
    follow.CloseFollowUp: follow.close_followup,
}


# --- commands that do not come over the websocket ---------------------------------------------


def create_event(
    event_id: str,
    title: str,
    tables: list[str],
    join_code: str,
    now: int,
    system_parts: Sequence[parts.PartIn | Mapping[str, Any]] = (),
    themes_encoder: str = "default",
    language: str = DEFAULT_LANGUAGE,
) -> Entry:
    """The first entry of an event. ``tables`` are display names, numbered 1..N as ids;
    ``system_parts``: the parts of the system it wants in the room, if declared already;
    ``themes_encoder``: ``default`` (the server's encoder) or ``multilingual`` (docs/themes.md);
    ``language``: the interface language of its wall and console (server/languages.py)."""
    check_language(language)
    clean_title = clean_text(title, limits.TITLE_MAX, "title")
    check_table_count(len(tables))
    names = [clean_text(name, limits.TABLE_NAME_MAX, "tables") for name in tables]
    if len(set(names)) != len(names):
        raise Invalid("duplicate_table", "table names must be different", field="tables")
    payload = {
        "title": clean_title,
        "join_code": join_code,
        "tables": [{"id": str(i), "name": name} for i, name in enumerate(names, start=1)],
    }
    if system_parts:  # only when declared: the entries (and digests) of other events stay as they were
        payload["parts"] = parts.payload(parts.declare(system_parts))
    if themes_encoder not in THEMES_ENCODERS:
        known = ", ".join(THEMES_ENCODERS)
        raise Invalid(
            "bad_themes_encoder", f"themes_encoder is one of {known}, not {themes_encoder!r}", field="themes_encoder"
        )
    if themes_encoder != "default":  # likewise only when chosen
        payload["themes_encoder"] = themes_encoder
    if language != DEFAULT_LANGUAGE:  # likewise only when not English
        payload["language"] = language
    return Entry(event_id, 1, now, "event.created", "admin", payload)


def check_table_count(count: int) -> None:
    """Refuse an event of no tables or more than the limit (``bad_tables``)."""
    if not 1 <= count <= limits.TABLES_MAX:
        raise Invalid("bad_tables", f"an event has 1 to {limits.TABLES_MAX} tables", field="tables")


def check_language(language: str) -> None:
    """Refuse a language that is not one of the interface languages (``bad_language``)."""
    if language not in LANGUAGES:
        wanted = ", ".join(LANGUAGES)
        raise Invalid("bad_language", f"the language must be one of {wanted}, not {language!r}", field="language")


def set_event_language(state: EventState, actor: Actor, language: str, now: int) -> Outcome:
    """The organiser changes the interface language of the event's wall and console (phones keep
    their own). The same language again records nothing (``unchanged: true``)."""
    if actor.role is not Role.ORGANISER:
        raise Forbidden("organiser_only", "only the organiser changes the event's language")
    check_language(language)
    if language == state.language:
        return Outcome([], {"language": language, "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("event.language_set", {"language": language})
    return Outcome(draft.entries, {"language": language})


def join(state: EventState, name: str | None, table_id: str, now: int, system_parts: Sequence[str] = ()) -> Outcome:
    """A new participant sits at ``table_id``; their id is derived from the entry's seq.
    ``system_parts``: the parts of the system they say they come from (optional)."""
    if state.closed_at is not None:
        raise Conflict("event_closed", "this event has ended; it takes no new participants")
    if state.followups:  # a follow-up round is for the people who took part, by the links they have
        raise Conflict("event_closed", "this event has ended; its follow-up is for the people who took part")
    if table_id not in state.tables:
        raise NotFound("unknown_table", f"there is no table {table_id}", field="table_id")
    clean = name.strip() if name else ""
    check_text(clean, "name")
    if len(clean) > limits.NAME_MAX:
        raise Invalid("text_too_long", f"a name has at most {limits.NAME_MAX} characters", field="name")
    said = parts.chosen(state, system_parts) if system_parts else ()
    seq = state.seq + 1
    participant_id = f"p{seq}"
    entry = Entry(
        state.id,
        seq,
        now,
        "participant.joined",
        f"participant:{participant_id}",
        {
            "participant_id": participant_id,
            "name": clean or None,
            "table_id": table_id,
            "role": "participant",
            **({"parts": list(said)} if said else {}),
        },
    )
    return Outcome([entry], {"participant_id": participant_id, "table_id": table_id})
