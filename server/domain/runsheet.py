"""A session's run sheet: every script step with its planned start and duration, and what happened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import EventState, Session, SessionStatus, StepRun, StepStatus


def runsheet(session: Session) -> list[dict[str, Any]]:
    """One row per script step: plan (offset from the start, duration) next to the actual run."""
    return plan(session.script["steps"], session.runs)


def plan(steps: list[dict[str, Any]], runs: Sequence[StepRun] = ()) -> list[dict[str, Any]]:
    """The run sheet of ``steps`` (a script's steps as data); ``runs`` adds what actually happened."""
    rows = []
    planned = 0
    latest = {run.index: run for run in runs}
    for index, spec in enumerate(steps):
        run = latest.get(index)
        rows.append(
            {
                "index": index,
                "id": spec["id"],
                "kind": spec["kind"],
                "title": spec.get("title") or spec["id"],
                "audience": spec["audience"],
                "groups": spec.get("groups"),
                "capture": spec.get("capture"),
                "planned_offset_s": planned,
                "planned_s": spec.get("duration"),
                "optional": spec.get("optional", False),
                "step_id": run.step_id if run else None,
                "started_at": run.started_at if run and not run.skipped else None,
                "ended_at": run.ended_at if run and not run.skipped else None,
                "skipped": bool(run and run.skipped),
                # a script in several languages: the title in each (client/static/language.js picks)
                **(
                    {"texts": {lang: t.get("title") or spec["id"] for lang, t in spec["texts"].items()}}
                    if "texts" in spec
                    else {}
                ),
            }
        )
        planned += spec.get("duration") or 0
    return rows


def session_dict(state: EventState, session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "status": session.status.value,
        "index": session.index,
        "started_at": session.started_at,
        "params": session.params,
        "method": session.script.get("method"),
        "roles": session.script.get("roles", {}),
        "runsheet": runsheet(session),
        "now": now_dict(state, session),
    }


def now_dict(state: EventState, session: Session) -> dict[str, Any] | None:
    """What the session's current script step is doing in the room (None before the start, after
    the finish): ``running``, ``paused``, ``interrupted`` (open, but every table it was for shows a
    later step now, such as one pushed by hand: ``replaced_by``) or ``ended`` (ended by hand)."""
    if session.status in (SessionStatus.LOADED, SessionStatus.FINISHED) or not session.runs:
        return None
    step = state.steps.get(session.runs[-1].step_id or "")
    if step is None:
        return None
    showing = state.showing_at(step.id)
    staff_only = step.audience.tables == ()  # a step for the facilitators: no table shows it, none can replace it
    if step.status is StepStatus.ENDED:
        mode = "ended"
    elif not showing and not staff_only:
        mode = "interrupted"
    else:
        mode = "paused" if step.paused_remaining is not None else "running"
    tables = step.audience.tables if step.audience.tables is not None else tuple(state.tables)
    later = [state.steps[sid] for t in tables for sid in state.current.get(t, {}).values() if sid != step.id]
    newer = max((s for s in later if s.seq > step.seq), key=lambda s: s.seq, default=None)
    return {
        "step_id": step.id,
        "state": mode,
        "tables": showing,
        "replaced_by": newer.id if newer is not None and mode != "running" else None,
    }
