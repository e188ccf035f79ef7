"""Themes survive export and import exactly: the ideas' vectors travel in the transcript file, so the
importing server clusters the very same numbers instead of embedding the texts again (which is not
bit-identical, and can flip groupings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from server.cli import main
from server.domain.commands import COMMAND_ADAPTER, decide
from server.domain.model import Actor, Role
from server.encoders.encoder import vector_key
from server.hub.theming import compute, embed, themable, theme_ideas, themes_dict
from server.settings import Settings
from server.storage.store import Store
from server.transcript_cli import import_polis, load_state
from server.web.app import create_app, open_store
from tests.conftest import ADMIN
from tests.domain.common_ground.data import folder

MODEL = Settings().encoder
KEY = vector_key(MODEL)  # what the server keeps its vectors under


def theme_map(store: Store, event_id: str) -> dict[str, Any]:
    """The theme map as the live room and replay compute it: stored vectors, then the curation."""
    state, _ = load_state(store, event_id)
    vectors = {i: np.frombuffer(v, dtype=np.float32) for i, v in store.vectors(event_id, KEY).items()}
    return themes_dict(compute(theme_ideas(state, vectors), list(state.theme_edits)), state)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, int, str]:
    """A Pol.is conversation (the 31 of its 54 comments not moderated out) embedded with the server's
    model, one theme renamed; how many vectors it has, and an organiser token."""
    pytest.importorskip("tokenizers")
    db = f"sqlite:///{tmp_path_factory.mktemp('themes')}/original.db"
    store = open_store(Settings(database_url=db))
    imported, tokens = import_polis(store, folder("15-per-hour-seattle"), None, progress=False)
    state = imported.state
    ideas = [i for i in state.ideas.values() if themable(i)]
    vectors = embed(MODEL, [i.text for i in ideas])
    store.save_vectors(state.id, KEY, {i.id: v.tobytes() for i, v in zip(ideas, vectors, strict=True)})
    first = theme_map(store, state.id)["themes"][0]["id"]
    rename = COMMAND_ADAPTER.validate_python({"type": "theme.rename", "theme_id": first, "label": "Wages"})
    store.append(state.id, state.seq, decide(state, Actor(Role.FACILITATOR), rename, state.created_at).entries, [])
    return db, state.id, len(ideas), tokens["organiser"]


def export(db: str, event_id: str, path: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["export", event_id, "--database-url", db, "-o", str(path), *args])
    assert result.exit_code == 0, result.output


def import_(path: Path, db: str) -> str:
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", db])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_theme_map_is_the_same_after_export_and_import_every_time(
    original: tuple[str, str, int, str], tmp_path: Path
) -> None:
    """Exported, imported, exported again from the copy...: each copy computes the original's themes,
    bit for bit (labels, members, positions), from the same vectors."""
    db, event_id, embedded, _ = original
    before = theme_map(open_store(Settings(database_url=db)), event_id)
    assert len(before["themes"]) > 1 and before["themes"][0]["label"] == "Wages"
    source = db
    for n in range(4):
        path, copy = tmp_path / f"copy{n}.jsonl", f"sqlite:///{tmp_path}/copy{n}.db"
        export(source, event_id, path)
        output = import_(path, copy)
        assert f"{embedded} vectors ({KEY}) kept: themes are computed from the same vectors" in output
        stored = open_store(Settings(database_url=copy))
        assert stored.vectors(event_id, MODEL) == open_store(Settings(database_url=db)).vectors(event_id, MODEL)
        assert theme_map(stored, event_id) == before
        source = copy


def test_without_vectors_the_import_says_it_will_embed_again(
    original: tuple[str, str, int, str], tmp_path: Path
) -> None:
    db, event_id, embedded, _ = original
    small, full = tmp_path / "small.jsonl", tmp_path / "full.jsonl"
    export(db, event_id, small, "--no-vectors")
    export(db, event_id, full)
    head = json.loads(small.read_text().splitlines()[0])
    assert head["vectors"]["count"] == 0 and "vector" not in small.read_text().splitlines()[-1]
    assert full.stat().st_size - small.stat().st_size > embedded * 3500  # 640 floats: about 3.6 kB per idea
    output = import_(small, f"sqlite:///{tmp_path}/small.db")
    assert "the file has no vectors" in output and "will embed the ideas again when the event opens" in output


def test_vectors_of_another_model_are_kept_and_the_import_says_themes_are_embedded_again(
    original: tuple[str, str, int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, event_id, _, _ = original
    path = tmp_path / "event.jsonl"
    export(db, event_id, path)
    monkeypatch.setenv("WHOLEROOM_ENCODER", "wordllama")
    output = import_(path, f"sqlite:///{tmp_path}/other.db")
    assert f"the file's vectors were made with {KEY} and this server embeds with wordllama" in output
    assert "themes may group differently from the original" in output


def test_the_organiser_page_download_carries_the_vectors_unless_asked_not_to(
    original: tuple[str, str, int, str],
) -> None:
    db, event_id, embedded, token = original
    settings = Settings(database_url=db, admin_secret=ADMIN, themes=False)
    with TestClient(create_app(settings)) as client:
        for query, count in (("", embedded), ("&vectors=false", 0)):
            r = client.get(
                f"/api/events/{event_id}/export?format=jsonl{query}", headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 200, r.text
            lines = r.text.splitlines()
            assert json.loads(lines[0])["vectors"]["count"] == count
            assert sum('"vector"' in line[:12] for line in lines) == count
