"""Derived views: common ground, themes and step results as this worker's screens get them, and when
each is computed or sent again (the analyses run in one worker at a time; every worker relays them)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..domain.common_ground.analysis import Memory
from ..domain.common_ground.publish import analyse_inputs, analysis_dict, inputs, memory_dict, memory_from
from ..domain.delivery import ACTION_COUNT_KINDS, reanalyse, results_changed, results_seen, themes_seen
from ..domain.follow import action_snapshot
from ..domain.model import Entry, EventState
from ..domain.phone_themes import Seen
from ..domain.view import Viewer, step_summary, turnout
from ..storage.store import dumps
from . import metrics
from .connection import Conn
from .fanout import Fanout

log = logging.getLogger("wholeroom.room")

ANALYSIS_INTERVAL_S = 3.0  # common ground is recomputed at most this often while reactions arrive


class Derived:
    def __init__(self, screens: Fanout, reacted: bool) -> None:
        self._screens = screens
        self.idea_themes: dict[str, dict[str, str]] = {}  # the stable themes' ideas, for phones
        self.theme_view: dict[str, Any] | None = None
        self.theme_suggestions: list[dict[str, Any]] = []  # curation suggestions: moderators' screens only
        self.steady: dict[str, Seen] = {}  # what phones know of each theme (relayed for a takeover)
        self._table_themes_sent: dict[str, dict[str, dict[str, str]]] = {}  # idea_themes last sent per table
        self._dirty_steps: set[str] = set()  # vote and marketplace steps whose results changed
        self._actions_dirty = False  # an action group's count or convener changed
        # common ground: recomputed off the event loop, at most every ANALYSIS_INTERVAL_S
        self.analysis: dict[str, Any] | None = None
        self.priorities: dict[str, float] = {}
        # what the last analysis passes to the next (letters, k); relayed to every worker, so the
        # moderators' route and a worker taking over the lease continue from it
        self.memory: Memory | None = None
        self.reactions_dirty = reacted  # after a restart: analyse what is there
        self._analysing = False
        self._analysed_at = 0.0
        self.analysis_seconds = 0.0  # how long the last analysis took (for /metrics)

    # --- what a screen gets -----------------------------------------------------------------

    def themes_for(self, viewer: Viewer) -> dict[str, Any] | None:
        """The themes as a staff screen gets them: the moderators' with the curation suggestions."""
        if self.theme_view is None or not viewer.is_moderator:
            return self.theme_view
        return {**self.theme_view, "suggestions": self.theme_suggestions}

    def table_themes(self, state: EventState, table_id: str) -> dict[str, dict[str, str]]:
        ideas = state.table_ideas.get(table_id, ())
        return {i: self.idea_themes[i] for i in ideas if i in self.idea_themes}

    def added_to(self, state: EventState, snap: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
        """A snapshot with the derived views ``viewer`` may see (common ground and themes for staff
        screens, its table's themed ideas for a phone)."""
        if viewer.is_staff:
            return {**snap, "common_ground": self.analysis, "themes": self.themes_for(viewer)}
        table_id = state.participants[viewer.participant_id or ""].table_id
        return {**snap, "idea_themes": self.table_themes(state, table_id)}

    def latest(self, state: EventState, conn: Conn, seq: int) -> list[str]:
        """Derived views are not entries: a resumed screen gets the latest again."""
        texts = []
        if not conn.viewer.is_staff and self.idea_themes and conn.table_id is not None:
            texts.append(dumps({"type": "idea_themes", "seq": seq, "themes": self.table_themes(state, conn.table_id)}))
        if not conn.viewer.is_staff and state.action_groups:
            texts.append(action_groups_message(state))
        if conn.viewer.is_staff:
            if self.analysis is not None:
                texts.append(dumps({"type": "common_ground", "seq": seq, "analysis": self.analysis}))
            if self.theme_view is not None:
                texts.append(dumps({"type": "themes", "seq": seq, **(self.themes_for(conn.viewer) or {})}))
        return texts

    # --- what changes them ------------------------------------------------------------------

    def on_entry(self, state: EventState, entry: Entry) -> None:
        """Mark what ``entry`` makes stale: common ground, the results of steps."""
        if reanalyse(state, entry):
            self.reactions_dirty = True
        self._dirty_steps |= results_changed(state, entry)
        if entry.kind in ACTION_COUNT_KINDS and state.action_groups:
            self._actions_dirty = True

    def erased(self, state: EventState) -> None:
        """A person was erased: common ground quotes texts, so it is dropped and computed again without theirs."""
        self.analysis = None
        self.reactions_dirty = bool(state.reacted)

    def send_results(self, state: EventState) -> None:
        """The results of the steps that changed since the last tick, to the screens that may see them."""
        dirty, self._dirty_steps = self._dirty_steps, set()
        for step_id in dirty:
            self._send_results(state, step_id)
        if self._actions_dirty:  # at most once a tick, however many joined meanwhile
            self._actions_dirty = False
            text = action_groups_message(state)
            for conns in self._screens.by_table.values():
                for conn in conns:
                    conn.send(text)

    def _send_results(self, state: EventState, step_id: str) -> None:
        step = state.steps[step_id]
        summary = step_summary(state, step)
        if summary is None:
            return
        results, revealed = summary
        text = dumps({"type": "results", "step_id": step_id, "kind": step.kind, "results": results})
        count = None if revealed else dumps({"type": "turnout", **turnout(state, step)})
        for conn in self._screens.staff:
            if results_seen(conn.viewer, revealed) == "results":
                conn.send(text)
            elif count is not None:
                conn.send(count)
        if revealed:
            by_table = self._screens.by_table
            tables = by_table.keys() if step.audience.tables is None else step.audience.tables
            for table_id in tables:
                for conn in by_table.get(table_id, ()):
                    conn.send(text)

    # --- common ground ----------------------------------------------------------------------

    def analysis_due(self) -> bool:
        due = time.monotonic() - self._analysed_at >= ANALYSIS_INTERVAL_S
        return self.reactions_dirty and due and not self._analysing

    def analysing(self) -> None:
        """This worker took the lease and starts an analysis."""
        self.reactions_dirty, self._analysing = False, True

    async def analyse(self, current: Callable[[], EventState], publish: Callable[[str], Awaitable[None]]) -> None:
        """Common ground for the reactions so far, computed in a worker thread, then published to
        every worker (each relays it to its staff screens). ``current`` is the room's state as it is
        now (read again after the thread: the room may have read it again from the database)."""
        try:
            matrix, hidden, partitions = inputs(current())  # copies, taken on the loop
            started = time.perf_counter()
            result = await asyncio.to_thread(analyse_inputs, matrix, hidden, partitions, self.memory)
            self.analysis_seconds = time.perf_counter() - started
            metrics.ANALYSIS.labels("common_ground").observe(self.analysis_seconds)
            self.memory = result.memory
            state = current()
            view = analysis_dict(result, state)
            message = {
                "type": "common_ground",
                "seq": state.seq,
                "analysis": view,
                "priorities": dict(result.priorities),
                "memory": memory_dict(result.memory),  # for the workers only: never relayed to a screen
            }
            await publish(dumps(message))
        except Exception:  # a failed analysis must not take the room down; the next tick retries
            log.exception("common-ground analysis failed for event %s", current().id)
            self.reactions_dirty = True
        finally:
            self._analysing = False
            self._analysed_at = time.monotonic()

    # --- relayed from the worker that computed them -----------------------------------------

    def relay_common_ground(self, message: dict[str, Any]) -> None:
        self.analysis, self.priorities = message["analysis"], message.get("priorities", {})
        if "memory" in message:
            self.memory = memory_from(message["memory"])
        self._screens.to_staff(dumps({"type": "common_ground", "seq": message["seq"], "analysis": self.analysis}))

    def relay_themes(self, state: EventState, message: dict[str, Any]) -> None:
        """The themes the lease holder published, to this worker's screens: the picture to staff
        screens, and to each phone its table's ideas in stable themes. Each only when it changed."""
        self.idea_themes = message.get("idea_themes", {})
        if "steady" in message:
            self.steady = {t: Seen.from_dict(s) for t, s in message["steady"].items()}
        suggestions = message.get("suggestions", [])
        changed, suggested = message["view"] != self.theme_view, suggestions != self.theme_suggestions
        self.theme_view, self.theme_suggestions = message["view"], suggestions
        if changed or suggested:
            plain = dumps({"type": "themes", "seq": message["seq"], **self.theme_view})
            full = dumps({"type": "themes", "seq": message["seq"], **self.theme_view, "suggestions": suggestions})
            for conn in self._screens.staff:
                seen = themes_seen(conn.viewer, changed, suggested)
                if seen == "full":
                    conn.send(full)
                elif seen == "plain":  # the wall: the picture, never the suggestions
                    conn.send(plain)
        # phones get, for their own table's ideas only, which theme each is in (so they can contest it)
        for table_id, conns in self._screens.by_table.items():
            mine = self.table_themes(state, table_id)
            if conns and mine != self._table_themes_sent.get(table_id, {}):
                self._table_themes_sent[table_id] = mine
                line = dumps({"type": "idea_themes", "seq": message["seq"], "themes": mine})
                for conn in conns:
                    conn.send(line)


def action_groups_message(state: EventState) -> str:
    """The action groups' counts as every phone shows them (title, how many, whether convened; never
    who): phones outside a group are not sent its members' entries, so this keeps their list true."""
    return dumps({"type": "action_groups", "groups": action_snapshot(state, moderator=False)})
