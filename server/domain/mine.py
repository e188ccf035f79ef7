"""A participant's own contributions, theirs to keep: what they wrote, how they voted, what they
answered and which topics they joined, as they may see them (a hidden idea of theirs is marked,
another person's hidden idea they reacted to loses its text)."""

from __future__ import annotations

from typing import Any

from .model import EventState


def _choices(method: str | None, ballot: Any, texts: dict[str, str]) -> list[dict[str, Any]]:
    """A ballot as option texts and this person's answers, in the options' order (a ranking: best first)."""
    if method == "rank" and isinstance(ballot, list):
        return [{"option": texts.get(o, o), "value": n} for n, o in enumerate(ballot, start=1)]
    if not isinstance(ballot, dict):
        return []
    order = list(texts)
    chosen = sorted(ballot.items(), key=lambda kv: order.index(kv[0]) if kv[0] in texts else len(order))
    return [{"option": texts.get(o, o), "value": v} for o, v in chosen]


def contributions(state: EventState, participant_id: str) -> dict[str, Any]:
    """What ``GET /api/events/{id}/mine`` answers (docs/protocol.md)."""
    steps = state.steps
    ballots = []
    for step_id, by_person in state.votes.items():
        if participant_id not in by_person:
            continue
        step = steps[step_id]
        spec = step.spec or {}
        texts = {o["id"]: o["text"] for o in step.options or []}
        ballot = by_person[participant_id]
        ballots.append(
            {
                "step": step.text,
                "title": spec.get("title") or "",
                "method": spec.get("method"),
                "ballot": ballot,
                "choices": _choices(spec.get("method"), ballot, texts),
            }
        )
    reactions = []
    for idea_id, value in state.reacted.get(participant_id, {}).items():
        idea = state.ideas.get(idea_id)
        if idea is None:
            continue
        shown = idea.participant_id == participant_id or not idea.hidden
        reactions.append({"idea": idea.text if shown else None, "value": value})
    return {
        "event": {"id": state.id, "title": state.title, "closed_at": state.closed_at},
        "participant_id": participant_id,
        "name": state.participants[participant_id].name,
        "ideas": [
            {
                "text": i.text,
                "at": i.at,
                "table": state.tables[i.table_id].name,
                "step": steps[i.step_id].text,
                "hidden": i.hidden,
                "visibility": i.visibility,
            }
            for i in state.ideas.values()
            if i.participant_id == participant_id
        ],
        "ballots": ballots,
        "reactions": reactions,
        "topics": [
            {"title": t.title, "slot": t.slot, "space": t.space}
            for t in state.topics.values()
            if participant_id in t.members
        ],
    }
