"""An :class:`~server.domain.common_ground.analysis.Analysis` as the JSON the screens draw from:
idea texts instead of bare ids, part labels people read (table names), and no participant ids
on the map (points and their group letter only)."""

from __future__ import annotations

from typing import Any

from ..capture import PUBLIC
from ..model import EventState
from .analysis import Analysis, Memory, analyse
from .lists import Difference, Support
from .matrix import ReactionMatrix
from .partition import PartitionView


def inputs(state: EventState) -> tuple[ReactionMatrix, frozenset[str], dict[str, dict[str, str]]]:
    """What an analysis of ``state`` reads: the matrix, the ideas not to list, and the partitions
    (tables, roles). Cheap; take it where the state may not change meanwhile (the event loop)."""
    hidden = frozenset(i.id for i in state.ideas.values() if i.hidden or i.visibility not in PUBLIC)
    partitions = {
        "tables": {p.id: p.table_id for p in state.participants.values()},
        "roles": {p.id: p.role for p in state.participants.values()},
    }
    return state.reaction_log.snapshot(), hidden, partitions


def analyse_inputs(
    matrix: ReactionMatrix, hidden: frozenset[str], partitions: dict[str, dict[str, str]], previous: Memory | None
) -> Analysis:
    """The analysis itself (seconds at most; run it off the event loop)."""
    return analyse(matrix, hidden=hidden, partitions=partitions, previous=previous, seed=0)


def _support(s: Support) -> dict[str, Any]:
    return {"agree": s.agree, "disagree": s.disagree, "pass": s.passed, "seen": s.seen, "p_agree": round(s.p_agree, 4)}


def _difference(d: Difference, text: dict[str, str]) -> dict[str, Any]:
    return {
        "idea_id": d.idea,
        "text": text.get(d.idea, ""),
        "direction": d.direction.value,
        "share": round(d.p_success, 4),
        "repness": round(d.repness, 4),
        "of": d.n_trials,
    }


def _partition(view: PartitionView, text: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    return {
        "parts": [
            {
                "label": p.label,
                "name": names.get(p.label, p.label),
                "size": p.size,
                "agrees_more": [_difference(d, text) for d in p.agrees_more],
                "disagrees_more": [_difference(d, text) for d in p.disagrees_more],
            }
            for p in view.parts
        ],
        "common_ground": [
            {
                "idea_id": c.idea,
                "text": text.get(c.idea, ""),
                "consensus": round(c.consensus, 4),
                "support": [_support(s) for s in c.support],
            }
            for c in view.common_ground
        ],
        "left_out": [names.get(label, label) for label in view.left_out],
    }


def analysis_dict(analysis: Analysis, state: EventState) -> dict[str, Any]:
    """The analysis for every staff screen (the wall too): hidden ideas are left out entirely."""
    text = {i.id: i.text for i in state.ideas.values() if not i.hidden and i.visibility in PUBLIC}
    tables = {t.id: t.name for t in state.tables.values()}
    out: dict[str, Any] = {
        "level": analysis.level.value,
        "notice": analysis.notice,
        "participants": analysis.n_participants,
        "ideas": analysis.n_ideas,
        "reactions": analysis.n_reactions,
        "clustered": analysis.n_clustered,
        "tallies": [  # the ideas someone has reacted to
            {"idea_id": i, "text": text[i], **_support(s)} for i, s in analysis.tallies.items() if i in text and s.seen
        ],
        "uncertainty": [
            {"idea_id": u.idea, "text": text.get(u.idea, ""), "passed": u.passed, "seen": u.seen}
            for u in analysis.uncertainty
        ],
        "majority": [_difference_like(m, text) for m in (*analysis.majority_agree, *analysis.majority_disagree)],
        "opinion": _partition(analysis.opinion, text, {}) if analysis.opinion else None,
        "map": None,
        "by": {
            name: _partition(view, text, tables if name == "tables" else {})
            for name, view in analysis.partitions.items()
        },
    }
    if analysis.map is not None:
        out["map"] = {
            "points": [
                [round(x, 4), round(y, 4), analysis.map.groups.get(pid)] for pid, (x, y) in analysis.map.points.items()
            ],
            "sizes": dict(analysis.map.sizes),
        }
    return out


def _difference_like(m: Any, text: dict[str, str]) -> dict[str, Any]:
    return {
        "idea_id": m.idea,
        "text": text.get(m.idea, ""),
        "direction": m.direction.value,
        "share": round(m.p_success, 4),
        "of": m.n_trials,
    }
