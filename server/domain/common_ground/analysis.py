"""One call turns a reaction matrix into everything the common-ground views show.

:func:`analyse` is pure and deterministic for a given ``seed``: the live room calls it on a
debounced tick, off the event loop, with the ``memory`` of the previous result so that group
letters and the number of groups stay steady while reactions arrive.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from server.domain.common_ground.groups import Clustering, choose_groups
from server.domain.common_ground.lists import Majority, Support, Uncertain, majority, support, uncertainty
from server.domain.common_ground.partition import PartitionView, expand, label_array, summarise
from server.domain.common_ground.pca import project
from server.domain.common_ground.routing import NEW_IDEA_PRIORITY, priority
from server.domain.common_ground.stats import part_stats, tally
from server.domain.common_ground.thresholds import (
    K_PATIENCE,
    MIN_GROUP_SIZE,
    MIN_IDEAS_FOR_GROUPS,
    MIN_PARTICIPANTS_FOR_GROUPS,
    reactions_needed,
)
from server.domain.reaction_matrix import ReactionMatrix

UNSEEN = Support(0, 0, 0, 0, 0.5)  # how the room stands on an idea nobody has reacted to (smoothed share)

GROUP_LABELS = "ABCDE"


class Level(StrEnum):
    """How much the numbers allow us to say."""

    TALLIES = "tallies"  # below the thresholds: plain counts per idea, nothing else
    UNDIVIDED = "undivided"  # enough people, but no split into groups of MIN_GROUP_SIZE or more
    GROUPS = "groups"  # opinion groups, their differences and the common ground between them


@dataclass(frozen=True, slots=True)
class Memory:
    """What one analysis passes to the next: who is clustered (once in, always in), the number
    of groups shown, the best number of the latest analyses and for how many in a row, and each
    participant's group letter (so that letters and colours follow people, not cluster order)."""

    clustered: frozenset[str] = frozenset()
    k: int = 0
    candidate: int = 0
    streak: int = 0
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpinionMap:
    """Every participant's point (x, y); the group letter of those clustered; group sizes."""

    points: Mapping[str, tuple[float, float]]
    groups: Mapping[str, str]
    sizes: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of :func:`analyse`: each view's content, never one overall ranking.

    At ``Level.TALLIES`` only ``tallies`` and ``priorities`` are filled; ``notice`` says why in a
    sentence fit for the console. ``opinion`` is the opinion-group view (GROUPS only);
    ``partitions`` the same view over each partition passed in (tables, roles, ...).
    """

    level: Level
    notice: str
    n_participants: int
    n_ideas: int
    n_reactions: int
    n_clustered: int
    tallies: Mapping[str, Support]
    priorities: Mapping[str, float]
    opinion: PartitionView | None = None
    map: OpinionMap | None = None
    majority_agree: tuple[Majority, ...] = ()
    majority_disagree: tuple[Majority, ...] = ()
    uncertainty: tuple[Uncertain, ...] = ()
    partitions: Mapping[str, PartitionView] = field(default_factory=dict)
    silhouettes: Mapping[int, float] = field(default_factory=dict)
    memory: Memory = field(default_factory=Memory)


def _view(
    name: str,
    matrix: ReactionMatrix,
    assignment: Mapping[str, str] | Mapping[str, tuple[str, ...]],
    eligible: NDArray[np.bool_],
    shares: bool,
) -> PartitionView:
    """One partition's view: one label per person, or several (``parts`` of the system)."""
    if any(isinstance(label, tuple) for label in assignment.values()):
        several = {p: tuple(labels) for p, labels in assignment.items() if isinstance(labels, tuple)}
        wide, numbers, labels = expand(matrix, several)
        return summarise(name, wide, numbers, labels, eligible, shares=shares)[0]
    single = {p: label for p, label in assignment.items() if isinstance(label, str)}
    return summarise(name, matrix, *label_array(matrix, single), eligible, shares=shares)[0]


def analyse(
    matrix: ReactionMatrix,
    *,
    hidden: Collection[str] = frozenset(),
    partitions: Mapping[str, Mapping[str, str] | Mapping[str, tuple[str, ...]]] | None = None,
    previous: Memory | None = None,
    seed: int = 0,
    shares: bool = False,
) -> Analysis:
    """Analyse ``matrix``: tallies, opinion map and groups, differences, common ground, uncertainty.

    ``hidden`` ideas (moderated out) are counted but never listed or routed. ``partitions`` maps a
    name (e.g. "tables") to participant -> part label (or a tuple of labels: a person in several parts
    counts in each, one in none in no part); each gets its own common-ground view.
    ``previous`` is the last result's ``memory``. With ``shares``, every partition view also holds
    each idea's agreement share per part (``PartitionView.shares``). Costs one PCA and a few small k-means runs:
    well under a second for 2,000 participants x 200 ideas (docs/common-ground.md).
    """
    n, total = matrix.shape
    # ideas nobody reacted to yet change nothing below but would be most of a big room's matrix
    reacted = np.asarray(matrix.seen.any(axis=0)).tolist()
    unreacted = [idea for idea, seen in zip(matrix.ideas, reacted, strict=True) if not seen]
    matrix = matrix.reacted_columns()
    m = matrix.shape[1]
    eligible = np.array([idea not in hidden for idea in matrix.ideas], dtype=np.bool_)
    everyone = part_stats(tally(matrix, np.zeros(n, dtype=np.intp), 1))
    tallies = {idea: s[0] for idea, s in zip(matrix.ideas, (support(everyone, j) for j in range(m)), strict=True)}
    tallies.update((idea, UNSEEN) for idea in unreacted)
    needed = reactions_needed(total)
    counts = matrix.reactions_per_participant()
    before = (previous or Memory()).clustered
    clustered = (counts >= needed) | np.array([p in before for p in matrix.participants], dtype=np.bool_)
    c = everyone.counts
    flat = Analysis(
        level=Level.TALLIES,
        notice=(
            f"Opinion groups appear once {MIN_PARTICIPANTS_FOR_GROUPS} people have reacted to at least {needed} "
            f"of at least {MIN_IDEAS_FOR_GROUPS} ideas; so far {int(clustered.sum())} "
            f"{'has' if int(clustered.sum()) == 1 else 'have'}. Showing plain tallies."
        ),
        n_participants=n,
        n_ideas=total,
        n_reactions=int(counts.sum()),
        n_clustered=int(clustered.sum()),
        tallies=tallies,
        priorities=_priorities(
            matrix, priority(c.agree[0], c.disagree[0], c.seen[0], np.zeros(m)), eligible, unreacted, hidden
        ),
        memory=replace(previous or Memory(), clustered=frozenset(_who(matrix, clustered))),
    )
    listable = int(eligible.sum()) + sum(1 for idea in unreacted if idea not in hidden)
    if clustered.sum() < MIN_PARTICIPANTS_FOR_GROUPS or listable < MIN_IDEAS_FOR_GROUPS:
        return flat

    projection = project(matrix, ~eligible, ideas_total=total)
    clustering = choose_groups(projection.points[clustered], seed=seed)
    k, candidate, streak = _smooth_k(clustering, previous)
    who = _who(matrix, clustered)
    letters = _letters(clustering.options.get(k), who, (previous or Memory()).groups)
    groups = dict(zip(who, letters, strict=True)) if letters else {}
    points = {p: (float(x), float(y)) for p, (x, y) in zip(matrix.participants, projection.points, strict=True)}
    agree, disagree = majority(everyone, matrix.ideas, eligible)
    mapped = replace(
        flat,
        level=Level.UNDIVIDED,
        notice=f"No split into opinion groups of at least {MIN_GROUP_SIZE} people stands out; the room is shown whole.",
        priorities=_priorities(
            matrix, priority(c.agree[0], c.disagree[0], c.seen[0], projection.extremity), eligible, unreacted, hidden
        ),
        map=OpinionMap(points, {}, {}),
        majority_agree=agree,
        majority_disagree=disagree,
        uncertainty=uncertainty(everyone, matrix.ideas, eligible),
        partitions={name: _view(name, matrix, a, eligible, shares) for name, a in (partitions or {}).items()},
        silhouettes=dict(clustering.silhouettes),
        memory=Memory(frozenset(who), k, candidate, streak, groups),
    )
    if not groups:
        return mapped
    numbers, labels = label_array(matrix, dict(sorted(groups.items(), key=lambda item: item[1])))
    opinion, _ = summarise("opinion groups", matrix, numbers, labels, eligible, shares=shares)
    return replace(
        mapped,
        level=Level.GROUPS,
        notice=f"{k} opinion groups among {len(who)} people who reacted to at least {needed} ideas.",
        opinion=opinion,
        map=OpinionMap(points, groups, {part.label: part.size for part in opinion.parts}),
    )


def _who(matrix: ReactionMatrix, clustered: NDArray[np.bool_]) -> list[str]:
    return [p for p, inside in zip(matrix.participants, clustered, strict=True) if inside]


def _priorities(
    matrix: ReactionMatrix,
    values: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    unreacted: list[str],
    hidden: Collection[str],
) -> dict[str, float]:
    out = {idea: float(v) if ok else 0.0 for idea, v, ok in zip(matrix.ideas, values, eligible, strict=True)}
    out.update((idea, 0.0 if idea in hidden else NEW_IDEA_PRIORITY) for idea in unreacted)
    return out


def _smooth_k(clustering: Clustering, previous: Memory | None) -> tuple[int, int, int]:
    """(k shown, best k now, how many analyses in a row it has been best): switch only after K_PATIENCE."""
    best = clustering.k
    if previous is None:
        return best, best, 1
    streak = previous.streak + 1 if best == previous.candidate else 1
    if previous.k not in clustering.options or streak >= K_PATIENCE:
        return best, best, streak
    return previous.k, best, streak


def _letters(labels: NDArray[np.intp] | None, who: list[str], before: Mapping[str, str]) -> list[str]:
    """Letter each group so that as many people as possible keep their previous letter."""
    if labels is None:
        return []
    k = int(labels.max()) + 1
    overlap = np.zeros((k, len(GROUP_LABELS)), dtype=np.int64)
    for group, participant in zip(labels, who, strict=True):
        letter = before.get(participant)
        if letter is not None and letter in GROUP_LABELS:
            overlap[group, GROUP_LABELS.index(letter)] += 1
    best = max(
        itertools.permutations(range(len(GROUP_LABELS)), k),
        key=lambda order: sum(int(overlap[g, order[g]]) for g in range(k)),
    )
    return [GROUP_LABELS[best[g]] for g in labels]
