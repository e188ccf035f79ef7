"""Whether a database is at the schema this server needs, told without loading Alembic.

Alembic (with Mako and Pygments, which it imports) costs the serving process about 10 MB that it
would hold for its whole life, to answer at start a question nearly always answered "yes": is the
database at the head revision? Here the head is read from the migration files themselves (each
names its ``revision`` and ``down_revision``) and the stamped revision from the ``alembic_version``
table. Anything else (an empty database, one made before migrations, one behind) is
:mod:`server.storage.schema_version`'s, with Alembic: in this process (:func:`server.web.app.open_store`)
or, for ``wholeroom serve``, in a short-lived child process (:func:`prepare_apart`).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from ..apart import run_apart

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
_NAMED = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:None|[\"']([^\"']+)[\"'])", re.MULTILINE)
PREPARE_EXIT = 3  # the child's status when it refuses the database (its message on stderr)
_URL_VARIABLE = "WHOLEROOM_PREPARE_DATABASE_URL"  # (not on the command line: a URL may hold a password)


class SchemaError(Exception):
    """The database cannot be used by this server as it is; the message says what to do.

    The CLI prints just the message (``Error: ...``) and exits with status 1 (``server.cli.Main``)."""

    @property
    def message(self) -> str:
        return str(self)


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision among the migration files: the one no other revision follows."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        named = dict((name, value) for name, value in _NAMED.findall(path.read_text(encoding="utf-8")))
        if "revision" in named:
            revisions.add(named["revision"])
            if named.get("down_revision"):
                followed.add(named["down_revision"])
    heads = revisions - followed
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {VERSIONS} have {len(heads)} heads ({sorted(heads)}); they need one")
    return heads.pop()


def stamped(engine: Engine) -> str | None:
    """The revision stamped in the database (None for an empty one, or one made before migrations)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return found[0] if len(found) == 1 else None


def at_head(engine: Engine) -> bool:
    return stamped(engine) == head()


def prepare_apart(database_url: str) -> None:
    """Bring the database to the head in a child process (``schema_version.prepare``: an empty
    database gets the schema, one made before migrations is stamped), so that this process never
    loads Alembic; raise :class:`SchemaError` with the child's message if it refuses the database."""
    done = run_apart("server.storage.schema_version", "prepare_child", env={_URL_VARIABLE: database_url})
    if done.returncode == PREPARE_EXIT:
        raise SchemaError(done.stderr.strip())
    if done.returncode != 0:
        raise RuntimeError(f"preparing the database failed (status {done.returncode}):\n{done.stderr.strip()}")


def url_for_child() -> str:
    return os.environ[_URL_VARIABLE]
