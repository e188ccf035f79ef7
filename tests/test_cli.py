from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from server.cli import main

GOOD = """id: tiny
title: Tiny
method: {name: Test, origin: Us}
steps:
  - {id: ask, kind: ideas, duration: 5m, question: "What matters?"}
"""


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("command", all_commands(main), ids=lambda c: " ".join(c) or "wholeroom")
def test_every_command_explains_itself(command: tuple[str, ...]) -> None:
    """`--help` works on the command and on every subcommand."""
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_event_create_prints_everything_needed(tmp_path: Path) -> None:
    """`event create --json` gives the id, join code and the three URLs with their tokens."""
    db = f"sqlite:///{tmp_path}/cli.db"
    result = CliRunner().invoke(
        main, ["event", "create", "--title", "Our town", "--tables", "15", "--json", "--database-url", db]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert len(created["join_code"]) == 6
    assert created["urls"]["console"].endswith(f"#token={created['tokens']['facilitator']}")
    listed = CliRunner().invoke(main, ["event", "list", "--json", "--database-url", db])
    assert json.loads(listed.output)[0]["event_id"] == created["event_id"]


def test_event_create_refuses_bad_tables(tmp_path: Path) -> None:
    """Zero tables is refused with a message naming the option, and no event is made."""
    db = f"sqlite:///{tmp_path}/cli.db"
    result = CliRunner().invoke(main, ["event", "create", "--title", "T", "--tables", "0", "--database-url", db])
    assert result.exit_code == 2 and "--tables" in result.output
    assert "No events yet." in CliRunner().invoke(main, ["event", "list", "--database-url", db]).output


def test_script_check_reports_file_line_column(tmp_path: Path) -> None:
    """A good script prints its run sheet; a bad one prints FILE:LINE:COLUMN and exits 1."""
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("5m", "5 minutes"))
    result = CliRunner().invoke(main, ["script", "check", str(good)])
    assert result.exit_code == 0 and "ok (1 steps, 5m)" in result.output
    result = CliRunner().invoke(main, ["script", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:38: expected a duration like 90s, 20m or 1h30m, got '5 minutes'" in result.output


def test_script_schema_is_json_schema() -> None:
    """The schema names the step kinds and describes durations as strings."""
    schema = json.loads(CliRunner().invoke(main, ["script", "schema"]).output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["$defs"]["VoteStep"]["properties"]["kind"]["const"] == "vote"
