"""The one module that commits. Synchronous (it runs in a worker thread), one transaction per append.

``append`` writes transcript entries, updates the read tables and advances the event's
``last_seq`` with a compare-and-set, all in one transaction: if another writer got there first
the append raises :class:`SeqConflict` and nothing is written.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Engine, delete, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, create_engine

from ..domain.fold import ERASED_TEXT
from ..domain.model import Entry
from ..domain.privacy import PERSONAL, erase_all
from .tables import (
    ActionContactRow,
    Beside,
    CheckinRow,
    EntryRow,
    EventRow,
    IdeaRow,
    IdeaVectorRow,
    InviteeRow,
    ParticipantRow,
    SettingRow,
    TokenRow,
)


class Grant(NamedTuple):
    """A token's row, and when its event was closed (phone links expire a set time after)."""

    token: TokenRow
    closed_at: int | None


class SeqConflict(RuntimeError):
    """Another writer appended to the event since our state was read."""


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def make_engine(url: str, *, sqlite_synchronous: str = "FULL") -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: a failed statement's error (which is logged) never carries people's words
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            _use_wal(cur)
            # FULL: each commit reaches the disk before it is acknowledged, so an ack survives a power
            # cut (group commit makes that one fsync per batch). NORMAL in WAL mode survives only a
            # killed process (docs/operations.md, "Durability").
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def _use_wal(cur: Any, tries: int = 100) -> None:
    """Put the file in WAL mode (it stays so). Switching needs the file to itself and SQLite does not
    wait for that: several processes opening a new file at once retry for up to a few seconds."""
    for attempt in range(tries):
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.05)


class Appender:
    """An open transaction holding one event's row lock: no other writer, in any process, can append
    to the event until this one commits or rolls back. PostgreSQL only (``SELECT ... FOR UPDATE``)."""

    def __init__(self, store: Store, event_id: str) -> None:
        self.store, self.event_id = store, event_id
        self.conn = store.engine.connect()
        self.txn = self.conn.begin()
        self.last_seq = int(
            self.conn.execute(
                select(col(EventRow.last_seq)).where(col(EventRow.id) == event_id).with_for_update()
            ).scalar_one()
        )

    def entries_after(self, after: int) -> list[Entry]:
        """What other writers committed since ``after`` (read inside the lock: nothing can be missing)."""
        q = (
            select(EntryRow)
            .where(col(EntryRow.event_id) == self.event_id, col(EntryRow.seq) > after)
            .order_by(col(EntryRow.seq))
        )
        return [
            Entry(self.event_id, r.seq, r.at, r.kind, r.actor, json.loads(r.payload))
            for r in self.conn.execute(q).all()
        ]

    def commit(self, entries: list[Entry], tokens: list[Beside]) -> None:
        try:
            self.store._append(self.conn, self.event_id, self.last_seq, entries, tokens)
            self.txn.commit()
        finally:
            self.conn.close()

    def rollback(self) -> None:
        try:
            self.txn.rollback()
        finally:
            self.conn.close()


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # several processes may write to one event: lock its row while deciding (PostgreSQL); SQLite
        # has a single writer process, which appends with a compare-and-set on last_seq instead
        self.multi_writer = engine.dialect.name != "sqlite"

    def lock_event(self, event_id: str) -> Appender:
        return Appender(self, event_id)

    # --- writes -----------------------------------------------------------------------------

    def create_event(
        self,
        first: Entry,
        tokens: list[TokenRow],
        rest: list[Entry] | None = None,
        vectors: Sequence[tuple[str, str, bytes]] = (),
    ) -> None:
        """Insert the event row and its first entry (seq 1) with its staff tokens, and (when importing)
        the entries after it and the ideas' vectors ``(idea_id, model, vector)``, all in one transaction."""
        p = first.payload
        with self.engine.begin() as conn:
            conn.execute(
                insert(EventRow),
                [
                    {
                        "id": first.event_id,
                        "title": p["title"],
                        "join_code": p["join_code"],
                        "created_at": first.at,
                        "last_seq": 0,
                        # its wall's and console's, as the transcript says (an entry may change it: project)
                        "language": p.get("language", "en"),
                    }
                ],
            )
            self._append(conn, first.event_id, 0, [first, *(rest or [])], tokens)
            rows = [{"event_id": first.event_id, "idea_id": i, "model": m, "vector": v} for i, m, v in vectors]
            for start in range(0, len(rows), 1000):
                conn.execute(insert(IdeaVectorRow), rows[start : start + 1000])

    def append(self, event_id: str, expected_seq: int, entries: list[Entry], tokens: Sequence[Beside]) -> None:
        with self.engine.begin() as conn:
            self._append(conn, event_id, expected_seq, entries, tokens)

    def _append(
        self, conn: Connection, event_id: str, expected_seq: int, entries: list[Entry], tokens: Sequence[Beside]
    ) -> None:
        if not entries:
            return
        last = entries[-1].seq
        done = conn.execute(
            update(EventRow)
            .where(col(EventRow.id) == event_id, col(EventRow.last_seq) == expected_seq)
            .values(last_seq=last)
        )
        if done.rowcount != 1:
            raise SeqConflict(f"event {event_id} is no longer at seq {expected_seq}")
        conn.execute(
            insert(EntryRow),
            [
                {
                    "event_id": e.event_id,
                    "seq": e.seq,
                    "at": e.at,
                    "kind": e.kind,
                    "actor": e.actor,
                    "payload": dumps(e.payload),
                }
                for e in entries
            ],
        )
        projector = _Projector(conn)
        for entry in entries:
            projector.project(entry)
        projector.flush()
        for table in (TokenRow, CheckinRow):  # tokens, and check-ins of people on the participant list
            rows = [t.model_dump() for t in tokens if isinstance(t, table)]
            if rows:
                conn.execute(insert(table), rows)

    def add_tokens(self, tokens: list[TokenRow]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(TokenRow), [t.model_dump() for t in tokens])

    def save_vectors(self, event_id: str, model: str, vectors: dict[str, bytes]) -> None:
        if not vectors:
            return
        with self.engine.begin() as conn:
            conn.execute(
                insert(IdeaVectorRow),
                [{"event_id": event_id, "idea_id": i, "model": model, "vector": v} for i, v in vectors.items()],
            )

    def vectors(self, event_id: str, model: str, ids: Collection[str] | None = None) -> dict[str, bytes]:
        """The cached vectors of the event's ideas (of those in ``ids`` when given)."""
        q = select(IdeaVectorRow).where(col(IdeaVectorRow.event_id) == event_id, col(IdeaVectorRow.model) == model)
        if ids is not None:
            q = q.where(col(IdeaVectorRow.idea_id).in_(list(ids)))
        with self.engine.connect() as conn:
            return {r.idea_id: r.vector for r in conn.execute(q).all()}

    def all_vectors(self, event_id: str) -> list[tuple[str, str, bytes]]:
        """Every vector cached for the event's ideas, of every model: ``(idea_id, model, vector)``."""
        q = select(IdeaVectorRow).where(col(IdeaVectorRow.event_id) == event_id)
        with self.engine.connect() as conn:
            return [(r.idea_id, r.model, r.vector) for r in conn.execute(q).all()]

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(SettingRow), [{"key": key, "value": value}])

    def replace_setting(self, key: str, value: str) -> None:
        """Set ``key`` whether or not it was set before (``set_setting`` refuses a second value).
        Safe when several processes start at once: the row is updated, or inserted when missing;
        an insert that loses the race to another process's becomes an update."""
        for _attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    changed = conn.execute(
                        update(SettingRow).where(col(SettingRow.key) == key).values(value=value)
                    ).rowcount
                    if not changed:
                        conn.execute(insert(SettingRow), [{"key": key, "value": value}])
                return
            except IntegrityError:
                continue  # another process inserted it between our update and insert: update it now
        raise RuntimeError(f"could not set {key!r}: other processes kept changing it")

    # --- reads ------------------------------------------------------------------------------

    def entries(self, event_id: str, after: int = 0, upto: int | None = None, limit: int | None = None) -> list[Entry]:
        q = select(EntryRow).where(col(EntryRow.event_id) == event_id, col(EntryRow.seq) > after)
        if upto is not None:
            q = q.where(col(EntryRow.seq) <= upto)
        q = q.order_by(col(EntryRow.seq))
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Entry(event_id, r.seq, r.at, r.kind, r.actor, json.loads(r.payload)) for r in rows]

    def last_seq(self, event_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(col(EventRow.last_seq)).where(col(EventRow.id) == event_id)).scalar_one_or_none()

    def event_by_code(self, join_code: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(col(EventRow.id)).where(col(EventRow.join_code) == join_code)
            ).scalar_one_or_none()

    def event_language(self, event_id: str) -> str | None:
        """The interface language of an event's wall and console (None: no such event): the
        transcript's (``event.created``, ``event.language_set``), kept on the row as entries commit."""
        with self.engine.connect() as conn:
            return conn.execute(select(col(EventRow.language)).where(col(EventRow.id) == event_id)).scalar_one_or_none()

    def events(self) -> list[EventRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(EventRow).order_by(col(EventRow.created_at))).all()
        return [EventRow(**r._mapping) for r in rows]

    def tokens(self, token_hashes: Sequence[str]) -> dict[str, Grant]:
        """The tokens among ``token_hashes`` that exist, by hash (one query per 1,000)."""
        found: dict[str, Grant] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(token_hashes), 1000):
                chunk = token_hashes[start : start + 1000]
                closed: Any = col(EventRow.closed_at).label("event_closed_at")
                joined = select(TokenRow, closed).join(EventRow, col(EventRow.id) == col(TokenRow.event_id))
                for row in conn.execute(joined.where(col(TokenRow.hash).in_(chunk))):
                    fields = dict(row._mapping)
                    closed_at = fields.pop("event_closed_at")
                    found[row.hash] = Grant(TokenRow(**fields), closed_at)
        return found

    def staff_tokens(self, event_id: str, role: str) -> list[TokenRow]:
        """The event's tokens of a staff ``role`` (its facilitator links), oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(TokenRow)
                .where(col(TokenRow.event_id) == event_id, col(TokenRow.role) == role)
                .order_by(col(TokenRow.created_at), col(TokenRow.hash))
            ).all()
        return [TokenRow(**r._mapping) for r in rows]

    def revoke_token(self, token_hash: str, at: int) -> bool:
        """Revoke one token (it stops working at once); False when it was revoked already."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(TokenRow)
                .where(col(TokenRow.hash) == token_hash, col(TokenRow.revoked_at).is_(None))
                .values(revoked_at=at)
            )
        return bool(result.rowcount)

    def setting(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(col(SettingRow.value)).where(col(SettingRow.key) == key)).scalar_one_or_none()

    # --- emails shared with an action group (domain/follow.py): never in the transcript ---------

    def put_contact(self, event_id: str, participant_id: str, email: str, at: int) -> None:
        """Keep the email ``participant_id`` shares (before the entry that says they share it)."""
        with self.engine.begin() as conn:
            conn.execute(self._contact(delete(ActionContactRow), event_id, participant_id))
            conn.execute(
                insert(ActionContactRow),
                [{"event_id": event_id, "participant_id": participant_id, "email": email, "at": at}],
            )

    def drop_contact(self, event_id: str, participant_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self._contact(delete(ActionContactRow), event_id, participant_id))

    def contacts(self, event_id: str, participant_ids: Collection[str]) -> dict[str, str]:
        """participant id -> email, for those of ``participant_ids`` who keep one."""
        if not participant_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(col(ActionContactRow.participant_id), col(ActionContactRow.email)).where(
                    col(ActionContactRow.event_id) == event_id,
                    col(ActionContactRow.participant_id).in_(list(participant_ids)),
                )
            ).all()
        return {pid: email for pid, email in rows}

    @staticmethod
    def _contact(statement: Any, event_id: str, participant_id: str) -> Any:
        return statement.where(
            col(ActionContactRow.event_id) == event_id, col(ActionContactRow.participant_id) == participant_id
        )

    # --- the participant list (personal data kept apart from the transcript: docs/participants.md) ---

    def invitees(self, event_id: str) -> list[InviteeRow]:
        """The event's participant list, in the order people were added."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(InviteeRow).where(col(InviteeRow.event_id) == event_id).order_by(col(InviteeRow.position))
            ).all()
        return [InviteeRow(**r._mapping) for r in rows]

    def invitee(self, event_id: str, invitee_id: str) -> InviteeRow | None:
        with self.engine.connect() as conn:
            where = (col(InviteeRow.event_id) == event_id, col(InviteeRow.id) == invitee_id)
            row = conn.execute(select(InviteeRow).where(*where)).first()
        return InviteeRow(**row._mapping) if row else None

    def invitee_by_link(self, link_hash: str) -> InviteeRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(InviteeRow).where(col(InviteeRow.link_hash) == link_hash)).first()
        return InviteeRow(**row._mapping) if row else None

    def save_invitees(self, added: list[InviteeRow], updated: list[dict[str, Any]]) -> None:
        """Add and update people of a list in one transaction (an import is all or nothing).
        Each update names ``event_id`` and ``id`` and the values to set."""
        with self.engine.begin() as conn:
            if added:
                conn.execute(insert(InviteeRow), [r.model_dump() for r in added])
            for values in updated:
                values = dict(values)
                where = (col(InviteeRow.event_id) == values.pop("event_id"), col(InviteeRow.id) == values.pop("id"))
                conn.execute(update(InviteeRow).where(*where).values(**values))

    def update_invitee(self, event_id: str, invitee_id: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            where = (col(InviteeRow.event_id) == event_id, col(InviteeRow.id) == invitee_id)
            return bool(conn.execute(update(InviteeRow).where(*where).values(**values)).rowcount)

    def checkins(self, event_id: str) -> dict[str, list[str]]:
        """Who joined with their personal link: invitee id -> participant ids, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(CheckinRow).where(col(CheckinRow.event_id) == event_id).order_by(col(CheckinRow.at))
            ).all()
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(r.invitee_id, []).append(r.participant_id)
        return out

    def erase_invitees(self, event_id: str, ids: Collection[str] | None = None) -> int:
        """Delete people from the list, with everything held about them, their check-ins too (all of
        the event's when ``ids`` is None); returns how many people went."""
        with self.engine.begin() as conn:
            q = delete(InviteeRow).where(col(InviteeRow.event_id) == event_id)
            c = delete(CheckinRow).where(col(CheckinRow.event_id) == event_id)
            if ids is not None:
                q = q.where(col(InviteeRow.id).in_(list(ids)))
                c = c.where(col(CheckinRow.invitee_id).in_(list(ids)))
            conn.execute(c)
            return int(conn.execute(q).rowcount or 0)

    def ideas(self, event_id: str) -> list[IdeaRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(IdeaRow).where(col(IdeaRow.event_id) == event_id).order_by(col(IdeaRow.seq))
            ).all()
        return [IdeaRow(**r._mapping) for r in rows]


# --- read tables: kept in step with the transcript, in the same transaction -----------------------


class _Projector:
    """Applies entries to the read tables; inserts are batched (one executemany per table), and
    flushed before any update so that an update always sees the rows inserted before it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: dict[Any, list[dict[str, Any]]] = {}

    def insert(self, table: Any, row: dict[str, Any]) -> None:
        self.pending.setdefault(table, []).append(row)

    def update(self, statement: Any) -> None:
        self.flush()
        self.conn.execute(statement)

    def flush(self) -> None:
        for table, rows in self.pending.items():
            self.conn.execute(insert(table), rows)
        self.pending.clear()

    def project(self, e: Entry) -> None:
        p = e.payload
        if e.kind == "participant.joined":
            self.insert(
                ParticipantRow,
                {
                    "event_id": e.event_id,
                    "id": p["participant_id"],
                    "name": p["name"],
                    "table_id": p["table_id"],
                    "role": p["role"],
                    "joined_at": e.at,
                },
            )
        elif e.kind == "idea.submitted":
            self.insert(
                IdeaRow,
                {
                    "event_id": e.event_id,
                    "id": p["idea_id"],
                    "seq": e.seq,
                    # an imported anonymous idea has no writer: one row each all the same
                    "participant_id": p["participant_id"] or "",
                    "client_id": p["client_id"] or p["idea_id"],
                    "table_id": p["table_id"],
                    "step_id": p["step_id"],
                    "text": p["text"],
                    "at": e.at,
                    "hidden": False,
                },
            )
        elif e.kind == "event.language_set":  # pages read the row: it changes with the entry
            self.update(update(EventRow).where(col(EventRow.id) == e.event_id).values(language=p["language"]))
        elif e.kind in ("idea.hidden", "idea.restored"):
            self.update(self._idea(e.event_id, p["idea_id"]).values(hidden=e.kind == "idea.hidden"))
        elif e.kind == "participant.removed":  # their tokens stop working in the same transaction
            self.update(
                update(TokenRow)
                .where(col(TokenRow.event_id) == e.event_id, col(TokenRow.participant_id) == p["participant_id"])
                .values(revoked_at=e.at)
            )
        elif e.kind in ("event.closed", "event.reopened", "followup.opened", "followup.closed"):
            # a follow-up round makes the links people have work again until it closes
            closed_at = e.at if e.kind in ("event.closed", "followup.closed") else None
            self.update(update(EventRow).where(col(EventRow.id) == e.event_id).values(closed_at=closed_at))

        elif e.kind == "participant.seated":
            self.update(self._person(e.event_id, p["participant_id"]).values(table_id=p["table_id"]))
        elif e.kind == "participant.role_set":
            self.update(self._person(e.event_id, p["participant_id"]).values(role=p["role"]))
        elif e.kind == "participants.moved":
            for move in p["moves"]:
                self.update(self._person(e.event_id, move["participant_id"]).values(table_id=move["to"]))
        elif e.kind == "roles.assigned":
            for participant_id, role in p["assignments"].items():
                self.update(self._person(e.event_id, participant_id).values(role=role))
        elif e.kind == "participant.erased":
            self.erase(e.event_id, p["participant_id"])
        if (
            e.kind in ("action.left", "participant.removed", "participant.erased")
            or (e.kind == "action.joined" and p.get("left"))
            or (e.kind == "action.contact_set" and not p["shared"])
        ):  # an email shared with an action group goes with the sharing (and in the same transaction)
            self.update(
                delete(ActionContactRow).where(
                    col(ActionContactRow.event_id) == e.event_id,
                    col(ActionContactRow.participant_id) == p["participant_id"],
                )
            )

    def erase(self, event_id: str, participant_id: str) -> None:
        """Rewrite the person's earlier entries without their texts (each leaves its hash), and
        the read tables and cached embeddings with them."""
        self.flush()
        q = (
            select(EntryRow)
            .where(col(EntryRow.event_id) == event_id, col(EntryRow.kind).in_(list(PERSONAL)))
            .order_by(col(EntryRow.seq))
        )
        stored = [Entry(event_id, r.seq, r.at, r.kind, r.actor, json.loads(r.payload)) for r in self.conn.execute(q)]
        ideas: list[str] = []
        for entry in erase_all(stored, participant_id):
            self.conn.execute(
                update(EntryRow)
                .where(col(EntryRow.event_id) == event_id, col(EntryRow.seq) == entry.seq)
                .values(payload=dumps(entry.payload))
            )
            if entry.kind == "idea.submitted":
                ideas.append(entry.payload["idea_id"])
        self.conn.execute(self._person(event_id, participant_id).values(name=None))
        # what the participant list holds about them goes too (email, access needs, RSVP, link)
        checked_in = (col(CheckinRow.event_id) == event_id, col(CheckinRow.participant_id) == participant_id)
        listed = [r.invitee_id for r in self.conn.execute(select(CheckinRow).where(*checked_in))]
        if listed:
            invitee = (col(InviteeRow.event_id) == event_id, col(InviteeRow.id).in_(listed))
            self.conn.execute(delete(InviteeRow).where(*invitee))
            mine = (col(CheckinRow.event_id) == event_id, col(CheckinRow.invitee_id).in_(listed))
            self.conn.execute(delete(CheckinRow).where(*mine))
        for start in range(0, len(ideas), 500):
            chunk = ideas[start : start + 500]
            where = (col(IdeaRow.event_id) == event_id, col(IdeaRow.id).in_(chunk))
            self.conn.execute(update(IdeaRow).where(*where).values(text=ERASED_TEXT))
            vectors = (col(IdeaVectorRow.event_id) == event_id, col(IdeaVectorRow.idea_id).in_(chunk))
            self.conn.execute(delete(IdeaVectorRow).where(*vectors))

    @staticmethod
    def _person(event_id: str, participant_id: str) -> Any:
        return update(ParticipantRow).where(
            col(ParticipantRow.event_id) == event_id, col(ParticipantRow.id) == participant_id
        )

    @staticmethod
    def _idea(event_id: str, idea_id: str) -> Any:
        return update(IdeaRow).where(col(IdeaRow.event_id) == event_id, col(IdeaRow.id) == idea_id)


def iter_all(store: Store, event_id: str, batch: int = 5000) -> Iterable[Entry]:
    """Every entry of an event, read in batches so a long transcript never sits in memory twice."""
    after = 0
    while True:
        chunk = store.entries(event_id, after=after, limit=batch)
        if not chunk:
            return
        yield from chunk
        after = chunk[-1].seq
