"""Live themes for one room: embed each new idea in a worker process, place it at once, re-cluster
the whole picture in another worker process shortly after ideas stop coming (or every few seconds
while they keep coming), and send the result to the screens: the whole picture to the staff screens,
and to each phone the stable themes of its own table's ideas. The server process never runs the
model, so a burst of ideas cannot slow the room's event loop: at worst the themes lag behind.

The model is loaded at start-up, in the embedding worker (:func:`prepare`), so the first ideas do not
wait for it. Vectors are a cache (``idea_vector`` table), derived from the ideas' text; the themes
are derived from the vectors and the facilitator's curation entries, so a replay computes the same
themes. Embedding again is not bit-identical (batching moves the last bits), so an exported
transcript carries the vectors and an import stores them (``domain/transcript_file.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

import numpy as np

from ..domain.capture import shared
from ..domain.model import Entry, EventState, Idea
from ..domain.phone_themes import Seen, remember, shown_to_phones
from ..domain.themes import (
    IdeaVector,
    Theme,
    ThemeMap,
    ThemeParams,
    add_idea,
    edit_from_entry,
    recluster,
    remove_idea,
    subthemes,
)
from ..domain.themes import fold as fold_curation
from ..domain.themes.languages import centre_by_language
from ..domain.themes.records import Frame
from ..domain.themes.suggest import MOST, suggest
from ..encoders.encoder import EncoderUnavailable, event_encoder, vector_key
from ..storage.store import Store
from . import metrics

log = logging.getLogger("wholeroom.themes")

# When the whole picture is computed again (the room places each new idea at once in between):
QUIET_S = 0.5  # ... this long after the last new idea, when none has come since
FIRST_S = 1.0  # ... and, while ideas keep coming, the first picture waits at most this long
EVERY_S = 3.0  # ... later ones at most this long (WHOLEROOM_THEMES_EVERY_S)
EDIT_S = 0.2  # ... this soon after the facilitator shapes a theme
AGAIN_S = 0.1  # ... and this soon after one that held moves back, while the picture settles
SETTLE_MAX = 30  # ... at most this many times in a row without a new idea or edit
EMBED_BATCH = 64

_encoders: dict[str, Any] = {}
_encoder_lock = threading.Lock()
_pools: dict[str, ProcessPoolExecutor] = {}


def encoder(name: str) -> Any:
    """This process's encoder, loaded once (about a second, 200 MB) from installed files."""
    with _encoder_lock:
        if name not in _encoders:
            from ..encoders import load_encoder

            _encoders[name] = load_encoder(name)
        return _encoders[name]


def embed(name: str, texts: list[str]) -> np.ndarray:
    """Vectors for ``texts`` (runs in the embedding worker process, which keeps the model loaded)."""
    return np.asarray(encoder(name).encode(texts), dtype=np.float32)


def languages(texts: list[str]) -> list[str]:
    """Each text's language ("" when unsure, or when the detector is not installed)."""
    from ..encoders.language import detect

    try:
        return detect(texts)
    except EncoderUnavailable:
        return [""] * len(texts)


def embed_read(name: str, texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Vectors and languages for ``texts``, in the embedding worker."""
    return embed(name, texts), languages(texts)


def event_vector_key(state: EventState, server_encoder: str) -> str:
    """What an event's vectors are kept under: its own encoder's (``themes_encoder``) key."""
    return vector_key(event_encoder(state.themes_encoder, server_encoder))


def _load(name: str) -> float:
    """Load the encoder in this worker process now, and encode one text so that every lazy part of
    it is ready; returns the seconds it took."""
    started = time.perf_counter()
    encoder(name).encode(["ready"])
    return time.perf_counter() - started


def _ready() -> None:
    """Nothing: the clustering worker imports the themes code to run it (about half a second)."""


def prepare(name: str) -> Future[float]:
    """Start both worker processes and load the model in the embedding one, at start-up, so the
    first idea does not wait for it. Returns at once (the server answers meanwhile); the log says
    when the model is loaded, or why it could not be (themes then stay off: the console says so)."""
    started = time.perf_counter()
    log.info("themes: loading encoder %s in the embedding worker (the server answers meanwhile)", name)
    loaded: Future[float] = embedder().submit(_load, name)
    clusterer().submit(_ready)

    def done(future: Future[float]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.error("themes: encoder %s could not be loaded (%s); themes are off", name, exc)
        else:
            seconds = time.perf_counter() - started
            log.info("themes: encoder %s loaded in the embedding worker in %.2f s", name, seconds)

    loaded.add_done_callback(done)
    return loaded


def _background() -> None:
    """Worker processes run at a lower priority: on a small machine the room's own process comes
    first, and the themes catch up when it is quiet (they lag; the room does not). And they end
    with the server: one killed outright (SIGKILL, the machine's OOM killer) runs no shutdown, and
    its workers, holding a model each (~190 MB), would live on. Each worker waits on its parent's
    sentinel (ready once the parent has gone, even if it went before this ran) and then exits."""
    with contextlib.suppress(OSError):
        os.nice(10)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the server process has ended, however it ended
        os._exit(0)

    threading.Thread(target=watch, name="wholeroom-parent-watch", daemon=True).start()


def _pool(role: str) -> Executor:
    """A worker process per heavy job, so that neither embedding (about 10 ms of CPU per idea) nor
    re-clustering (up to a second holding the GIL) ever competes with the event loop for the GIL."""
    if role not in _pools:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # inherited by the workers: one BLAS thread
        _pools[role] = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_background
        )
    return _pools[role]


def clusterer() -> Executor:
    return _pool("cluster")


def embedder() -> Executor:
    return _pool("embed")


def shutdown() -> None:
    """Stop the worker processes (at server shutdown)."""
    for pool in _pools.values():
        pool.shutdown(cancel_futures=True)
    _pools.clear()


def themable(idea: Idea) -> bool:
    return shared(idea)  # never an idea still waiting for a moderator


def theme_ideas(
    state: EventState, vectors: dict[str, np.ndarray], langs: dict[str, str] | None = None
) -> list[IdeaVector]:
    """The ideas a re-clustering reads, in arrival order, each with its language (``langs``, or
    detected now: about 0.06 ms an idea). In a multilingual event their vectors are centred per
    language (``centre_by_language``), so that ideas group by meaning rather than by language."""
    chosen = [i for i in state.ideas.values() if themable(i) and i.id in vectors]
    if langs is None:
        langs = dict(zip((i.id for i in chosen), languages([i.text for i in chosen]), strict=True))
    codes = [langs.get(i.id, "") for i in chosen]
    rows = [vectors[i.id] for i in chosen]
    if chosen and state.themes_encoder == "multilingual":
        rows = list(centre_by_language(np.stack(rows), codes))
    return [
        IdeaVector(i.id, i.text, i.table_id, row, lang=code) for i, row, code in zip(chosen, rows, codes, strict=True)
    ]


def topic_of(state: EventState) -> tuple[str, ...]:
    """The event's own words (its title and what it asked the room): alone, they never name a theme."""
    return (state.title, *dict.fromkeys(s.text for s in state.steps.values() if s.text))


def compute(
    ideas: list[IdeaVector],
    edits: list[tuple[str, dict[str, Any]]],
    topic: tuple[str, ...] = (),
    previous: ThemeMap | None = None,
    language: str = "",
) -> ThemeMap:
    """A re-clustering, in the worker process. Live, from the picture on screen (``previous``: ids
    and labels carry over, a few ideas move at a time); replay and exports, from scratch.
    ``language``: the event's (its wall's and console's), which labels are in when they can be."""
    edited = [edit_from_entry(kind, payload) for kind, payload in edits]
    return recluster(ideas, edited, ThemeParams(topic=topic, language=language), previous=previous)


SUGGESTIONS_KEPT = 12  # computed with each re-clustering; dismissals thin them until the next one
# the sub-themes a split suggestion read, by the theme's ideas, kept in the clustering worker: while
# the facilitator curates a quiet room the themes do not change, and the next suggestions are quick
_split_parts: dict[Any, Any] = {}


def compute_suggested(
    ideas: list[IdeaVector],
    edits: list[tuple[str, dict[str, Any]]],
    topic: tuple[str, ...],
    previous: ThemeMap | None,
    dismissed: list[str],
    language: str = "",
) -> tuple[ThemeMap, list[dict[str, Any]]]:
    """A live re-clustering and the curation suggestions for its picture (domain/themes/suggest.py),
    in the worker process: the facilitator's screens show the top few."""
    theme_map = compute(ideas, edits, topic, previous, language)
    edited = [edit_from_entry(kind, payload) for kind, payload in edits]
    if len(_split_parts) > 256:
        _split_parts.clear()
    found = suggest(
        ideas, theme_map.themes, edited, dismissed, most=SUGGESTIONS_KEPT, topic=topic, split_cache=_split_parts
    )
    return theme_map, [s.to_dict() for s in found]


def shown_suggestions(
    found: list[dict[str, Any]], dismissed: dict[str, None], most: int = MOST
) -> list[dict[str, Any]]:
    """The top ``most`` suggestions none of whose keys the facilitator has dismissed since."""
    return [s for s in found if not any(k in dismissed for k in s["keys"])][:most]


def theme_dict(t: Theme) -> dict[str, Any]:
    """One theme as the screens get it (a top-level theme adds ``pinned`` and ``curated``)."""
    return {
        "id": t.id,
        "label": t.label,
        "idea_ids": list(t.idea_ids),
        "keywords": list(t.keywords),
        "example_idea_id": t.example_idea_id,
        "breadth": len(t.tables),
        "tables": sorted(t.tables, key=lambda x: (len(x), x)),
    }


def themes_dict(theme_map: ThemeMap, state: EventState) -> dict[str, Any]:
    return {
        "themes": [{**theme_dict(t), "pinned": t.pinned, "curated": t.curated} for t in theme_map.themes],
        "unthemed": list(theme_map.unthemed),
        "positions": {i: [round(p.x, 4), round(p.y, 4)] for i, p in theme_map.positions.items()},
    }


def drill(ideas: list[IdeaVector], theme: dict[str, Any], topic: tuple[str, ...]) -> list[dict[str, Any]]:
    """A theme of the picture on screen (a ``themes_dict`` row) divided finer, on demand (runs in
    the clustering worker): its sub-themes as ``themes_dict`` rows, none when it has no finer parts."""
    one = Theme(
        theme["id"],
        theme["label"],
        tuple(theme["idea_ids"]),
        tuple(theme.get("keywords", ())),
        theme.get("example_idea_id") or theme["idea_ids"][0],
        frozenset(theme.get("tables", ())),
    )
    dim = len(ideas[0].vector) if ideas else 1
    alone = ThemeMap((one,), (), {}, (), Frame(np.zeros((2, dim)), np.zeros(2), 1.0))
    return [theme_dict(t) for t in subthemes(ideas, alone, theme["id"], topic)]


def named_labels(state: EventState) -> dict[str, str]:
    """The labels the facilitator gave, by theme id."""
    return fold_curation([edit_from_entry(kind, payload) for kind, payload in state.theme_edits]).labels


class ThemeEngine:
    """The themes of one room, kept by the worker that holds the event's themes lease.

    Each new idea is embedded and placed at once (``add_idea``); the whole picture is re-clustered
    ``QUIET_S`` after the last new idea or, while ideas keep coming, at most ``FIRST_S`` (the first
    picture) or ``every_s`` (later ones) after the first idea not yet re-clustered; ``EDIT_S`` after
    a curation edit; and ``AGAIN_S`` after one that held moves back (``held_back``: the picture
    moves towards the best clustering a few ideas at a time, from the one on screen), at most
    ``SETTLE_MAX`` times in a row. One
    re-clustering runs at a time, and the next waits at least as long as the last one took (so
    themes never take more than half a core). A picture is published once: one equal to the last
    one published is not sent again.
    """

    def __init__(self, room: Any, store: Store, model: str, every_s: float = EVERY_S) -> None:
        self.room, self.store, self.model, self.every_s = room, store, model, every_s
        self.key = vector_key(model)  # what the vectors are stored under
        self.vectors: dict[str, np.ndarray] = {}
        self.langs: dict[str, str] = {}  # each embedded idea's language ("" when unsure)
        self.language = ""  # the event's (its wall's and console's): labels in it when they can be (re-read each time)
        self.map: ThemeMap | None = None
        self.suggestions: list[dict[str, Any]] = []  # for the picture last re-clustered, strongest first
        self.active = False  # this worker holds the event's themes lease (the only one that embeds)
        self.failed: str | None = None
        self.steady: dict[str, Seen] = {}  # what phones know of each theme (domain/phone_themes.py)
        self.recluster_seconds = 0.0
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._publish = False
        self._steady_changed = False
        self._dirty_since: float | None = None  # when the first idea not yet re-clustered was placed
        self._last_placed = 0.0
        self._edit_due: float | None = None
        self._again_due: float | None = None  # the last re-clustering held moves back: another, soon
        self._settling = 0  # re-clusterings in a row that only settled the picture
        self._clustering = False
        self._clustered_at = 0.0
        self._sent: tuple[dict[str, Any], dict[str, Any], list[Any]] | None = None  # (view, phones, suggestions)

    async def run(self) -> None:
        """Follow the room while this worker holds the themes lease: embed, re-cluster when due, publish."""
        try:
            while True:
                due = None if self._clustering else self._due()
                timeout = None if due is None else max(0.0, due - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
                if not self.active:
                    continue
                await self._embed_pending()
                due = self._due()
                if not self._clustering and due is not None and time.monotonic() >= due:
                    self._clustering = True
                    self.room.spawn(self._recluster())
                if self._publish and self.map is not None:
                    self._publish = False
                    self._send()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a missing model must not take the room down: say so on the console
            self.failed = f"themes are off: {exc}"
            log.exception("themes failed for event %s", self.room.event_id)

    def _due(self) -> float | None:
        """When the next re-clustering should start (None: nothing new to re-cluster)."""
        due: list[float] = []
        if self._dirty_since is not None:
            longest = FIRST_S if self.map is None else self.every_s
            due.append(min(self._last_placed + QUIET_S, self._dirty_since + longest))
        due += [t for t in (self._edit_due, self._again_due) if t is not None]
        if not due:
            return None
        return max(min(due), self._clustered_at + self.recluster_seconds)

    async def _take_over(self) -> None:
        """Just became the worker that does themes: read the cached vectors, embed what is missing."""
        stored = await asyncio.to_thread(self.store.vectors, self.room.event_id, self.key)
        self.vectors = {i: np.frombuffer(b, dtype=np.float32) for i, b in stored.items()}
        ideas = self.room.state.ideas
        known = [i for i in self.vectors if i in ideas]
        read = await asyncio.get_running_loop().run_in_executor(embedder(), languages, [ideas[i].text for i in known])
        self.langs = dict(zip(known, read, strict=True))
        self._pending = [i.id for i in self.room.state.ideas.values() if themable(i) and i.id not in self.vectors]
        self.map = None
        self.suggestions = []
        self.steady = dict(self.room.steady)  # what the last holder told phones: they keep their labels
        self._sent = None
        self._edit_due = 0.0 if self.vectors else None
        self._wake.set()

    def on_entry(self, entry: Entry) -> None:
        if not self.active:
            return
        kind, p = entry.kind, entry.payload
        if kind in ("idea.submitted", "idea.restored", "idea.approved"):
            idea = self.room.state.ideas.get(p["idea_id"])
            if idea is not None and themable(idea):
                self._pending.append(idea.id)
                self._wake.set()
        elif kind == "idea.hidden" and self.map is not None:
            tables = {i.id: i.table_id for i in self.room.state.ideas.values()}
            self.map = remove_idea(self.map, p["idea_id"], tables)
            self._publish = True
            self._wake.set()
        elif kind == "participant.erased":  # their ideas' words leave the themes (and their vectors)
            ideas = self.room.state.ideas.values()
            erased = [i.id for i in ideas if i.participant_id == p["participant_id"] and not i.anonymous]
            tables = {i.id: i.table_id for i in self.room.state.ideas.values()}
            for idea_id in erased:
                self.vectors.pop(idea_id, None)
                self.langs.pop(idea_id, None)
                if self.map is not None:
                    self.map = remove_idea(self.map, idea_id, tables)
            self._publish = self.map is not None
            self._wake.set()
        elif kind == "theme.dismissed" and self.map is not None:  # shown no more, at once
            self._publish = True
            self._wake.set()
        elif kind in CURATION_KINDS:
            if self.suggestions:  # they were about the picture before this edit: new ones come with the next
                self.suggestions = []
                self._publish = self.map is not None
            self._edit_due = min(self._edit_due or float("inf"), time.monotonic() + EDIT_S)
            self._wake.set()

    async def _embed_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:EMBED_BATCH], self._pending[EMBED_BATCH:]
            known = self.room.state.ideas
            ideas = list({i: known[i] for i in batch if i in known and i not in self.vectors}.values())  # once each
            if not ideas:
                continue
            loop = asyncio.get_running_loop()
            vectors, langs = await loop.run_in_executor(embedder(), embed_read, self.model, [i.text for i in ideas])
            fresh = {idea.id: np.asarray(v, dtype=np.float32) for idea, v in zip(ideas, vectors, strict=True)}
            self.vectors.update(fresh)
            self.langs.update(zip(fresh, langs, strict=True))
            await asyncio.to_thread(
                self.store.save_vectors, self.room.event_id, self.key, {i: v.tobytes() for i, v in fresh.items()}
            )
            state = self.room.state
            if state.themes_encoder == "multilingual":  # centred as the next re-clustering will
                placed = {i.id: i for i in theme_ideas(state, self.vectors, self.langs) if i.id in fresh}
            else:
                placed = {
                    i.id: IdeaVector(i.id, i.text, i.table_id, fresh[i.id], lang=self.langs.get(i.id, ""))
                    for i in ideas
                    if themable(state.ideas[i.id])
                }
            for idea in ideas:
                if self.map is not None and idea.id in placed:
                    self.map = add_idea(self.map, placed[idea.id])
            now = time.monotonic()
            self._last_placed = now
            if self._dirty_since is None:
                self._dirty_since = now
            self._publish = True

    async def tick(self) -> None:
        """Called once a second by the room: keep (or take over) the lease."""
        held = await self.room.lease(f"themes:{self.room.event_id}")
        if held and not self.active:
            self.active = True
            await self._take_over()
        self.active = held

    async def _recluster(self) -> None:
        """One full re-clustering, in the clustering worker; ideas placed meanwhile are placed again."""
        only_settling = self._dirty_since is None and self._edit_due is None  # no new idea nor edit
        self._dirty_since = self._edit_due = self._again_due = None  # what comes now waits for the next one
        try:
            state, shown = self.room.state, self.map
            ideas, edits = theme_ideas(state, self.vectors, self.langs), list(state.theme_edits)
            # the event's language, read each time: the organiser may change it during the event
            self.language = state.language
            started = time.perf_counter()
            result, suggestions = await asyncio.get_running_loop().run_in_executor(
                clusterer(),
                compute_suggested,
                ideas,
                edits,
                topic_of(state),
                shown,
                list(state.theme_dismissed),
                self.language,
            )
            self.recluster_seconds = time.perf_counter() - started
            metrics.ANALYSIS.labels("themes").observe(self.recluster_seconds)
            state = self.room.state
            self.steady = remember(self.steady, themes_dict(result, state)["themes"], named_labels(state))
            self._steady_changed = True
            known = {i.id for i in ideas}
            tables = {i.id: i.table_id for i in state.ideas.values()}
            for idea_id in known:
                if idea_id not in state.ideas or not themable(state.ideas[idea_id]):  # hidden meanwhile
                    result = remove_idea(result, idea_id, tables)
            for idea in theme_ideas(state, self.vectors, self.langs):
                if idea.id not in known:  # placed meanwhile: placed again now, re-clustered next time
                    result = add_idea(result, idea)
            self.map = result
            # an edit made meanwhile asks for another re-clustering: until then, no suggestions
            self.suggestions = suggestions if len(state.theme_edits) == len(edits) else []
            self._publish = True
            self._settling = self._settling + 1 if only_settling else 0
            if result.held_back and self._settling < SETTLE_MAX:  # moves left for later: settle now
                self._again_due = time.monotonic() + AGAIN_S
        except Exception:
            log.exception("re-clustering failed for event %s", self.room.event_id)
        finally:
            self._clustering = False
            self._clustered_at = time.monotonic()
            self._wake.set()

    def shown_langs(self) -> dict[str, str]:
        """The language of each idea on the picture whose language is known, for the staff screens'
        language tags (an erased or hidden idea's goes with it)."""
        assert self.map is not None
        shown = [*self.map.positions]
        return {i: self.langs[i] for i in shown if self.langs.get(i)}

    def _send(self) -> None:
        """Publish the picture to every worker (each relays it to its screens: Derived.relay_themes),
        unless it is the picture published last."""
        assert self.map is not None
        state = self.room.state
        view = {"model": self.key, **themes_dict(self.map, state), "langs": self.shown_langs()}
        phones = shown_to_phones(self.steady, view["themes"])
        suggestions = shown_suggestions(self.suggestions, state.theme_dismissed)
        if self._sent == (view, phones, suggestions) and not self._steady_changed:
            return
        self._sent = (view, phones, suggestions)
        message: dict[str, Any] = {
            "type": "themes",
            "seq": state.seq,
            "view": view,
            "idea_themes": phones,
            "suggestions": suggestions,  # for the moderators' screens only (Derived.relay_themes)
        }
        if self._steady_changed:  # for the workers only: one taking over continues from it
            message["steady"] = {theme_id: seen.to_dict() for theme_id, seen in self.steady.items()}
            self._steady_changed = False
        self.room.spawn(self.room.publish_derived(message))


# the facilitator's edits: each makes the themes re-clustered soon (flags and the reveal do not)
CURATION_KINDS = frozenset(
    ("theme.rename", "theme.merge", "theme.split", "theme.pin", "theme.unpin", "theme.move_idea")
)
