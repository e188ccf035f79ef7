"""Benchmark of themes on realistic sets, run the way the live room runs them.

``python -m bench.themes_real`` takes each hand-labelled set in ``bench/data/themes`` (GUIDE.md there
says how the labels were decided) and the public StackOverflow and BANKING77 sets (a sample, in a
shuffled order), and plays its ideas into the engine as ``server/hub/themes.py`` does: one by one with
``add_idea``, a full ``recluster`` at the fifth idea and then every ``--every`` ideas, and once more
after the last; the number of themes is never given. For each set it prints:

- **quality** of the final picture: NMI and ARI against the labels, themes found against true themes
  (ideas in no theme count as themes of one, as in ``bench.themes``); the same for one re-clustering
  of all ideas without history; and plain k-means given the true number, on the same vectors;
- **stability** between consecutive re-clusterings: of the ideas in a theme just before a
  re-clustering (as the facilitator saw them), the share still in the matching theme after it, the
  themes matched one to one by overlap with the Hungarian algorithm (``match``); mean, worst, and
  whether the number of themes ever halved;
- **labels**: the share of the final labels that pass ``server.domain.themes.label_check`` (1-4
  content words, no filler, no repeats, not only the event's question), with the failures;
- **curation effort**: how many edits (merge two themes, split a theme by one true label, move one
  idea) a facilitator needs to bring the final picture to NMI >= 0.9, choosing each time the edit
  that raises NMI most (``curate``).

``--quick`` plays the two Pol.is sets and the first 120 ideas of the growing-older set (a CI smoke);
``--cache DIR`` keeps the vectors between runs.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.themes import DATA as PUBLIC_DATA
from bench.themes import blas, encode
from bench.themes import load_set as load_public_set
from server.domain.themes import IdeaVector, ThemeMap, ThemeParams, add_idea, recluster
from server.domain.themes.label_check import label_problems
from server.themes.encoder import DEFAULT_ENCODER, Encoder, load_encoder

SETS_DIR = Path(__file__).resolve().parent / "data" / "themes"
PUBLIC = ("stackoverflow", "banking77")
FIRST = 5  # the first picture comes at the fifth idea
TARGET_NMI = 0.9  # where the simulated facilitator stops curating
MAX_EDITS = 400
QUICK_IDEAS = 120
TABLES = 15


@dataclass(frozen=True, slots=True)
class LabelledSet:
    name: str
    topic: str
    ids: list[str]
    texts: list[str]
    labels: list[str]
    tables: list[str]


def load_real(entry: dict[str, str], limit: int | None = None) -> LabelledSet:
    """A set of ``bench/data/themes`` in arrival order, without the hidden (moderated-out) rows."""
    rows = [json.loads(line) for line in (SETS_DIR / entry["file"]).read_text().splitlines() if line.strip()]
    rows = [r for r in rows if not r.get("hidden")][:limit]
    return LabelledSet(
        entry["name"],
        entry["topic"],
        [str(r["id"]) for r in rows],
        [r["text"] for r in rows],
        [r["theme"] for r in rows],
        [r.get("table") or f"table-{k % TABLES}" for k, r in enumerate(rows)],
    )


def load_public(name: str, size: int) -> LabelledSet:
    """``size`` rows of a public set, drawn in a shuffled order (its file is sorted by label)."""
    texts, labels = load_public_set(name, None)
    order = np.random.default_rng(0).permutation(len(texts))[:size].tolist()
    return LabelledSet(
        name,
        "",
        [f"{name[:2]}{k}" for k in order],
        [texts[k] for k in order],
        [labels[k] for k in order],
        [f"table-{k % TABLES}" for k in range(len(order))],
    )


# --- matching and stability ------------------------------------------------------------------


def match(weights: NDArray[np.float64]) -> list[tuple[int, int]]:
    """A one-to-one matching of rows to columns with the largest total weight (Hungarian algorithm,
    O(rows^2 * cols), with shortest-path potentials); returns (row, column) pairs."""
    if weights.size == 0:
        return []
    flipped = weights.shape[0] > weights.shape[1]
    cost = -(weights.T if flipped else weights)
    n, m = cost.shape
    u, v = np.zeros(n + 1), np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # owner[j]: the row (1-based) holding column j; 0 = none
    way = np.zeros(m + 1, dtype=np.int64)
    for row in range(1, n + 1):
        owner[0], col = row, 0
        slack = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[col] = True
            here = owner[col]
            reduced = cost[here - 1] - u[here] - v[1:]
            better = ~used[1:] & (reduced < slack[1:])
            slack[1:][better] = reduced[better]
            way[1:][better] = col
            open_slack = np.where(used[1:], np.inf, slack[1:])
            nearest = int(np.argmin(open_slack)) + 1
            delta = open_slack[nearest - 1]
            u[owner[used]] += delta
            v[used] -= delta
            slack[~used] -= delta
            col = nearest
            if owner[col] == 0:
                break
        while col:
            previous = way[col]
            owner[col] = owner[previous]
            col = previous
    pairs = [(int(owner[j]) - 1, j - 1) for j in range(1, m + 1) if owner[j]]
    return [(c, r) for r, c in pairs] if flipped else pairs


def stayed(before: ThemeMap, after: ThemeMap) -> tuple[float, int]:
    """Of the ideas in a theme ``before``, the share in the matching theme ``after`` (best one-to-one
    matching of themes by shared ideas), and how many such ideas there were."""
    of_after = {i: k for k, t in enumerate(after.themes) for i in t.idea_ids}
    overlap = np.zeros((len(before.themes), len(after.themes)))
    themed = 0
    for r, theme in enumerate(before.themes):
        themed += len(theme.idea_ids)
        for idea in theme.idea_ids:
            if idea in of_after:
                overlap[r, of_after[idea]] += 1
    kept = sum(overlap[r, c] for r, c in match(overlap))
    return (kept / themed if themed else 1.0), themed


# --- quality ---------------------------------------------------------------------------------


def _xlogx(x: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = np.where(x > 0, x * np.log(np.maximum(x, 1e-300)), 0.0)
    return out


def nmi_from(cells: Any, rows: Any, cols: float, n: int) -> Any:
    """NMI (arithmetic mean of the entropies, as scikit-learn's default) from the sums of x·log x over
    the contingency table's cells, its row totals (found groups) and its column totals (labels).
    ``cells`` and ``rows`` may be arrays (many candidate tables at once)."""
    log_n = np.log(n)
    found, truth = log_n - np.asarray(rows) / n, log_n - cols / n
    mutual = np.maximum((np.asarray(cells) - rows - cols) / n + log_n, 0.0)
    mean = (found + truth) / 2
    return np.where(mean > 1e-12, mutual / np.maximum(mean, 1e-12), 1.0)


def codes(values: Sequence[Any]) -> NDArray[np.int64]:
    index: dict[Any, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def nmi(truth: Sequence[Any], found: Sequence[Any]) -> float:
    t, f = codes(truth), codes(found)
    table = np.bincount(f * (t.max() + 1) + t, minlength=(f.max() + 1) * (t.max() + 1)).astype(np.float64)
    table = table.reshape(f.max() + 1, t.max() + 1)
    cells = float(_xlogx(table).sum())
    return float(nmi_from(cells, float(_xlogx(table.sum(1)).sum()), float(_xlogx(table.sum(0)).sum()), len(t)))


def ari(truth: Sequence[Any], found: Sequence[Any]) -> float:
    from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

    return float(adjusted_rand_score(truth, found))


def membership(theme_map: ThemeMap, ids: Sequence[str]) -> list[str]:
    """One group per idea: its theme's id, or a group of its own when it is in no theme."""
    of = {i: t.id for t in theme_map.themes for i in t.idea_ids}
    return [of.get(i, f"alone:{i}") for i in ids]


# --- curation effort -------------------------------------------------------------------------


@dataclass(slots=True)
class Effort:
    edits: int = 0
    merges: int = 0
    splits: int = 0
    moves: int = 0
    start: float = 0.0
    end: float = 0.0
    reached: bool = False
    steps: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        how = f"{self.merges} merges, {self.splits} splits, {self.moves} moves"
        if self.reached:
            return f"{self.edits} edits ({how}): NMI {self.start:.3f} -> {self.end:.3f}"
        return (
            f"NMI >= {TARGET_NMI} not reached after {self.edits} edits ({how}); NMI {self.start:.3f} -> {self.end:.3f}"
        )


def curate(truth: Sequence[Any], found: Sequence[Any], themed: Sequence[bool], target: float = TARGET_NMI) -> Effort:
    """Edits a facilitator needs, greedily, to bring ``found`` to NMI >= ``target`` against ``truth``.

    ``themed[i]`` says whether idea i is in a theme (else it is in no theme, a group of its own).
    Each step tries every merge of two themes, every split of a theme into one true label's ideas
    (two or more) and the rest, and every move of one idea into another theme or out to no theme,
    and makes the one that raises NMI most; it stops at ``target``, when no edit helps, or after
    ``MAX_EDITS``. Every candidate is scored in O(1) from the contingency table (NMI depends on the
    table only through sums of x·log x, and an edit changes one or two rows).
    """
    t = codes(truth)
    groups = codes(found)
    is_theme = np.zeros(groups.max() + 1, dtype=bool)
    is_theme[groups[np.asarray(themed, dtype=bool)]] = True
    n, labels = len(t), int(t.max()) + 1
    cols = float(_xlogx(np.bincount(t).astype(np.float64)).sum())
    effort = Effort()
    while True:
        table = np.zeros((len(is_theme), labels))
        np.add.at(table, (groups, t), 1.0)
        sizes = table.sum(1)
        cells, rows = float(_xlogx(table).sum()), float(_xlogx(sizes).sum())
        score = float(nmi_from(cells, rows, cols, n))
        if effort.edits == 0:
            effort.start = score
        effort.end = score
        if score >= target:
            effort.reached = True
            return effort
        if effort.edits >= MAX_EDITS:
            return effort
        best, edit = _best_edit(table, sizes, is_theme, groups, t, cells, rows, cols, n)
        if best <= score + 1e-12:
            return effort
        groups, is_theme = _apply(edit, groups, is_theme, t)
        effort.edits += 1
        kind = edit[0]
        effort.merges += kind == "merge"
        effort.splits += kind == "split"
        effort.moves += kind == "move"


Edit = tuple[str, int, int]  # ("merge", a, b) | ("split", theme, label) | ("move", idea, target or -1)


def _best_edit(
    table: NDArray[np.float64],
    sizes: NDArray[np.float64],
    is_theme: NDArray[np.bool_],
    groups: NDArray[np.int64],
    t: NDArray[np.int64],
    cells: float,
    rows: float,
    cols: float,
    n: int,
) -> tuple[float, Edit]:
    themes = np.flatnonzero(is_theme & (sizes > 0))
    best: tuple[float, Edit] = (-1.0, ("none", 0, 0))

    def consider(cell_delta: NDArray[np.float64], row_delta: NDArray[np.float64], make: Any) -> None:
        nonlocal best
        if cell_delta.size == 0:
            return
        scores = nmi_from(cells + cell_delta.ravel(), rows + row_delta.ravel(), cols, n)
        k = int(np.argmax(scores))
        if scores[k] > best[0] + 1e-12:
            best = (float(scores[k]), make(k))

    # merges: rows a and b become one
    a, b = np.triu_indices(len(themes), 1)
    ta, tb = table[themes[a]], table[themes[b]]
    sa, sb = sizes[themes[a]], sizes[themes[b]]
    consider(
        (_xlogx(ta + tb) - _xlogx(ta) - _xlogx(tb)).sum(1),
        _xlogx(sa + sb) - _xlogx(sa) - _xlogx(sb),
        lambda k: ("merge", int(themes[a[k]]), int(themes[b[k]])),
    )
    # splits: one label's ideas (two or more, not all) leave a theme as a theme of their own
    part = table[themes]
    whole = sizes[themes][:, None]
    ok = (part >= 2) & (part < whole)
    r, c = np.nonzero(ok)
    consider(
        np.zeros(len(r)),
        (_xlogx(part) + _xlogx(whole - part) - _xlogx(np.broadcast_to(whole, part.shape)))[r, c],
        lambda k: ("split", int(themes[r[k]]), int(c[k])),
    )
    # moves: idea i (label j, group g) into theme d, or out of its theme into none (column -1)
    g, j = groups, t
    leave_cells = _xlogx(table[g, j] - 1) - _xlogx(table[g, j])
    leave_rows = _xlogx(sizes[g] - 1) - _xlogx(sizes[g])
    if len(themes):
        into = table[themes][:, j].T  # (ideas, themes): ideas of the same label already there
        join_cells = _xlogx(into + 1) - _xlogx(into)
        join_rows = np.broadcast_to(_xlogx(sizes[themes] + 1) - _xlogx(sizes[themes]), into.shape)
        same = themes[None, :] == g[:, None]
        cell_delta = np.where(same, 0.0, leave_cells[:, None] + join_cells)
        row_delta = np.where(same, 0.0, leave_rows[:, None] + join_rows)
        consider(cell_delta, row_delta, lambda k: ("move", k // len(themes), int(themes[k % len(themes)])))
    out = is_theme[g] & (sizes[g] > 1)
    idx = np.flatnonzero(out)
    consider(leave_cells[idx], leave_rows[idx], lambda k: ("move", int(idx[k]), -1))
    return best


def _apply(
    edit: Edit, groups: NDArray[np.int64], is_theme: NDArray[np.bool_], t: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    groups = groups.copy()
    kind, x, y = edit
    fresh = len(is_theme)
    if kind == "merge":
        groups[groups == y] = x
        return groups, is_theme
    if kind == "split":
        groups[(groups == x) & (t == y)] = fresh
        return groups, np.append(is_theme, True)
    if y >= 0:
        groups[x] = y
        return groups, is_theme
    groups[x] = fresh
    return groups, np.append(is_theme, False)


# --- the live room ---------------------------------------------------------------------------


@dataclass(slots=True)
class LiveRun:
    final: ThemeMap
    stability: list[float] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)  # (ideas so far, themes after re-clustering)
    halved: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _params(topic: str) -> ThemeParams:
    """The engine's parameters, with the event's question when the engine accepts one."""
    if topic and any(f.name == "topic" for f in fields(ThemeParams)):
        return ThemeParams(topic=(topic,))  # type: ignore[call-arg]
    return ThemeParams()


def _recluster(ideas: list[IdeaVector], shown: ThemeMap | None, params: ThemeParams) -> ThemeMap:
    """A live re-clustering; the picture on screen goes with it when the engine takes one."""
    if shown is not None and "previous" in inspect.signature(recluster).parameters:
        return recluster(ideas, (), params, previous=shown)  # type: ignore[call-arg]
    return recluster(ideas, (), params)


def play(ideas: Sequence[IdeaVector], every: int, topic: str) -> LiveRun:
    """Ideas arrive one by one, as in the room: placed at once, re-clustered at the fifth idea, every
    ``every`` ideas after it, and after the last."""
    params = _params(topic)
    shown: ThemeMap | None = None
    arrived: list[IdeaVector] = []
    stability: list[float] = []
    counts: list[tuple[int, int]] = []
    halved: list[str] = []
    seconds = 0.0
    for k, idea in enumerate(ideas, 1):
        arrived.append(idea)
        if shown is not None:
            shown = add_idea(shown, idea)
        if k == FIRST or (k > FIRST and (k - FIRST) % every == 0) or k == len(ideas):
            start = time.perf_counter()
            fresh = _recluster(arrived, shown, params)
            seconds += time.perf_counter() - start
            if shown is not None:
                share, themed = stayed(shown, fresh)
                if themed:
                    stability.append(share)
                if len(shown.themes) >= 2 and 2 * len(fresh.themes) <= len(shown.themes):
                    halved.append(f"{len(shown.themes)} -> {len(fresh.themes)} at idea {k}")
            counts.append((k, len(fresh.themes)))
            shown = fresh
    assert shown is not None, "a set needs at least one idea"
    return LiveRun(shown, stability, counts, halved, seconds)


# --- one set ---------------------------------------------------------------------------------


def report(data: LabelledSet, vectors: NDArray[np.float32], every: int) -> dict[str, Any]:
    """Play one set and print its numbers; returns them too."""
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]

    ideas = [
        IdeaVector(i, t, tab, vectors[k])
        for k, (i, t, tab) in enumerate(zip(data.ids, data.texts, data.tables, strict=True))
    ]
    true_k = len(set(data.labels))
    run = play(ideas, every, data.topic)
    found = membership(run.final, data.ids)
    themed = [not f.startswith("alone:") for f in found]
    whole = membership(recluster(ideas, (), _params(data.topic)), data.ids)
    known = KMeans(true_k, n_init=10, random_state=0).fit_predict(vectors).tolist()
    labels = [t.label for t in run.final.themes]
    problems = label_problems(labels, data.topic)
    readable = sum(not p for p in problems)
    effort = curate(data.labels, found, themed)
    out = {
        "set": data.name,
        "ideas": len(ideas),
        "true_themes": true_k,
        "themes": len(run.final.themes),
        "unthemed": len(run.final.unthemed),
        "nmi": nmi(data.labels, found),
        "ari": ari(data.labels, found),
        "whole_nmi": nmi(data.labels, whole),
        "whole_ari": ari(data.labels, whole),
        "whole_themes": len({w for w in whole if not w.startswith("alone:")}),
        "kmeans_nmi": nmi(data.labels, known),
        "kmeans_ari": ari(data.labels, known),
        "stability_mean": float(np.mean(run.stability)) if run.stability else 1.0,
        "stability_min": float(np.min(run.stability)) if run.stability else 1.0,
        "stability_90": float(np.mean(np.array(run.stability) >= 0.9)) if run.stability else 1.0,
        "reclusterings": len(run.counts),
        "halved": run.halved,
        "labels_readable": readable / len(labels) if labels else 1.0,
        "edits": effort.edits if effort.reached else None,
        "recluster_s": run.seconds,
    }
    print(
        f"{data.name}: {len(ideas)} ideas, {true_k} true themes; re-clustered {len(run.counts)} times "
        f"(every {every} ideas), {run.seconds:.1f} s in all"
    )
    print(
        f"  live, k unknown:        NMI {out['nmi']:.3f}  ARI {out['ari']:.3f}  themes {out['themes']} for {true_k} "
        f"({len(run.final.themes) / true_k:.1f}x), {out['unthemed']} ideas in no theme"
    )
    print(
        f"  one re-clustering, all: NMI {out['whole_nmi']:.3f}  ARI {out['whole_ari']:.3f}  "
        f"themes {out['whole_themes']}"
    )
    print(f"  k-means, k={true_k} given:   NMI {out['kmeans_nmi']:.3f}  ARI {out['kmeans_ari']:.3f}")
    counts = " ".join(str(c) for _, c in run.counts)
    print(
        f"  stability: mean {out['stability_mean']:.0%}, worst {out['stability_min']:.0%}, "
        f"{out['stability_90']:.0%} of re-clusterings >= 90%; count halved: "
        f"{'; '.join(run.halved) if run.halved else 'never'}"
    )
    print(f"  themes after each re-clustering: {counts}")
    print(f"  labels readable: {readable}/{len(labels)} ({out['labels_readable']:.0%})")
    for label, why in [(lab, p) for lab, p in zip(labels, problems, strict=True) if p][:4]:
        print(f"    {label!r}: {'; '.join(why)}")
    print(f"  curation to NMI >= {TARGET_NMI}: {effort}")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Run the realistic benchmark and print its numbers (``--quick`` for a CI smoke run)."""
    parser = argparse.ArgumentParser(prog="bench.themes_real", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the Pol.is sets and 120 growing-older ideas (CI smoke)")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER, help=f"encoder name (default {DEFAULT_ENCODER})")
    parser.add_argument("--every", type=int, default=20, help="re-cluster every N ideas (default 20)")
    parser.add_argument("--public-size", type=int, default=1000, help="ideas drawn from each public set (0: none)")
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--cache", type=Path, help="folder to keep the vectors between runs")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    print(
        f"realistic themes benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"live protocol: add_idea per idea, re-cluster at idea {FIRST} and every {args.every}"
    )
    encoder: Encoder = load_encoder(args.encoder)
    print(f"encoder {encoder.name}")
    entries = json.loads((SETS_DIR / "sets.json").read_text())
    chosen: list[LabelledSet] = []
    if args.quick:
        chosen = [
            load_real(e, QUICK_IDEAS)
            for e in entries
            if e["name"] in ("polis-london", "polis-seattle", "growing-older")
        ]
    else:
        chosen = [load_real(e) for e in entries]
        if args.public_size and (PUBLIC_DATA / PUBLIC[0] / "data.csv").exists():
            chosen += [load_public(name, args.public_size) for name in PUBLIC]
    if args.sets:
        wanted = set(args.sets.split(","))
        chosen = [s for s in chosen if s.name in wanted]
    results = []
    with blas(1):
        for data in chosen:
            vectors, _ = encode(encoder, data.texts, args.cache, f"real-{data.name}")
            results.append(report(data, vectors, args.every))
    if args.json:
        args.json.write_text(json.dumps({"encoder": encoder.name, "every": args.every, "sets": results}, indent=1))


if __name__ == "__main__":
    main()
