"""The harvest of a big event in every format: how long each takes and how big it is.

    python -m bench.harvest [--entries 100000] [--reactions 20000] [--themes 40] [--quick]

Takes bench.replay's synthetic event (2,000 people at 200 tables, a step every 400 entries,
ideas and hides), adds a reaction round, a dot vote and a plain theme summary, then builds the
harvest for each audience and renders it: JSON, Markdown, HTML, the ideas and reactions CSV and the
.xlsx workbook. Prints seconds (wall clock) and sizes; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from bench.replay import synthetic
from server import exports
from server.domain.commands import COMMAND_ADAPTER, decide
from server.domain.fold import apply
from server.domain.harvest import harvest, harvest_dict
from server.domain.model import Actor, EventState, Role
from server.hub.theming import themable

FACILITATOR = Actor(Role.FACILITATOR)
VOTE = """
id: pick
title: Pick
method: {name: Dots, origin: "Wholeroom bench"}
steps:
  - {id: pick, kind: vote, method: dots, dots: 3, duration: 5m, reveal: live, text: "Where should we start?",
     options: {items: [Safer cycling, A bus every ten minutes, Homes people can afford, The library on Sundays]}}
"""


def event(entries: int, reactions: int, seed: int = 3) -> tuple[EventState, int]:
    """bench.replay's event, then a reaction round and a dot vote."""
    state = EventState(id="bench")
    for entry in synthetic(entries):
        apply(state, entry)
    rng = random.Random(seed)
    now = state.ideas[next(reversed(state.ideas))].at if state.ideas else state.created_at

    def do(actor: Actor, **command: Any) -> dict[str, Any]:
        outcome = decide(state, actor, COMMAND_ADAPTER.validate_python(command), now)
        for entry in outcome.entries:
            apply(state, entry)
        return outcome.result or {}

    now += 60_000
    do(FACILITATOR, type="step.push", text="Agree, disagree or pass", react=True, collect_ideas=False)
    offered = [i.id for i in state.ideas.values() if themable(i)]
    people = list(state.participants)
    for n in range(reactions):
        now += 10
        person = Actor(Role.PARTICIPANT, people[n % len(people)])
        try:
            do(
                person,
                type="reaction.cast",
                idea_id=rng.choice(offered),
                value=rng.choice(("agree", "disagree", "pass")),
            )
        except Exception:  # one's own idea: not offered
            continue
    session = do(FACILITATOR, type="session.load", script=VOTE)["session_id"]
    now += 60_000
    step = do(FACILITATOR, type="session.next", session_id=session)["step_id"]
    options = [o["id"] for o in state.steps[step].options or []]
    for pid in people:
        now += 20
        picks = rng.choices(options, k=3)
        do(Actor(Role.PARTICIPANT, pid), type="vote.cast", step_id=step, ballot={o: picks.count(o) for o in set(picks)})
    now += 60_000
    do(FACILITATOR, type="session.next", session_id=session)
    return state, now


def summary(state: EventState, count: int) -> dict[str, Any]:
    """A plain theme summary (as themes_dict gives it): every idea the room saw, in ``count`` themes.
    Clustering has its own bench (bench.themes); this measures what the harvest does with themes."""
    ideas = [i.id for i in state.ideas.values() if themable(i)]
    return {
        "themes": [
            {"id": f"th{k}", "label": f"theme {k}", "idea_ids": ideas[k::count], "keywords": [f"word{k}"]}
            for k in range(count)
        ]
    }


def timed(label: str, make: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = make()
    took = time.perf_counter() - start
    size = len(result) if isinstance(result, bytes) else len(result.encode()) if isinstance(result, str) else None
    print(f"  {label:<34} {took:6.2f} s" + (f"  {size / 1e6:7.2f} MB" if size is not None else ""))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time and size of the harvest in every format")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--reactions", type=int, default=20_000)
    parser.add_argument("--themes", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.reactions, args.themes = 3_000, 1_000, 8
    t0 = time.perf_counter()
    state, last_at = event(args.entries, args.reactions)
    print(
        f"harvest: {state.seq:,} entries, {len(state.participants):,} people, {len(state.tables)} tables, "
        f"{len(state.ideas):,} ideas, {sum(len(r) for r in state.reacted.values()):,} reactions, "
        f"{args.themes} themes; event built in {time.perf_counter() - t0:.1f} s"
    )
    themes = summary(state, args.themes)
    ground = timed("common ground (analysis)", lambda: exports.ground_for(state))
    shared = timed("harvest model, shared", lambda: harvest(state, last_at, themes=themes, ground=ground))
    staff = timed(
        "harvest model, staff", lambda: harvest(state, last_at, audience="staff", themes=themes, ground=ground)
    )
    timed("json preview (shared, 20 per list)", lambda: json.dumps(harvest_dict(shared, 20)))
    timed("json full (shared)", lambda: json.dumps(harvest_dict(shared)))
    timed("md (shared)", lambda: exports.markdown(shared))
    timed("html (shared)", lambda: exports.html(shared))
    timed("md (staff)", lambda: exports.markdown(staff))
    timed("ideas csv (staff)", lambda: "".join(exports.ideas_csv(staff)))
    timed("reactions csv (staff)", lambda: "".join(exports.reactions_csv(staff)))
    timed("xlsx (staff)", lambda: exports.xlsx(staff))
    timed("xlsx (shared)", lambda: exports.xlsx(shared))


if __name__ == "__main__":
    main()
