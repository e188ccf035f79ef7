"""Seeking through an event's history: checkpoints of the folded state every so many entries.

The state at any moment is the fold of the entries up to it, the same fold the live server runs.
To answer quickly on long transcripts a checkpoint is kept every ``every`` entries, and a seek
restores the nearest one before the target and folds forward from there.

Ideas are most of a big event's state, so checkpoints do not copy them: ideas are never changed in
place (hiding one replaces it), so every checkpoint shares the same idea objects and records only
how many ideas existed, which were hidden then, and how many each table had. The rest of the state
(people, steps, sessions...) is small and is pickled.

A viewer moving through the event seeks again and again near where it was: :meth:`Replay.state_from`
folds forward from the state of the previous seek when that is closer than a checkpoint. And the
viewer draws numbers for the whole room but only a page of ideas: :func:`room` is that answer, a
few kilobytes where the organiser's whole snapshot of a big event is megabytes.
"""

from __future__ import annotations

import bisect
import pickle
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .errors import NotFound
from .fold import apply
from .model import Entry, EventState, Idea
from .reaction_matrix import ReactionLog
from .runsheet import session_dict
from .view import step_summary, topic_dict

ROOM_IDEAS = 20  # ideas in a room answer unless asked otherwise


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    rest: bytes  # the pickled state without its idea containers and its reaction matrix
    reactions: bytes | None  # the pickled reaction matrix; None while nobody had reacted (rebuilt from the ideas)
    ideas: int  # how many ideas existed (a prefix of Replay.ideas)
    hidden: dict[str, Idea]  # the ideas hidden at that moment (their hidden versions)
    per_table: dict[str, int]  # how many of each table's ideas existed


@dataclass(slots=True)
class Replay:
    event_id: str
    every: int = 1000
    entries: list[Entry] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    ideas: list[Idea] = field(default_factory=list)  # every idea as first submitted, in seq order
    idea_ids: list[str] = field(default_factory=list)  # their ids, for building dicts at C speed
    checkpoints: list[_Checkpoint] = field(default_factory=list)  # state after entry (k + 1) * every
    _state: EventState | None = None  # the state after the last entry, kept to extend cheaply
    _hidden: dict[str, Idea] = field(default_factory=dict)
    _step_seqs: dict[str, list[int]] = field(default_factory=dict)  # step id -> seqs of the ideas written in it
    near: EventState | None = None  # the state of the last seek, for the next one to start from (web glue keeps it)
    _timeline: tuple[int, list[dict[str, Any]], list[tuple[int, int]]] | None = None  # (last seq, marks, activity)

    def extend(self, entries: list[Entry]) -> None:
        """Add entries that follow the ones already indexed."""
        state = self._state or EventState(id=self.event_id)
        for entry in entries:
            apply(state, entry)
            self.entries.append(entry)
            self.times.append(entry.at)
            if entry.kind == "idea.submitted":
                idea = state.ideas[entry.payload["idea_id"]]
                self.ideas.append(idea)
                self.idea_ids.append(idea.id)
                self._step_seqs.setdefault(idea.step_id, []).append(entry.seq)
            elif entry.kind in ("idea.hidden", "idea.restored"):
                idea = state.ideas[entry.payload["idea_id"]]
                if idea.hidden:
                    self._hidden[idea.id] = idea
                else:
                    self._hidden.pop(idea.id, None)
            if len(self.entries) % self.every == 0:
                self.checkpoints.append(self._checkpoint(state))
        self._state = state

    def _checkpoint(self, state: EventState) -> _Checkpoint:
        # left out: the ideas (shared, below) and what only commands read (the index of re-sent
        # ideas, ideas per step and writer, the rate limit's recent ideas): a replayed state answers
        # views (snapshots, exports, digests), never commands, and these were most of the bytes
        # views (snapshots, exports, digests), never commands, and these were most of the bytes. The
        # reaction matrix (a column per idea) is kept apart: only the common-ground analysis reads it
        big = state.ideas, state.idea_by_client, state.table_ideas, state.step_counts, state.recent_ideas
        log = state.reaction_log
        state.ideas, state.idea_by_client, state.table_ideas, state.step_counts, state.recent_ideas = {}, {}, {}, {}, {}
        state.reaction_log = ReactionLog()
        try:
            rest = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            state.ideas, state.idea_by_client, state.table_ideas, state.step_counts, state.recent_ideas = big
            state.reaction_log = log
        reactions = pickle.dumps(log, protocol=pickle.HIGHEST_PROTOCOL) if state.reacted else None
        per_table = {t: len(ids) for t, ids in state.table_ideas.items()}
        return _Checkpoint(rest, reactions, len(self.ideas), dict(self._hidden), per_table)

    def _restore(self, checkpoint: _Checkpoint, reactions: bool) -> EventState:
        state: EventState = pickle.loads(checkpoint.rest)
        n = checkpoint.ideas
        if not reactions:
            pass  # the empty matrix pickled in its place: incomplete, as the caller asked
        elif checkpoint.reactions is not None:
            state.reaction_log = pickle.loads(checkpoint.reactions)
        else:  # nobody had reacted: a column per idea, in order, and no rows
            state.reaction_log = ReactionLog(ideas=self.idea_ids[:n])
        state.ideas = dict(zip(self.idea_ids[:n], self.ideas[:n], strict=True))
        state.ideas.update(checkpoint.hidden)
        assert self._state is not None
        state.table_ideas = {t: self._state.table_ideas[t][:n] for t, n in checkpoint.per_table.items()}
        return state

    @property
    def last_seq(self) -> int:
        return len(self.entries)

    def seq_at(self, at: int) -> int:
        """The last seq whose entry happened at or before ``at`` (0 before the first)."""
        return bisect.bisect_right(self.times, at)

    def state_at(self, seq: int, *, reactions: bool = True) -> EventState:
        """The state after entry ``seq`` (a fresh object the caller may keep), for reading only: what
        only commands read (``idea_by_client``, ``step_counts``, ``recent_ideas``) is incomplete, and
        so is the reaction matrix (``reaction_log``, which the common-ground analysis and the state
        digest read) unless ``reactions``. Everything a screen shows is whole either way."""
        seq = max(0, min(seq, len(self.entries)))
        k = seq // self.every
        if k > 0:
            state, start = self._restore(self.checkpoints[k - 1], reactions), k * self.every
        else:
            state, start = EventState(id=self.event_id), 0
        for entry in self.entries[start:seq]:
            apply(state, entry)
        return state

    def state_from(self, near: EventState | None, seq: int) -> EventState:
        """The state after entry ``seq`` without the reaction matrix (as ``state_at(seq,
        reactions=False)``), folded forward from ``near`` (the state an earlier call returned, which
        this takes over) when that is at or before ``seq`` and no further back than the checkpoint
        :meth:`state_at` would start from."""
        seq = max(0, min(seq, len(self.entries)))
        if near is None or near.id != self.event_id or not (seq // self.every) * self.every <= near.seq <= seq:
            return self.state_at(seq, reactions=False)
        for entry in self.entries[near.seq : seq]:
            apply(near, entry)
        return near

    def step_ideas(self, seq: int) -> dict[str, int]:
        """How many ideas each step had drawn after entry ``seq`` (hidden ones too)."""
        counts = {step_id: bisect.bisect_right(seqs, seq) for step_id, seqs in self._step_seqs.items()}
        return {step_id: n for step_id, n in counts.items() if n}

    def timeline(self) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
        """:meth:`marks` and :meth:`activity`, computed once for each length of the transcript."""
        if self._timeline is None or self._timeline[0] != len(self.entries):
            self._timeline = (len(self.entries), self.marks(), self.activity())
        return self._timeline[1], self._timeline[2]

    def marks(self) -> list[dict[str, Any]]:
        """Where the timeline has something to jump to: sessions and steps."""
        out: list[dict[str, Any]] = []
        steps: dict[str, dict[str, Any]] = {}
        for entry in self.entries:
            p = entry.payload
            if entry.kind == "step.pushed":
                title = (p.get("spec") or {}).get("title") or p["text"]
                steps[p["step_id"]] = mark = {
                    "seq": entry.seq,
                    "at": entry.at,
                    "kind": "step",
                    "label": title[:120],
                    "tables": p["audience"]["tables"],
                    "session_id": p.get("session_id"),
                    "step_id": p["step_id"],
                    "step_kind": p.get("kind", "custom"),
                    "ended_at": None,
                }
                out.append(mark)
                if p.get("replaces") in steps:
                    steps[p["replaces"]]["ended_at"] = entry.at
            elif entry.kind == "step.ended" and p["step_id"] in steps:
                steps[p["step_id"]]["ended_at"] = entry.at
            elif entry.kind == "session.loaded":
                out.append(
                    {
                        "seq": entry.seq,
                        "at": entry.at,
                        "kind": "session",
                        "label": p["title"],
                        "tables": None,
                        "session_id": p["session_id"],
                    }
                )
        return out

    def activity(self, bucket_ms: int = 60_000) -> list[tuple[int, int]]:
        """Entries per minute, for drawing the timeline's density."""
        counts: dict[int, int] = {}
        for at in self.times:
            counts[at // bucket_ms * bucket_ms] = counts.get(at // bucket_ms * bucket_ms, 0) + 1
        return sorted(counts.items())


def room(
    state: EventState, *, step_ideas: Mapping[str, int], table: str | None = None, ideas: int = ROOM_IDEAS
) -> dict[str, Any]:
    """The room after ``state.seq`` as the replay viewer draws it: numbers for every table (people
    seated, ideas shared, the step each was shown), ideas per step (``step_ideas``, from
    :meth:`Replay.step_ideas`; counted here for one ``table``), the votes, topics and sessions, and
    only one page of ideas: the latest ``ideas`` of the room, or of ``table``, newest first, with
    the names their writers gave (never an anonymous idea's writer). Organisers' eyes only: hidden
    ideas are in it, marked."""
    if table is not None and table not in state.tables:
        raise NotFound("unknown_table", f"there is no table {table}", field="table")
    if table is None:
        latest = list(islice(reversed(state.ideas.values()), ideas))
        total = len(state.ideas)
    else:
        ids = state.table_ideas.get(table, [])
        latest = [state.ideas[i] for i in reversed(ids[len(ids) - ideas :])] if ideas else []
        total = len(ids)
        step_ideas = Counter(state.ideas[i].step_id for i in ids)
    tables = [table] if table is not None else list(state.tables)
    current = {t: {r or "*": sid for r, sid in state.current.get(t, {}).items()} for t in tables}
    results = [summary[0] for sid in state.votes if (summary := step_summary(state, state.steps[sid])) is not None]
    wanted = {sid for slots in current.values() for sid in slots.values()}
    wanted |= {i.step_id for i in latest} | {r["step_id"] for r in results}
    people = {**state.removed, **state.participants}
    names = {
        i.participant_id: person.name
        for i in latest
        if not i.anonymous and (person := people.get(i.participant_id)) is not None and person.name
    }
    return {
        "view": "room",
        "seq": state.seq,
        "event": {
            "id": state.id,
            "title": state.title,
            "tables": [{"id": t.id, "name": t.name} for t in state.tables.values()],
            "closed_at": state.closed_at,
        },
        "people": len(state.participants),
        "joined": state.joined_per_table(),
        "idea_counts": {t: len(ids) for t, ids in state.table_ideas.items()},
        "current": current,
        "steps": [s.to_dict() for s in state.steps.values() if s.id in wanted],
        "step_ideas": dict(step_ideas),
        "ideas_total": total,
        "ideas": [i.to_dict() for i in latest],
        "names": names,
        "results": results,
        "topics": [topic_dict(t) for t in state.topics.values()],
        "sessions": [session_dict(state, s) for s in state.sessions.values()],
    }
