"""Files the server creates are readable by its user only, and the admin secret never reaches a log."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.settings import Settings
from server.web.app import admin_secret_hash, open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_wal_files_are_created_0600(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/data/w.db"
    created = CliRunner().invoke(
        main, ["event", "create", "--title", "T", "--tables", "2", "--json", "--database-url", db]
    )
    assert created.exit_code == 0, created.output
    files = [tmp_path / "data" / name for name in ("w.db", "w.db-wal", "w.db-shm")]
    store = open_store(Settings(database_url=db))  # (an open connection keeps -wal and -shm there)
    try:
        assert {f.name: mode(f) for f in files if f.exists()} == {f.name: 0o600 for f in files}
    finally:
        store.engine.dispose()


def test_exports_written_with_o_are_0600_and_erase_works_from_the_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/w.db"
    runner = CliRunner()
    event = json.loads(runner.invoke(main, ["event", "create", "--title", "T", "--json", "--database-url", db]).output)
    out = tmp_path / "report.md"
    out.write_text("an old file anyone could read")
    out.chmod(0o644)
    result = runner.invoke(main, ["export", event["event_id"], "--format", "md", "-o", str(out), "--database-url", db])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600 and out.read_text().startswith("# T: harvest")
    book = tmp_path / "harvest.xlsx"
    args = ["export", event["event_id"], "--format", "xlsx", "-o", str(book), "--database-url", db]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert mode(book) == 0o600 and book.read_bytes().startswith(b"PK")  # a zip: the workbook
    args = ["export", event["event_id"], "--format", "csv", "--csv-table", "reactions", "--audience", "shared"]
    refused = runner.invoke(main, [*args, "--database-url", db])
    assert refused.exit_code == 1 and "it is for staff" in refused.output
    missing = runner.invoke(main, ["erase", event["event_id"], "p99", "--database-url", db])
    assert missing.exit_code == 1 and "there is no participant p99" in missing.output


def test_a_generated_admin_secret_goes_to_a_0600_file_not_to_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/w.db", admin_secret=None)
    store = open_store(settings)
    try:
        with caplog.at_level(logging.INFO):
            admin_secret_hash(settings, store)
    finally:
        store.engine.dispose()
    secret_file = tmp_path / "admin-secret"
    secret = secret_file.read_text().strip()
    assert mode(secret_file) == 0o600 and len(secret) > 20
    printed = capsys.readouterr()
    assert secret not in caplog.text + printed.out + printed.err
    assert str(secret_file) in caplog.text  # the log says where it is


def test_a_failed_statement_does_not_carry_peoples_words_into_the_log(tmp_path: Path) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from server.storage.tables import ParticipantRow

    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/w.db"))
    try:
        with pytest.raises(IntegrityError) as failed, store.engine.begin() as conn:
            row = {"event_id": "nope", "id": "p1", "name": "Ana Example", "table_id": "1", "role": "p", "joined_at": 0}
            conn.execute(insert(ParticipantRow), [row])  # no such event: the foreign key refuses it
    finally:
        store.engine.dispose()
    assert "Ana Example" not in str(failed.value) and "hidden" in str(failed.value)


def test_a_redis_password_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    from server.hub.redis_broker import RedisBroker

    async def connect_and_leave() -> None:
        broker = RedisBroker("redis://:hunter2-secret@127.0.0.1:1/0")
        await broker.connect()  # nobody answers on port 1: it warns, and serves anyway
        await broker.disconnect()

    with caplog.at_level(logging.WARNING):
        asyncio.run(connect_and_leave())
    assert "not answering" in caplog.text and "hunter2-secret" not in caplog.text
