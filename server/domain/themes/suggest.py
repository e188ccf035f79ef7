"""Curation suggestions: what the facilitator would likely change in the picture, one tap each.

From the ideas' vectors and the themes on screen, three kinds, each only when the vectors say so
clearly (a wrong suggestion costs the facilitator a look and a dismissal):

- **merge** two themes whose ideas are each other's neighbours: of their ideas' nearest neighbours
  (``NEIGHBOURS`` each, among every themed idea), a large share lies in the other theme, and their
  centres are close;
- **move** ideas that sit far from their theme's centre and much nearer another theme's, where most
  of their nearest neighbours are too (a misfit; those with the same source and destination come
  as one suggestion);
- **split** a theme that is clearly two: one of its sub-themes (``drill.subthemes``) is far from
  the rest of it (only the ``SPLIT_CHECKS`` themes a quick two-way cut finds most apart are
  divided: sub-themes cost tens of milliseconds a theme).

The facilitator's curation is respected: a pinned theme is never merged, split, left or joined; an
idea the facilitator moved, or picked to leave in a split, is never suggested to move; two themes a
split separated are never suggested to merge, nor an idea that split placed suggested to cross
back; a theme the facilitator merged or named with its ideas is never suggested to split (each
would undo an explicit edit).
Every suggestion names the keys a dismissal records (``theme.dismissed`` entries); a suggestion
whose key was dismissed is not made again (an idea dismissed as a misfit stays where it is, as far
as suggestions go, even when it comes back in another batch).

Pure and deterministic: the live room computes them with each re-clustering, in the clustering
worker; a few milliseconds for 500 ideas plus the sub-themes of the larger themes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from server.domain.themes.drill import FEWEST_IDEAS, subthemes
from server.domain.themes.records import Edit, Frame, IdeaVector, Merge, Move, Pin, Rename, Split, Theme, ThemeMap

Kind = Literal["merge", "move", "split"]

MOST = 5  # suggestions shown at a time
NEIGHBOURS = 8  # nearest neighbours read for each idea
KNN_MAX = 2000  # above this many themed ideas, neighbours are not read (centres only, stricter bars)
SPLIT_CHECKS = 2  # themes divided into sub-themes per call, at most (those a quick two-way cut finds most apart)
SCREEN_SLACK = 0.1  # the quick cut's halves may be this much closer than the bar and still be checked
CHUNK = 512


@dataclass(frozen=True, slots=True)
class SuggestParams:
    """The bars a suggestion must clear (tuned on bench/data/themes, see docs/themes.md)."""

    merge_link: float = 0.25  # share of the two themes' neighbour links that cross between them
    merge_centre: float = 0.55  # cosine of their centres
    merge_centre_alone: float = 0.8  # without neighbours (a very large room), the centres alone
    move_margin: float = 0.2  # cosine to the other centre minus to its own (without itself)
    move_votes: int = 7  # of its NEIGHBOURS nearest, this many in the destination (or all of it), more than stay...
    move_smallest: int = 3  # ...and it leaves a theme of at least this many ideas
    split_apart: float = 0.45  # a sub-theme splits off when its centre's cosine to the rest is below this
    split_smallest: int = 4  # ...and it has at least this many ideas, as does the rest


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One edit the facilitator might make. ``theme_id`` is the theme kept (merge), the destination
    (move) or the theme divided (split); ``other_theme_id`` the theme merged into it, the theme the
    ideas leave, or (split) the same theme; ``idea_ids`` every idea of both themes (merge), the
    ideas to move, or those that would form the new theme (split). ``keys``: what dismissing it
    records. ``sources``: for a move, the theme each idea leaves (a move may gather ideas from
    several themes into one)."""

    kind: Kind
    theme_id: str
    other_theme_id: str
    idea_ids: tuple[str, ...]
    score: float
    reason: str
    keys: tuple[str, ...]
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.keys[0],
            "keys": list(self.keys),
            "theme_id": self.theme_id,
            "other_theme_id": self.other_theme_id,
            "idea_ids": list(self.idea_ids),
            "score": round(self.score, 3),
            "reason": self.reason,
            **({"sources": list(self.sources)} if self.kind == "move" else {}),
        }


def merge_key(a: str, b: str) -> str:
    return "merge:" + "+".join(sorted((a, b)))


def move_key(idea_id: str) -> str:
    return f"move:{idea_id}"


def split_key(theme_id: str) -> str:
    return f"split:{theme_id}"


@dataclass(slots=True)
class _Respect:
    """What the facilitator's edits forbid suggesting."""

    moved: set[str] = field(default_factory=set)  # ideas placed by an explicit move
    apart: set[frozenset[str]] = field(default_factory=set)  # theme pairs a split separated
    split_sides: dict[str, frozenset[str]] = field(default_factory=dict)  # idea -> the two themes of its split
    whole: set[str] = field(default_factory=set)  # themes merged or named with their ideas: never split

    @classmethod
    def of(cls, edits: Iterable[Edit]) -> _Respect:
        out = cls()
        for edit in edits:
            match edit:
                case Move(idea_id, _theme_id, _shown):
                    out.moved.add(idea_id)
                case Split(theme_id, new_theme_id, idea_ids, remaining_ids):
                    pair = frozenset((theme_id, new_theme_id))
                    out.apart.add(pair)
                    for idea_id in (*idea_ids, *remaining_ids):
                        out.split_sides[idea_id] = pair
                    out.moved.update(idea_ids)  # picked one by one to leave: placed by hand
                case Merge(theme_id, _merged, _ids):
                    out.whole.add(theme_id)
                case Rename(theme_id, _label, idea_ids) if idea_ids:
                    out.whole.add(theme_id)
                case Pin():
                    pass
        return out


def suggest(
    ideas: Sequence[IdeaVector],
    themes: Sequence[Theme],
    edits: Sequence[Edit] = (),
    dismissed: Collection[str] = (),
    most: int = MOST,
    topic: Sequence[str] = (),
    params: SuggestParams = SuggestParams(),  # noqa: B008 (frozen)
    split_cache: MutableMapping[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]] | None = None,
) -> tuple[Suggestion, ...]:
    """Up to ``most`` suggestions for the picture ``themes`` (as shown), strongest first.

    ``ideas``: the event's ideas with vectors (any order; hidden ones and those in no theme are
    ignored); ``edits``: the facilitator's curation so far, in order; ``dismissed``: the keys the
    facilitator dismissed. ``split_cache`` (optional) keeps each theme's sub-themes by its ideas,
    for a caller that asks again and again (the benchmark)."""
    by_id = {i.id: i for i in ideas if not i.hidden}
    shown = [t for t in themes if sum(i in by_id for i in t.idea_ids) > 0]
    if len(shown) < 1 or most <= 0:
        return ()
    rows: list[str] = []
    group: list[int] = []
    for k, theme in enumerate(shown):
        for idea_id in theme.idea_ids:
            if idea_id in by_id:
                rows.append(idea_id)
                group.append(k)
    vectors = np.stack([by_id[i].vector for i in rows]).astype(np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    g = np.asarray(group, dtype=np.int64)
    respect = _Respect.of(edits)
    dropped = set(dismissed)
    neighbours = _neighbours(vectors) if len(rows) <= KNN_MAX else None
    found = [
        *_merges(shown, vectors, g, neighbours, respect, dropped, params),
        *_moves(shown, rows, vectors, g, neighbours, respect, dropped, params),
        *_splits(shown, list(by_id.values()), respect, dropped, params, topic, split_cache),
    ]
    found.sort(key=lambda s: (-s.score, s.keys[0]))
    return tuple(found[:most])


def _neighbours(vectors: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each row's ``NEIGHBOURS`` nearest other rows by cosine (fewer when there are fewer rows)."""
    n = len(vectors)
    k = min(NEIGHBOURS, n - 1)
    out = np.zeros((n, max(k, 0)), dtype=np.int64)
    if k <= 0:
        return out
    single = vectors.astype(np.float32)
    for start in range(0, n, CHUNK):
        sims = single[start : start + CHUNK] @ single.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        out[start : start + len(sims)] = np.take_along_axis(top, order, axis=1)
    return out


def _centres(vectors: NDArray[np.float64], g: NDArray[np.int64], k: int) -> NDArray[np.float64]:
    members = np.zeros((k, len(g)))
    members[g, np.arange(len(g))] = 1.0
    sums: NDArray[np.float64] = members @ vectors
    return sums


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    return out


def _quoted(theme: Theme) -> str:
    return f"“{theme.label}”"


def _merges(
    shown: Sequence[Theme],
    vectors: NDArray[np.float64],
    g: NDArray[np.int64],
    neighbours: NDArray[np.int64] | None,
    respect: _Respect,
    dropped: set[str],
    params: SuggestParams,
) -> list[Suggestion]:
    k = len(shown)
    if k < 2:
        return []
    centres = _unit(_centres(vectors, g, k))
    close = centres @ centres.T
    links = None
    if neighbours is not None and neighbours.size:
        pairs = np.repeat(g, neighbours.shape[1]) * k + g[neighbours].ravel()
        links = np.bincount(pairs, minlength=k * k).reshape(k, k).astype(np.float64)
    out = []
    for a in range(k):
        for b in range(a + 1, k):
            ta, tb = shown[a], shown[b]
            if ta.pinned or tb.pinned or frozenset((ta.id, tb.id)) in respect.apart:
                continue
            key = merge_key(ta.id, tb.id)
            if key in dropped:
                continue
            centre = float(close[a, b])
            if links is None:
                if centre < params.merge_centre_alone:
                    continue
                score, reason = centre / params.merge_centre_alone, f"their centres are very close ({centre:.2f})"
            else:
                total = links[a].sum() + links[b].sum()
                link = float((links[a, b] + links[b, a]) / total) if total else 0.0
                if link < params.merge_link or centre < params.merge_centre:
                    continue
                score = link / params.merge_link
                reason = f"{round(100 * link)}% of their ideas' nearest neighbours are in the other one"
            kept, merged = (ta, tb) if len(ta.idea_ids) >= len(tb.idea_ids) else (tb, ta)
            out.append(
                Suggestion(
                    "merge",
                    kept.id,
                    merged.id,
                    (*kept.idea_ids, *merged.idea_ids),
                    score,
                    f"{_quoted(kept)} and {_quoted(merged)} say similar things: {reason}.",
                    (key,),
                )
            )
    return out


def _moves(
    shown: Sequence[Theme],
    rows: Sequence[str],
    vectors: NDArray[np.float64],
    g: NDArray[np.int64],
    neighbours: NDArray[np.int64] | None,
    respect: _Respect,
    dropped: set[str],
    params: SuggestParams,
) -> list[Suggestion]:
    k = len(shown)
    if k < 2:
        return []
    sums = _centres(vectors, g, k)
    sizes = np.bincount(g, minlength=k)
    without = sums[g] - vectors  # each idea's own theme without it
    own = np.einsum("ij,ij->i", vectors, _unit(without))
    to = vectors @ _unit(sums).T
    to[np.arange(len(g)), g] = -np.inf
    dest = np.argmax(to, axis=1)
    margin = to[np.arange(len(g)), dest] - own
    votes = (g[neighbours] == dest[:, None]).sum(1) if neighbours is not None and neighbours.size else None
    stay = (g[neighbours] == g[:, None]).sum(1) if neighbours is not None and neighbours.size else None
    batches: dict[int, list[tuple[float, int]]] = {}
    bar = params.move_margin if votes is not None else 2 * params.move_margin
    for r in np.flatnonzero(margin >= bar).tolist():
        source, target = int(g[r]), int(dest[r])
        idea_id = rows[r]
        if sizes[source] < params.move_smallest or shown[source].pinned or shown[target].pinned:
            continue
        if idea_id in respect.moved or move_key(idea_id) in dropped:
            continue
        if respect.split_sides.get(idea_id) == frozenset((shown[source].id, shown[target].id)):
            continue
        wanted = min(params.move_votes, int(sizes[target]))  # a small theme cannot hold more neighbours
        if votes is not None and stay is not None and (votes[r] < wanted or votes[r] <= stay[r]):
            continue
        batches.setdefault(target, []).append((float(margin[r]), r))
    out = []
    for target, found in batches.items():
        found.sort(key=lambda x: (-x[0], rows[x[1]]))
        ids = tuple(rows[r] for _, r in found)
        sources = tuple(shown[int(g[r])].id for _, r in found)
        origin = {s: None for s in sources}
        where = _quoted(shown[int(g[found[0][1]])]) if len(origin) == 1 else f"{len(origin)} other themes"
        many = f"{len(ids)} ideas" if len(ids) > 1 else "an idea"
        out.append(
            Suggestion(
                "move",
                shown[target].id,
                sources[0],
                ids,
                found[0][0] / bar,
                f"{many} in {where} read more like {_quoted(shown[target])}, "
                "where most of their nearest neighbours are.",
                tuple(move_key(i) for i in ids),
                sources,
            )
        )
    return out


def _two_way(vectors: NDArray[np.float64], smallest: int, rounds: int = 6) -> float:
    """How far apart the two halves of a quick two-way cut of these ideas are (the cosine of their
    centres; 1 when no cut leaves ``smallest`` on each side): a screen before the sub-themes."""
    unit = _unit(vectors)
    first = int(np.argmin(unit @ _unit(unit.sum(axis=0))))  # the idea farthest from the centre...
    second = int(np.argmin(unit @ unit[first]))  # ...and the one farthest from it
    centres = unit[[first, second]]
    for _ in range(rounds):
        side = np.argmax(unit @ centres.T, axis=1)
        if min(int((side == 0).sum()), int((side == 1).sum())) < smallest:
            return 1.0
        centres = _unit(np.stack([unit[side == 0].sum(axis=0), unit[side == 1].sum(axis=0)]))
    return float(centres[0] @ centres[1])


def _splits(
    shown: Sequence[Theme],
    ideas: Sequence[IdeaVector],
    respect: _Respect,
    dropped: set[str],
    params: SuggestParams,
    topic: Sequence[str],
    cache: MutableMapping[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]] | None,
) -> list[Suggestion]:
    by_id = {i.id: i for i in ideas}
    screened: list[tuple[float, Theme, tuple[str, ...]]] = []
    for theme in shown:
        members = tuple(i for i in theme.idea_ids if i in by_id)
        if theme.pinned or theme.id in respect.whole or len(members) < 2 * max(FEWEST_IDEAS, params.split_smallest):
            continue
        if split_key(theme.id) in dropped:
            continue
        apart = _two_way(np.stack([by_id[i].vector for i in members]).astype(np.float64), params.split_smallest)
        if apart < params.split_apart + SCREEN_SLACK:
            screened.append((apart, theme, members))
    screened.sort(key=lambda x: (x[0], x[1].id))
    out = []
    for _, theme, members in screened[:SPLIT_CHECKS]:
        parts = cache.get(members) if cache is not None else None
        if parts is None:
            dim = len(ideas[0].vector)
            alone = ThemeMap((theme,), (), {}, (), Frame(np.zeros((2, dim)), np.zeros(2), 1.0))
            parts = tuple((s.label, s.idea_ids) for s in subthemes(ideas, alone, theme.id, topic))
            if cache is not None:
                cache[members] = parts
        best: tuple[float, str, tuple[str, ...]] | None = None
        for name, part in parts:
            rest = [i for i in members if i not in set(part)]
            if len(part) < params.split_smallest or len(rest) < params.split_smallest:
                continue
            if any(i in respect.moved for i in part):  # the facilitator put it here: it does not leave
                continue
            a = _unit(np.sum([by_id[i].vector for i in part], axis=0).astype(np.float64))
            b = _unit(np.sum([by_id[i].vector for i in rest], axis=0).astype(np.float64))
            apart = float(a @ b)
            if apart < params.split_apart and (best is None or apart < best[0]):
                best = (apart, name, part)
        if best is None:
            continue
        apart, name, part = best
        out.append(
            Suggestion(
                "split",
                theme.id,
                theme.id,
                part,
                (1.0 - apart) / (1.0 - params.split_apart),
                f"{_quoted(theme)} looks like two themes: {len(part)} of its {len(members)} ideas "
                f"(“{name}”) say something apart from the rest.",
                (split_key(theme.id),),
            )
        )
    return out
