"""Pol.is conversations imported into a server database, read back through the fold."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from server import exports
from server.cli import main
from server.domain.common_ground import Level, analyse
from server.domain.harvest import harvest
from server.domain.replay import Replay
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


def test_an_imported_conversation_keeps_its_own_timeline(tmp_path: Path) -> None:
    """Every comment and vote is stored at the time Pol.is recorded it, the event starts at the first
    of them and people join at their first action, so replay at a moment shows the votes cast by then."""
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/polis.db"))
    imported, _tokens = import_polis(store, folder("15-per-hour-seattle"), None, progress=False)
    export = load_polis_export(folder("15-per-hour-seattle"))
    entries = store.entries(imported.state.id)
    times = [e.at for e in entries]
    assert times == sorted(times)
    first = min([c.timestamp for c in export.comments] + [v.timestamp for v in export.votes])
    assert entries[0].kind == "event.created" and entries[0].at == first == store.events()[0].created_at
    posted = {e.payload["client_id"]: e.at for e in entries if e.kind == "idea.submitted"}
    assert posted == {f"polis-{c.comment_id}": c.timestamp for c in export.comments}
    # in this export no vote precedes its comment: the reactions are the votes in time order, each at its time
    polis_of = {ours: polis for polis, ours in imported.participants.items()}
    comment_of = {ours: polis for polis, ours in imported.ideas.items()}
    reactions = [
        (e.at, polis_of[e.payload["participant_id"]], comment_of[e.payload["idea_id"]], VALUE[e.payload["value"]])
        for e in entries
        if e.kind == "reaction.cast"
    ]
    in_time = sorted(export.votes, key=lambda v: v.timestamp)  # stable: ties keep the file's order
    assert reactions == [(v.timestamp, v.voter_id, v.comment_id, v.vote) for v in in_time]
    acted: dict[int, int] = {}
    for at, who in sorted(
        [(c.timestamp, c.author_id) for c in export.comments] + [(v.timestamp, v.voter_id) for v in export.votes]
    ):
        acted.setdefault(who, at)
    joined = {polis_of[e.payload["participant_id"]]: e.at for e in entries if e.kind == "participant.joined"}
    assert joined == acted
    replay = Replay(imported.state.id)
    replay.extend(entries)
    middle = in_time[len(in_time) // 2].timestamp
    then = replay.state_at(replay.seq_at(middle))
    assert sum(len(r) for r in then.reacted.values()) == len(
        {(v.voter_id, v.comment_id) for v in in_time if v.timestamp <= middle}
    )


def write_polis(folder: Path, comments: list[str], votes: list[str]) -> Path:
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,comment-id,author-id,moderated,comment-body\n" + "\n".join(comments) + "\n"
    )
    (folder / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n" + "\n".join(votes) + "\n")
    return folder


def test_rows_out_of_order_are_put_in_time_order_and_ties_keep_the_file_order(tmp_path: Path) -> None:
    """Entries follow the CSV times (whatever the rows' order); rows of the same millisecond keep the
    file's order, comments first; a vote logged before its comment waits for it and takes its time."""
    exported = write_polis(
        tmp_path / "conversation",
        ["5000,1,7,1,Second comment", "1000,0,7,1,First comment"],
        ["3000,0,8,1", "3000,0,9,-1", "5000,1,8,1", "4000,1,9,0", "2000,0,9,1"],
    )
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/polis.db"))
    imported, _tokens = import_polis(store, exported, None, progress=False)
    polis_of = {ours: polis for polis, ours in imported.participants.items()}
    comment_of = {ours: polis for polis, ours in imported.ideas.items()}
    story = []
    for e in store.entries(imported.state.id):
        p = e.payload
        if e.kind == "idea.submitted":
            story.append((e.at, "comment", comment_of[p["idea_id"]]))
        elif e.kind == "reaction.cast":
            story.append((e.at, f"vote {polis_of[p['participant_id']]} {p['value']}", comment_of[p["idea_id"]]))
    assert story == [
        (1000, "comment", 0),
        (2000, "vote 9 agree", 0),
        (3000, "vote 8 agree", 0),
        (3000, "vote 9 disagree", 0),  # same millisecond: file order
        (5000, "comment", 1),  # comment 1 at 5000; the vote on it logged at 4000 waits for it
        (5000, "vote 9 pass", 1),
        (5000, "vote 8 agree", 1),
    ]


def test_the_report_charts_the_conversations_own_timeline(tmp_path: Path) -> None:
    """The participation chart of an imported conversation spans its real dates (here four years, in
    weekly bars, so the report stays small) and counts every comment and person."""
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path}/polis.db"))
    imported, _tokens = import_polis(store, folder("15-per-hour-seattle"), None, progress=False)
    state = imported.state
    report = harvest(state, imported.entries[-1].at)
    assert report.participation_ms == 7 * 86_400_000 and len(report.participation) <= 288
    first, width = report.participation[0][0], report.participation_ms
    assert first <= state.created_at < first + width <= imported.entries[-1].at
    assert sum(n for _, n, _ in report.participation) == len(state.ideas)
    assert report.participation[-1][2] == len(state.participants)
    page = exports.html(report)
    assert "ideas written in each week" in page and "2014-06-12" in page and "2018-11-" in page
    assert len(page) < 500_000
