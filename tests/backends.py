"""The two configurations every API and websocket test runs against: SQLite with the in-process
broker (the default), and PostgreSQL with Redis (the scale-out path), on real servers.

Each PostgreSQL test gets its own throwaway database and each run its own Redis key prefix.
Without the servers those tests are skipped with a loud reason; with CI=true a missing server is
a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN = os.environ.get("WHOLEROOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("WHOLEROOM_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN = secrets.token_hex(4)


def _reachable() -> str | None:
    """None when PostgreSQL and Redis answer, else why not."""
    try:
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("select 1")
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"{type(exc).__name__}: {exc}"
    return None


_WHY_NOT: list[str | None] = []


def require_servers() -> None:
    if not _WHY_NOT:
        _WHY_NOT.append(_reachable())
    why = _WHY_NOT[0]
    if why is None:
        return
    message = f"PostgreSQL ({PG_ADMIN}) or Redis ({REDIS}) is not reachable: {why}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI must test the scale-out configuration; start the servers.")
    pytest.skip(f"SKIPPING the PostgreSQL + Redis configuration: {message}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database for one test; dropped afterwards even if connections linger."""
    import psycopg

    name = f"wholeroom_test_{RUN}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_prefix() -> str:
    return f"wholeroom-test-{RUN}-{secrets.token_hex(3)}"
