"""An :class:`~server.domain.common_ground.analysis.Analysis` as the JSON the screens draw from:
idea texts instead of bare ids, part labels people read (table names), and no participant ids
on the map (points and their group letter only).

Two flags add what only the moderators' route (``GET /api/events/{id}/common-ground``) gives:
``detail`` (every listed idea's group-informed consensus with each part's share, and each part's
representative ideas) and ``with_people`` (each map point's participant id). Every idea listed
with a text is quotable: public and not hidden; the others never appear in any list.
"""

from __future__ import annotations

from typing import Any

from ..capture import PUBLIC
from ..model import EventState
from ..parts import parts_of
from ..reaction_matrix import ReactionMatrix
from .analysis import Analysis, Memory, analyse
from .lists import Difference, Support
from .partition import PartitionView

Partitions = dict[str, dict[str, str] | dict[str, tuple[str, ...]]]


def inputs(state: EventState) -> tuple[ReactionMatrix, frozenset[str], Partitions]:
    """What an analysis of ``state`` reads: the matrix, the ideas not to list, and the partitions
    (tables, roles, and the parts of the system when the event declared them: a person counts in
    each part they said, "prefer not to say" and nothing in none). Cheap; take it where the state
    may not change meanwhile (the event loop)."""
    hidden = frozenset(i.id for i in state.ideas.values() if i.hidden or i.visibility not in PUBLIC)
    partitions: Partitions = {
        "tables": {p.id: p.table_id for p in state.participants.values()},
        "roles": {p.id: p.role for p in state.participants.values()},
    }
    if state.parts:
        partitions["parts"] = {pid: tuple(x for x in said if x in state.parts) for pid, said in parts_of(state).items()}
    return state.reaction_log.snapshot(), hidden, partitions


def analyse_inputs(
    matrix: ReactionMatrix,
    hidden: frozenset[str],
    partitions: Partitions,
    previous: Memory | None,
    *,
    shares: bool = False,
) -> Analysis:
    """The analysis itself (seconds at most; run it off the event loop). ``shares``: for ``detail``."""
    return analyse(matrix, hidden=hidden, partitions=partitions, previous=previous, seed=0, shares=shares)


def memory_dict(memory: Memory) -> dict[str, Any]:
    """``memory`` as JSON, for the workers (never a screen: it names participants)."""
    return {
        "clustered": sorted(memory.clustered),
        "k": memory.k,
        "candidate": memory.candidate,
        "streak": memory.streak,
        "groups": dict(memory.groups),
    }


def memory_from(data: dict[str, Any]) -> Memory:
    return Memory(frozenset(data["clustered"]), data["k"], data["candidate"], data["streak"], data["groups"])


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


def _representative(d: Difference, text: dict[str, str]) -> dict[str, Any]:
    return {
        **_difference(d, text),
        "share": round(d.p_success, 6),
        "share_test": round(d.p_test, 6),
        "repness": round(d.repness, 6),
        "repness_test": round(d.repness_test, 6),
        "count": d.n_success,
        "best_agree": d.best_agree,
    }


def _consensus(view: PartitionView, text: dict[str, str]) -> list[dict[str, Any]]:
    """Every quotable idea's group-informed consensus and its factors (each part's share), highest first."""
    listed = sorted((i for i in view.consensus if i in text), key=lambda i: -view.consensus[i])
    return [
        {
            "idea_id": i,
            "text": text[i],
            "consensus": round(view.consensus[i], 6),
            "p_agree": [round(share, 6) for share in view.shares.get(i, ())],
        }
        for i in listed
    ]


def _partition(view: PartitionView, text: dict[str, str], names: dict[str, str], detail: bool) -> dict[str, Any]:
    out = {
        "parts": [
            {
                "label": p.label,
                "name": names.get(p.label, p.label),
                "size": p.size,
                "agrees_more": [_difference(d, text) for d in p.agrees_more],
                "disagrees_more": [_difference(d, text) for d in p.disagrees_more],
                **({"representative": [_representative(d, text) for d in p.representative]} if detail else {}),
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
    if detail:
        out["consensus"] = _consensus(view, text)
    return out


def analysis_dict(
    analysis: Analysis, state: EventState, *, detail: bool = False, with_people: bool = False
) -> dict[str, Any]:
    """The analysis for every staff screen (the wall too): hidden ideas are left out entirely.

    ``detail`` adds each partition's ``consensus`` list and each part's ``representative`` ideas
    (analyse with ``shares`` for the former); ``with_people`` adds each map point's participant id,
    for the moderators only, never for the wall."""
    text = {i.id: i.text for i in state.ideas.values() if not i.hidden and i.visibility in PUBLIC}
    tables = {t.id: t.name for t in state.tables.values()}
    parts = {p.id: p.name for p in state.parts.values()}
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
        "opinion": _partition(analysis.opinion, text, {}, detail) if analysis.opinion else None,
        "map": None,
        "by": {
            name: _partition(view, text, {"tables": tables, "parts": parts}.get(name, {}), detail)
            for name, view in analysis.partitions.items()
        },
    }
    if analysis.map is not None:
        out["map"] = {
            "points": [
                [round(x, 4), round(y, 4), analysis.map.groups.get(pid), *((pid,) if with_people else ())]
                for pid, (x, y) in analysis.map.points.items()
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
