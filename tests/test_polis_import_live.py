"""Pol.is conversations imported into a server database, read back through the fold."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.domain.common_ground import Level, analyse
from server.polis_import import load_polis_export
from server.settings import Settings
from server.transcript_cli import import_polis, load_state
from server.web.app import open_store
from tests.domain.common_ground.data import OPEN_DATA, adjusted_rand_index, folder

VALUE = {"agree": 1, "disagree": -1, "pass": 0}


@pytest.mark.parametrize("name", OPEN_DATA)
def test_imported_votes_reproduce_the_exported_matrix(name: str, tmp_path: Path) -> None:
    """Importing a conversation and reading it back from the database gives participants-votes.csv exactly."""
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/polis.db"))
    imported, _tokens = import_polis(store, folder(name), None, progress=False)
    state, _entries = load_state(store, imported.state.id)
    comment_of = {ours: polis for polis, ours in imported.ideas.items()}
    export = load_polis_export(folder(name))
    for person in export.participants:
        ours = state.reacted.get(imported.participants[person.participant_id], {})
        assert {comment_of[i]: VALUE[v] for i, v in ours.items()} == person.votes, person.participant_id
    hidden = {imported.ideas[c.comment_id] for c in export.comments if c.moderated == -1}
    assert {i.id for i in state.ideas.values() if i.hidden} == hidden


@pytest.mark.parametrize("name", ["15-per-hour-seattle", "austria-climate.5twd2jsnkf.2022-08-08"])
def test_groups_found_on_an_imported_conversation_match_polis(name: str, tmp_path: Path) -> None:
    """The live room's analysis of an imported conversation finds Pol.is's groups (ARI >= 0.85)."""
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/polis.db"))
    imported, _tokens = import_polis(store, folder(name), None, progress=False)
    state = imported.state
    hidden = frozenset(i.id for i in state.ideas.values() if i.hidden)
    result = analyse(state.reaction_log.snapshot(), hidden=hidden)
    assert result.level is Level.GROUPS and result.map is not None
    polis_of = {ours: polis for polis, ours in imported.participants.items()}
    exported = {p.participant_id: p.group_id for p in load_polis_export(folder(name)).participants}
    people = sorted(pid for pid in result.map.groups if exported.get(polis_of[pid]) is not None)
    ari = adjusted_rand_index([exported[polis_of[p]] for p in people], [ord(result.map.groups[p]) for p in people])
    assert ari >= 0.85, ari


def test_a_bad_export_is_refused_and_imports_nothing(tmp_path: Path) -> None:
    """A votes.csv naming a comment that does not exist is refused with its place; no event is made."""
    source = folder("london.youth.policing")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "comments.csv").write_text((source / "comments.csv").read_text())
    lines = (source / "votes.csv").read_text().splitlines()
    fields = lines[3].split(",")
    fields[2] = "99999"
    lines[3] = ",".join(fields)
    (bad / "votes.csv").write_text("\n".join(lines) + "\n")
    db = f"sqlite:///{tmp_path}/polis.db"
    result = CliRunner().invoke(main, ["import", "polis", str(bad), "--database-url", db])
    assert result.exit_code == 1 and "votes.csv" in result.output and "line 4" in result.output
    assert "nothing was imported" in result.output
    assert open_store(Settings(database_url=db)).events() == []
