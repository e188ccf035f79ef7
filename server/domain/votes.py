"""Vote steps: checking a ballot against the step's method, and tallying what the room said.

A step's ``options`` are fixed when it starts (``[{"id", "text"}]``). Ballots by method:

- ``dots``: ``{option: n}``, at most ``dots`` in all and ``max_per_option`` on one option;
- ``score`` and ``pass_and_score``: ``{option: n}`` with n inside ``scale``;
- ``agree_disagree_pass``: ``{option: "agree" | "disagree" | "pass"}``; answers add up over
  several casts (a phone answers one option at a time) and a later answer replaces an earlier one;
- ``rank``: ``[option, ...]`` best first, no repeats;
- ``place``: ``{option: [x, y]}`` with x and y in [-1, 1] (the two axes of the step).

Every other method replaces the person's whole ballot with the new one.
"""

from __future__ import annotations

import random
from statistics import fmean
from typing import Any, Literal

from .base import CommandModel, Draft, Outcome
from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import Actor, EventState, Participant, Step, StepStatus

ANSWERS = ("agree", "disagree", "pass")


DEFAULT_CARDS = 5


def my_options(state: EventState, step: Step, person: Participant) -> list[dict[str, Any]]:
    """The options ``person`` may vote on: all of them; their table's with ``scope: table``; and for
    ``pass_and_score`` the cards dealt to them (never their own idea, each card to about as many
    people: the deal walks one shuffled ring of cards, ``cards`` at a time, person by person)."""
    spec = step.spec or {}
    options = [
        o for o in step.options or [] if spec.get("scope") != "table" or o.get("table_id") in (None, person.table_id)
    ]
    if spec.get("method") != "pass_and_score" or not options:
        return options
    k = spec.get("cards") or DEFAULT_CARDS
    ring = options[:]
    random.Random(step.id).shuffle(ring)
    voters = [p.id for p in state.participants.values() if p.joined_at <= step.pushed_at]
    index = (
        voters.index(person.id) if person.id in voters else random.Random(f"{step.id}:{person.id}").randrange(len(ring))
    )
    start = index * k % len(ring)
    dealt = []
    for j in range(len(ring)):
        card = ring[(start + j) % len(ring)]
        idea = state.ideas.get(card["id"])
        if idea is None or idea.participant_id != person.id:
            dealt.append(card)
        if len(dealt) == k:
            break
    return dealt


def check_ballot(step: Step, ballot: Any, previous: Any, allowed: list[dict[str, Any]] | None = None) -> Any:
    """The ballot to record (merged with ``previous`` where the method adds up), or :class:`Invalid`."""
    spec = step.spec or {}
    method = spec.get("method")
    options = {o["id"] for o in (allowed if allowed is not None else step.options or [])}
    every = {o["id"] for o in step.options or []}

    def known(option: str) -> None:
        if option in every and option not in options:
            why = "your cards" if method == "pass_and_score" else "your table's options"
            raise Invalid("not_yours_to_vote", f"{option!r} is not among {why}", field=f"ballot.{option}")
        if option not in options:
            raise Invalid("unknown_option", f"{option!r} is not one of this vote's options", field=f"ballot.{option}")

    if method == "rank":
        if not isinstance(ballot, list) or not all(isinstance(o, str) for o in ballot):
            raise Invalid("bad_ballot", "a ranking is a list of option ids, best first", field="ballot")
        for option in ballot:
            known(option)
        if len(set(ballot)) != len(ballot):
            raise Invalid("bad_ballot", "each option can be ranked once", field="ballot")
        return ballot
    if not isinstance(ballot, dict) or not ballot:
        raise Invalid("bad_ballot", "a ballot maps option ids to your answer", field="ballot")
    for option in ballot:
        known(option)
    if method == "dots":
        return _dots(spec, ballot)
    if method in ("score", "pass_and_score"):
        low, high = spec.get("scale", (1, 5))
        for option, value in ballot.items():
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise Invalid("bad_ballot", f"a score is a whole number from {low} to {high}", field=f"ballot.{option}")
        return ballot
    if method == "agree_disagree_pass":
        for option, value in ballot.items():
            if value not in ANSWERS:
                raise Invalid("bad_ballot", "answer agree, disagree or pass", field=f"ballot.{option}")
        return {**(previous or {}), **ballot}
    if method == "place":
        for option, value in ballot.items():
            ok = isinstance(value, list) and len(value) == 2
            if not ok or not all(isinstance(v, int | float) and -1 <= v <= 1 for v in value):
                raise Invalid("bad_ballot", "a place is [x, y] with both between -1 and 1", field=f"ballot.{option}")
        return ballot
    raise Invalid("not_a_vote", "this step does not take votes", field="step_id")


def _dots(spec: dict[str, Any], ballot: dict[str, Any]) -> dict[str, int]:
    dots, per_option = spec.get("dots") or 1, spec.get("max_per_option")
    for option, value in ballot.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Invalid("bad_ballot", "dots are whole numbers, 0 or more", field=f"ballot.{option}")
        if per_option is not None and value > per_option:
            raise Invalid("too_many_dots", f"at most {per_option} dots on one option", field=f"ballot.{option}")
    if sum(ballot.values()) > dots:
        raise Invalid("too_many_dots", f"you have {dots} dots in all", field="ballot")
    return {k: v for k, v in ballot.items() if v}


def tally(step: Step, ballots: dict[str, Any]) -> dict[str, Any]:
    """What the room said, per option; the method decides the measures. Never a single winner."""
    spec = step.spec or {}
    method = spec.get("method")
    rows = []
    for option in step.options or []:
        oid = option["id"]
        row: dict[str, Any] = {"id": oid, "text": option["text"]}
        if method == "rank":
            positions = [b.index(oid) + 1 for b in ballots.values() if oid in b]
            size = len(step.options or [])
            row |= {"ranked": len(positions), "mean_rank": _mean(positions), "points": sum(size - p for p in positions)}
        else:
            values = [b[oid] for b in ballots.values() if oid in b]
            if method == "dots":
                row |= {"dots": sum(values), "voters": len(values)}
            elif method in ("score", "pass_and_score"):
                row |= {"scores": len(values), "mean": _mean(values), "total": sum(values)}
            elif method == "agree_disagree_pass":
                row |= {answer: values.count(answer) for answer in ANSWERS}
            elif method == "place":
                row |= {
                    "placed": len(values),
                    "x": _mean([v[0] for v in values]),
                    "y": _mean([v[1] for v in values]),
                    "points": values,
                }
        rows.append(row)
    return {"step_id": step.id, "method": method, "voters": len(ballots), "options": rows}


def _mean(values: list[Any]) -> float | None:
    return round(fmean(values), 4) if values else None


class CastVote(CommandModel):
    type: Literal["vote.cast"]
    step_id: str
    ballot: dict[str, Any] | list[str]


def cast(state: EventState, actor: Actor, cmd: CastVote, now: int) -> Outcome:
    person = state.participants.get(actor.participant_id or "")
    if person is None:
        raise Forbidden("participants_only", "only participants vote")
    step = state.steps.get(cmd.step_id)
    if step is None:
        raise NotFound("unknown_step", f"there is no step {cmd.step_id}", field="step_id")
    if not step.audience.includes_table(person.table_id) or step.audience.role not in (None, person.role):
        raise Forbidden("not_your_step", "that vote was not pushed to you", field="step_id")  # before what it is
    if step.kind != "vote":
        raise Conflict("not_a_vote", "this step does not take votes", field="step_id")
    if step.status is not StepStatus.ACTIVE:
        raise Conflict("step_closed", "the vote has closed", field="step_id")
    previous = state.votes.get(step.id, {}).get(person.id)
    ballot = check_ballot(step, cmd.ballot, previous, my_options(state, step, person))
    draft = Draft(state, actor, now)
    draft.add(
        "vote.cast", {"step_id": step.id, "participant_id": person.id, "table_id": person.table_id, "ballot": ballot}
    )
    return Outcome(draft.entries, {"step_id": step.id})
