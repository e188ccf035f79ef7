"""Fan-out: the room's screens on this worker, indexed by staff, table and person, and what each is
sent of an entry (encoded once; the rules of who sees what are the domain's, ``view.py`` and
``delivery.py``)."""

from __future__ import annotations

from collections.abc import Callable

from ..domain.delivery import Reseat, reseat
from ..domain.membership import REMOVED_MESSAGE
from ..domain.model import Entry, EventState
from ..domain.view import RESEAT_KINDS, approved, for_wall, public, reach, wall_sees
from ..storage.store import dumps
from .connection import CLOSE_REMOVED, Conn
from .feed import encode_entry

Welcome = Callable[[Conn], str]  # a welcome holding a fresh snapshot of what the screen's viewer sees


class Fanout:
    def __init__(self, on_change: Callable[[], None]) -> None:
        self.staff: set[Conn] = set()
        self.by_table: dict[str, set[Conn]] = {}
        self.by_participant: dict[str, set[Conn]] = {}
        self._on_change = on_change  # told when a screen comes or goes (presence counts change)

    # --- the index --------------------------------------------------------------------------

    def all(self) -> list[Conn]:
        return [*self.staff, *(c for conns in self.by_table.values() for c in conns)]

    def add(self, conn: Conn) -> None:
        if conn.viewer.is_staff:
            self.staff.add(conn)
        else:
            self.by_table.setdefault(conn.table_id or "", set()).add(conn)
            self.by_participant.setdefault(conn.viewer.participant_id or "", set()).add(conn)
        self._on_change()

    def remove(self, conn: Conn) -> None:
        self.staff.discard(conn)
        for index, key in ((self.by_table, conn.table_id), (self.by_participant, conn.viewer.participant_id)):
            conns = index.get(key or "")
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del index[key or ""]
        self._on_change()

    def people(self) -> dict[str, set[str | None]]:
        """The people (not tabs) connected here, per table."""
        return {t: {c.viewer.participant_id for c in conns} for t, conns in self.by_table.items()}

    # --- sending ----------------------------------------------------------------------------

    def to_staff(self, text: str) -> None:
        for conn in self.staff:
            conn.send(text)

    def send(self, state: EventState, entry: Entry, text: str, welcome: Welcome) -> None:
        """Send ``entry`` to the screens allowed to see it, encoded once (an anonymous idea is
        encoded again without its writer: no screen gets that, moderators' included)."""
        alternative = public(state, entry)
        public_text = encode_entry(alternative) if alternative is not None else text
        moderator_text = public_text
        if entry.kind == "idea.approved":  # the screens that never saw the held idea get it whole
            public_text = encode_entry(approved(state, entry))
        wall = wall_sees(state, entry)
        named = for_wall(entry)  # people join the projector without their names
        wall_text = encode_entry(named) if named is not None else public_text
        for conn in self.staff:
            if conn.viewer.is_moderator:
                conn.send_entry(entry.seq, moderator_text)
            elif wall:
                conn.send_entry(entry.seq, wall_text)
        # the writer of an anonymous idea gets it whole (as on resume): their phone shows it as theirs
        writer = entry.payload.get("participant_id") if alternative is not None else None
        r = reach(state, entry)
        tables = self.by_table.keys() if r.tables is None else r.tables
        for table_id in tables:
            for conn in self.by_table.get(table_id, ()):
                conn.send_entry(entry.seq, text if writer and conn.viewer.participant_id == writer else public_text)
        again = reseat(state, entry)
        if again is Reseat.EVERY_PHONE:
            for conns in list(self.by_table.values()):
                for conn in list(conns):
                    self.reseat(state, conn, welcome)
        elif again is Reseat.REACHED_TABLES:
            for table_id in tables:
                for conn in list(self.by_table.get(table_id, ())):
                    self.reseat(state, conn, welcome)
        reseated = entry.kind in RESEAT_KINDS
        for participant_id in r.participants:
            for conn in list(self.by_participant.get(participant_id, ())):
                if reseated:
                    self.reseat(state, conn, welcome)
                else:
                    conn.send_entry(entry.seq, text if writer and participant_id == writer else public_text)

    def reseat(self, state: EventState, conn: Conn, welcome: Welcome) -> None:
        """A phone whose table or role changed starts again from a snapshot of its new view."""
        person = state.participants[conn.viewer.participant_id or ""]
        if conn.table_id != person.table_id:
            self.remove(conn)
            conn.table_id = person.table_id
            self.add(conn)
        conn.send_welcome(welcome(conn))  # replaces one still unsent
        conn.seq = max(conn.seq, state.seq)

    def start_again(self, state: EventState, welcome: Welcome) -> None:
        """Every screen starts again from a snapshot (after an erasure: names and texts may be on any)."""
        for conn in list(self.staff):
            conn.send(welcome(conn))
            conn.seq = max(conn.seq, state.seq)
        for conns in list(self.by_table.values()):
            for conn in list(conns):
                self.reseat(state, conn, welcome)

    def end_removed(self, participant_id: str) -> None:
        """The removed person's phones (on this worker) are told why, then closed for good."""
        text = dumps({"type": "error", "ref": None, "code": "removed", "message": REMOVED_MESSAGE})
        for conn in list(self.by_participant.get(participant_id, ())):
            self.remove(conn)
            conn.send(text)
            conn.end(CLOSE_REMOVED, "removed")
