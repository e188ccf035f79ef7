"""The printable seating chart: the console links to it; it lists everyone A to Z with their table
(for the door) and each table's names, and never where people come from."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, LiveEvent, http

pytestmark = pytest.mark.browser

PEOPLE = [("Zoe", "1", ["residents"]), ("ana", "2", ["gps"]), ("Bilal", "2", ["residents"]), ("Chen", "3", [])]


def join(event: LiveEvent, name: str, table_id: str, parts: list[str]) -> None:
    body = {"code": event.code, "table_id": table_id, "name": name, "parts": parts}
    status, joined = http("POST", f"{event.base}/api/join", body)
    assert status == 201, joined


def test_the_seating_chart_lists_who_sits_where_by_name_only(live_event: LiveEvent) -> None:
    live_event.command(type="event.parts_set", parts=[{"name": "Residents"}, {"name": "GPs"}])
    for name, table_id, parts in PEOPLE:
        join(live_event, name, table_id, parts)
    console = live_event.staff("console")
    link = console.get_by_role("link", name="Print the seating chart")
    href = link.get_attribute("href")
    assert href and "/seating#token=" in href

    chart = live_event.page(live_event.context(**LAPTOP), live_event.base + href)
    index = chart.get_by_role("list", name="Names, A to Z, with their table")
    expect(index.locator("li")).to_have_count(4)
    names = [n.strip() for n in index.locator(".who").all_inner_texts()]
    assert names == ["ana", "Bilal", "Chen", "Zoe"]  # A to Z, whatever the case
    expect(index.locator("li", has_text="Bilal")).to_contain_text("2")
    expect(chart.get_by_role("article", name="2: 2 people")).to_contain_text("Bilal")
    expect(chart.get_by_role("article", name="2: 2 people")).to_contain_text("ana")
    expect(chart.get_by_role("article", name="1: 1 person")).to_contain_text("Zoe")
    text = chart.locator("main").inner_text()
    assert "Residents" not in text and "GPs" not in text  # parts stay on staff screens

    # someone joins later: Refresh shows them without reloading the page
    join(live_event, "Dev", "1", [])
    chart.get_by_role("button", name="Refresh").click()
    expect(chart.get_by_role("article", name="1: 2 people")).to_contain_text("Dev")
    expect(index.locator("li")).to_have_count(5)
