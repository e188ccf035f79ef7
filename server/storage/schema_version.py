"""Which schema revision a database is at, and bringing it to the one this server needs.

The revisions are Alembic migrations in ``server/storage/migrations`` (0001, 0002, ...); the last one
is the *head*, the schema of :mod:`server.storage.tables`. Alembic is configured here in code (no
``alembic.ini`` is read at run time) and always runs on a connection we hold:

- on PostgreSQL inside one transaction holding an advisory lock, so several workers starting at
  once on an empty database migrate it exactly once (the others wait, then find it done);
- on SQLite inside ``BEGIN IMMEDIATE`` (the write lock) with foreign keys off while tables are
  rebuilt in batch mode, checked with ``PRAGMA foreign_key_check`` before the commit.

A database made before migrations existed (by ``create_all``: tables but no ``alembic_version``)
is recognised by its tables and columns and stamped with the revision it matches.
"""

from __future__ import annotations

import logging
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Engine, Integer, create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from .schema_head import PREPARE_EXIT, SchemaError, url_for_child

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
__all__ = ["SchemaBehind", "SchemaError", "Status", "check", "head", "prepare", "upgrade"]
UPGRADE_HINT = "run `wholeroom db upgrade`"
# pg_advisory_xact_lock takes a bigint: a fixed one derived from a name (stable across processes)
_PG_LOCK_KEY = zlib.crc32(b"wholeroom schema migration")

log = logging.getLogger("wholeroom.schema")

# table name -> {column name -> "bigint", "int" or ""}: enough to tell the revisions apart
Shape = dict[str, dict[str, str]]


class SchemaBehind(SchemaError):
    """The database is at an older revision than this server needs."""

    def __init__(self, at: str, needs: str) -> None:
        super().__init__(f"the database is at revision {at}; this server needs {needs}: {UPGRADE_HINT}")
        self.at, self.needs = at, needs


@dataclass(frozen=True, slots=True)
class Status:
    """What a database holds. ``revision`` is the stamped one, or for an unstamped database made
    before migrations (``legacy``) the revision its tables match (None if they match none)."""

    revision: str | None
    empty: bool = False
    legacy: bool = False
    difference: str = ""  # for a legacy database matching no revision: how it differs from head


# --- Alembic, configured in code -------------------------------------------------------------------


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The revision this server needs (the newest migration)."""
    revision = _scripts().get_current_head()
    assert revision is not None, "no migrations found"
    return revision


def revisions() -> list[str]:
    """Every known revision, oldest first."""
    return [s.revision for s in reversed(list(_scripts().walk_revisions()))]


def describe(revision: str) -> str:
    """The first line of a revision's docstring."""
    return (_scripts().get_revision(revision).doc or "").strip().splitlines()[0]


# --- reading a database ----------------------------------------------------------------------------


def _kind(column_type: object) -> str:
    if isinstance(column_type, BigInteger):
        return "bigint"
    return "int" if isinstance(column_type, Integer) else ""


def _shape(conn: Connection) -> Shape:
    inspector = inspect(conn)
    return {
        name: {c["name"]: _kind(c["type"]) for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != VERSION_TABLE
    }


def _stamped(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def _revision_shapes() -> tuple[tuple[str, Shape], ...]:
    """The tables and columns of each revision, found by migrating a scratch in-memory database."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    shapes = []
    try:
        for revision in revisions():
            with engine.begin() as conn:
                command.upgrade(_config(conn), revision)
                shapes.append((revision, _shape(conn)))
    finally:
        engine.dispose()
    return tuple(shapes)


def _difference(found: Shape, wanted: Shape) -> str:
    parts = []
    if missing := sorted(set(wanted) - set(found)):
        parts.append("missing tables " + ", ".join(missing))
    if extra := sorted(set(found) - set(wanted)):
        parts.append("unexpected tables " + ", ".join(extra))
    for name in sorted(set(found) & set(wanted)):
        if lacking := sorted(set(wanted[name]) - set(found[name])):
            parts.append(f"{name} lacks columns " + ", ".join(lacking))
        if more := sorted(set(found[name]) - set(wanted[name])):
            parts.append(f"{name} has unexpected columns " + ", ".join(more))
        if retyped := sorted(c for c in set(found[name]) & set(wanted[name]) if found[name][c] != wanted[name][c]):
            parts.append(f"{name} has columns of another type: " + ", ".join(retyped))
    return "; ".join(parts)


def _status(conn: Connection) -> Status:
    stamped = _stamped(conn)
    if stamped is not None:
        return Status(stamped)
    shape = _shape(conn)
    if not shape:
        return Status(None, empty=True)
    for revision, wanted in reversed(_revision_shapes()):
        if shape == wanted:
            return Status(revision, legacy=True)
    return Status(None, legacy=True, difference=_difference(shape, _revision_shapes()[-1][1]))


def status(engine: Engine) -> Status:
    with engine.connect() as conn:
        return _status(conn)


def current(engine: Engine) -> str | None:
    """The revision stamped in the database (None for an empty one, or one made before migrations)."""
    with engine.connect() as conn:
        return _stamped(conn)


def _refusal(found: Status) -> SchemaError | None:
    """Why this server cannot use a database in this state, or None if it can (perhaps after
    stamping a legacy database, or creating the schema in an empty one)."""
    needs = head()
    if found.empty or found.revision == needs:
        return None
    if found.revision is None:
        return SchemaError(
            "the database has tables but no schema revision, and they are not a Wholeroom schema "
            f"({found.difference}): point DATABASE_URL at an empty database or at one Wholeroom made"
        )
    if found.revision in revisions():
        return SchemaBehind(found.revision, needs)
    return SchemaError(
        f"the database is at revision {found.revision}, which this server does not know (a newer "
        f"Wholeroom migrated it?); this server needs {needs}: run that newer version, or restore a backup"
    )


def check(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless this server can use the database as it is. An empty
    database passes (it gets its schema at first start), as does one made before migrations whose
    tables match the head; a database behind raises :class:`SchemaBehind`, whose message says
    "the database is at revision X; this server needs Y: run `wholeroom db upgrade`"."""
    refusal = _refusal(status(engine))
    if refusal is not None:
        raise refusal


# --- changing a database ---------------------------------------------------------------------------


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that no other migrating process can enter at once."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # foreign keys off while batch mode copies and drops tables (a no-op inside a transaction,
            # so set before BEGIN); checked below before committing, and on again for the pool
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                with conn.begin():
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(f"a migration broke foreign keys (rolled back): {broken[:5]}")
            finally:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
        else:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                yield conn


def _engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, str):
        from .store import make_engine

        if engine_or_url.startswith("sqlite:///") and ":memory:" not in engine_or_url:
            Path(engine_or_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        return make_engine(engine_or_url), True
    return engine_or_url, False


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database to ``revision`` (the head by default); return (before, after).

    An empty database gets the whole schema. A database made before migrations is first stamped
    with the revision its tables match; one matching none is refused (:class:`SchemaError`)."""
    engine, owned = _engine(engine_or_url)
    try:
        with _migrating(engine) as conn:
            found = _status(conn)
            if found.legacy:
                if found.revision is None:
                    raise _refusal(found) or SchemaError("unrecognised database")
                command.stamp(_config(conn), found.revision)
                log.info("database made before migrations: stamped as revision %s", found.revision)
            if found.revision is not None and found.revision not in revisions():
                raise _refusal(found) or SchemaError("unknown revision")
            command.upgrade(_config(conn), revision)
            after = _stamped(conn)
        if after != found.revision:
            log.info("database upgraded from %s to %s", found.revision or "empty", after)
        return found.revision, after
    finally:
        if owned:
            engine.dispose()


def downgrade(engine_or_url: Engine | str, revision: str) -> None:
    """Migrate the database back to ``revision`` ("base": no tables). For developers and for an
    emergency rollback to an older Wholeroom; a backup restored is usually the better way back."""
    engine, owned = _engine(engine_or_url)
    try:
        with _migrating(engine) as conn:
            command.downgrade(_config(conn), revision)
    finally:
        if owned:
            engine.dispose()


def prepare(engine: Engine) -> None:
    """Make the database usable by this server at start, or raise :class:`SchemaError`.

    An empty database is upgraded to the head; one made before migrations whose tables match the
    head is stamped as the head; anything else must already be at the head (a database behind is
    refused: the operator runs ``wholeroom db upgrade``, ideally after a backup)."""
    if current(engine) == head():  # the usual case: no lock needed
        return
    with _migrating(engine) as conn:
        found = _status(conn)
        refusal = _refusal(found)
        if refusal is not None:
            raise refusal
        if found.empty:
            command.upgrade(_config(conn), "head")
            log.info("new database: created the schema at revision %s", head())
        elif found.legacy:
            command.stamp(_config(conn), "head")
            log.info("database made before migrations matches revision %s: stamped", head())


def prepare_child() -> None:
    """:func:`prepare` in the child process ``schema_head.prepare_apart`` starts: a refusal is its
    message on stderr and exit status ``PREPARE_EXIT``."""
    from .store import make_engine

    engine = make_engine(url_for_child())
    try:
        prepare(engine)
    except SchemaError as exc:
        print(exc.message, file=sys.stderr)
        sys.exit(PREPARE_EXIT)
    finally:
        engine.dispose()
