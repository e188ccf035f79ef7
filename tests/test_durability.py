"""An acknowledgement means the change is on disk: SQLite commits with synchronous=FULL unless told
otherwise (NORMAL in WAL mode survives a killed process, not a power cut)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from server.settings import Settings
from server.web.app import open_store

SYNCHRONOUS = {1: "NORMAL", 2: "FULL"}


def synchronous(settings: Settings) -> str:
    store = open_store(settings)
    try:
        with store.engine.connect() as conn:
            return SYNCHRONOUS[conn.execute(text("PRAGMA synchronous")).scalar_one()]
    finally:
        store.engine.dispose()


def test_commits_are_durable_across_a_power_cut_by_default(tmp_path: Path) -> None:
    assert synchronous(Settings(database_url=f"sqlite:///{tmp_path}/a.db", _env_file=None)) == "FULL"


def test_normal_can_still_be_chosen(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/b.db", sqlite_synchronous="NORMAL", _env_file=None)
    assert synchronous(settings) == "NORMAL"
