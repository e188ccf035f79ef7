"""The full re-clustering: ideas, curation edits and (live) the picture shown before, in; a theme
map out. Pure and deterministic: the same arguments give the same map.

Order of work: fold the edits; set aside hidden ideas, ideas moved out of every theme, and pinned
themes; find the best clustering of the rest from scratch, each curated group held together (the
*target*); communities too small for the projector give their ideas to the nearest theme that
would admit them, or leave them in "other ideas" (``unthemed``). With a previous picture, move it
towards the target within a budget (``steady.py``); without one, the target is the picture. Then
name every theme and lay out the map.

Theme ids: a curated or pinned theme keeps the id its edit gave it. A theme that continues one
of the previous picture (matched one to one by overlap) keeps its id, so its name and its place on
the console follow it. A theme new to the picture (or every theme, without a previous picture, as
in replay and export) is named after its earliest idea (``t-<idea id>``), preferring an idea whose
theme the facilitator renamed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.themes import labels as naming
from server.domain.themes.cluster import ClusterParams, find_partition, smallest_theme
from server.domain.themes.constraints import Curation, fold
from server.domain.themes.graph import FREE
from server.domain.themes.languages import dominant, joined, marked, unmarked
from server.domain.themes.layout import build_layout
from server.domain.themes.records import Anchor, Edit, IdeaVector, Theme, ThemeMap
from server.domain.themes.steady import NEW, OTHER, settle

NEVER = 2.0  # above any cosine


@dataclass(frozen=True, slots=True)
class ThemeParams:
    cluster: ClusterParams = ClusterParams()
    admit_quantile: float = 0.1  # a newcomer must be as close as the theme's least typical 10%
    topic: tuple[str, ...] = ()  # the event's question texts: their words alone never name a theme
    churn: float = 0.07  # at most this share of themed ideas changes theme per re-clustering
    # the event's language (ISO 639-1); "" : the commonest language of its ideas. An automatic label
    # of a theme whose ideas are mostly in another language says which: "Autobusy (pl)"
    language: str = ""


@dataclass(slots=True)
class _Draft:
    id: str  # "" until named
    members: list[int]  # indices into the visible ideas
    pinned: bool
    curated: bool


def _direction(vectors: NDArray[np.float32]) -> NDArray[np.float64]:
    total = vectors.astype(np.float64).sum(axis=0)
    norm = np.linalg.norm(total)
    out: NDArray[np.float64] = total / norm if norm > 1e-12 else total
    return out


def _leave_one_out(vectors: NDArray[np.float32], total: NDArray[np.float32]) -> NDArray[np.float64]:
    """Each member's cosine to the direction of the other members: how a newcomer would be judged."""
    rest = (total[None, :] - vectors).astype(np.float64)
    norms = np.maximum(np.linalg.norm(rest, axis=1), 1e-12)
    out: NDArray[np.float64] = (vectors.astype(np.float64) * rest).sum(axis=1) / norms
    return out


def _bar(vectors: NDArray[np.float32], quantile: float) -> float:
    """How close a newcomer must be to join: as close as the theme's less typical members are."""
    if len(vectors) < 2:
        return NEVER  # a theme of one idea has no peers to set its bar
    return float(np.quantile(_leave_one_out(vectors, vectors.sum(axis=0)), quantile))


class _Pool:
    """The ideas that are clustered (visible, not pinned, not moved out): rows into ``visible``."""

    def __init__(self, visible: Sequence[IdeaVector], curation: Curation, held: set[int]) -> None:
        self.rows = [i for i, idea in enumerate(visible) if i not in held and idea.id not in curation.excluded]
        self.row_of = {i: r for r, i in enumerate(self.rows)}
        dim = visible[0].vector.shape[0] if visible else 1
        stacked = np.stack([visible[i].vector for i in self.rows]) if self.rows else np.zeros((0, dim))
        self.vectors: NDArray[np.float32] = stacked.astype(np.float32)


def _adopt(drafts: list[_Draft], small: list[int], pool: _Pool, params: ThemeParams) -> None:
    """Ideas (pool rows) of communities too small to show join the most similar theme whose bar
    they reach; the others stay in no theme ("other ideas")."""
    if not small or not drafts:
        return
    directions, bars = [], []
    for d in drafts:
        vectors = pool.vectors[[pool.row_of[i] for i in d.members]]
        directions.append(_direction(vectors))
        bars.append(_bar(vectors, params.admit_quantile))
    sims = pool.vectors[small].astype(np.float64) @ np.array(directions).T
    best = sims.argmax(axis=1)
    for k, row in enumerate(small):
        if sims[k, best[k]] >= bars[best[k]]:
            drafts[best[k]].members.append(pool.rows[row])


def _target(
    visible: Sequence[IdeaVector], curation: Curation, params: ThemeParams, pool: _Pool, previous: ThemeMap | None
) -> tuple[list[_Draft], NDArray[np.int64], float, float]:
    """The best clustering of the pool from scratch (curated groups held together): its themes, and
    each pool row's theme in it (``OTHER`` for none)."""
    index = {idea.id: i for i, idea in enumerate(visible)}
    group_ids = [tid for tid, members in curation.groups.items() if any(m in index for m in members)]
    of_group = {index[m]: g for g, tid in enumerate(group_ids) for m in curation.groups[tid] if m in index}
    groups = np.array([of_group.get(i, FREE) for i in pool.rows], dtype=np.int64)
    prefer, start = 0.0, None
    if previous is not None:
        prefer = previous.resolution
        where = {i: t for t, theme in enumerate(previous.themes) if not theme.pinned for i in theme.idea_ids}
        start = np.array([where.get(visible[i].id, -1) for i in pool.rows], dtype=np.int64)
    part = find_partition(pool.vectors, params.cluster, groups, prefer, start)
    communities: dict[int, list[int]] = {}
    for row, label in enumerate(part.labels.tolist()):
        communities.setdefault(label, []).append(row)
    least = smallest_theme(len(pool.rows))
    drafts: list[_Draft] = []
    small: list[int] = []
    for _, rows in sorted(communities.items()):
        members = [pool.rows[r] for r in rows]
        locked = {of_group[m] for m in members if m in of_group}
        if locked:
            drafts.append(_Draft(group_ids[min(locked)], members, False, True))
        elif len(members) >= least:
            drafts.append(_Draft("", members, False, False))
        else:
            small += rows
    _adopt(drafts, small, pool, params)
    target = np.full(len(pool.rows), OTHER, dtype=np.int64)
    for t, d in enumerate(drafts):
        target[[pool.row_of[i] for i in d.members]] = t
    return drafts, target, part.resolution, part.silhouette


def _settle(
    visible: Sequence[IdeaVector],
    curation: Curation,
    params: ThemeParams,
    pool: _Pool,
    goal: list[_Draft],
    target: NDArray[np.int64],
    previous: ThemeMap,
) -> tuple[list[_Draft], int]:
    """The previous picture moved towards the target within the budget (``steady.settle``)."""
    gone = curation.retired | curation.pinned.keys()  # merged away, or pinned now: not to be continued
    shown = [t for t in previous.themes if not t.pinned and t.id not in gone]
    where = {i: p for p, t in enumerate(shown) for i in t.idea_ids}
    before = np.array(
        [where.get(visible[i].id, OTHER if visible[i].id in previous.positions else NEW) for i in pool.rows],
        dtype=np.int64,
    )
    forced = np.zeros(len(pool.rows), dtype=bool)
    for d in goal:
        if d.curated:
            chosen = curation.groups.get(d.id, {})
            forced[[pool.row_of[i] for i in d.members if visible[i].id in chosen]] = True
    by_id = {t.id: p for p, t in enumerate(shown)}
    fixed = {t: by_id[d.id] for t, d in enumerate(goal) if d.curated and d.id in by_id}
    budget = int(params.churn * int((before >= 0).sum()))
    settled = settle(pool.vectors, before, target, forced, fixed, budget, smallest_theme(len(pool.rows)))
    out: dict[tuple[str, int], _Draft] = {}
    for row, group in enumerate(settled.groups):
        if group is None:
            continue
        if group not in out:
            kind, k = group
            if kind == "p":
                out[group] = _Draft(shown[k].id, [], False, shown[k].curated)
            else:
                d = goal[k]
                continued = shown[settled.match[k]].id if k in settled.match else ""
                out[group] = _Draft(d.id or continued, [], False, d.curated)
        out[group].members.append(pool.rows[row])
    return list(out.values()), settled.held_back


def _name_new(drafts: list[_Draft], visible: Sequence[IdeaVector], curation: Curation) -> None:
    """Ids for automatic themes new to the picture: ``t-<earliest idea>``, preferring an idea whose
    theme the facilitator renamed, never an id in use or merged away."""
    taken = {d.id for d in drafts if d.id} | curation.retired
    for d in drafts:
        if d.id:
            continue
        ids = [f"t-{visible[i].id}" for i in d.members]
        free = [t for t in ids if t not in taken]
        named = [t for t in free if t in curation.labels]
        d.id = (named or free or [f"t-{len(taken)}-{ids[0]}"])[0]
        taken.add(d.id)


def _drafts(
    visible: Sequence[IdeaVector], curation: Curation, params: ThemeParams, previous: ThemeMap | None
) -> tuple[list[_Draft], float, float, int]:
    index = {idea.id: i for i, idea in enumerate(visible)}
    pinned = [
        _Draft(tid, sorted(index[m] for m in members if m in index), True, True)
        for tid, members in curation.pinned.items()
    ]
    pool = _Pool(visible, curation, {i for d in pinned for i in d.members})
    drafts, target, resolution, score = _target(visible, curation, params, pool, previous)
    held_back = 0
    if previous is not None and previous.themes:
        drafts, held_back = _settle(visible, curation, params, pool, drafts, target, previous)
    out = [d for d in [*pinned, *drafts] if d.members]
    _name_new(out, visible, curation)
    for d in out:
        d.members.sort()
    out.sort(key=lambda d: (-len(d.members), d.members[0]))
    return out, resolution, score, held_back


def recluster(
    ideas: Sequence[IdeaVector],
    edits: Sequence[Edit] = (),
    params: ThemeParams = ThemeParams(),
    previous: ThemeMap | None = None,
) -> ThemeMap:
    """Themes of ``ideas`` (in arrival order) under the facilitator's ``edits`` (in transcript order).

    ``previous`` is the map shown until now (live): the new one moves from it towards the best
    clustering a few ideas at a time, keeping theme ids and labels where the ideas still say so.
    Without it, the best clustering from scratch. Run it off the event loop (docs/themes.md).
    """
    curation = fold(edits)
    visible = [idea for idea in ideas if not idea.hidden]
    drafts, resolution, score, held_back = _drafts(visible, curation, params, previous)
    term_sets = [naming.terms(idea.text, idea.lang) for idea in visible]
    event_lang = params.language or dominant([idea.lang for idea in visible])
    examples, namers, naming_langs, speakers, member_vectors = [], [], [], [], []
    for d in drafts:
        vectors = np.stack([visible[i].vector for i in d.members]).astype(np.float32)
        closeness = vectors.astype(np.float64) @ _direction(vectors)
        examples.append(d.members[int(np.argmax(closeness))])
        # a theme is named in one language, from its ideas in it: the event's when two or more of
        # them are in it, else the theme's commonest (words of several languages make no phrase)
        langs = [visible[i].lang for i in d.members]
        lang = event_lang if langs.count(event_lang) >= 2 else dominant(langs) or event_lang
        own = [k for k, i in enumerate(d.members) if visible[i].lang == lang] or list(range(len(d.members)))
        naming_langs.append(lang)
        speakers.append([d.members[k] for k in own])
        namers.append(d.members[max(own, key=lambda k: closeness[k])])  # its central idea in that language
        member_vectors.append(vectors)
    old = {t.id: t for t in previous.themes} if previous is not None else {}
    given = [curation.labels.get(d.id) or None for d in drafts]
    chosen, words = naming.name_groups(
        [[term_sets[i] for i in members] for members in speakers],
        [term_sets[e] for e in namers],
        naming.document_frequency(term_sets),
        naming.topic_keys(params.topic),
        given,
        [unmarked(old[d.id].label) if d.id in old else None for d in drafts],
    )
    if any(idea.lang for idea in visible):  # an automatic label in its own language, marked when not the event's
        for k, lang in enumerate(naming_langs):
            if not given[k]:
                chosen[k] = marked(joined(chosen[k], lang), lang, event_lang)
    themes, anchors, directions = [], [], []
    for k, d in enumerate(drafts):
        vectors = member_vectors[k]
        direction = _direction(vectors)
        label = chosen[k]
        before = old.get(d.id)
        themes.append(
            Theme(
                id=d.id,
                label=label,
                idea_ids=tuple(visible[i].id for i in d.members),
                keywords=words[k],
                example_idea_id=visible[examples[k]].id,
                tables=frozenset(visible[i].table_id for i in d.members),
                pinned=d.pinned,
                curated=d.curated,
                age=before.age + 1 if before is not None and before.label == label else 0,
            )
        )
        directions.append(direction)
        if not d.pinned:
            total = vectors.sum(axis=0)
            anchors.append(Anchor(d.id, direction.astype(np.float32), total, _bar(vectors, params.admit_quantile)))
    theme_of = [-1] * len(visible)
    for t, d in enumerate(drafts):
        for i in d.members:
            theme_of[i] = t
    dim = visible[0].vector.shape[0] if visible else 1
    all_vectors = np.stack([idea.vector for idea in visible]) if visible else np.zeros((0, dim), np.float32)
    points, frame = build_layout(
        all_vectors, theme_of, [t.id for t in themes], np.array(directions).reshape(len(directions), dim)
    )
    return ThemeMap(
        themes=tuple(themes),
        unthemed=tuple(idea.id for idea, t in zip(visible, theme_of, strict=True) if t < 0),
        positions={idea.id: p for idea, p in zip(visible, points, strict=True)},
        anchors=tuple(anchors),
        frame=frame,
        resolution=resolution,
        silhouette=score,
        held_back=held_back,
    )
