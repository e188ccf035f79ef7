from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from server.cli import main
from server.domain.digest import state_digest
from server.domain.model import Entry
from server.domain.transcript_file import write_lines
from server.settings import Settings
from server.transcript_cli import load_state
from server.web.app import create_app, open_store
from tests.conftest import ADMIN, Room

VOTE = """
id: react
title: React
method: {name: Test, origin: Us}
steps:
  - {id: ideas, kind: ideas, duration: 5m, capture: {who: each}}
  - {id: pairs, kind: discuss, audience: group, groups: {size: 2}, duration: 2m}
  - {id: react, kind: vote, method: agree_disagree_pass, options: {from: ideas}, duration: 5m}
"""


def build_event(client: TestClient) -> Room:
    """Eight tables, two steps by hand, a script with pairs and a vote, ideas, hides and reactions."""
    room = Room(client, tables=8)
    phones = [room.join(str(1 + i % 8), f"Person {i}" if i % 3 else None) for i in range(24)]
    room.command(room.facilitator, type="step.push", text="Who is here?", duration_s=120)
    room.command(room.facilitator, type="step.push", text="Tables 1-2 only", audience={"tables": ["1", "2"]})
    session = room.command(room.facilitator, type="session.load", script=VOTE).json()["session_id"]
    room.command(room.facilitator, type="session.next", session_id=session)
    ideas = [
        room.command(
            p["token"], type="idea.submit", client_id=f"c{n}", text=f'Idea {n}, with a comma, "quotes" and é'
        ).json()["idea_id"]
        for n, p in enumerate(phones)
    ]
    for idea_id in ideas[::5]:
        room.command(room.facilitator, type="idea.hide", idea_id=idea_id, reason="test")
    room.command(room.facilitator, type="session.next", session_id=session)
    step_id = room.command(room.facilitator, type="session.next", session_id=session).json()["step_id"]
    for n, p in enumerate(phones):
        option = ideas[(n + 1) % len(ideas)]
        if option not in ideas[::5]:
            answer = ("agree", "disagree", "pass")[n % 3]
            r = room.command(p["token"], type="vote.cast", step_id=step_id, ballot={option: answer})
            assert r.status_code == 200, r.text
    return room


@pytest.fixture
def original(tmp_path: Path) -> tuple[str, str]:
    db = f"sqlite:///{tmp_path}/original.db"
    with TestClient(create_app(Settings(database_url=db, admin_secret=ADMIN, themes=False))) as client:
        room = build_event(client)
    return db, room.id


def export(db: str, event_id: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", event_id, "--database-url", db, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_export_then_import_rebuilds_the_same_event(original: tuple[str, str], tmp_path: Path) -> None:
    """A transcript exported and imported into an empty database gives the same digest and exports."""
    db, event_id = original
    path = tmp_path / "event.jsonl"
    path.write_text(export(db, event_id), encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh])
    assert result.exit_code == 0, result.output
    before, _ = load_state(open_store(Settings(database_url=db)), event_id)
    after, _ = load_state(open_store(Settings(database_url=fresh)), event_id)
    assert state_digest(after) == state_digest(before)
    assert f"({state_digest(before)})" in result.output
    for args in (
        ["--format", "csv"],
        ["--format", "csv", "--csv-table", "reactions"],
        ["--format", "md"],
        ["--format", "html"],
    ):
        assert export(fresh, event_id, *args) == export(db, event_id, *args)
    assert export(fresh, event_id).splitlines()[1:] == path.read_text().splitlines()[1:]


def test_the_imported_event_runs_on(original: tuple[str, str], tmp_path: Path) -> None:
    """After import the event is live: its new facilitator link can push a step."""
    db, event_id = original
    path = tmp_path / "event.jsonl"
    path.write_text(export(db, event_id), encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    output = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh]).output
    token = output.split("console#token=")[1].split()[0]
    with TestClient(create_app(Settings(database_url=fresh, admin_secret=ADMIN, themes=False))) as client:
        r = client.post(
            f"/api/events/{event_id}/commands",
            json={"type": "step.push", "text": "Day 2"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text


def damaged(text: str, how: str) -> str:
    lines = text.splitlines(keepends=True)
    if how == "truncated":
        return "".join(lines[:-3])
    if how == "cut mid-line":
        return "".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]
    if how == "tampered":
        entry = json.loads(lines[30])
        entry["payload"] = (
            {**entry["payload"], "text": "Something nobody said"}
            if "text" in entry["payload"]
            else {**entry["payload"], "extra": 1}
        )
        lines[30] = json.dumps(entry) + "\n"
        return "".join(lines)
    if how == "line removed":
        return "".join(lines[:10] + lines[11:])
    if how == "not a transcript":
        return '{"hello": "world"}\n'
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "truncated: the header announces"),
        ("cut mid-line", "not JSON"),
        ("tampered", "line 31: entry seq 30 was changed after export"),
        ("line removed", "line 11: seq 11 where 10 was expected"),
        ("not a transcript", "line 1: not a Wholeroom transcript"),
    ],
)
def test_a_damaged_file_is_refused_with_its_line_and_changes_nothing(
    original: tuple[str, str], tmp_path: Path, how: str, message: str
) -> None:
    """Truncated, cut, edited or foreign files are refused, naming the line, and nothing is imported."""
    db, event_id = original
    path = tmp_path / "bad.jsonl"
    path.write_text(damaged(export(db, event_id), how), encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh])
    assert result.exit_code == 1 and message in result.output and "nothing was imported" in result.output
    assert open_store(Settings(database_url=fresh)).events() == []


def test_importing_twice_is_refused(original: tuple[str, str], tmp_path: Path) -> None:
    """The same event cannot be imported over itself."""
    db, event_id = original
    path = tmp_path / "event.jsonl"
    path.write_text(export(db, event_id), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", db])
    assert result.exit_code == 1 and "already exists" in result.output


def test_csv_opens_cleanly_in_a_spreadsheet(original: tuple[str, str]) -> None:
    """The ideas CSV starts with a UTF-8 BOM, quotes commas and quotes, and marks hidden ideas."""
    import csv
    import io

    db, event_id = original
    text = export(db, event_id, "--format", "csv")
    assert text.startswith("\ufeffidea_id,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 24 and rows[1]["text"] == 'Idea 1, with a comma, "quotes" and é'
    assert sum(r["hidden"] == "yes" for r in rows) == 5
    assert {r["audience"] for r in rows} == {"staff"}  # the default for the data files
    reactions = export(db, event_id, "--format", "csv", "--csv-table", "reactions")
    answers = list(csv.DictReader(io.StringIO(reactions.lstrip("\ufeff"))))
    assert len(answers) == 19 and {(r["kind"], r["method"]) for r in answers} == {("ballot", "agree_disagree_pass")}


def test_harvest_report_names_only_those_who_gave_one(original: tuple[str, str]) -> None:
    """The report lists given names, never hidden ideas, and carries an inline SVG chart."""
    db, event_id = original
    report = export(db, event_id, "--format", "html")
    assert "Person 1" in report and "Person 3" not in report  # person 3 stayed anonymous
    assert "Idea 0," not in report and "Idea 1," in report  # idea 0 was hidden
    assert "<svg" in report and "Participation over time" in report
    md = export(db, event_id, "--format", "md")
    assert md.startswith("# Our town: harvest") and "| Tables 1-2 only | Table 1, Table 2 |" in md


def forged(text: str, seq: int, change: dict[str, Any]) -> str:
    """The transcript with entry ``seq``'s payload changed and every chain hash recomputed, as
    anyone can: the chain has no key, so it detects damage, not forgery."""
    lines = text.splitlines()
    head = json.loads(lines[0])
    entries = []
    for line in lines[1:]:
        data = json.loads(line)
        data.pop("chain")
        if data["seq"] == seq:
            data["payload"] = {**data["payload"], **change}
        entries.append(Entry.from_dict(data))
    return "".join(write_lines(head, entries))


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("participant.joined", {"name": 5}, "participant.joined payload.name: Input should be a valid string"),
        ("participant.joined", {"name": "n" * 41}, "payload.name: String should have at most 40 characters"),
        ("idea.submitted", {"text": "x" * 100_000}, "payload.text: String should have at most 500 characters"),
        ("idea.submitted", {"text": "nul \u0000"}, "text has a NUL character"),
        ("idea.submitted", {"visibility": "everyone"}, "payload.visibility: Input should be 'table'"),
        ("step.pushed", {"audience": {"tables": [7], "role": None}}, "payload.audience.tables.0"),
    ],
)
def test_a_forged_transcript_is_held_to_the_live_limits(
    original: tuple[str, str], tmp_path: Path, kind: str, change: dict[str, Any], message: str
) -> None:
    """An entry no live command could have made is refused, naming its line, even with a valid chain."""
    db, event_id = original
    text = export(db, event_id)
    seq = next(json.loads(line)["seq"] for line in text.splitlines()[1:] if json.loads(line)["kind"] == kind)
    path = tmp_path / "forged.jsonl"
    path.write_text(forged(text, seq, change), encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh])
    assert result.exit_code == 1, result.output
    assert f"line {seq + 1}: entry seq {seq} ({kind}): " in result.output and message in result.output
    assert "nothing was imported" in result.output
    assert open_store(Settings(database_url=fresh)).events() == []


def test_a_flipped_answer_with_its_chain_recomputed_is_refused_by_the_digest(
    original: tuple[str, str], tmp_path: Path
) -> None:
    """An agree turned into a disagree, the file re-chained as docs/export.md describes: every line
    verifies, but the rebuilt event is not the one the header's digest describes, and nothing is imported."""
    db, event_id = original
    text = export(db, event_id)
    cast = next(json.loads(line) for line in text.splitlines()[1:] if '"agree"' in line and "vote.cast" in line)
    ballot = {option: "disagree" for option in cast["payload"]["ballot"]}
    path = tmp_path / "forged.jsonl"
    path.write_text(forged(text, cast["seq"], {"ballot": ballot}), encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh])
    assert result.exit_code == 1, result.output
    assert "line 1: the rebuilt event differs from the header's digest in its votes (ballots): " in result.output
    assert "nothing was imported" in result.output
    assert open_store(Settings(database_url=fresh)).events() == []


def test_an_imported_event_speaks_the_language_it_was_exported_in(tmp_path: Path) -> None:
    """An event made in Spanish and switched to Polish by its organiser comes back from export and
    import in Polish: its wall page, the event row and the rebuilt state; the change is in the transcript."""
    db = f"sqlite:///{tmp_path}/original.db"
    with TestClient(create_app(Settings(database_url=db, admin_secret=ADMIN, themes=False))) as client:
        room = Room(client, tables=2, language="es")
        room.join("1", "Ana")
        organiser = {"Authorization": f"Bearer {room.organiser}"}
        assert client.put(f"/api/events/{room.id}/language", json={"language": "pl"}, headers=organiser).is_success
    text = export(db, room.id)
    lines = [json.loads(line) for line in text.splitlines()[1:]]
    assert lines[0]["kind"] == "event.created" and lines[0]["payload"]["language"] == "es"
    assert [(e["kind"], e["payload"]) for e in lines if e["kind"] == "event.language_set"] == [
        ("event.language_set", {"language": "pl"})
    ]
    path = tmp_path / "event.jsonl"
    path.write_text(text, encoding="utf-8")
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    result = CliRunner().invoke(main, ["import", "transcript", str(path), "--database-url", fresh])
    assert result.exit_code == 0, result.output
    store = open_store(Settings(database_url=fresh))
    assert store.event_language(room.id) == "pl"
    assert load_state(store, room.id)[0].language == "pl"
    with TestClient(create_app(Settings(database_url=fresh, admin_secret=ADMIN, themes=False))) as client:
        assert '<html lang="pl"' in client.get(f"/e/{room.id}/wall").text
    assert export(fresh, room.id).splitlines()[1:] == text.splitlines()[1:]  # the same entries again
