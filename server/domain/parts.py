"""Parts of the system: who an event wants in the room (residents, GPs, social care, the police...),
and which of them each person says they come from.

A whole-system event wants "the right mix of people from every neck of the woods". The organiser
or facilitator declares the parts (each with a hoped-for number); people tick theirs when they join
(several allowed, or "prefer not to say") and may change them later. Staff see who said what;
the wall sees counts only, and nothing shared links a person's ideas to their parts
(docs/privacy.md). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from .base import CommandModel, Draft, Outcome, clean_text
from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import PREFER_NOT_TO_SAY, Actor, EventState, Part, Role

PARTS_MAX = 30
PART_NAME_MAX = 60
PART_TARGET_MAX = 10_000
PART_ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
_PART_ID_RE = re.compile(PART_ID_PATTERN)

__all__ = ["PREFER_NOT_TO_SAY", "Part", "parts_of"]


class PartIn(CommandModel):
    """A part as a command or a request declares it (``id`` is made from the name when left out)."""

    id: str | None = None
    name: str
    target: int | None = None


class SetEventParts(CommandModel):
    type: Literal["event.parts_set"]
    parts: list[PartIn] = Field(max_length=PARTS_MAX + 1)  # one over, so the limit's own error names it


class SetMyParts(CommandModel):
    type: Literal["participant.parts_set"]
    parts: list[str] = Field(max_length=PARTS_MAX + 1)
    participant_id: str | None = None  # the facilitator sets anyone's; a participant only their own


def part_id(name: str, index: int) -> str:
    """An id for a part named ``name`` ("GPs & nurses" -> ``gps_nurses``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:32].rstrip("_")
    if not slug:
        return f"part_{index + 1}"
    return slug if slug[0].isalpha() else f"p_{slug}"[:32].rstrip("_")


def declare(items: Sequence[PartIn | Mapping[str, Any]]) -> list[Part]:
    """The parts as declared, checked: 1 to 30, names 1-60 characters and different, ids different
    (``prefer_not_to_say`` is an answer, not a part), targets 0 to 10,000. The error names the field."""
    if not 1 <= len(items) <= PARTS_MAX:
        raise Invalid("bad_parts", f"declare 1 to {PARTS_MAX} parts; there are {len(items)}", field="parts")
    out: list[Part] = []
    for i, raw in enumerate(items):
        item = raw if isinstance(raw, PartIn) else _part_in(raw, i)
        where = f"parts[{i}]"
        if not isinstance(item.name, str):
            raise Invalid("bad_part", f"{where}.name must be text", field=f"{where}.name")
        name = clean_text(item.name, PART_NAME_MAX, f"{where}.name")
        pid = item.id if item.id is not None else part_id(name, i)
        if not isinstance(pid, str) or not _PART_ID_RE.match(pid):
            raise Invalid(
                "bad_part_id",
                f"{where}.id must be 1-32 lower-case letters, digits or '_', starting with a letter",
                field=f"{where}.id",
            )
        if pid == PREFER_NOT_TO_SAY:
            raise Invalid("bad_part_id", f"{where}.id {pid!r} is kept for people's answers", field=f"{where}.id")
        if item.target is not None and not 0 <= item.target <= PART_TARGET_MAX:
            raise Invalid(
                "bad_target", f"{where}.target must be 0 to {PART_TARGET_MAX:,} (or left out)", field=f"{where}.target"
            )
        for other in out:
            if other.name.casefold() == name.casefold():
                raise Invalid("duplicate_part", f"{where}.name {name!r} is already a part", field=f"{where}.name")
            if other.id == pid:
                raise Invalid("duplicate_part", f"{where}.id {pid!r} is already a part's id", field=f"{where}.id")
        out.append(Part(pid, name, item.target))
    return out


def _part_in(raw: Mapping[str, Any], index: int) -> PartIn:
    where = f"parts[{index}]"
    if not isinstance(raw, Mapping):
        raise Invalid("bad_part", f"{where} must be an object with a name", field=where)
    unknown = set(raw) - {"id", "name", "target"}
    if unknown:
        raise Invalid("bad_part", f"{where} has unknown field(s): {', '.join(sorted(unknown))}", field=where)
    target = raw.get("target")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool)):
        raise Invalid("bad_target", f"{where}.target must be a whole number", field=f"{where}.target")
    name, pid = raw.get("name"), raw.get("id")
    if not isinstance(name, str):
        raise Invalid("bad_part", f"{where}.name must be text", field=f"{where}.name")
    if pid is not None and not isinstance(pid, str):
        raise Invalid("bad_part_id", f"{where}.id must be text", field=f"{where}.id")
    return PartIn(id=pid, name=name, target=target)


def parse_spec(spec: str, index: int) -> dict[str, Any]:
    """``"Residents=40"`` or ``"Young people"`` (no target), as the CLI's ``--part`` takes it."""
    name, sep, target = spec.rpartition("=") if "=" in spec else (spec, "", "")
    if not sep:
        return {"name": spec}
    if not target.strip().isdigit():
        raise Invalid("bad_target", f"--part {spec!r}: the target after '=' must be a whole number", field="parts")
    return {"name": name, "target": int(target)}


def payload(parts: Sequence[Part]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in parts]


def chosen(state: EventState, given: Sequence[str], field: str = "parts") -> tuple[str, ...]:
    """A person's answer, checked against the declared parts: ids of declared parts (several allowed,
    each once), or ``prefer_not_to_say`` alone, or nothing (not said)."""
    if len(given) > PARTS_MAX:
        raise Invalid("bad_parts", f"{field}: at most {PARTS_MAX} parts", field=field)
    for i, pid in enumerate(given):
        if not isinstance(pid, str) or (pid not in state.parts and pid != PREFER_NOT_TO_SAY):
            known = ", ".join([*state.parts, PREFER_NOT_TO_SAY]) if state.parts else "none yet"
            raise Invalid("unknown_part", f"{field}[{i}]: no part {pid!r}; the parts are: {known}", field=field)
    if len(set(given)) != len(given):
        raise Invalid("duplicate_part", f"{field}: each part at most once", field=field)
    if PREFER_NOT_TO_SAY in given and len(given) > 1:
        raise Invalid("bad_parts", f"{field}: '{PREFER_NOT_TO_SAY}' goes alone", field=field)
    return tuple(given)


def parts_of(state: EventState) -> dict[str, tuple[str, ...]]:
    """Each present participant's parts (empty: not said; ``("prefer_not_to_say",)``: declined)."""
    return {pid: p.parts for pid, p in state.participants.items()}


def coverage(state: EventState) -> dict[str, Any]:
    """Per declared part: how many present people said it, against the target, and how many are
    still missing; plus the people who preferred not to say or said nothing. Counts only."""
    counts = dict.fromkeys(state.parts, 0)
    declined = unsaid = 0
    for person in state.participants.values():
        if not person.parts:
            unsaid += 1
        elif person.parts == (PREFER_NOT_TO_SAY,):
            declined += 1
        for pid in person.parts:
            if pid in counts:
                counts[pid] += 1
    rows = [
        {
            **part.to_dict(),
            "joined": counts[part.id],
            "missing": max(part.target - counts[part.id], 0) if part.target is not None else None,
        }
        for part in state.parts.values()
    ]
    return {
        "parts": rows,
        "missing": [r["id"] for r in rows if r["joined"] == 0 or (r["missing"] or 0) > 0],
        "prefer_not_to_say": declined,
        "not_said": unsaid,
        "people": len(state.participants),
    }


def presence(state: EventState) -> dict[str, dict[str, int]]:
    """Part id -> table id -> how many people there said that part: what the wall may show (no names,
    no ids of people). Tables with nobody of a part are left out."""
    out: dict[str, dict[str, int]] = {pid: {} for pid in state.parts}
    for person in state.participants.values():
        for pid in person.parts:
            if pid in out:
                out[pid][person.table_id] = out[pid].get(person.table_id, 0) + 1
    return out


# --- commands ------------------------------------------------------------------------------------


def set_event_parts(state: EventState, actor: Actor, cmd: SetEventParts, now: int) -> Outcome:
    """The facilitator or organiser declares (or re-declares) the parts. A part someone already said
    cannot be dropped (their answer would lose its meaning): they change theirs first."""
    if actor.role not in (Role.FACILITATOR, Role.ORGANISER) or actor.participant_id is not None:
        raise Forbidden("staff_only", "only facilitator and organiser tokens may do this")
    parts = declare(cmd.parts)
    kept = {p.id for p in parts}
    for person in state.participants.values():
        lost = [pid for pid in person.parts if pid != PREFER_NOT_TO_SAY and pid not in kept]
        if lost:
            name = state.parts[lost[0]].name
            raise Conflict("part_in_use", f"people have said they come from {name!r}; it cannot go", field="parts")
    if [p.to_dict() for p in parts] == [p.to_dict() for p in state.parts.values()]:
        return Outcome(result={"parts": payload(parts), "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("event.parts_set", {"parts": payload(parts)})
    return Outcome(draft.entries, {"parts": payload(parts)})


def set_my_parts(state: EventState, actor: Actor, cmd: SetMyParts, now: int) -> Outcome:
    """A participant says (or changes) where they come from; the facilitator may set anyone's."""
    target = cmd.participant_id or actor.participant_id
    if actor.participant_id is not None:
        if target != actor.participant_id:
            raise Forbidden("not_yourself", "participants can only say their own parts", field="participant_id")
    elif actor.role is not Role.FACILITATOR:
        raise Forbidden("read_only", f"the {actor.role.value} token is read-only")
    if target is None or target not in state.participants:
        raise NotFound("unknown_participant", f"there is no participant {target}", field="participant_id")
    if not state.parts:
        raise Conflict("no_parts", "this event has declared no parts of the system", field="parts")
    parts = chosen(state, cmd.parts)
    if state.participants[target].parts == parts:
        return Outcome(result={"participant_id": target, "parts": list(parts), "unchanged": True})
    draft = Draft(state, actor, now)
    draft.add("participant.parts_set", {"participant_id": target, "parts": list(parts)})
    return Outcome(draft.entries, {"participant_id": target, "parts": list(parts)})
