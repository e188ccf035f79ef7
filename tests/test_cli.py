from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from server import cli
from server.cli import main

REPO = Path(__file__).resolve().parents[1]

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


def test_event_create_in_a_language(tmp_path: Path) -> None:
    """`--language ar` makes the event's wall Arabic; a language not offered is refused, naming the option."""
    from server.settings import Settings
    from server.storage.store import Store
    from server.web.app import open_store

    db = f"sqlite:///{tmp_path}/cli.db"
    result = CliRunner().invoke(
        main, ["event", "create", "--title", "Plaza", "--language", "ar", "--json", "--database-url", db]
    )
    assert result.exit_code == 0, result.output
    store: Store = open_store(Settings(database_url=db))
    assert store.event_language(json.loads(result.output)["event_id"]) == "ar"
    refused = CliRunner().invoke(main, ["event", "create", "--title", "T", "--language", "fr", "--database-url", db])
    assert refused.exit_code == 2 and "--language" in refused.output


def test_event_create_declares_parts_of_the_system(tmp_path: Path) -> None:
    """`--part "Residents=40"` (repeated) declares the parts; a bad one names `--part` and makes no event."""
    from server.domain.fold import fold
    from server.settings import Settings
    from server.web.app import open_store

    db = f"sqlite:///{tmp_path}/cli.db"
    create = ["event", "create", "--title", "T", "--json", "--database-url", db]
    bad = CliRunner().invoke(main, [*create, "--part", "GPs=many"])
    assert bad.exit_code == 2 and "--part" in bad.output and "whole number" in bad.output
    result = CliRunner().invoke(main, [*create, "--part", "Residents=40", "--part", "GPs=8", "--part", "Young people"])
    assert result.exit_code == 0, result.output
    event_id = json.loads(result.output)["event_id"]
    store = open_store(Settings(database_url=db))
    state = fold(event_id, store.entries(event_id))
    assert [(p.id, p.target) for p in state.parts.values()] == [("residents", 40), ("gps", 8), ("young_people", None)]


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        status: int = response.status
        return status


def _printed_urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s`)]+", text)


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[int, Path, str]]:
    """`make run PORT=<a free port>` in the repository, with this test's Python as the venv (so make
    does not build one) and a fresh database; yields the port, the server's output file and its
    database URL. The server's process group is ended afterwards."""
    port = _free_port()
    database = f"sqlite:///{tmp_path}/make.db"
    env = {**os.environ, "DATABASE_URL": database, "WHOLEROOM_THEMES": "false", "PYTHONUNBUFFERED": "1"}
    env.pop("WHOLEROOM_PUBLIC_URL", None)
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "wholeroom").is_file(), f"no wholeroom script beside {sys.executable}"
    output = tmp_path / "make-run.log"
    command = ["make", "-o", ".venv/.installed", "run", f"BIN={bin_dir}", "HOST=127.0.0.1", f"PORT={port}"]
    with open(output, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, output.read_text()
            try:
                if _get(f"http://127.0.0.1:{port}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer on port {port} in 30 s: {output.read_text()}"
            time.sleep(0.1)
        yield port, output, database
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # make and the server it started
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_make_run_serves_on_the_port_given_and_what_it_prints_works(make_run: tuple[int, Path, str]) -> None:
    """`make run PORT=...` serves there; the command it prints creates an event (in the server's
    database, without DATABASE_URL set), and every link printed on the way opens on that server."""
    port, output, _database = make_run
    started = output.read_text()
    assert f"serve --host 127.0.0.1 --port {port}" in started
    hint = started.split("Create one with:\n", 1)[1].splitlines()[0].strip()
    assert "event create" in hint and "--database-url" in hint, hint
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WHOLEROOM_PUBLIC_URL")}
    created = subprocess.run(shlex.split(hint), cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    served, linked = _printed_urls(started), _printed_urls(created.stdout)
    assert {"join", "console", "wall", "organiser"} <= {u.split("?")[0].split("#")[0].rsplit("/", 1)[1] for u in linked}
    for url in served + linked:
        assert f"{url}/".startswith(f"http://127.0.0.1:{port}/"), url  # uvicorn's own line has no slash
        assert _get(url.split("#")[0]) == 200, url


def test_serve_prints_a_command_that_runs_as_printed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Started as `python -m server.cli`, the hint names that Python; started as a `wholeroom` script
    that is not on the PATH, its path."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sys, "argv", [str(REPO / "server" / "cli.py")])
    program = cli._command_line()
    assert program.endswith(" -m server.cli")
    ran = subprocess.run([*shlex.split(program), "--version"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and "wholeroom" in ran.stdout
    script = tmp_path / "bin" / "wholeroom"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert cli._command_line() == str(script)


def test_event_links_follow_the_configured_public_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--base-url wins, then WHOLEROOM_PUBLIC_URL; a public URL that is not one is refused."""
    db = f"sqlite:///{tmp_path}/cli.db"
    create = ["event", "create", "--title", "T", "--json", "--database-url", db]
    monkeypatch.setenv("WHOLEROOM_PUBLIC_URL", "https://room.example.org/")
    urls = json.loads(CliRunner().invoke(main, create).output)["urls"]
    assert all(u.startswith("https://room.example.org/") for u in urls.values()), urls
    urls = json.loads(CliRunner().invoke(main, [*create, "--base-url", "http://10.0.0.2:8080"]).output)["urls"]
    assert all(u.startswith("http://10.0.0.2:8080/") for u in urls.values()), urls
    refused = CliRunner().invoke(main, ["serve", "--public-url", "room.example.org", "--database-url", db])
    assert refused.exit_code == 2 and "must look like http(s)://host[:port]" in refused.output


def test_a_refusal_names_a_command_that_runs_as_printed(tmp_path: Path) -> None:
    """`wholeroom export` of an event that is not there points to `event list`, spelled as this
    program runs here and on the same database: running it as printed lists the one event there."""
    db = f"sqlite:///{tmp_path}/cli.db"
    assert CliRunner().invoke(main, ["event", "create", "--title", "The only one", "--database-url", db]).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [sys.executable, "-m", "server.cli", "export", "nope", "--database-url", db]
    refused = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    printed = re.search(r"\(see `([^`]+)`\)", refused.stderr)
    assert printed is not None, refused.stderr
    listed = subprocess.run(shlex.split(printed[1]), cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "The only one" in listed.stdout, (printed[1], listed.stderr)
