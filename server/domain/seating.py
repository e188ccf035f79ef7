"""Seat a whole system at tables: max-mix tables (each a microcosm of the room) or stakeholder tables.

Everything here is pure and seeded: the same people, tables and seed give the same plan.

**Parts.** Each person has the parts of the system they said they belong to (several, or none).
A person with *k* parts counts 1/*k* towards each; a person who said nothing (or
``prefer_not_to_say``) counts 1 towards one more category, "not said", so those people are spread
like any part and never skew a table's mix.

**Mix score.** The room's proportions ``P`` are each category's share of everyone. A table's score
is the total variation distance between its own proportions and the room's,
``½ Σ_c |w_tc / n_t − P_c|`` (0 = a perfect microcosm, 1 = nothing in common with the room). A
plan's score is the tables' scores averaged with their sizes as weights, which is
``Σ_t Σ_c |w_tc − n_t P_c| / 2N``: the share of the room that would have to change seats, counted
in people, for every table to mirror the room exactly. Small tables cannot mirror twelve parts,
so the best possible score of a real room is above 0; compare plans with each other.

**Max-mix** (``max_mix``): table sizes are fixed first (balanced: they differ by at most one
unless capacities or people who must stay say otherwise). People are then dealt rarest part
first, each to the table that needs their parts most (the seat that lowers the score most,
emptier tables and a seeded order breaking ties). A bounded local search then swaps people of
different kinds between tables while a swap lowers the score: people with the same parts are
interchangeable for the mix, so the search works per pair of kinds and, for each, finds the best
pair of tables at once (the change splits into one term per table).

**Stakeholder** (``stakeholder``): people of one part sit together. Each part fills whole
tables while it has enough people, and what is left of each part (largest first) goes to the
table with the least room that holds it whole, split only when no table can. People with several
parts join the one whose leftover is nearest a full table; people who said nothing fill the
remaining seats.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .model import PREFER_NOT_TO_SAY


class SeatingError(ValueError):
    """Seating input that cannot be planned: ``code`` says what (stable), the message names the table
    or person. Not a protocol error: no command takes seating input from a client yet."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


NOT_SAID = ""  # the category of people who said no part (or prefer not to say)
UNSAID = frozenset({"", PREFER_NOT_TO_SAY})
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Plan:
    """Where everyone sits, and how well each table mirrors the room."""

    seats: dict[str, str]  # person -> table
    tables: dict[str, tuple[str, ...]]  # table -> people (every table, empty ones too)
    score: float  # the plan's mix score (0 = every table a perfect microcosm)
    table_scores: dict[str, float]  # each table's mix score
    together: float  # share of people with a part whose table's main part is one of theirs


def kinds(parts: Iterable[str]) -> tuple[str, ...]:
    """A person's categories: their parts, sorted and without repeats, or ``("",)`` for not said."""
    said = sorted({p for p in parts if p not in UNSAID})
    return tuple(said) or (NOT_SAID,)


def _weights(people: Iterable[tuple[str, ...]]) -> dict[str, float]:
    """Each category's weight in a room of people given as their categories."""
    weight: dict[str, float] = defaultdict(float)
    for ks in people:
        for c in ks:
            weight[c] += 1 / len(ks)
    return weight


# --- validation and table sizes -----------------------------------------------------------------


def _check(
    people: Mapping[str, Sequence[str]],
    tables: Sequence[str],
    capacity: Mapping[str, int | None] | None,
    fixed: Mapping[str, str] | None,
) -> tuple[list[int], list[int | None]]:
    """Refuse bad input with a clear error; answer each table's people who must stay and capacity."""
    if not tables:
        raise SeatingError("no_tables", "seating needs at least one table", field="tables")
    if len(set(tables)) != len(tables):
        twice = sorted(t for t, n in Counter(tables).items() if n > 1)
        raise SeatingError("duplicate_table", f"table {twice[0]!r} is listed twice", field="tables")
    index = {t: i for i, t in enumerate(tables)}
    caps: list[int | None] = [None] * len(tables)
    for table_id, cap in (capacity or {}).items():
        if table_id not in index:
            raise SeatingError("unknown_table", f"capacity given for unknown table {table_id!r}", field="capacity")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise SeatingError(
                "bad_capacity",
                f"table {table_id!r}: capacity must be a whole number ≥ 0, not {cap!r}",
                field="capacity",
            )
        caps[index[table_id]] = cap
    staying = [0] * len(tables)
    for person, table_id in (fixed or {}).items():
        if person not in people:
            raise SeatingError("unknown_person", f"{person!r} must stay but is not among the people", field="fixed")
        if table_id not in index:
            raise SeatingError("unknown_table", f"{person!r} must stay at unknown table {table_id!r}", field="fixed")
        staying[index[table_id]] += 1
    for i, table_id in enumerate(tables):
        cap = caps[i]
        if cap is not None and staying[i] > cap:
            raise SeatingError(
                "over_capacity", f"table {table_id!r} seats {cap} but {staying[i]} must stay there", field="fixed"
            )
    if all(c is not None for c in caps):
        room = sum(c for c in caps if c is not None)
        if len(people) > room:
            raise SeatingError("over_capacity", f"{len(people)} people but the tables seat {room}", field="capacity")
    return staying, caps


def sizes(people: int, staying: Sequence[int], caps: Sequence[int | None]) -> list[int]:
    """Balanced table sizes: as equal as possible, never below who must stay nor above capacity.

    Water-filling: every table gets ``clamp(L, staying, capacity)`` for the largest level ``L``
    that fits, and the first tables (in the given order) with room take one more each until
    everyone has a seat.
    """
    hi = [people if c is None else c for c in caps]

    def filled(level: int) -> list[int]:
        return [min(max(level, lo), h) for lo, h in zip(staying, hi, strict=True)]

    low, high = 0, people
    while low < high:  # the largest level whose total fits
        mid = (low + high + 1) // 2
        if sum(filled(mid)) <= people:
            low = mid
        else:
            high = mid - 1
    out = filled(low)
    left = people - sum(out)
    for i in range(len(out)):
        if left and staying[i] <= low < hi[i]:
            out[i] += 1
            left -= 1
    return out


# --- the room as arrays ---------------------------------------------------------------------------


class _Room:
    """People as kinds (same parts = interchangeable for the mix), tables as rows of weights."""

    def __init__(
        self,
        people: Mapping[str, Sequence[str]],
        tables: Sequence[str],
        capacity: Mapping[str, int | None] | None,
        fixed: Mapping[str, str] | None,
    ) -> None:
        staying, caps = _check(people, tables, capacity, fixed)
        self.tables = list(tables)
        self.index = {t: i for i, t in enumerate(tables)}
        self.fixed = dict(fixed or {})
        self.kind_of = {p: kinds(parts) for p, parts in people.items()}
        weight = _weights(self.kind_of.values())
        n = max(len(people), 1)
        # categories rarest first (ties by name): the dealing order
        self.cats = sorted(weight, key=lambda c: (weight[c], c))
        self.cat = {c: i for i, c in enumerate(self.cats)}
        self.share = np.array([weight[c] / n for c in self.cats])
        self.kinds = sorted(set(self.kind_of.values()))
        self.kind = {k: i for i, k in enumerate(self.kinds)}
        self.vec = np.zeros((len(self.kinds), len(self.cats)))
        for k, ks in enumerate(self.kinds):
            for c in ks:
                self.vec[k, self.cat[c]] = 1 / len(ks)
        self.size = np.array(sizes(len(people), staying, caps), dtype=float)
        self.dev = -np.outer(self.size, self.share)  # weights seated minus the table's fair share
        self.count = np.zeros(len(tables), dtype=int)
        self.seats: dict[str, int] = {}
        # free people by table and kind (the ones a swap may move)
        self.free: list[dict[int, list[str]]] = [defaultdict(list) for _ in tables]
        self.nfree = np.zeros((len(tables), len(self.kinds)), dtype=int)
        for person, table_id in sorted(self.fixed.items()):
            self._seat(person, self.index[table_id], movable=False)

    def _seat(self, person: str, t: int, *, movable: bool = True) -> None:
        k = self.kind[self.kind_of[person]]
        self.dev[t] += self.vec[k]
        self.count[t] += 1
        self.seats[person] = t
        if movable:
            self.free[t][k].append(person)
            self.nfree[t, k] += 1

    def plan(self) -> Plan:
        seats = {p: self.tables[t] for p, t in self.seats.items()}
        at: dict[str, list[str]] = {t: [] for t in self.tables}
        for person, table_id in seats.items():
            at[table_id].append(person)
        return _scored(seats, {t: tuple(sorted(m)) for t, m in at.items()}, self.kind_of, self.cats, self.share)


def _scored(
    seats: dict[str, str],
    at: dict[str, tuple[str, ...]],
    kind_of: Mapping[str, tuple[str, ...]],
    cats: Sequence[str],
    share: np.ndarray,
) -> Plan:
    cat = {c: i for i, c in enumerate(cats)}
    table_scores: dict[str, float] = {}
    total = 0.0
    together = said = 0
    for table_id, members in at.items():
        w = np.zeros(len(cats))
        for person in members:
            for c in kind_of[person]:
                w[cat[c]] += 1 / len(kind_of[person])
        gap = float(np.abs(w - len(members) * share).sum()) / 2
        total += gap
        table_scores[table_id] = gap / len(members) if members else 0.0
        parts_only = [(w[cat[c]], c) for c in cats if c != NOT_SAID and w[cat[c]] > 0]
        main = max(parts_only)[1] if parts_only else None
        for person in members:
            if kind_of[person] != (NOT_SAID,):
                said += 1
                together += main in kind_of[person]
    n = len(seats)
    return Plan(seats, at, total / n if n else 0.0, table_scores, together / said if said else 1.0)


def score(people: Mapping[str, Sequence[str]], seats: Mapping[str, str]) -> Plan:
    """The mix score of any seating (``seats``: person -> table) of ``people`` (person -> parts)."""
    missing = sorted(set(people) - set(seats))
    if missing:
        raise SeatingError("unseated", f"{missing[0]!r} has no seat", field="seats")
    kind_of = {p: kinds(parts) for p, parts in people.items()}
    weight = _weights(kind_of.values())
    cats = sorted(weight, key=lambda c: (weight[c], c))
    share = np.array([weight[c] / max(len(people), 1) for c in cats])
    at: dict[str, list[str]] = defaultdict(list)
    for person in people:
        at[seats[person]].append(person)
    return _scored({p: seats[p] for p in people}, {t: tuple(sorted(m)) for t, m in at.items()}, kind_of, cats, share)


# --- max-mix --------------------------------------------------------------------------------------


def max_mix(
    people: Mapping[str, Sequence[str]],
    tables: Sequence[str],
    *,
    capacity: Mapping[str, int | None] | None = None,
    fixed: Mapping[str, str] | None = None,
    seed: str | int = 0,
    sweeps: int = 3,
    polish: int = 0,
) -> Plan:
    """Tables that each mirror the room's mix of parts, sizes balanced.

    ``people``: person -> parts; ``tables``: table ids in order; ``capacity``: table -> most
    people (missing or ``None``: no limit); ``fixed``: person -> table for people who must stay
    there (hosts). ``sweeps`` bounds the local search; ``polish`` > 0 adds that many rounds of
    perturb-and-search (slow: a reference for benchmarks, not for the live room).
    """
    room = _Room(people, tables, capacity, fixed)
    rng = random.Random(f"max-mix:{seed}")
    _deal(room, [p for p in people if p not in room.fixed], rng)
    _search(room, sweeps)
    if polish:
        _polish(room, polish, rng)
    return room.plan()


def _deal(room: _Room, free: list[str], rng: random.Random) -> None:
    """Rarest part first, each person to the table whose fair share of their parts is least met."""
    order = {c: i for i, c in enumerate(room.cats)}
    keyed = [(min(order[c] for c in room.kind_of[p]), rng.random(), p) for p in sorted(free)]
    tiebreak = np.array([rng.random() for _ in room.tables]) * 1e-6
    for _, _, person in sorted(keyed):
        k = room.kind[room.kind_of[person]]
        cols = np.flatnonzero(room.vec[k])
        d = room.dev[:, cols]
        gain = (np.abs(d + room.vec[k, cols]) - np.abs(d)).sum(axis=1)
        full = room.count >= room.size
        key = gain + 1e-3 * room.count / np.maximum(room.size, 1) + tiebreak
        key[full] = np.inf
        room._seat(person, int(np.argmin(key)))


def _search(room: _Room, sweeps: int) -> int:
    """Swap people of two kinds between two tables while that lowers the score; answer the swaps made.

    For kinds A and B the change of a swap is ``f1[t1] + f2[t2]`` (A leaves t1 for B, B leaves
    t2 for A), so the best swap of the pair is found from two vectors over the tables.
    """
    made = 0
    nk = len(room.kinds)
    for _ in range(sweeps):
        before = made
        for a in range(nk):
            for b in range(a + 1, nk):
                made += _best_swaps(room, a, b)
        if made == before:
            break
    return made


def _best_swaps(room: _Room, a: int, b: int, limit: int = 50) -> int:
    has_a, has_b = room.nfree[:, a] > 0, room.nfree[:, b] > 0
    if not has_a.any() or not has_b.any():
        return 0
    diff = room.vec[b] - room.vec[a]
    cols = np.flatnonzero(diff)
    step = diff[cols]
    made = 0
    while made < limit:
        d = room.dev[:, cols]
        base = np.abs(d).sum(axis=1)
        f1 = np.where(has_a, np.abs(d + step).sum(axis=1) - base, np.inf)
        f2 = np.where(has_b, np.abs(d - step).sum(axis=1) - base, np.inf)
        t1, t2 = int(np.argmin(f1)), int(np.argmin(f2))
        if t1 == t2:  # the same table: the better of the two second bests
            f1b, f2b = f1.copy(), f2.copy()
            f1b[t1], f2b[t2] = np.inf, np.inf
            u1, u2 = int(np.argmin(f1b)), int(np.argmin(f2b))
            t1, t2 = (u1, t2) if f1[u1] + f2[t2] <= f1[t1] + f2[u2] else (t1, u2)
        if not np.isfinite(f1[t1] + f2[t2]) or f1[t1] + f2[t2] >= -_EPS:
            return made
        _swap(room, a, t1, b, t2)
        made += 1
        has_a[t1] = room.nfree[t1, a] > 0
        has_b[t2] = room.nfree[t2, b] > 0
        has_a[t2] = True
        has_b[t1] = True
    return made


def _swap(room: _Room, a: int, t1: int, b: int, t2: int) -> None:
    pa, pb = room.free[t1][a].pop(), room.free[t2][b].pop()
    room.nfree[t1, a] -= 1
    room.nfree[t2, b] -= 1
    room.dev[t1] -= room.vec[a]
    room.dev[t2] -= room.vec[b]
    room.count[t1] -= 1
    room.count[t2] -= 1
    room._seat(pa, t2)
    room._seat(pb, t1)


def _polish(room: _Room, rounds: int, rng: random.Random, sweeps: int = 50) -> None:
    """Iterated local search: search to the end, then shake a few random swaps, search again, and
    keep the best seating seen (``sweeps`` per search, whatever the planner's own bound)."""
    _search(room, sweeps)
    best = float(np.abs(room.dev).sum())
    kept = {p: t for p, t in room.seats.items()}
    for _ in range(rounds):
        for _ in range(max(2, len(room.seats) // 50)):
            t1, t2 = rng.randrange(len(room.tables)), rng.randrange(len(room.tables))
            ka = [k for k, m in room.free[t1].items() if m]
            kb = [k for k, m in room.free[t2].items() if m]
            if t1 != t2 and ka and kb:
                _swap(room, rng.choice(ka), t1, rng.choice(kb), t2)
        _search(room, sweeps)
        now = float(np.abs(room.dev).sum())
        if now < best - _EPS:
            best, kept = now, dict(room.seats)
    _reseat(room, kept)


def _reseat(room: _Room, seats: Mapping[str, int]) -> None:
    room.dev = -np.outer(room.size, room.share)
    room.count[:] = 0
    room.nfree[:] = 0
    room.free = [defaultdict(list) for _ in room.tables]
    room.seats = {}
    for person, t in sorted(seats.items()):
        room._seat(person, t, movable=person not in room.fixed)


# --- stakeholder tables ---------------------------------------------------------------------------


def stakeholder(
    people: Mapping[str, Sequence[str]],
    tables: Sequence[str],
    *,
    capacity: Mapping[str, int | None] | None = None,
    fixed: Mapping[str, str] | None = None,
    seed: str | int = 0,
) -> Plan:
    """Tables of one part each as far as sizes allow (Future Search's stakeholder groups)."""
    room = _Room(people, tables, capacity, fixed)
    rng = random.Random(f"stakeholder:{seed}")
    free = sorted(p for p in people if p not in room.fixed)
    rng.shuffle(free)
    typical = max(1, round(float(room.size.mean())))
    # each person joins one group: their part, or for several parts the one whose leftover is nearest a full table
    groups: dict[str, list[str]] = defaultdict(list)
    several = []
    for person in free:
        ks = room.kind_of[person]
        if len(ks) == 1:
            groups[ks[0]].append(person)
        else:
            several.append(person)
    for person in several:
        best = max(room.kind_of[person], key=lambda c: (len(groups[c]) % typical, -room.cat[c]))
        groups[best].append(person)
    room_left = [int(s) - int(c) for s, c in zip(room.size, room.count, strict=True)]
    # a table whose stayers share a part is that part's first table
    home: dict[str, list[int]] = defaultdict(list)
    for t in range(len(tables)):
        said = Counter(c for p in room.seats if room.seats[p] == t for c in room.kind_of[p])
        if said:
            home[max(said, key=lambda c: (said[c], c))].append(t)
    order = sorted((g for g in groups if g != NOT_SAID), key=lambda g: (-len(groups[g]), g))
    if NOT_SAID in groups:
        order.append(NOT_SAID)
    leftovers: list[tuple[str, list[str]]] = []
    for g in order:
        members = groups[g]
        for t in home.get(g, []):  # fill the part's own tables first
            take, members = members[: room_left[t]], members[room_left[t] :]
            for person in take:
                room._seat(person, t)
            room_left[t] -= len(take)
        while members:  # then whole empty tables while the part fills one
            empty = [t for t in range(len(tables)) if room_left[t] and room.count[t] == 0]
            fits = [t for t in empty if room_left[t] <= len(members)]
            if not fits:
                break
            t = max(fits, key=lambda t: (room_left[t], -t))
            for person in members[: room_left[t]]:
                room._seat(person, t)
            members = members[room_left[t] :]
            room_left[t] = 0
        if members:
            leftovers.append((g, members))
    # what is left of each part, largest first: the tightest table that holds it whole, else split
    leftovers.sort(key=lambda gm: (gm[0] == NOT_SAID, -len(gm[1]), gm[0]))
    for _, members in leftovers:
        while members:
            whole = [t for t in range(len(tables)) if room_left[t] >= len(members)]
            if whole:
                t = min(whole, key=lambda t: (room_left[t], t))
            else:
                t = max(range(len(tables)), key=lambda t: (room_left[t], -t))
            take, members = members[: room_left[t]], members[room_left[t] :]
            for person in take:
                room._seat(person, t)
            room_left[t] -= len(take)
    return room.plan()


# --- late arrivals --------------------------------------------------------------------------------


def late_arrival(
    parts: Sequence[str],
    people: Mapping[str, Sequence[str]],
    seats: Mapping[str, str],
    tables: Sequence[str],
    *,
    capacity: Mapping[str, int | None] | None = None,
) -> str:
    """The table for one more person with ``parts``: the one where they improve the mix most.

    The room's proportions include the newcomer. Only tables with room, and no bigger than the
    smallest table plus one, are candidates (so late arrivals never unbalance the room by more
    than one seat); ties go to the smallest table, then the first in ``tables``' order.
    """
    _check(people, tables, capacity, None)
    caps = {t: c for t, c in (capacity or {}).items()}
    unknown = sorted({t for t in seats.values() if t not in set(tables)})
    if unknown:
        raise SeatingError("unknown_table", f"someone is seated at unknown table {unknown[0]!r}", field="seats")
    everyone = {**{p: people[p] for p in people}, "\0newcomer": tuple(parts)}
    kind_of = {p: kinds(ps) for p, ps in everyone.items()}
    weight = _weights(kind_of.values())
    n = len(everyone)
    share = {c: weight[c] / n for c in weight}
    at: dict[str, dict[str, float]] = {t: defaultdict(float) for t in tables}
    size = dict.fromkeys(tables, 0)
    for person, table_id in seats.items():
        size[table_id] += 1
        for c in kind_of[person]:
            at[table_id][c] += 1 / len(kind_of[person])
    smallest = min(size.values())
    candidates = [t for t in tables if size[t] <= smallest + 1 and (caps.get(t) is None or size[t] < (caps[t] or 0))]
    if not candidates:
        raise SeatingError("over_capacity", "every table is full", field="capacity")
    mine = kind_of["\0newcomer"]

    def gap(w: Mapping[str, float], m: int) -> float:
        return sum(abs(w.get(c, 0.0) - m * share[c]) for c in share)

    def change(t: str) -> float:
        after = defaultdict(float, at[t])
        for c in mine:
            after[c] += 1 / len(mine)
        return gap(after, size[t] + 1) - gap(at[t], size[t])

    return min(candidates, key=lambda t: (round(change(t), 9), size[t], tables.index(t)))
