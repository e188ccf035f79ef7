"""The organiser's replay viewer on a real server in Chromium: scrub, play, one table's journey, exports."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http

pytestmark = pytest.mark.browser

STEP_A = "Step A: what do you love about this town?"
STEP_B = "Step B: what would you change first?"
STEP_TWO_ONLY = "Table 2 only: what should the hill keep?"
EARLY = ["Early: the Saturday market", "Early: quiet streets after ten"]
LATER = ["Later: a tram to the hill", "Later: a remark about a named person"]  # the second one is hidden
SHOTS = "/tmp"


@dataclass
class Recording:
    first_at: int
    last_at: int
    middle: int  # after the early ideas, before step B
    last_seq: int


def join(event: LiveEvent, table_id: str, name: str) -> str:
    status, data = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": table_id, "name": name})
    assert status == 201, data
    token: str = data["token"]
    return token


def submit(event: LiveEvent, token: str, text: str) -> dict[str, Any]:
    body = {"type": "idea.submit", "client_id": uuid.uuid4().hex[:20], "text": text}
    status, data = http("POST", f"{event.base}/api/events/{event.id}/commands", body, token)
    assert status == 200, data
    result: dict[str, Any] = data
    return result


def record(event: LiveEvent) -> Recording:
    """Step A, two early ideas; a pause; step B (and a step for table 2 only), two later ideas, one hidden."""
    ana, bo = join(event, "1", "Ana"), join(event, "2", "Bo")
    event.command(type="step.push", text=STEP_A, duration_s=600)
    submit(event, ana, EARLY[0])
    early = submit(event, bo, EARLY[1])
    time.sleep(0.6)
    step_b = event.command(type="step.push", text=STEP_B, duration_s=300)
    event.command(type="step.push", text=STEP_TWO_ONLY, audience={"tables": ["2"], "role": None})
    submit(event, ana, LATER[0])
    hidden = submit(event, bo, LATER[1])
    event.command(type="idea.hide", idea_id=hidden["idea_id"], reason="names a person")
    time.sleep(0.3)
    event.command(type="step.end", step_id=step_b["step_id"])  # the last entry, a moment later

    status, lines = http(
        "GET", f"{event.base}/api/events/{event.id}/transcript?after=0&limit=1000", token=event.tokens["organiser"]
    )
    assert status == 200
    entries = [json.loads(line) for line in str(lines).splitlines() if line.strip()]
    at = {e["seq"]: e["at"] for e in entries}
    b_at = next(e["at"] for e in entries if e["kind"] == "step.pushed" and e["payload"]["text"] == STEP_B)
    middle = (at[early["seq"]] + b_at) // 2
    assert at[early["seq"]] < middle < b_at
    return Recording(entries[0]["at"], entries[-1]["at"], middle, entries[-1]["seq"])


def open_replay(event: LiveEvent) -> Any:
    """The organiser page, switched to its Replay tab, showing the room at the end of the event."""
    page = event.staff("organiser")
    page.get_by_role("tab", name="Replay").click()
    expect(page.get_by_role("tab", name="Replay")).to_have_attribute("aria-selected", "true")
    return page


def shown_at(page: Any, at: int, table: str = "") -> None:
    """Wait until the state view shows the server's answer for instant ``at`` (and table filter)."""
    expect(page.locator("#replay-state")).to_have_attribute("data-at", str(at))
    expect(page.locator("#replay-state")).to_have_attribute("data-table", table)
    expect(page.locator("#replay-state")).to_have_attribute("aria-busy", "false")


def idea(page: Any, text: str) -> Any:
    return page.locator("#replay-tables .replay-ideas li", has_text=text)


def current_step(page: Any, text: str) -> Any:
    return page.locator("#replay-current li", has_text=text)


def test_scrubbing_shows_what_the_room_saw_then_and_not_later(live_event: LiveEvent) -> None:
    """Between the steps it shows step A and early ideas only; at the end step B, later ideas, the hidden one marked."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)  # it opens at the end

    scrubber.fill(str(rec.middle))
    shown_at(page, rec.middle)
    expect(current_step(page, STEP_A)).to_have_count(1)
    expect(current_step(page, STEP_A).locator(".replay-clock")).to_have_text(re.compile(r"^(10:00|9:\d\d) left$"))
    expect(current_step(page, STEP_B)).to_have_count(0)
    for text in EARLY:
        expect(idea(page, text)).to_have_count(1)
    for text in LATER:
        expect(idea(page, text)).to_have_count(0)
    when = page.locator("#replay-when").inner_text()
    assert re.search(r"\d\d:\d\d:\d\d", when), when
    expect(scrubber).to_have_attribute("aria-valuetext", when)  # the slider speaks the time, not a number
    page.screenshot(path=f"{SHOTS}/replay-test-middle.png", full_page=True)

    scrubber.focus()
    page.keyboard.press("End")
    shown_at(page, rec.last_at)
    expect(current_step(page, STEP_B)).to_have_count(1)
    expect(current_step(page, STEP_B)).to_have_attribute("data-status", "ended")
    expect(current_step(page, STEP_A)).to_have_count(0)
    for text in EARLY + LATER:
        expect(idea(page, text)).to_have_count(1)
    expect(idea(page, LATER[0])).to_have_attribute("data-hidden", "false")
    hidden = idea(page, LATER[1])
    expect(hidden).to_have_attribute("data-hidden", "true")
    expect(hidden.locator(".hidden-tag")).to_be_visible()
    expect(hidden.locator(".hidden-tag")).to_have_text("Hidden")
    page.screenshot(path=f"{SHOTS}/replay-test-end.png", full_page=True)


def test_play_at_120x_from_the_start_runs_to_the_end_and_keys_move_the_scrubber(live_event: LiveEvent) -> None:
    """Play at 120x runs from the start to the end; 1x advances and pauses; keys and step jumps move the instant."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)

    def value() -> float:
        return float(scrubber.input_value())

    page.get_by_role("button", name="Start").click()
    shown_at(page, rec.first_at)
    expect(current_step(page, STEP_A)).to_have_count(0)
    expect(page.locator("#replay-no-step")).to_be_visible()
    page.get_by_label("Speed").select_option("120")
    page.get_by_role("button", name="Play").click()
    shown_at(page, rec.last_at)  # ran to the end by itself, then stopped there
    expect(page.get_by_role("button", name="Play")).to_have_attribute("data-playing", "false")
    expect(current_step(page, STEP_B)).to_have_count(1)
    assert value() == rec.last_at

    # at 1x the same recording takes about a second: it moves, and Pause stops it
    page.get_by_label("Speed").select_option("1")
    page.get_by_role("button", name="Start").click()
    shown_at(page, rec.first_at)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "(first) => Number(document.querySelector('#replay-scrubber').value) > first", arg=rec.first_at
    )
    # pause it in one go in the page (a loaded machine must not let it reach the end between two steps)
    pause = "() => { const b = document.querySelector('#replay-play'); const name = b.textContent;"
    pause += " if (b.dataset.playing === 'true') { b.click(); return name; } return null; }"
    name = page.evaluate(pause)
    if name is not None:
        assert "Pause" in name  # while playing the button offers to pause
        expect(page.get_by_role("button", name="Play")).to_have_attribute("data-playing", "false")
        paused = value()
        assert rec.first_at < paused <= rec.last_at
        page.wait_for_timeout(250)
        assert value() == paused  # paused means paused
    else:  # it ran the whole recording before the pause: it advanced, all the same
        assert value() == rec.last_at

    # keyboard: Home, then an arrow moves it forward; the step jumps land on the marks
    scrubber.focus()
    page.keyboard.press("Home")
    shown_at(page, rec.first_at)
    page.keyboard.press("ArrowRight")
    assert value() > rec.first_at
    page.get_by_role("button", name="Next step").click()
    expect(current_step(page, STEP_A)).to_have_count(1)
    page.get_by_role("button", name="Next step").click()
    expect(current_step(page, STEP_B)).to_have_count(1)
    page.get_by_role("button", name="Previous step").click()
    expect(current_step(page, STEP_A)).to_have_count(1)
    expect(current_step(page, STEP_B)).to_have_count(0)


def test_following_one_table_shows_its_journey_and_all_its_ideas(live_event: LiveEvent) -> None:
    """Following table 1 lists only the steps it was shown and only its ideas; table 2's own step stays out."""
    record(live_event)
    # the replay tab can be opened straight from a link
    page = live_event.page(
        live_event.context(viewport={"width": 1024, "height": 768}, has_touch=True),
        live_event.url("organiser") + "&replay",
    )
    expect(page.get_by_role("tab", name="Replay")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#replay-journey li", has_text=STEP_TWO_ONLY)).to_have_count(1)

    page.get_by_label("Follow").select_option("1")
    expect(page.locator("#replay-journey-heading")).to_have_text("Table 1: its journey")
    journey = page.locator("#replay-journey li .journey-label")
    expect(journey).to_have_text([STEP_A, STEP_B])
    expect(page.locator("#replay-marks .mark")).to_have_count(2)
    expect(page.locator("#replay-state")).to_have_attribute("data-table", "1")
    expect(page.locator("#replay-tables > li")).to_have_count(1)
    expect(idea(page, EARLY[0])).to_have_count(1)
    expect(idea(page, LATER[0])).to_have_count(1)
    expect(idea(page, EARLY[1])).to_have_count(0)  # table 2's ideas are not on table 1's journey
    page.screenshot(path=f"{SHOTS}/replay-test-table.png", full_page=True)

    page.get_by_label("Follow").select_option("2")
    expect(page.locator("#replay-journey li .journey-label")).to_have_text([STEP_A, STEP_B, STEP_TWO_ONLY])
    expect(idea(page, LATER[1])).to_have_attribute("data-hidden", "true")
    expect(idea(page, EARLY[0])).to_have_count(0)


def test_export_buttons_download_the_transcript_and_the_ideas(live_event: LiveEvent) -> None:
    """The JSON Lines button saves a file starting with the transcript header; CSV: ideas saves a spreadsheet."""
    rec = record(live_event)
    page = live_event.staff("organiser")
    with page.expect_download() as download:
        page.get_by_role("button", name="JSON Lines", exact=True).click()
    assert download.value.suggested_filename == f"wholeroom-{live_event.id}.jsonl"
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "wholeroom-transcript"
    assert header["event_id"] == live_event.id and header["entries"] == rec.last_seq
    assert len(lines) == rec.last_seq + 1
    expect(page.locator("#export-message")).to_contain_text("Saved")

    with page.expect_download() as download:
        page.get_by_role("button", name="CSV: ideas").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("\ufeffidea_id,")
    assert LATER[1] in text  # hidden ideas are in the organisers' file, marked


def test_an_older_answer_never_replaces_a_newer_one_and_scrubbing_is_debounced(live_event: LiveEvent) -> None:
    """A slow older answer arriving after a newer one is dropped; a burst of key presses asks at most 3 times."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)

    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route(re.compile(rf"/replay/state\?at={rec.middle}\b"), hold)
    scrubber.fill(str(rec.middle))
    for _ in range(100):  # the request for the middle is on its way, and held
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the viewer never asked for the middle"
    scrubber.focus()
    page.keyboard.press("End")
    shown_at(page, rec.last_at)  # the newer answer is on screen while the older one is still out
    expect(current_step(page, STEP_B)).to_have_count(1)
    with page.expect_response(lambda r: f"at={rec.middle}" in r.url):
        held[0].continue_()
    page.wait_for_timeout(100)
    expect(page.locator("#replay-state")).to_have_attribute("data-at", str(rec.last_at))
    expect(current_step(page, STEP_B)).to_have_count(1)
    expect(idea(page, LATER[0])).to_have_count(1)
    page.unroute(re.compile(rf"/replay/state\?at={rec.middle}\b"))

    asked: list[str] = []

    def count(request: Any) -> None:
        if "/replay/state" in request.url:
            asked.append(request.url)

    page.on("request", count)
    page.keyboard.press("Home")
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#replay-state")).to_have_attribute("data-at", scrubber.input_value())
    assert 1 <= len(asked) <= 3, asked  # not one request per key press


def test_the_viewer_at_the_end_follows_a_live_event_as_it_grows(live_event: LiveEvent) -> None:
    """Open at the end of a running event, the viewer shows a step pushed meanwhile on its timeline and in the room."""
    live_event.command(type="step.push", text=STEP_A, duration_s=600)
    page = open_replay(live_event)
    expect(current_step(page, STEP_A)).to_have_count(1)
    live_event.command(type="step.push", text=STEP_B, duration_s=300)
    expect(page.locator("#replay-journey li .journey-label")).to_have_text([STEP_A, STEP_B])
    expect(current_step(page, STEP_B)).to_have_count(1)
    expect(current_step(page, STEP_A)).to_have_count(0)
