"""The World Café's HTML harvest read back in Chromium, as a sponsor would open it: the figures,
the themes and the vote in the page are the live console's at the end of the event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Room
from tests.web.test_harvest_exports import REACTIONS, TABLES, Console, auth, run_cafe, themed
from tests.web.test_ws import hello

pytestmark = pytest.mark.browser
__all__ = ["themed"]  # the fixture, shared with tests/web/test_harvest_exports.py

READ_PAGE = """() => {
  const figures = {};
  for (const div of document.querySelectorAll("dl.figures > div")) {
    figures[div.querySelector("dt").textContent.trim()] = Number(div.querySelector("dd").textContent);
  }
  const table = (section) => [...document.querySelectorAll(`section[aria-labelledby=${section}] table`)][0];
  const themes = [...table("themes").querySelectorAll("tbody tr")]
    .map((tr) => tr.cells[1].querySelector("strong").textContent);
  const vote = table("votes");
  const heads = [...vote.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const dots = {};
  for (const tr of vote.querySelectorAll("tbody tr")) {
    dots[tr.cells[0].textContent] = Number(tr.cells[heads.indexOf("dots")].textContent);
  }
  return { figures, themes, dots, first: document.querySelector("header p").textContent };
}"""


def test_the_html_harvest_in_chromium_shows_the_console_numbers(
    themed: TestClient, browser: Any, tmp_path: Path
) -> None:
    room = Room(themed, tables=TABLES)
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        live = run_cafe(room, Console(console))
    snapshot, themes = live["snapshot"], live["themes"]["themes"]
    (result,) = [r for r in snapshot["results"] if r["step_id"] == live["vote"]]
    pages = {}
    for audience in ("shared", "staff"):
        query = {"format": "html", "audience": audience}
        r = themed.get(f"/api/events/{room.id}/export", params=query, headers=auth(room.organiser))
        assert r.status_code == 200, r.text
        path = tmp_path / f"{audience}.html"
        path.write_text(r.text)
        page = browser.new_page()
        page.goto(path.as_uri())
        pages[audience] = page.evaluate(READ_PAGE)
        page.close()

    staff, shared = pages["staff"], pages["shared"]
    assert staff["first"].startswith("For staff") and shared["first"].startswith("For people who took part")
    people = len(snapshot["participants"])
    assert staff["figures"]["people"] == shared["figures"]["people"] == people
    assert staff["figures"]["reactions"] == live["analysis"]["reactions"] == REACTIONS
    assert staff["figures"]["ideas"] == len(snapshot["ideas"])
    assert staff["figures"]["themes"] == len(themes) and set(staff["themes"]) == {t["label"] for t in themes}
    assert staff["dots"] == {o["text"]: o["dots"] for o in result["options"]} == shared["dots"]
    assert staff["figures"]["voted"] == people
