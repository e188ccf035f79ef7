"""Rules that span steps: references to earlier steps, declared roles and parameters, timings, tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .durations import format_duration
from .format import ClusterStep, HarvestStep, ReactStep, RotateStep, Script, SignupStep, VoteStep, texts_of

PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_-]*)\}")


@dataclass(frozen=True, slots=True)
class Problem:
    path: tuple[str | int, ...]
    message: str


def check_script(
    script: Script, *, tables: int | None = None, positions: list[int] | None = None, ids: list[str] | None = None
) -> list[Problem]:
    """Every cross-step problem in ``script``; ``tables`` (an event's table count) enables table checks.

    ``positions`` maps ``script.steps`` to their places in the file when some steps were left out
    (because they were malformed); ``ids`` are the step ids in file order, malformed steps included.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    grouped = False
    order = ids if ids is not None else [s.id for s in script.steps]
    for k, step in enumerate(script.steps):
        i = positions[k] if positions is not None else k
        for earlier, ref_id in enumerate(order[:i]):
            seen.setdefault(ref_id, earlier)
        at = ("steps", i)
        if step.id in order[:i]:
            first = order.index(step.id)
            problems.append(Problem((*at, "id"), f"step id {step.id!r} is already used by step {first + 1}"))
        for field, refs in _references(step):
            for j, ref in enumerate(refs):
                where: tuple[str | int, ...] = (*at, *field, j)
                problems.extend(_reference(order, ref, seen, where))
        for name, field in _roles_named(step):
            if name not in script.roles:
                problems.append(Problem((*at, *field), f"role {name!r} is not declared under roles"))
        if step.audience == "group" and not grouped and step.groups is None:
            problems.append(
                Problem((*at, "audience"), "audience group needs an earlier step (or this one) to make groups")
            )
        for attr in ("text", "question"):
            for _language, text in texts_of(getattr(step, attr)):
                for name in PLACEHOLDER.findall(text):
                    if name not in script.params:
                        problems.append(Problem((*at, attr), f"{{{name}}} is not declared under params"))
        if step.groups is not None and step.groups.from_ is not None:
            problems.extend(_signup_reference(script, step.groups.from_, step.groups.slot, order[:i], at))
        if step.groups is not None:
            if step.groups.merge is not None and not grouped:
                problems.append(Problem((*at, "groups", "merge"), "merge needs an earlier step that made groups"))
            if step.groups.size is not None and step.groups.size > script.fit.table_size[1]:
                problems.append(
                    Problem(
                        (*at, "groups", "size"),
                        f"groups of {step.groups.size} do not fit tables of at most {script.fit.table_size[1]}",
                    )
                )
            grouped = True
        if step.warn_at is not None and step.duration is not None and step.warn_at >= step.duration:
            problems.append(Problem((*at, "warn_at"), "warn_at must be shorter than the step's duration"))
        if isinstance(step, VoteStep) and step.options.themes and step.scope == "table":
            problems.append(
                Problem(
                    (*at, "scope"),
                    "scope: table offers each person their own table's ideas, but the themes belong to the "
                    "whole room: leave scope out (room) to vote on the themes",
                )
            )
        if isinstance(step, VoteStep) and step.dots and step.max_per_option and step.max_per_option > step.dots:
            problems.append(Problem((*at, "max_per_option"), "max_per_option cannot exceed dots"))
        if step.pass_role is not None:
            declared = script.roles.get(step.pass_role)
            if declared is None:
                problems.append(Problem((*at, "pass_role"), f"role {step.pass_role!r} is not declared under roles"))
            elif declared.assign != "rotate":
                problems.append(
                    Problem((*at, "pass_role"), f"role {step.pass_role!r} must have assign: rotate to pass on")
                )
        if isinstance(step, RotateStep) and step.mode == "host_stays" and step.stay is None:
            if "table_host" not in script.roles:
                problems.append(
                    Problem((*at, "mode"), "host_stays needs stay: <role> (the role that stays at its table)")
                )
        if isinstance(step, VoteStep) and step.options.from_ is not None and step.options.from_ in order[:i]:
            source = next((s for s in script.steps if s.id == step.options.from_), None)
            if source is not None and not (source.collects or isinstance(source, ClusterStep)):
                problems.append(
                    Problem(
                        (*at, "options", "from"),
                        f"step {source.id!r} collects nothing (no capture), so the vote would have no options",
                    )
                )
        if isinstance(step, RotateStep) and step.stay is not None and step.stay not in script.roles:
            problems.append(Problem((*at, "stay"), f"role {step.stay!r} is not declared under roles"))
    problems.extend(_languages(script, positions))
    complete = positions is None or len(positions) == len(order)
    if complete:  # totals over a script with malformed steps would mislead
        problems.extend(_timing(script))
        if tables is not None:
            problems.extend(_tables(script, tables))
    return problems


def _references(step: object) -> list[tuple[tuple[str, ...], list[str]]]:
    if isinstance(step, VoteStep) and step.options.from_ is not None:
        return [(("options", "from"), [step.options.from_])]
    if isinstance(step, ClusterStep):
        return [(("input", "from"), list(step.input.from_))]
    if isinstance(step, ReactStep):
        return [(("from",), list(step.from_))]
    if isinstance(step, HarvestStep):
        return [(("sources",), list(step.sources))]
    return []


def _reference(order: list[str], ref: str, seen: dict[str, int], where: tuple[str | int, ...]) -> list[Problem]:
    if ref in seen:
        return []
    later = [k for k, step_id in enumerate(order) if step_id == ref]
    if later:
        return [Problem(where, f"{ref!r} is step {later[0] + 1}, which comes later: only earlier steps can be used")]
    return [Problem(where, f"there is no step {ref!r}")]


def _signup_reference(
    script: Script, ref: str, slot: str | None, earlier: list[str], at: tuple[str | int, ...]
) -> list[Problem]:
    where = (*at, "groups", "from")
    if ref not in earlier:
        return [Problem(where, f"groups come from an earlier signup step; there is none called {ref!r} before")]
    source = next(s for s in script.steps if s.id == ref)
    if not isinstance(source, SignupStep):
        return [Problem(where, f"step {ref!r} is a {source.kind} step, not a signup (marketplace) step")]
    if slot not in source.slots:
        return [Problem((*at, "groups", "slot"), f"slot must be one of {', '.join(source.slots)}")]
    return []


def _roles_named(step: object) -> list[tuple[str, tuple[str, ...]]]:
    names: list[tuple[str, tuple[str, ...]]] = []
    audience = getattr(step, "audience", "")
    if audience.startswith("role:"):
        names.append((audience.removeprefix("role:"), ("audience",)))
    capture = getattr(step, "capture", None)
    if capture is not None and capture.who.startswith("role:"):
        names.append((capture.who.removeprefix("role:"), ("capture", "who")))
    if capture is not None and isinstance(capture.premoderate, str):
        names.append((capture.premoderate.removeprefix("role:"), ("capture", "premoderate")))
    return names


def _timing(script: Script) -> list[Problem]:
    if script.fit.minutes is None or any(s.duration is None for s in script.steps):
        return []
    total = sum(s.duration or 0 for s in script.steps)
    planned = script.fit.minutes * 60
    if abs(total - planned) > planned * 0.10:
        return [
            Problem(
                ("fit", "minutes"),
                f"the steps add up to {format_duration(total)} but fit.minutes says {script.fit.minutes}m "
                "(they must agree within 10%)",
            )
        ]
    return []


def _tables(script: Script, tables: int) -> list[Problem]:
    problems = []
    rotations = [(i, s) for i, s in enumerate(script.steps) if isinstance(s, RotateStep) and s.mode == "host_stays"]
    if rotations and any(s.avoid_repeat for _, s in rotations):
        rounds = len(rotations) + 1
        if tables < rounds:
            i = rotations[-1][0]
            problems.append(
                Problem(
                    ("steps", i, "mode"),
                    f"{rounds} rounds where travellers never revisit a table need at least {rounds} tables; "
                    f"the event has {tables}",
                )
            )
    return problems


Where = tuple[str | int, ...]


def script_texts(script: Script, positions: list[int] | None = None) -> list[tuple[Where, str | dict[str, str]]]:
    """Every text of the script that has a language, with where it is: the script's title and
    purpose, its parameters' defaults and labels, each step's title, question, text, a vote's axes
    and option items, a harvest's buckets."""
    out: list[tuple[Where, str | dict[str, str]]] = [(("title",), script.title), (("purpose",), script.purpose)]
    for name, param in script.params.items():
        out += [(("params", name, "default"), param.default), (("params", name, "label"), param.label)]
    for k, step in enumerate(script.steps):
        at: Where = ("steps", positions[k] if positions is not None else k)
        out += [((*at, "title"), step.title), ((*at, "question"), step.question), ((*at, "text"), step.text)]
        if isinstance(step, VoteStep):
            out += [((*at, "axes", j), axis) for j, axis in enumerate(step.axes or ())]
            out += [((*at, "options", "items", j), item) for j, item in enumerate(step.options.items or [])]
        if isinstance(step, HarvestStep):
            out += [((*at, "buckets", j), bucket) for j, bucket in enumerate(step.buckets)]
    return out


_PLACEHOLDERS_ONLY = re.compile(r"^[\W\d_]*$")  # no letters once placeholders are taken out: "{question}", "2035"


def _languages(script: Script, positions: list[int] | None) -> list[Problem]:
    """Every language code is declared, and every text is in every declared language."""
    problems: list[Problem] = []
    declared = script.languages
    listing = ", ".join(declared)
    for j, code in enumerate(declared):
        if code in declared[:j]:
            problems.append(Problem(("languages", j), f"{code} is listed twice"))
    for where, value in script_texts(script, positions):
        if isinstance(value, str):
            neutral = not value or _PLACEHOLDERS_ONLY.match(PLACEHOLDER.sub("", value))
            if len(declared) > 1 and not neutral:
                problems.append(
                    Problem(
                        where,
                        f"this text is only in {declared[0]}; the script's languages are {listing}: "
                        f"give it in each, e.g. {{{', '.join(f'{c}: ...' for c in declared)}}}",
                    )
                )
            continue
        for code in value:
            if code not in declared:
                problems.append(
                    Problem(
                        (*where, code, "<key>"),
                        f"{code} is not one of the script's languages ({listing}); add it to languages or remove it",
                    )
                )
        missing = [code for code in declared if code not in value]
        if missing and any(value.values()):
            problems.append(
                Problem(where, f"the {', '.join(missing)} text is missing (the script's languages are {listing})")
            )
    return problems
