"""A session's run sheet: every script step with its planned start and duration, and what happened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Session, StepRun


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
            }
        )
        planned += spec.get("duration") or 0
    return rows


def session_dict(session: Session) -> dict[str, Any]:
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
    }
