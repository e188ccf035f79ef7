"""The participant x idea reaction matrix: who reacted how to what, where the last reaction wins.

Signs follow the people-facing convention (and Pol.is exports): +1 agree, -1 disagree, 0 pass.
A cell nobody filled in is *missing*, which is different from a pass; ``seen`` tells them apart.

Two ways to build one:

- :meth:`ReactionMatrix.from_reactions` folds an iterable of ``(participant, idea, value)`` in order;
- :class:`ReactionLog` is the mutable builder a live room keeps: ``record`` is O(1) per reaction
  and ``snapshot`` copies the filled part into an immutable matrix for one analysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray


class Reaction(IntEnum):
    """A participant's answer to one idea."""

    AGREE = 1
    PASS = 0
    DISAGREE = -1


def _check(value: int) -> int:
    if value not in (1, 0, -1):
        raise ValueError(f"a reaction is 1 (agree), -1 (disagree) or 0 (pass), not {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True, eq=False)
class ReactionMatrix:
    """An immutable participant x idea matrix.

    ``values[i, j]`` is +1, -1 or 0 for participant ``participants[i]`` and idea ``ideas[j]``;
    it is 0 where ``seen[i, j]`` is False. Rows and columns keep first-appearance order.
    """

    participants: tuple[str, ...]
    ideas: tuple[str, ...]
    values: NDArray[np.int8]
    seen: NDArray[np.bool_]

    @classmethod
    def from_reactions(
        cls,
        reactions: Iterable[tuple[str, str, int]],
        *,
        participants: Sequence[str] = (),
        ideas: Sequence[str] = (),
    ) -> ReactionMatrix:
        """Fold ``(participant, idea, value)`` triples in order; a later reaction replaces an earlier one.

        ``participants`` and ``ideas`` may name rows and columns up front (ideas nobody reacted to
        yet still belong in the matrix); anything else appears in order of first reaction.
        """
        log = ReactionLog(participants=participants, ideas=ideas)
        for participant, idea, value in reactions:
            log.record(participant, idea, value)
        return log.snapshot()

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.participants), len(self.ideas))

    def reacted_columns(self) -> ReactionMatrix:
        """The same matrix without the ideas nobody has reacted to yet (self when there are none).

        Such columns carry no information (no reactions, nothing to centre or project), but in a
        big room they are most of the matrix: 2,000 people x 10,000 ideas is 20 million cells.
        """
        reacted = self.seen.any(axis=0)
        if reacted.all():
            return self
        keep = np.flatnonzero(reacted)
        ideas = tuple(self.ideas[j] for j in keep)
        return ReactionMatrix(self.participants, ideas, self.values[:, keep], self.seen[:, keep])

    def reactions_per_participant(self) -> NDArray[np.int64]:
        """How many ideas each participant reacted to (passes included)."""
        return np.asarray(self.seen.sum(axis=1, dtype=np.int64), dtype=np.int64)

    def reaction(self, participant: str, idea: str) -> Reaction | None:
        """One cell, or None when the participant has not reacted to the idea (O(n) lookup)."""
        i, j = self.participants.index(participant), self.ideas.index(idea)
        return Reaction(int(self.values[i, j])) if self.seen[i, j] else None


class ReactionLog:
    """A growing reaction matrix for a live room: record reactions as they arrive, snapshot to analyse."""

    def __init__(self, *, participants: Sequence[str] = (), ideas: Sequence[str] = ()) -> None:
        self._rows: dict[str, int] = {}
        self._cols: dict[str, int] = {}
        self._values = np.zeros((max(16, len(participants)), max(16, len(ideas))), dtype=np.int8)
        self._seen = np.zeros(self._values.shape, dtype=np.bool_)
        for participant in participants:
            self.add_participant(participant)
        for idea in ideas:
            self.add_idea(idea)

    def add_participant(self, participant: str) -> int:
        """Give ``participant`` a row (idempotent) and return its index."""
        row = self._rows.get(participant)
        if row is None:
            row = self._rows[participant] = len(self._rows)
            if row == self._values.shape[0]:
                self._grow(2 * row, self._values.shape[1])
        return row

    def add_idea(self, idea: str) -> int:
        """Give ``idea`` a column (idempotent) and return its index."""
        col = self._cols.get(idea)
        if col is None:
            col = self._cols[idea] = len(self._cols)
            if col == self._values.shape[1]:
                self._grow(self._values.shape[0], 2 * col)
        return col

    def record(self, participant: str, idea: str, value: int) -> None:
        """Store a reaction (+1 agree, -1 disagree, 0 pass), replacing the participant's earlier one."""
        checked = _check(value)
        row, col = self.add_participant(participant), self.add_idea(idea)
        self._values[row, col] = checked
        self._seen[row, col] = True

    def order(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rows' participants and the columns' ideas, in order (without copying the matrix)."""
        return tuple(self._rows), tuple(self._cols)

    def snapshot(self) -> ReactionMatrix:
        """An immutable copy of the matrix as it stands (O(participants x ideas))."""
        n, m = len(self._rows), len(self._cols)
        values, seen = self._values[:n, :m].copy(), self._seen[:n, :m].copy()
        values.flags.writeable = False
        seen.flags.writeable = False
        return ReactionMatrix(tuple(self._rows), tuple(self._cols), values, seen)

    def _grow(self, rows: int, cols: int) -> None:
        values = np.zeros((rows, cols), dtype=np.int8)
        seen = np.zeros((rows, cols), dtype=np.bool_)
        n, m = self._values.shape
        values[:n, :m] = self._values
        seen[:n, :m] = self._seen
        self._values, self._seen = values, seen
