"""Seeking through an event's history: checkpoints of the folded state every so many entries.

The state at any moment is the fold of the entries up to it, the same fold the live server runs.
To answer quickly on long transcripts a checkpoint is kept every ``every`` entries, and a seek
restores the nearest one before the target and folds forward from there.

Ideas are most of a big event's state, so checkpoints do not copy them: ideas are never changed in
place (hiding one replaces it), so every checkpoint shares the same idea objects and records only
how many ideas existed, which were hidden then, and how many each table had. The rest of the state
(people, steps, sessions...) is small and is pickled.
"""

from __future__ import annotations

import bisect
import pickle
from dataclasses import dataclass, field
from typing import Any

from .fold import apply
from .model import Entry, EventState, Idea


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    rest: bytes  # the pickled state without its idea containers
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

    def extend(self, entries: list[Entry]) -> None:
        """Add entries that follow the ones already indexed."""
        state = self._state or EventState(id=self.event_id)
        for entry in entries:
            apply(state, entry)
            self.entries.append(entry)
            self.times.append(entry.at)
            if entry.kind == "idea.submitted":
                self.ideas.append(state.ideas[entry.payload["idea_id"]])
                self.idea_ids.append(entry.payload["idea_id"])
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
        big = state.ideas, state.idea_by_client, state.table_ideas
        state.ideas, state.idea_by_client, state.table_ideas = {}, {}, {}
        try:
            rest = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            state.ideas, state.idea_by_client, state.table_ideas = big
        per_table = {t: len(ids) for t, ids in state.table_ideas.items()}
        return _Checkpoint(rest, len(self.ideas), dict(self._hidden), per_table)

    def _restore(self, checkpoint: _Checkpoint) -> EventState:
        state: EventState = pickle.loads(checkpoint.rest)
        n = checkpoint.ideas
        state.ideas = dict(zip(self.idea_ids[:n], self.ideas[:n], strict=True))
        state.ideas.update(checkpoint.hidden)
        # idea_by_client stays empty: it only spots re-sent commands, and a replayed state answers
        # views (snapshots, exports, digests), never commands
        assert self._state is not None
        state.table_ideas = {t: self._state.table_ideas[t][:n] for t, n in checkpoint.per_table.items()}
        return state

    @property
    def last_seq(self) -> int:
        return len(self.entries)

    def seq_at(self, at: int) -> int:
        """The last seq whose entry happened at or before ``at`` (0 before the first)."""
        return bisect.bisect_right(self.times, at)

    def state_at(self, seq: int) -> EventState:
        """The state after entry ``seq`` (a fresh object the caller may keep), for reading only."""
        seq = max(0, min(seq, len(self.entries)))
        k = seq // self.every
        if k > 0:
            state, start = self._restore(self.checkpoints[k - 1]), k * self.every
        else:
            state, start = EventState(id=self.event_id), 0
        for entry in self.entries[start:seq]:
            apply(state, entry)
        return state

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
