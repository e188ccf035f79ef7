"""Live themes for one room: embed each new idea in a worker process, place it at once, re-cluster
the whole picture now and then in another worker process, and send the result to the staff screens.
The server process never runs the model, so a burst of ideas cannot slow the room's event loop: at
worst the themes lag behind.

Vectors are a cache (``idea_vector`` table), derived from the ideas' text; the themes are derived
from the vectors and the facilitator's curation entries, so a replay computes the same themes.
Embedding again is not bit-identical (batching moves the last bits), so an exported transcript
carries the vectors and an import stores them (``domain/transcript_file.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import numpy as np

from ..domain.capture import PUBLIC
from ..domain.model import Entry, EventState, Idea
from ..domain.themes import IdeaVector, ThemeMap, add_idea, edit_from_entry, recluster, remove_idea
from ..storage.store import Store
from . import metrics

log = logging.getLogger("wholeroom.themes")

RECLUSTER_S = 10.0  # the whole picture is recomputed at most this often while ideas arrive
FIRST_S = 1.0  # the first picture waits this long for the first ideas to be embedded
EDIT_RECLUSTER_S = 0.5  # ... and this soon after the facilitator shapes a theme
EMBED_BATCH = 64

_encoders: dict[str, Any] = {}
_encoder_lock = threading.Lock()
_pools: dict[str, ProcessPoolExecutor] = {}


def encoder(name: str) -> Any:
    """This process's encoder, loaded once (about a second, 200 MB) from installed files."""
    with _encoder_lock:
        if name not in _encoders:
            from ..themes import load_encoder

            _encoders[name] = load_encoder(name)
        return _encoders[name]


def embed(name: str, texts: list[str]) -> np.ndarray:
    """Vectors for ``texts`` (runs in the embedding worker process, which keeps the model loaded)."""
    return np.asarray(encoder(name).encode(texts), dtype=np.float32)


def _background() -> None:
    """Worker processes run at a lower priority: on a small machine the room's own process comes
    first, and the themes catch up when it is quiet (they lag; the room does not)."""
    with contextlib.suppress(OSError):
        os.nice(10)


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
    return not idea.hidden and idea.visibility in PUBLIC


def theme_ideas(state: EventState, vectors: dict[str, np.ndarray]) -> list[IdeaVector]:
    """The ideas a re-clustering reads, in arrival order."""
    return [
        IdeaVector(i.id, i.text, i.table_id, vectors[i.id])
        for i in state.ideas.values()
        if themable(i) and i.id in vectors
    ]


def compute(ideas: list[IdeaVector], edits: list[tuple[str, dict[str, Any]]]) -> ThemeMap:
    """A full re-clustering (runs in the worker process; also what replay calls)."""
    return recluster(ideas, [edit_from_entry(kind, payload) for kind, payload in edits])


def themes_dict(theme_map: ThemeMap, state: EventState) -> dict[str, Any]:
    return {
        "themes": [
            {
                "id": t.id,
                "label": t.label,
                "idea_ids": list(t.idea_ids),
                "keywords": list(t.keywords),
                "example_idea_id": t.example_idea_id,
                "breadth": len(t.tables),
                "tables": sorted(t.tables, key=lambda x: (len(x), x)),
                "pinned": t.pinned,
                "curated": t.curated,
            }
            for t in theme_map.themes
        ],
        "unthemed": list(theme_map.unthemed),
        "positions": {i: [round(p.x, 4), round(p.y, 4)] for i, p in theme_map.positions.items()},
    }


class ThemeEngine:
    def __init__(self, room: Any, store: Store, model: str, every_s: float = RECLUSTER_S) -> None:
        self.room, self.store, self.model, self.every_s = room, store, model, every_s
        self.vectors: dict[str, np.ndarray] = {}
        self.map: ThemeMap | None = None
        self.active = False  # this worker holds the event's themes lease (the only one that embeds)
        self.failed: str | None = None
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._publish = False
        self._recluster_due: float | None = None
        self._clustering = False
        self.recluster_seconds = 0.0

    async def run(self) -> None:
        """Follow the room: embed new ideas while this worker holds the themes lease."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                await self._embed_pending()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a missing model must not take the room down: say so on the console
            self.failed = f"themes are off: {exc}"
            log.exception("themes failed for event %s", self.room.event_id)

    async def _take_over(self) -> None:
        """Just became the worker that does themes: read the cached vectors, embed what is missing."""
        stored = await asyncio.to_thread(self.store.vectors, self.room.event_id, self.model)
        self.vectors = {i: np.frombuffer(b, dtype=np.float32) for i, b in stored.items()}
        self._pending = [i.id for i in self.room.state.ideas.values() if themable(i) and i.id not in self.vectors]
        self.map = None
        self._recluster_due = 0.0 if self.vectors else None
        self._wake.set()

    def on_entry(self, entry: Entry) -> None:
        if not self.active:
            return
        kind, p = entry.kind, entry.payload
        if kind in ("idea.submitted", "idea.restored"):
            idea = self.room.state.ideas.get(p["idea_id"])
            if idea is not None and themable(idea):
                self._pending.append(idea.id)
                self._wake.set()
        elif kind == "idea.hidden" and self.map is not None:
            tables = {i.id: i.table_id for i in self.room.state.ideas.values()}
            self.map = remove_idea(self.map, p["idea_id"], tables)
            self._publish = True
        elif kind == "participant.erased":  # their ideas' words leave the themes (and their vectors)
            ideas = self.room.state.ideas.values()
            erased = [i.id for i in ideas if i.participant_id == p["participant_id"] and not i.anonymous]
            tables = {i.id: i.table_id for i in self.room.state.ideas.values()}
            for idea_id in erased:
                self.vectors.pop(idea_id, None)
                if self.map is not None:
                    self.map = remove_idea(self.map, idea_id, tables)
            self._publish = self.map is not None
        elif kind.startswith("theme.") and kind not in ("theme.flagged", "theme.flag_resolved"):
            self._recluster_due = min(self._recluster_due or float("inf"), time.monotonic() + EDIT_RECLUSTER_S)

    async def _embed_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:EMBED_BATCH], self._pending[EMBED_BATCH:]
            ideas = [self.room.state.ideas[i] for i in batch if i in self.room.state.ideas and i not in self.vectors]
            if not ideas:
                continue
            loop = asyncio.get_running_loop()
            vectors = await loop.run_in_executor(embedder(), embed, self.model, [i.text for i in ideas])
            fresh = {idea.id: np.asarray(v, dtype=np.float32) for idea, v in zip(ideas, vectors, strict=True)}
            self.vectors.update(fresh)
            await asyncio.to_thread(
                self.store.save_vectors, self.room.event_id, self.model, {i: v.tobytes() for i, v in fresh.items()}
            )
            for idea in ideas:
                if self.map is not None and themable(self.room.state.ideas[idea.id]):
                    self.map = add_idea(self.map, IdeaVector(idea.id, idea.text, idea.table_id, fresh[idea.id]))
            self._publish = True
            if self._recluster_due is None:
                soon = FIRST_S if self.map is None else self.every_s
                self._recluster_due = time.monotonic() + soon

    async def tick(self) -> None:
        """Called once a second by the room: keep the lease, publish what changed, re-cluster when due."""
        held = await self.room.lease(f"themes:{self.room.event_id}")
        if held and not self.active:
            self.active = True
            await self._take_over()
        self.active = held
        if not held:
            return
        if self._recluster_due is not None and time.monotonic() >= self._recluster_due and not self._clustering:
            self._recluster_due = None
            self._clustering = True
            self.room.spawn(self._recluster())
        if self._publish and self.map is not None:
            self._publish = False
            self._send()

    async def _recluster(self) -> None:
        try:
            state = self.room.state
            ideas, edits = theme_ideas(state, self.vectors), list(state.theme_edits)
            started = time.perf_counter()
            result = await asyncio.get_running_loop().run_in_executor(clusterer(), compute, ideas, edits)
            self.recluster_seconds = time.perf_counter() - started
            metrics.ANALYSIS.labels("themes").observe(self.recluster_seconds)
            known = {i.id for i in ideas}
            self.map = result
            late = [i for i in theme_ideas(self.room.state, self.vectors) if i.id not in known]
            for idea in late:  # ideas that arrived meanwhile: placed now, clustered next time
                self.map = add_idea(self.map, idea)
            if late and self._recluster_due is None:
                self._recluster_due = time.monotonic() + self.every_s
            self._send()
        except Exception:
            log.exception("re-clustering failed for event %s", self.room.event_id)
        finally:
            self._clustering = False

    def _send(self) -> None:
        """Publish the picture to every worker (each relays it to its screens: Room._relay_themes)."""
        assert self.map is not None
        state = self.room.state
        view = {"model": self.model, **themes_dict(self.map, state)}
        idea_themes = {i: {"theme_id": t.id, "label": t.label} for t in self.map.themes for i in t.idea_ids}
        message = {"type": "themes", "seq": state.seq, "view": view, "idea_themes": idea_themes}
        self.room.spawn(self.room.publish_derived(message))
