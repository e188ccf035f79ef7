"""Common ground end to end: phones at several tables react to each other's ideas, and the console
and the projector show tallies first, then opinion groups, what every group supports and the map."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http
from .test_wall import OVERFLOWS

pytestmark = pytest.mark.browser

SHOTS = "/tmp"

# Four ideas per table. Two camps of the room disagree on eight of them; everyone agrees with three
# (the common ground the views must find) and passes on one (uncertainty).
IDEAS = {
    "1": ["More buses at night", "Close the high street to cars", "Trees on every street", "A library open late"],
    "2": ["Build a new car park", "Wider roads to the ring road", "Cheaper parking downtown", "A market on Sundays"],
    "3": ["Bike lanes on every main road", "A tram to the station", "Safe paths to school", "Benches in the park"],
}
CAMP_X = {
    "More buses at night",
    "Close the high street to cars",
    "Bike lanes on every main road",
    "A tram to the station",
}
CAMP_Y = {"Build a new car park", "Wider roads to the ring road", "Cheaper parking downtown", "Trees on every street"}
EVERYONE = {"A library open late", "A market on Sundays", "Safe paths to school"}
UNSURE = "Benches in the park"
SPLIT = sorted(CAMP_X | CAMP_Y)


def opinion(camp: str, text: str) -> str:
    """How someone of ``camp`` ("x" or "y") answers ``text``."""
    if text in EVERYONE:
        return "agree"
    if text == UNSURE:
        return "pass"
    mine, theirs = (CAMP_X, CAMP_Y) if camp == "x" else (CAMP_Y, CAMP_X)
    return "agree" if text in mine else "disagree" if text in theirs else "pass"


def join(event: LiveEvent, table_id: str) -> str:
    status, data = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": table_id})
    assert status == 201, data
    token: str = data["token"]
    return token


def as_phone(event: LiveEvent, token: str, **command: Any) -> dict[str, Any]:
    """A command sent the way a phone on a flaky network would fall back to: over HTTP."""
    status, data = http("POST", f"{event.base}/api/events/{event.id}/commands", command, token)
    assert status == 200, data
    result: dict[str, Any] = data
    return result


def react_through_ui(phone: Any, camp: str, count: int | None = None) -> int:
    """Answer the ideas the phone shows, one tap each, as someone of ``camp``; returns how many."""
    answered = 0
    progress = phone.locator("#react-progress")
    while count is None or answered < count:
        expect(phone.locator("#react-answers")).to_have_attribute("data-busy", "false")
        if phone.locator("#react-done").is_visible():
            break
        text = phone.locator("#react-idea").inner_text()
        before = progress.inner_text()
        done = int(before.split()[0])
        phone.locator(f"#react-answers [data-value={opinion(camp, text)}]").click()
        expect(progress).not_to_have_text(before)
        expect(progress).to_have_text(re.compile(rf"^{done + 1} answered"))
        answered += 1
        if progress.inner_text() == f"{done + 1} answered":  # nothing left
            break
    return answered


def test_phones_react_and_the_wall_shows_tallies_then_common_ground(live_event: LiveEvent) -> None:
    """Phones at three tables react; the wall shows the notice and tallies, then groups, common ground and the map."""
    live_event.command(type="step.push", text="What would make our town better to live in?")
    writers = {table: join(live_event, table) for table in IDEAS}
    for table, texts in IDEAS.items():
        for text in texts:
            as_phone(live_event, writers[table], type="idea.submit", client_id=uuid.uuid4().hex[:20], text=text)

    wall = live_event.staff("wall")
    console = live_event.staff("console")
    ana = live_event.phone("1", "Ana")
    bo = live_event.phone("2", "Bo")

    # the facilitator pushes a reaction step from the console's composer
    console.fill("#step-text", "Agree, disagree or pass on ideas from other tables")
    console.check("#step-react")
    expect(console.locator("#step-collect")).to_be_disabled()
    console.click("#push-button")
    expect(console.locator("#composer-message")).to_contain_text("Reaction step pushed to All tables")
    expect(console.locator("#steps li")).to_contain_text("reaction step")

    # each phone gets one idea at a time, from another table first
    for phone, others in ((ana, ("Table 2", "Table 3")), (bo, ("Table 1", "Table 3"))):
        expect(phone.locator("#react-panel")).to_be_visible()
        expect(phone.locator("#idea-panel")).to_be_hidden()
        expect(phone.locator("#react-progress")).to_have_text("0 answered, 12 to go")
        expect(phone.locator("#react-kicker")).to_have_text(re.compile(rf"^From ({'|'.join(others)})$"))
    expect(wall.locator("#feature[data-type=ground]")).to_be_visible()

    # Ana answers one, goes back and changes it (the new answer replaces the old one)
    first = ana.locator("#react-idea").inner_text()
    wrong = "pass" if opinion("x", first) != "pass" else "agree"
    ana.locator(f"#react-answers [data-value={wrong}]").click()
    expect(ana.locator("#react-message")).to_contain_text("taken")
    expect(ana.locator("#react-progress")).to_have_text("1 answered, 11 to go")
    expect(ana.locator("#react-idea")).not_to_have_text(first)
    ana.get_by_role("button", name="← Change my previous answer").click()
    expect(ana.locator("#react-idea")).to_have_text(first)
    expect(ana.locator(f"#react-answers [data-value={wrong}]")).to_have_attribute("aria-pressed", "true")
    ana.screenshot(path=f"{SHOTS}/cg-phone-review.png")
    ana.locator(f"#react-answers [data-value={opinion('x', first)}]").click()
    expect(ana.locator("#react-message")).to_have_text(re.compile("^Changed to"))
    expect(ana.locator("#react-progress")).to_have_text("1 answered, 11 to go")
    ana.screenshot(path=f"{SHOTS}/cg-phone-react.png", full_page=True)

    # no connection: the buttons are off and the phone says so (reactions are not queued)
    bo.context.set_offline(True)
    expect(bo.locator("#react-offline")).to_be_visible()
    expect(bo.locator("#react-answers .answer").first).to_be_disabled()
    bo.screenshot(path=f"{SHOTS}/cg-phone-offline.png", full_page=True)
    bo.context.set_offline(False)
    expect(bo.locator("#react-offline")).to_be_hidden()
    assert react_through_ui(bo, "y", 3) == 3

    # below the thresholds the wall shows plain tallies, no groups, and a plain line: the thresholds
    # are explained on the console, not to the room
    expect(wall.locator(".wall-ground[data-level=tallies]")).to_be_visible()
    expect(wall.locator(".wg-notice")).to_have_text("Common ground appears as people react.")
    expect(wall.locator(".cg-tallies li").first).to_be_visible()
    expect(wall.locator(".cg-map")).to_have_count(0)
    expect(console.locator("#cg-notice")).to_contain_text("Opinion groups appear once 15 people")
    wall.screenshot(path=f"{SHOTS}/cg-wall-tallies.png")
    assert wall.evaluate(OVERFLOWS) == []
    console.locator("#cg-panel").screenshot(path=f"{SHOTS}/cg-console-tallies.png")

    # Ana answers every idea, through to the end
    react_through_ui(ana, "x")
    expect(ana.locator("#react-done")).to_be_visible()
    expect(ana.locator("#react-done")).to_contain_text("You have answered every idea")
    expect(ana.locator("#react-progress")).to_have_text("12 answered")
    ana.screenshot(path=f"{SHOTS}/cg-phone-done.png", full_page=True)

    # more of the room reacts (as real phones would), past 15 people with 7 reactions each
    all_ideas = [(i["id"], i["text"]) for i in live_event.snapshot()["ideas"]]
    for n in range(18):
        table, camp = str(n % 3 + 1), "x" if n % 2 else "y"
        token = writers[table] if n < 3 else join(live_event, table)
        for idea_id, text in all_ideas:  # each person is unsure about one divisive idea: the map spreads a little
            value = "pass" if text == SPLIT[n % len(SPLIT)] else opinion(camp, text)
            as_phone(live_event, token, type="reaction.cast", idea_id=idea_id, value=value)

    # the wall: two opinion groups on the map, what every group supports, what sets each apart
    expect(wall.locator(".wall-ground[data-level=groups]")).to_be_visible(timeout=15_000)
    opinion_map = wall.locator("svg.cg-map[role=img]")
    expect(opinion_map).to_be_visible()
    expect(opinion_map.locator("desc")).to_contain_text("2 opinion groups: A,")
    expect(wall.locator(".cg-legend li")).to_have_text(
        [re.compile(r"^A \d+ people$"), re.compile(r"^B \d+ people$"), "1 person not in a group yet"]
    )  # Bo: 3 answers
    common = wall.locator(".wg-common .cg-ideas > li")
    expect(common).to_have_count(3)
    for i in range(3):
        assert common.nth(i).locator(".cg-idea").inner_text() in EVERYONE
        expect(common.nth(i).locator(".cg-support > li")).to_have_count(2)
    expect(wall.locator(".wg-diff .cg-block")).to_have_count(2)
    wall.screenshot(path=f"{SHOTS}/cg-wall-groups.png")
    assert wall.evaluate(OVERFLOWS) == []  # everything fits its box (tests/browser/test_wall.py)

    # the console: the same, and across tables
    expect(console.locator("#cg-headline")).to_have_text("2 opinion groups found.")
    expect(console.locator("#cg-body .cg-common .cg-ideas > li")).to_have_count(3)
    expect(console.locator("#cg-body .cg-uncertain li")).to_contain_text(UNSURE)
    expect(console.locator("#cg-body svg.cg-map")).to_be_visible()
    console.locator("#cg-panel").screenshot(path=f"{SHOTS}/cg-console-groups.png")
    console.get_by_label("Across tables").check()
    expect(console.locator("#cg-body .cg-common .cg-ideas > li").first.locator(".cg-support > li")).to_have_count(3)
    expect(console.locator("#cg-body .cg-differences .cg-block")).to_have_count(3)
    console.locator("#cg-panel").screenshot(path=f"{SHOTS}/cg-console-tables.png")

    # an idea the facilitator hides leaves the wall's lists at once
    hidden = common.first.locator(".cg-idea").inner_text()
    hidden_id = next(idea_id for idea_id, text in all_ideas if text == hidden)
    live_event.command(type="idea.hide", idea_id=hidden_id)
    expect(wall.locator(".wg-common .cg-idea", has_text=hidden)).to_have_count(0)
    expect(wall.locator(".wg-common .cg-ideas > li")).to_have_count(2)
