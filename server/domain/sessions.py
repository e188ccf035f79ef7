"""Running a facilitation script: load it, then step through it (next, back, skip, go to, pause).

Each script step, when it starts, becomes an ordinary pushed step (the same ``step.pushed`` entry a
hand-written step makes, carrying the script step as ``spec``), preceded by the end of the step
before it and followed by what the step does to the room: new groups, people moving tables,
roles handed out. Everything is decided here, deterministically (seeded by the entry's seq), so
replaying the transcript gives the same groups and moves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from . import dealing, follow, grouping, rotation
from .base import CommandModel, Draft, FlowCommand, Outcome, require_facilitator
from .capture import PUBLIC
from .errors import Conflict, Invalid, NotFound
from .harvest import themes_for
from .model import Actor, EventState, Session, SessionStatus, StepStatus
from .scripts.format import THEMES_WORD
from .scripts.languages import in_default, pick
from .scripts.loader import ScriptError, load_script
from .themes import edit_from_entry
from .themes import fold as fold_curation

SCRIPT_MAX_CHARS = 60_000
DEFAULT_WARN_S = 60


class LoadSession(CommandModel):
    type: Literal["session.load"]
    script: str = Field(max_length=SCRIPT_MAX_CHARS)
    params: dict[str, str] = {}
    title: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)


class MoveSession(FlowCommand):
    type: Literal["session.next", "session.back", "session.skip", "session.pause", "session.resume"]
    session_id: str


class GotoStep(FlowCommand):
    type: Literal["session.goto"]
    session_id: str
    index: int = Field(ge=0)


def load(state: EventState, actor: Actor, cmd: LoadSession, now: int) -> Outcome:
    require_facilitator(actor)
    try:
        script = load_script(cmd.script, cmd.source or "script", tables=len(state.tables))
    except ScriptError as exc:
        raise exc.refusal() from None
    unknown = sorted(set(cmd.params) - set(script.params))
    if unknown:
        raise Invalid("unknown_param", f"the script has no parameter {', '.join(unknown)}", field="params")
    default = script.languages[0]
    params = {name: cmd.params.get(name) or pick(p.default, default, default) for name, p in script.params.items()}
    data = in_default(script)  # every text in the default language; the others under texts
    draft = Draft(state, actor, now)
    session_id = f"x{draft.next_seq}"
    draft.add(
        "session.loaded",
        {
            "session_id": session_id,
            "title": (cmd.title or data["title"]).strip() or data["title"],
            "source": cmd.source,
            "script": data,
            "params": params,
        },
    )
    return Outcome(draft.entries, {"session_id": session_id, "steps": len(script.steps)})


def move(
    state: EventState, actor: Actor, cmd: MoveSession | GotoStep, now: int, themes: Mapping[str, Any] | None = None
) -> Outcome:
    """Step through the script. ``themes`` are the room's themes now (the live room's ``themes``
    message view), for a vote whose options are the themes."""
    require_facilitator(actor)
    session = state.sessions.get(cmd.session_id)
    if session is None:
        raise NotFound("unknown_session", f"there is no session {cmd.session_id}", field="session_id")
    steps = session.script["steps"]
    draft = Draft(state, actor, now)
    if cmd.type in ("session.pause", "session.resume"):
        _pause_or_resume(state, session, draft, cmd.type == "session.pause", now)
        return Outcome(draft.entries, {"session_id": session.id})
    if session.status is SessionStatus.FINISHED and cmd.type != "session.goto":
        raise Conflict("session_finished", "this session has finished; go to a step to run it again")
    if cmd.type == "session.next":
        target = session.index + 1
    elif cmd.type == "session.back":
        if session.index <= 0:
            raise Conflict("at_start", "this is the first step")
        target = session.index - 1
    elif cmd.type == "session.skip":
        skipped = session.index + 1
        if skipped >= len(steps):
            raise Conflict("nothing_to_skip", "there is no next step to skip")
        draft.add("session.step_skipped", {"session_id": session.id, "index": skipped})
        target = skipped + 1
    else:
        assert isinstance(cmd, GotoStep)
        if cmd.index >= len(steps):
            raise Invalid("bad_index", f"the script has {len(steps)} steps (0 to {len(steps) - 1})", field="index")
        target = cmd.index
    step_id = run_step(state, session, target, draft, themes)
    return Outcome(draft.entries, {"session_id": session.id, "index": target, "step_id": step_id})


def _pause_or_resume(state: EventState, session: Session, draft: Draft, pause: bool, now: int) -> None:
    step_id = session.runs[-1].step_id if session.runs else None
    step = state.steps.get(step_id or "")
    if step is None or step.status is not StepStatus.ACTIVE:
        raise Conflict("no_running_step", "no step of this session is running")
    if pause:
        if not state.showing_at(step.id):
            raise Conflict(
                "no_running_step", "the session's step is not showing: a later step took its place at every table"
            )
        if step.paused_remaining is not None:
            raise Conflict("already_paused", "the step is already paused")
        remaining = max(0, step.deadline - now) if step.deadline is not None else None
        draft.add("step.paused", {"step_id": step.id, "session_id": session.id, "remaining": remaining})
    else:
        if step.paused_remaining is None and session.status is not SessionStatus.PAUSED:
            raise Conflict("not_paused", "the step is not paused")
        remaining = step.paused_remaining
        deadline = now + remaining if remaining is not None else None
        draft.add("step.resumed", {"step_id": step.id, "session_id": session.id, "deadline": deadline})


def run_step(
    state: EventState, session: Session, index: int, draft: Draft, themes: Mapping[str, Any] | None = None
) -> str | None:
    """Start script step ``index`` (or finish the session past the last step); returns the pushed step id."""
    current = state.steps.get(session.runs[-1].step_id or "") if session.runs else None
    if current is not None and current.status is StepStatus.ACTIVE:
        draft.add("step.ended", {"step_id": current.id})
    steps = session.script["steps"]
    if index >= len(steps):
        draft.add("session.finished", {"session_id": session.id})
        return None
    spec = steps[index]
    seed = f"{state.id}:{draft.next_seq}"
    script_roles = session.script.get("roles", {})
    if session.index < 0:
        _assign(draft, session, dealing.at_start(state, script_roles, seed))
    step_id = f"s{draft.next_seq}"
    duration = spec.get("duration")
    draft.add(
        "step.pushed",
        {
            "step_id": step_id,
            "text": _render(spec, session.params),
            "collect_ideas": _collects(spec),
            "audience": _audience(spec["audience"]),
            "deadline": draft.now + duration * 1000 if duration else None,
            "replaces": None,
            "session_id": session.id,
            "index": index,
            "kind": spec["kind"],
            "spec": _told(spec, steps),
            "options": _options(state, session, spec, themes),
            "warn_ms": (spec.get("warn_at") or min(DEFAULT_WARN_S, (duration or 0) // 5)) * 1000 or None,
            **_texts(session, spec),
        },
    )
    if spec["kind"] == "rotate":
        stay = spec.get("stay")
        moves = rotation.plan(state, spec["mode"], stay=stay, avoid_repeat=spec["avoid_repeat"], seed=seed)
        draft.add("participants.moved", {"step_id": step_id, "moves": moves})
        _assign(draft, session, dealing.after_moves(state, script_roles, moves, stay, seed))
    groups = spec.get("groups")
    if groups is not None and (groups.get("size") or groups.get("merge") or groups.get("from")):
        if groups.get("size"):
            formed = grouping.split(state, groups["size"], groups["remainder"], seed)
        elif groups.get("merge"):
            formed = grouping.merge(state, groups["merge"])
        else:
            formed = grouping.by_topics(state, _runs_of(session, groups["from"]), groups["slot"])
        draft.add("groups.formed", {"step_id": step_id, "groups": formed})
        _assign(draft, session, dealing.to_groups(state, script_roles, formed, seed))
    elif state.groups and spec["audience"] != "group" and spec["kind"] != "rotate":
        # a step for tables or the room ends the small groups of the steps before
        dissolved = sorted({m for g in state.groups.values() for m in g.members})
        draft.add("groups.formed", {"step_id": step_id, "groups": [], "dissolved": dissolved})
    if spec.get("pass_role"):
        _assign(draft, session, dealing.pass_on(state, script_roles, spec["pass_role"]))
    if spec["kind"] == "actions":  # action groups around the themes or topics (not those formed already)
        try:
            wanted = follow.FormActionGroups(type="actions.form", source=spec["from"])
            follow.form_entries(state, draft, wanted, lambda: theme_options(state, themes))
        except Conflict as exc:  # none yet: the step starts all the same, the console forms them by hand
            if exc.code not in ("nothing_to_form", "no_topics", "no_themes"):
                raise
    return step_id


def _runs_of(session: Session, script_step_id: str) -> set[str]:
    """The pushed step ids of every run of a script step (a marketplace may have been run twice)."""
    indexes = {i for i, s in enumerate(session.script["steps"]) if s["id"] == script_step_id}
    return {run.step_id for run in session.runs if run.index in indexes and run.step_id}


def _assign(draft: Draft, session: Session, assignments: dict[str, str]) -> None:
    if assignments:
        draft.add("roles.assigned", {"session_id": session.id, "assignments": assignments})


_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_-]*)\}")


def _render(spec: dict[str, Any], params: dict[str, str]) -> str:
    parts = [spec.get("title") or "", spec.get("question") or "", spec.get("text") or ""]
    text = "\n\n".join(p for p in parts[1:] if p) or parts[0] or spec["kind"].capitalize()
    return _PLACEHOLDER.sub(lambda m: params.get(m[1], m[0]), text)


def _texts(session: Session, spec: dict[str, Any]) -> dict[str, Any]:
    """A step of a script in several languages carries its text in each (``texts``); the phones,
    the wall and the console show the one in their language (docs/protocol.md, ``step.pushed``)."""
    if "texts" not in spec:
        return {}
    script_params = session.script.get("params", {})
    out = {}
    for language, texts in spec["texts"].items():
        # a parameter left at its default takes the default's text in each language; a value the
        # facilitator gave is the same in all
        params = {
            name: script_params[name].get("texts", {}).get(language, {}).get("default", value)
            if name in script_params and value == script_params[name].get("default")
            else value
            for name, value in session.params.items()
        }
        out[language] = _render({**spec, **texts}, params)
    return {"texts": out}


def _collects(spec: dict[str, Any]) -> bool:
    capture = spec.get("capture")
    kinds = ("ideas", "discuss", "harvest", "commit")
    return capture is not None and capture.get("who") != "none" and spec["kind"] in kinds


def _audience(audience: str) -> dict[str, Any]:
    if audience == "facilitator":
        return {"tables": [], "role": None}
    if audience.startswith("role:"):
        return {"tables": None, "role": audience.removeprefix("role:")}
    return {"tables": None, "role": None}


def theme_options(state: EventState, themes: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The room's themes as a vote offers them, biggest first: each theme the room may see (one with
    an idea every screen may quote), under the name the facilitator gave it (a rename counts at
    once, before the next re-clustering) or else words from the ideas the room may quote."""
    given = fold_curation([edit_from_entry(kind, payload) for kind, payload in state.theme_edits]).labels
    reports = themes_for(state, themes, "shared") if themes is not None else []
    if not reports:
        raise Conflict(
            "no_themes",
            "this vote's options are the room's themes, and there are none yet: themes form once several "
            "ideas say similar things (unless themes are switched off on this server); wait, or skip the step",
        )
    return [{"id": r.id, "text": given.get(r.id, r.label)} for r in reports]


def _dealt_from(steps: list[dict[str, Any]]) -> set[str]:
    """The steps whose ideas a later pass-and-score vote deals out to other people, as cards."""
    return {
        s["options"]["from"]
        for s in steps
        if s["kind"] == "vote"
        and s.get("method") == "pass_and_score"
        and isinstance(s["options"], dict)
        and s["options"].get("from")
    }


def _told(spec: dict[str, Any], steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The step as phones get it: a step whose cards a later vote passes on says so
    (``capture.passed_on``), so a phone never promises "only the facilitator sees what you write"
    about a card that other people will read and score."""
    capture = spec.get("capture")
    if capture is None or spec["id"] not in _dealt_from(steps):
        return spec
    return {**spec, "capture": {**capture, "passed_on": True}}


def _options(
    state: EventState, session: Session, spec: dict[str, Any], themes: Mapping[str, Any] | None
) -> list[dict[str, Any]] | None:
    if spec["kind"] != "vote":
        return None
    source = spec["options"]
    if source == THEMES_WORD:
        return theme_options(state, themes)
    if source.get("items") is not None:
        translated = spec.get("texts")
        return [
            {"id": f"o{n}", "text": text}
            | ({"texts": {lang: t["items"][n - 1] for lang, t in translated.items()}} if translated else {})
            for n, text in enumerate(source["items"], start=1)
        ]
    index = next(i for i, s in enumerate(session.script["steps"]) if s["id"] == source["from"])
    source_spec = session.script["steps"][index]
    indexes = {index}
    if source_spec["kind"] == "cluster":  # until themes exist, a cluster offers its inputs' ideas
        names = set(source_spec["input"]["from"])
        indexes = {i for i, s in enumerate(session.script["steps"]) if s["id"] in names}
    step_ids = {run.step_id for run in session.runs if run.index in indexes}
    # an option's text goes to every phone in the vote's step entry: only ideas every screen may
    # already read (table or room) are offered, never a private or group-only note. Cards written
    # for the facilitator are dealt in a pass-and-score vote only: their writers were told so
    # (``_told``), and each card goes to a few people, without its writer's name.
    shown = PUBLIC + (("facilitator",) if spec.get("method") == "pass_and_score" else ())
    return [
        {"id": idea.id, "text": idea.text, "table_id": idea.table_id}
        for idea in state.ideas.values()
        if idea.step_id in step_ids
        and not idea.hidden
        and not idea.pending
        and idea.visibility in shown
        and (idea.anonymous or idea.participant_id not in state.erased)  # an erased person's words are gone
    ]
