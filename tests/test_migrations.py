"""Schema migrations on SQLite and PostgreSQL: upgrading keeps every event, the server refuses a
database behind, `wholeroom db` upgrades and reports.

PostgreSQL tests use a throwaway database each (``wholeroom_test_<random>``, dropped afterwards) on
``WHOLEROOM_TEST_PG`` (default postgresql://postgres@127.0.0.1:5432/postgres). When it is not
reachable they are skipped with the reason; with CI=true that is a failure instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlmodel import SQLModel

from server.cli import main
from server.settings import Settings
from server.storage import schema_head, schema_version
from server.storage.store import make_engine
from server.web.app import create_app, open_store

PG_ADMIN = os.environ.get("WHOLEROOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ADMIN = "test-admin-secret"
_PG_PROBLEM: list[str | None] = []


def _pg_problem() -> str | None:
    """None when PostgreSQL answers, else why not (asked once per run)."""
    if not _PG_PROBLEM:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
                conn.execute("select 1")
            _PG_PROBLEM.append(None)
        except Exception as exc:  # noqa: BLE001 - any failure means "not here"
            _PG_PROBLEM.append(f"{type(exc).__name__}: {exc}")
    return _PG_PROBLEM[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/wholeroom.db"
        return
    problem = _pg_problem()
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN} is not reachable ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must test migrations on PostgreSQL")
        pytest.skip(f"SKIPPING migrations on PostgreSQL: {message}")
    import psycopg

    name = f"wholeroom_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(PG_ADMIN).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    eng = make_engine(url)
    yield eng
    eng.dispose()


def settings(url: str) -> Settings:
    return Settings(database_url=url, admin_secret=ADMIN, public_url="http://testserver", themes=False)


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# --- an event as the first schema (revision 0001) stored it, written with plain SQL ----------------

EVENT = "0ld0000001"
FACILITATOR = "old-facilitator-token"
OLD_ENTRIES = [  # seq, milliseconds after the event's creation, kind, actor, payload
    (1, 0, "event.created", "admin", '{"title":"Old town","join_code":"OLD123","tables":'
     '[{"id":"1","name":"Table 1"},{"id":"2","name":"Table 2"}]}'),
    (2, 700, "participant.joined", "participant:p2",
     '{"participant_id":"p2","name":"Ada","table_id":"1","role":"participant"}'),
    (3, 800, "step.pushed", "facilitator", '{"step_id":"s3","text":"What matters?","collect_ideas":true,'
     '"audience":{"tables":null,"role":null},"deadline":null,"replaces":null}'),
    # the idea payload as the first version wrote it (before visibility, groups and anonymity)
    (4, 900, "idea.submitted", "participant:p2", '{"idea_id":"i4","client_id":"c1","participant_id":"p2",'
     '"table_id":"1","step_id":"s3","text":"More trees by the river"}'),
]  # fmt: skip


def start_time(engine: Engine) -> int:
    """When the old event was created, in epoch milliseconds. On PostgreSQL the first schema's INTEGER
    columns hold 32 bits, too few for a real time (so no real event could be stored there before 0003):
    an early time that fits stands in for one."""
    return 1_795_000_000_000 if engine.dialect.name == "sqlite" else 1_000_000


def populate_old(engine: Engine) -> None:
    """Two events, their entries, tokens, a participant and an idea, inserted as the 0001 schema had them."""
    T0 = start_time(engine)  # noqa: N806
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO event (id, title, join_code, created_at, last_seq) VALUES (:id, :t, :c, :at, :n)"),
            [
                {"id": EVENT, "t": "Old town", "c": "OLD123", "at": T0, "n": 4},
                {"id": "0ld0000002", "t": "Second", "c": "OLD456", "at": T0 + 5, "n": 1},
            ],
        )
        conn.execute(
            text("INSERT INTO entry (event_id, seq, at, kind, actor, payload) VALUES (:e, :s, :at, :k, :a, :p)"),
            [{"e": EVENT, "s": s, "at": T0 + ms, "k": k, "a": a, "p": p} for s, ms, k, a, p in OLD_ENTRIES]
            + [
                {
                    "e": "0ld0000002",
                    "s": 1,
                    "at": T0 + 5,
                    "k": "event.created",
                    "a": "admin",
                    "p": '{"title":"Second","join_code":"OLD456","tables":[{"id":"1","name":"Table 1"}]}',
                }
            ],
        )
        conn.execute(
            text(
                "INSERT INTO token (hash, event_id, role, participant_id, created_at, expires_at)"
                " VALUES (:h, :e, :r, :p, :at, :x)"
            ),
            [
                {
                    "h": hashlib.sha256(FACILITATOR.encode()).hexdigest(),
                    "e": EVENT,
                    "r": "facilitator",
                    "p": None,
                    "at": T0,
                    "x": None,
                },
                {"h": "b" * 64, "e": EVENT, "r": "participant", "p": "p2", "at": T0 + 700, "x": T0 + 14 * 86_400_000},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO participant (event_id, id, name, table_id, role, joined_at)"
                " VALUES (:e, 'p2', 'Ada', '1', 'participant', :at)"
            ),
            {"e": EVENT, "at": T0 + 700},
        )
        conn.execute(
            text(
                "INSERT INTO idea (event_id, id, seq, participant_id, client_id, table_id, step_id, text, at, hidden)"
                " VALUES (:e, 'i4', 4, 'p2', 'c1', '1', 's3', 'More trees by the river', :at, :hidden)"
            ),
            {"e": EVENT, "at": T0 + 900, "hidden": False},
        )


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables the first schema had, in a fixed order (the first schema's columns:
    later revisions add theirs after them)."""
    keys = {
        "event": "id",
        "entry": "event_id, seq",
        "token": "hash",
        "participant": "event_id, id",
        "idea": "event_id, id",
        "setting": "key",
    }
    with engine.connect() as conn:
        return {
            t: [tuple(r)[: FIRST_WIDTH.get(t)] for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY {k}"))]
            for t, k in keys.items()
        }


FIRST_WIDTH = {"event": 5, "token": 6}  # 0004 added event.closed_at and token.revoked_at


def behind_message(at: str) -> str:
    return f"the database is at revision {at}; this server needs {schema_version.head()}: run `wholeroom db upgrade`"


def printed_upgrade(output: str, url: str) -> list[str]:
    """The `db upgrade` command a CLI message names: spelled as this program runs (here `python -m
    server.cli`), on the same database."""
    found = re.search(r"run `([^`]+)`", output)
    assert found is not None, output
    command = shlex.split(found[1])
    assert command[-4:] == ["db", "upgrade", "--database-url", url], command
    return command


# --- tests -----------------------------------------------------------------------------------------


def test_upgrade_keeps_every_event_and_the_server_then_serves_it(url: str, engine: Engine) -> None:
    """A database at 0001 holding events written by plain SQL keeps every row through `wholeroom db upgrade`,
    and the server then serves the event (its idea in the snapshot) and appends to it."""
    schema_version.upgrade(engine, "0001")
    populate_old(engine)
    before = rows(engine)
    assert len(before["entry"]) == 5

    result = cli("db", "upgrade", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert f"from 0001 to {schema_version.head()}" in result.output
    assert schema_version.current(engine) == schema_version.head()
    assert rows(engine) == before

    with TestClient(create_app(settings(url))) as client:
        auth = {"Authorization": f"Bearer {FACILITATOR}"}
        snap = client.get(f"/api/events/{EVENT}/snapshot", headers=auth).json()
        assert snap["seq"] == 4 and snap["event"]["title"] == "Old town"
        assert [(i["id"], i["text"]) for i in snap["ideas"]] == [("i4", "More trees by the river")]
        assert [p["name"] for p in snap["participants"]] == ["Ada"]
        pushed = client.post(
            f"/api/events/{EVENT}/commands", json={"type": "step.push", "text": "And next?"}, headers=auth
        )
        assert pushed.status_code == 200, pushed.text
    after = rows(engine)["entry"]
    assert [r for r in after if r[:2] != (EVENT, 5)] == before["entry"]
    assert [r[3] for r in after if r[:2] == (EVENT, 5)] == ["step.pushed"]


def test_server_refuses_a_database_behind_with_a_clear_message(
    url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a database at an older revision the app, `wholeroom serve` and other commands refuse, saying what to
    run, and change nothing."""
    schema_version.upgrade(engine, "0001")
    populate_old(engine)
    before = rows(engine)
    with pytest.raises(schema_version.SchemaBehind, match=re.escape(behind_message("0001"))):
        with TestClient(create_app(settings(url))):
            pass  # pragma: no cover - never reached

    import uvicorn

    def never(*_args: Any, **_kwargs: Any) -> None:  # pragma: no cover - only if the check failed
        raise AssertionError("the server started on a database behind")

    monkeypatch.setattr(uvicorn, "run", never)
    for command in (["serve"], ["event", "list"]):
        result = cli(*command, "--database-url", url)
        assert result.exit_code == 1
        said = behind_message("0001").split("`")[0]
        assert result.output.startswith(f"Error: {said}"), result.output
        python, *module = printed_upgrade(result.output, url)[:3]
        assert os.path.abspath(python) == os.path.abspath(sys.executable) and module == ["-m", "server.cli"]
    assert schema_version.current(engine) == "0001" and rows(engine) == before


def test_db_current_prints_the_revision(url: str, engine: Engine) -> None:
    """`wholeroom db current` says none for an empty database, then the revision, and whether it is behind."""
    assert cli("db", "current", "--database-url", url).output.startswith("none (")
    schema_version.upgrade(engine, "0001")
    result = cli("db", "current", "--database-url", url)
    assert result.exit_code == 0
    assert result.output.startswith(f"0001 (behind {schema_version.head()}: run `")
    upgrade = printed_upgrade(result.output, url)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(upgrade, env=env, capture_output=True, text=True, timeout=120)  # as printed
    assert done.returncode == 0 and f"to {schema_version.head()}" in done.stdout, done.stderr
    assert cli("db", "current", "--database-url", url).output.strip() == f"{schema_version.head()} (head)"
    again = cli("db", "upgrade", "--database-url", url)
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_db_current_never_creates_a_sqlite_file(tmp_path: Path) -> None:
    """Asking about a SQLite file that does not exist answers none and leaves no file behind."""
    result = cli("db", "current", "--database-url", f"sqlite:///{tmp_path}/absent.db")
    assert result.exit_code == 0 and result.output.startswith("none (no database at")
    assert not (tmp_path / "absent.db").exists()


def test_fresh_database_is_upgraded_on_first_start(url: str, engine: Engine) -> None:
    """An empty database gets the whole schema, stamped at the head, when the server first starts."""
    with TestClient(create_app(settings(url))) as client:
        created = client.post(
            "/api/events", json={"title": "New", "tables": 2}, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert created.status_code == 201, created.text
    assert schema_version.current(engine) == schema_version.head()
    schema_version.check(engine)


def test_database_made_before_migrations_is_stamped(url: str, engine: Engine) -> None:
    """A database made by create_all with today's tables (no alembic_version) is stamped as the head at start,
    and its events are served."""
    SQLModel.metadata.create_all(engine)
    populate_old(engine)
    before = rows(engine)
    assert schema_version.current(engine) is None
    with TestClient(create_app(settings(url))) as client:
        auth = {"Authorization": f"Bearer {FACILITATOR}"}
        assert client.get(f"/api/events/{EVENT}/snapshot", headers=auth).json()["ideas"][0]["id"] == "i4"
    assert schema_version.current(engine) == schema_version.head() and rows(engine) == before


def test_old_database_made_before_migrations_is_recognised_then_upgraded(url: str, engine: Engine) -> None:
    """Tables exactly as the first schema's create_all made them (no alembic_version) count as revision 0001:
    the server refuses until `wholeroom db upgrade`, which keeps every row."""
    schema_version.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    populate_old(engine)
    before = rows(engine)
    with pytest.raises(schema_version.SchemaBehind, match=re.escape(behind_message("0001"))):
        schema_version.check(engine)
    with pytest.raises(schema_version.SchemaBehind):
        with TestClient(create_app(settings(url))):
            pass  # pragma: no cover
    assert cli("db", "current", "--database-url", url).output.startswith("0001 (made before migrations")
    result = cli("db", "upgrade", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert schema_version.current(engine) == schema_version.head() and rows(engine) == before


def test_a_database_of_other_tables_is_refused_untouched(url: str, engine: Engine) -> None:
    """Tables that are not a Wholeroom schema make the server and `db upgrade` refuse, naming the difference."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total INTEGER)"))
    with pytest.raises(schema_version.SchemaError, match="not a Wholeroom schema .*unexpected tables invoice"):
        with TestClient(create_app(settings(url))):
            pass  # pragma: no cover
    result = cli("db", "upgrade", "--database-url", url)
    assert result.exit_code == 1 and "missing tables action_contact, entry, event" in result.output
    assert schema_version.status(engine).revision is None and schema_version.current(engine) is None


def test_a_database_from_a_newer_version_is_refused(url: str, engine: Engine) -> None:
    """A revision this version does not know (a newer Wholeroom migrated the database) is refused."""
    schema_version.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(schema_version.SchemaError, match="revision 9999, which this server does not know"):
        schema_version.check(engine)
    assert cli("db", "upgrade", "--database-url", url).exit_code == 1


def test_migrations_make_exactly_the_tables_of_the_code(url: str, engine: Engine) -> None:
    """The head revision matches server/storage/tables.py (a table or column changed without a migration fails
    here), and every revision downgrades and upgrades again."""
    schema_version.upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert differences == []
    schema_version.downgrade(engine, "base")
    assert schema_version.status(engine).empty
    schema_version.upgrade(engine)
    assert schema_version.current(engine) == schema_version.head()


def test_workers_starting_at_once_migrate_an_empty_database_once(url: str) -> None:
    """Four processes' worth of engines preparing one empty database at the same moment all succeed."""
    engines = [make_engine(url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def prepare(eng: Engine) -> None:
        try:
            start.wait()
            schema_version.prepare(eng)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=prepare, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert {schema_version.current(e) for e in engines} == {schema_version.head()}
    finally:
        for e in engines:
            e.dispose()


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    """The serving process tells whether a database is at the head without Alembic: its reading of
    the migration files must agree with Alembic's."""
    assert schema_head.head() == schema_version.head()


def test_the_serving_process_prepares_a_database_without_loading_alembic(url: str, engine: Engine) -> None:
    """`wholeroom serve` opens its store with the schema work in a child process: an empty database
    gets the schema at the head, one made before migrations is stamped, and the serving process
    never imports Alembic (about 10 MB it would hold for its whole life)."""
    SQLModel.metadata.create_all(engine)  # made before migrations: stamped
    populate_old(engine)
    probe = (
        "import sys; from server.settings import Settings; from server.web.app import open_store; "
        "settings = Settings(database_url=sys.argv[1], admin_secret='x', public_url='http://x', themes=False); "
        "store = open_store(settings, prepare_apart=True); "
        "store.engine.dispose(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    root = str(Path(__file__).resolve().parent.parent)
    for _ in range(2):  # then at the head: nothing to do
        done = subprocess.run(
            [sys.executable, "-c", probe, url],
            env={**os.environ, "PYTHONPATH": root},
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"
        assert schema_version.current(engine) == schema_version.head()


def test_a_database_behind_is_refused_from_the_child_with_its_message(url: str, engine: Engine) -> None:
    """The child's refusal reaches the server as the same SchemaError, with the same message."""
    schema_version.upgrade(engine, "0004")
    with pytest.raises(schema_head.SchemaError) as refused:
        open_store(settings(url), prepare_apart=True)
    assert str(refused.value) == behind_message("0004")
    assert isinstance(refused.value, schema_version.SchemaError)


def test_an_event_in_another_language_gets_its_language_into_its_transcript(url: str, engine: Engine) -> None:
    """0010: an event set to Spanish while the language lived on its row only gets one
    event.language_set entry after its last, at that entry's time; English events are untouched;
    the server then folds it and serves the event in Spanish."""
    schema_version.upgrade(engine, "0001")
    populate_old(engine)
    schema_version.upgrade(engine, "0009")
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET language = 'es' WHERE id = :e"), {"e": EVENT})
    before = rows(engine)["entry"]
    schema_version.upgrade(engine)
    after = rows(engine)["entry"]
    assert [r for r in after if r in before] == before  # the other events (English) untouched
    last_at = max(r[2] for r in before if r[0] == EVENT)
    assert [r for r in after if r not in before] == [
        (EVENT, 5, last_at, "event.language_set", "admin", '{"language":"es"}')
    ]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT last_seq FROM event WHERE id = :e"), {"e": EVENT}).scalar_one() == 5
    with pytest.raises(RuntimeError, match="event.language_set"):
        schema_version.downgrade(engine, "0009")
    with TestClient(create_app(settings(url))) as client:
        snap = client.get(f"/api/events/{EVENT}/snapshot", headers={"Authorization": f"Bearer {FACILITATOR}"}).json()
        assert snap["seq"] == 5 and snap["event"]["language"] == "es"
