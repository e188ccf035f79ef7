"""A World Café run on the real server (script, rotations, reactions, a vote, theme curation), then
its harvest in every format, read back: the numbers are the live console's at the end of the event."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from server.settings import Settings
from server.web.app import create_app
from tests.conftest import ADMIN, Room
from tests.web.test_ws import hello

CAFE = (Path(__file__).resolve().parents[2] / "facilitation_scripts" / "world-cafe.yaml").read_text()
TRANSPORT = ["More buses at night", "Night trams to the suburbs", "Safe cycle lanes to school", "Cheaper bus fares"]
GREEN = [
    "Plant trees on the high street",
    "More parks and green space",
    "Flowers in every square",
    "A community garden",
]
INSIGHTS = ["Getting home safely after dark", "Green places to meet", "Buses that run late", "Trees make streets kind"]
PEOPLE, TABLES, REACTIONS = 20, 4, 60


@pytest.fixture
def themed(tmp_path: Path) -> Iterator[TestClient]:
    """Themes on, with the light encoder (a quarter of a second to load)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/t.db",
        admin_secret=ADMIN,
        themes=True,
        themes_every_s=1,
        encoder="wordllama",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


class Console:
    """The facilitator's socket, keeping the latest message of each kind."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.last: dict[str, dict[str, Any]] = {}

    def wait(self, ready: Callable[[dict[str, dict[str, Any]]], bool]) -> None:
        while not ready(self.last):
            message = self.ws.receive_json()
            self.last[message["type"]] = message


def run_cafe(room: Room, console: Console) -> dict[str, Any]:
    """The World Café script from facilitation_scripts/, a reaction step, the dot vote, a rename."""
    phones = [room.join(str(1 + i % TABLES), f"Person {i}" if i % 2 else None) for i in range(PEOPLE)]
    session = ok(room.command(room.facilitator, type="session.load", script=CAFE))["session_id"]

    def step() -> None:
        ok(room.command(room.facilitator, type="session.next", session_id=session))

    step()  # welcome: one host per table volunteers
    for phone in phones[:TABLES]:
        ok(room.command(phone["token"], type="role.volunteer", role="table_host"))
    step()  # round 1
    for n, phone in enumerate(phones):
        text = (TRANSPORT if n % 2 else GREEN)[n // 2 % 4] + f" ({n})"
        ok(room.command(phone["token"], type="idea.submit", client_id=f"r1-{n}", text=text))
    step()  # travel
    step()  # round 2
    for n, phone in enumerate(phones[TABLES:12]):
        ok(room.command(phone["token"], type="idea.submit", client_id=f"r2-{n}", text=f"{GREEN[n % 4]}, again {n}"))
    step()  # travel again
    step()  # round 3: the hosts post insights for the room
    for n, phone in enumerate(phones[:TABLES]):
        ok(room.command(phone["token"], type="idea.submit", client_id=f"r3-{n}", text=INSIGHTS[n]))
    ok(room.command(room.facilitator, type="step.push", text="Agree or disagree?", react=True, collect_ideas=False))
    public = [
        i for i in ok(room.client.get(f"/api/events/{room.id}/snapshot", headers=auth(room.facilitator)))["ideas"]
    ]
    cast = 0
    for n, phone in enumerate(phones):
        others = [i for i in public if i["participant_id"] != phone["participant_id"]]
        for k in range(REACTIONS // PEOPLE):
            idea = others[(n * 3 + k * 7) % len(others)]
            value = "agree" if (n + k) % 3 else "disagree"
            ok(room.command(phone["token"], type="reaction.cast", idea_id=idea["id"], value=value))
            cast += 1
    assert cast == REACTIONS
    step()  # themes (the facilitator's step): they shape the themes
    console.wait(
        lambda m: "themes" in m and len(m["themes"]["themes"]) >= 2 and len(m["themes"]["positions"]) == len(public)
    )
    biggest = console.last["themes"]["themes"][0]
    ok(room.command(room.facilitator, type="theme.rename", theme_id=biggest["id"], label="Our streets"))
    console.wait(lambda m: any(t["label"] == "Our streets" for t in m["themes"]["themes"]))  # (a full re-clustering)
    themes = console.last["themes"]
    # the closing vote (options: themes) offers the themes as curated at this moment, biggest first
    vote = ok(room.command(room.facilitator, type="session.next", session_id=session))["step_id"]
    offered = room.client.get(f"/api/events/{room.id}/snapshot", headers=auth(phones[0]["token"])).json()["options"]
    assert offered == [{"id": t["id"], "text": t["label"]} for t in themes["themes"]]
    options = [o["id"] for o in offered]
    for n, phone in enumerate(phones):
        ballot = {options[n % len(options)]: 1, options[(n + 1) % len(options)]: 1}
        ok(room.command(phone["token"], type="vote.cast", step_id=vote, ballot=ballot))
    step()  # the harvest: the vote ends and its results show
    console.wait(lambda m: "common_ground" in m and m["common_ground"]["analysis"]["reactions"] == REACTIONS)
    analysis = console.last["common_ground"]["analysis"]
    snapshot = ok(room.client.get(f"/api/events/{room.id}/snapshot", headers=auth(room.facilitator)))
    return {"analysis": analysis, "themes": themes, "snapshot": snapshot, "vote": vote}


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def sheet(book: Any, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_world_cafe_harvest_in_every_format_says_what_the_console_said(themed: TestClient) -> None:
    room = Room(themed, tables=TABLES)
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        live = run_cafe(room, Console(console))
    analysis, snapshot = live["analysis"], live["snapshot"]
    tallies = {t["idea_id"]: (t["agree"], t["disagree"], t["pass"]) for t in analysis["tallies"]}
    (result,) = [r for r in snapshot["results"] if r["step_id"] == live["vote"]]
    dots = {o["text"]: o["dots"] for o in result["options"]}
    labels = {t["label"] for t in live["themes"]["themes"]}
    assert sum(a + d + p for a, d, p in tallies.values()) == REACTIONS and "Our streets" in labels

    def export(fmt: str, **query: str) -> Any:
        r = themed.get(f"/api/events/{room.id}/export", params={"format": fmt, **query}, headers=auth(room.organiser))
        assert r.status_code == 200, r.text
        return r

    # the JSON the organiser page shows
    h = ok(themed.get(f"/api/events/{room.id}/harvest?audience=staff&full=true", headers=auth(room.organiser)))
    assert len(h["quoted"]) == len(snapshot["ideas"]) == 20 + 8 + TABLES
    assert {i["id"]: (i["agree"], i["disagree"], i["passed"]) for i in h["quoted"] if i["id"] in tallies} == tallies
    assert {t["label"] for t in h["themes"]} == labels
    assert h["ground"]["level"] == analysis["level"] and h["ground"]["reactions"] == REACTIONS
    assert {o["text"]: o["measures"]["dots"] for o in h["votes"][0]["options"]} == dots

    # CSV: ideas with theme and tallies, reactions with reactions and ballots
    ideas = read_csv(export("csv").text)
    assert len(ideas) == len(snapshot["ideas"])
    assert {
        r["idea_id"]: (int(r["agree"]), int(r["disagree"]), int(r["pass"])) for r in ideas if r["idea_id"] in tallies
    } == tallies
    theme_of = {i: t["label"] for t in live["themes"]["themes"] for i in t["idea_ids"]}
    assert {r["idea_id"]: r["theme"] for r in ideas if r["theme"]} == theme_of
    answers = read_csv(export("csv", csv_table="reactions").text)
    assert sum(r["kind"] == "reaction" for r in answers) == REACTIONS
    assert sum(r["kind"] == "ballot" for r in answers) == PEOPLE * 2

    # the workbook
    book = load_workbook(io.BytesIO(export("xlsx").content))
    assert book.sheetnames == ["About", "Ideas", "Themes", "Common ground", "Votes", "Timeline"]
    rows = sheet(book, "Ideas")
    assert len(rows) == len(snapshot["ideas"])
    assert {r["idea_id"]: (r["agree"], r["disagree"], r["pass"]) for r in rows if r["idea_id"] in tallies} == tallies
    assert all(isinstance(r["seq"], int) and r["time (UTC)"].year >= 2024 for r in rows)  # numbers and dates
    assert {r["label"] for r in sheet(book, "Themes")} == labels
    assert {r["option"]: r["dots"] for r in sheet(book, "Votes")} == dots
    assert len(sheet(book, "Timeline")) == len(snapshot["steps"])
    assert all(ws.freeze_panes == "A2" for ws in book.worksheets)

    # the shared report: only what the room saw, the same numbers
    md = export("md").text
    assert md.startswith("# Our town: harvest") and "Our streets" in md
    for text, n in dots.items():
        assert f"- {text}: dots {n}" in md
    shared = read_csv(export("csv", audience="shared").text)
    assert {r["visibility"] for r in shared} == {"table", "room"} and {r["author"] for r in shared} == {""}
    html = export("html").text
    assert "For people who took part" in html and INSIGHTS[0] in html


def test_the_reactions_file_is_for_staff_only(themed: TestClient) -> None:
    room = Room(themed, tables=1)
    r = themed.get(
        f"/api/events/{room.id}/export?format=csv&csv_table=reactions&audience=shared", headers=auth(room.organiser)
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "staff_only"
    r = themed.get(f"/api/events/{room.id}/harvest?audience=everyone", headers=auth(room.organiser))
    assert r.status_code in (400, 422) and "audience" in r.text
