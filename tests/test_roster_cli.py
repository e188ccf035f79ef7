"""`wholeroom participants`: import a list (a bad file names every problem and imports nobody),
list it with the personal links, and erase people by id, by email, or all of them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from server.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_import_list_and_erase(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    code, out = run(
        "event", "create", "--title", "Our town", "--tables", "3", "--part", "Residents=4", "--part", "GPs=1",
        "--json", "--database-url", db,
    )  # fmt: skip
    assert code == 0, out
    event_id = json.loads(out)["event_id"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,parts\nAna,ana@example.org,Residents\nBo,bo@,GPs\n,cy@example.org,Police\n")
    code, out = run("participants", "import", event_id, str(bad), "--database-url", db)
    assert code == 1
    assert "the file has 3 problem(s); nothing was imported" in out
    assert "line 3, column email: 'bo@' is not an email address" in out
    assert "line 4, column parts: no part 'Police'; the parts are: Residents, GPs" in out
    code, out = run("participants", "list", event_id, "--database-url", db)
    assert "Nobody is on the list yet" in out

    good = tmp_path / "good.csv"
    good.write_text("\ufeffname,email,parts,access needs\nAna,ana@example.org,Residents,step-free\nBo,,GPs,\n")
    code, out = run("participants", "import", event_id, str(good), "--dry-run", "--database-url", db)
    assert (code, out.strip()) == (0, "Would add 2, would update 0, 0 unchanged: 2 people on the list of 'Our town'.")
    code, out = run("participants", "import", event_id, str(good), "--database-url", db)
    assert (code, out.strip()) == (0, "Added 2, updated 0, 0 unchanged: 2 people on the list of 'Our town'.")
    code, out = run(
        "participants", "list", event_id, "--links", "--base-url", "https://town.example", "--database-url", db
    )
    assert code == 0 and out.count("https://town.example/join?code=") == 2 and "Residents" in out
    bo = next(line.split()[0] for line in out.splitlines() if " Bo " in f" {line} ")

    code, out = run("participants", "erase", event_id, "--email", "ANA@example.org", "--database-url", db)
    assert (code, out.strip()) == (0, f"Erased 1 person from the list of event {event_id}.")
    code, out = run("participants", "erase", event_id, "nobody", "--database-url", db)
    assert code == 1 and "has nobody 'nobody'" in out
    code, out = run("participants", "erase", event_id, "--database-url", db)
    assert code == 2 and "name the people (ids or --email), or give --all" in out
    code, out = run("participants", "erase", event_id, bo, "--database-url", db)
    assert (code, out.strip()) == (0, f"Erased 1 person from the list of event {event_id}.")
    code, out = run("participants", "erase", event_id, "--all", "--database-url", db)
    assert (code, out.strip()) == (0, f"Erased 0 people from the list of event {event_id}.")
