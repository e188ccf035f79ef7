"""The organiser page on a real server in Chromium: it opens on the harvest, reads the transcript only
when asked, and its replay viewer scrubs, plays, follows a table, draws the server's room and never
lets a stale answer replace a newer one."""

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
    return page.locator("#replay-ideas li", has_text=text)


def shown_tiles(page: Any) -> Any:
    return page.locator("#replay-tables > li:not([hidden])")


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

    page.get_by_label("Follow", exact=True).select_option("1")
    expect(page.locator("#replay-journey-heading")).to_have_text("Table 1: its journey")
    journey = page.locator("#replay-journey li .journey-label")
    expect(journey).to_have_text([STEP_A, STEP_B])
    expect(page.locator("#replay-marks .mark")).to_have_count(2)
    expect(page.locator("#replay-state")).to_have_attribute("data-table", "1")
    expect(shown_tiles(page)).to_have_count(1)
    expect(page.locator("#replay-ideas-heading")).to_have_text("Table 1: its ideas, newest first")
    expect(idea(page, EARLY[0])).to_have_count(1)
    expect(idea(page, LATER[0])).to_have_count(1)
    expect(idea(page, EARLY[1])).to_have_count(0)  # table 2's ideas are not on table 1's journey
    page.screenshot(path=f"{SHOTS}/replay-test-table.png", full_page=True)

    page.get_by_label("Follow", exact=True).select_option("2")
    expect(page.locator("#replay-journey li .journey-label")).to_have_text([STEP_A, STEP_B, STEP_TWO_ONLY])
    expect(idea(page, LATER[1])).to_have_attribute("data-hidden", "true")
    expect(idea(page, EARLY[0])).to_have_count(0)

    # every table again, then a table followed by choosing its tile
    page.get_by_role("button", name="Show every table").click()
    expect(page.locator("#replay-state")).to_have_attribute("data-table", "")
    expect(shown_tiles(page)).to_have_count(3)
    page.locator('#replay-tables li[data-table-id="2"] button').click()
    expect(page.get_by_label("Follow", exact=True)).to_have_value("2")
    expect(page.locator("#replay-state")).to_have_attribute("data-table", "2")
    expect(page.locator('#replay-tables li[data-table-id="2"] button')).to_have_attribute("aria-pressed", "true")


def test_export_buttons_download_the_transcript_and_the_ideas(live_event: LiveEvent) -> None:
    """The JSON Lines button saves a file starting with the transcript header; CSV: ideas saves a
    spreadsheet for the audience chosen: for everyone without the hidden idea, for staff with it."""
    rec = record(live_event)
    page = live_event.staff("organiser")
    with page.expect_download() as download:
        page.get_by_role("button", name="JSON Lines transcript").click()
    assert download.value.suggested_filename == f"wholeroom-{live_event.id}.jsonl"
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "wholeroom-transcript"
    assert header["event_id"] == live_event.id and header["entries"] == rec.last_seq
    entries = [line for line in map(json.loads, lines[1:]) if "kind" in line]  # then the ideas' vectors, if any
    assert [e["seq"] for e in entries] == list(range(1, rec.last_seq + 1))
    expect(page.locator("#export-message")).to_contain_text("Saved")

    with page.expect_download() as download:
        page.get_by_role("button", name="CSV: ideas").click()  # for everyone, as the preview is
    assert download.value.suggested_filename == f"wholeroom-{live_event.id}-ideas-shared.csv"
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("\ufeffidea_id,") and LATER[0] in text
    assert LATER[1] not in text  # hidden: not in the file for everyone

    page.get_by_label("For staff").check()
    expect(page.locator("#downloads li", has_text="CSV: ideas").locator(".audience-tag")).to_have_text("Staff only")
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV: ideas").click()
    assert download.value.suggested_filename == f"wholeroom-{live_event.id}-ideas-staff.csv"
    assert LATER[1] in open(download.value.path(), encoding="utf-8").read()  # in the organisers' file, marked


def test_a_slow_answer_is_abandoned_for_the_latest_seek_and_never_drawn(live_event: LiveEvent) -> None:
    """The answer for the middle is held back; End is asked and drawn meanwhile; the held one, let go
    later, never replaces it. A burst of key presses asks a few times, not once per press."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)

    held: list[Any] = []
    failed: list[str] = []
    middle = re.compile(rf"/replay/state\?.*\bat={rec.middle}\b")
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.route(middle, lambda route: held.append(route))
    scrubber.fill(str(rec.middle))
    for _ in range(100):  # the request for the middle is on its way, and held
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the viewer never asked for the middle"
    scrubber.focus()
    page.keyboard.press("End")
    shown_at(page, rec.last_at)  # drawn while the older answer is still out
    expect(current_step(page, STEP_B)).to_have_count(1)
    page.wait_for_timeout(300)
    assert any(f"at={rec.middle}" in url for url in failed), failed  # the page gave up on it
    try:
        held[0].continue_()  # too late: the page has abandoned it
    except Exception:  # noqa: BLE001 - Playwright refuses to continue an aborted request
        pass
    page.wait_for_timeout(200)
    expect(page.locator("#replay-state")).to_have_attribute("data-at", str(rec.last_at))
    expect(current_step(page, STEP_B)).to_have_count(1)
    expect(idea(page, LATER[0])).to_have_count(1)
    page.unroute(middle)

    # A burst of presses while the server is slow (every answer held until the burst is over, so the
    # count does not depend on how fast this machine answers): one request out, at most one abandoned
    # for the newest instant, and one more for where the hand ends; never one per press.
    asked: list[str] = []
    slow: list[Any] = []
    any_state = re.compile(r"/replay/state\?")
    page.on("request", lambda request: "/replay/state" in request.url and asked.append(request.url))
    page.route(any_state, lambda route: slow.append(route))
    page.keyboard.press("Home")
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    state = page.locator("#replay-state")
    for _ in range(200):  # let the held answers go, one by one, until the screen shows where the hand is
        while slow:
            try:
                slow.pop(0).continue_()
            except Exception:  # noqa: BLE001 - an abandoned request cannot be continued
                pass
        if state.get_attribute("data-at") == scrubber.input_value() and state.get_attribute("aria-busy") == "false":
            break
        page.wait_for_timeout(50)
    page.unroute(any_state)
    expect(state).to_have_attribute("data-at", scrubber.input_value())
    expect(state).to_have_attribute("aria-busy", "false")
    assert 1 <= len(asked) <= 3, asked  # one in flight at a time: the presses in between are folded together


def test_a_failed_seek_says_so_once_and_the_next_move_recovers(live_event: LiveEvent) -> None:
    """An answer that fails is reported, not asked again in a loop; the next move shows the room."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)
    middle = re.compile(rf"/replay/state\?.*\bat={rec.middle}\b")
    asked: list[str] = []
    page.on("request", lambda request: bool(middle.search(request.url)) and asked.append(request.url))
    body = '{"error": {"code": "internal_error", "message": "the server tripped"}}'
    page.route(middle, lambda route: route.fulfill(status=500, content_type="application/json", body=body))
    scrubber.fill(str(rec.middle))
    expect(page.locator("#replay-message")).to_contain_text("Could not show the room")
    expect(page.locator("#replay-message")).to_contain_text("the server tripped")
    expect(page.locator("#replay-state")).to_have_attribute("aria-busy", "false")
    page.wait_for_timeout(500)
    assert len(asked) == 1, asked
    page.unroute(middle)
    scrubber.focus()
    page.keyboard.press("End")
    shown_at(page, rec.last_at)
    expect(page.locator("#replay-message")).to_have_text("")


def test_seeking_draws_the_room_the_server_had_at_that_moment(live_event: LiveEvent) -> None:
    """After key presses and step jumps, every table's people and ideas on screen are the server's
    numbers at the entry shown, and the latest ideas are the ones written by then."""
    rec = record(live_event)
    page = open_replay(live_event)
    scrubber = page.get_by_role("slider", name="Moment in the event")
    shown_at(page, rec.last_at)
    token = live_event.tokens["organiser"]

    def matches_server() -> None:
        expect(page.locator("#replay-state")).to_have_attribute("aria-busy", "false")
        seq = int(page.locator("#replay-state").get_attribute("data-seq") or "-1")
        status, then = http("GET", f"{live_event.base}/api/events/{live_event.id}/replay/state?seq={seq}", token=token)
        assert status == 200, then
        snap = then["snapshot"]
        for table in ("1", "2", "3"):
            tile = page.locator(f'#replay-tables li[data-table-id="{table}"] .tile-counts')
            people, ideas = snap["joined"].get(table, 0), snap["idea_counts"].get(table, 0)
            want = f"{people} {'person' if people == 1 else 'people'} · {ideas} {'idea' if ideas == 1 else 'ideas'}"
            expect(tile).to_have_text(want)
        texts = [i["text"] for i in sorted(snap["ideas"], key=lambda i: -i["seq"])]
        expect(page.locator("#replay-ideas li .idea-text")).to_have_text(texts)

    page.get_by_role("button", name="Start").click()
    shown_at(page, rec.first_at)
    matches_server()
    expect(page.locator("#replay-no-ideas")).to_be_visible()
    scrubber.focus()
    moves = 0
    for key in ["ArrowRight", "ArrowRight", "PageUp", "ArrowLeft"]:
        before = scrubber.input_value()
        page.keyboard.press(key)
        if scrubber.input_value() != before:
            moves += 1
            shown_at(page, int(float(scrubber.input_value())))
            matches_server()
    assert moves >= 2
    for button in ["Next step", "Next step", "Previous step"]:
        page.get_by_role("button", name=button).click()
        shown_at(page, int(float(scrubber.input_value())))
        matches_server()


def test_the_page_opens_on_the_harvest_and_reads_the_transcript_only_when_asked(live_event: LiveEvent) -> None:
    """The Harvest tab is selected first; nothing reads the transcript (or the replay) until its tab
    is opened; then the newest page comes first and "Load older entries" pages back to the start.
    The tabs move with the arrow keys (one tab stop), and the page fits a 390 px phone."""
    rec = record(live_event)
    ctx = live_event.context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    ctx.add_init_script("globalThis.wholeroomTranscriptPage = 5;")  # small pages, to page back through
    asked: list[str] = []
    ctx.on("request", lambda request: asked.append(request.url))
    page = live_event.page(ctx, live_event.url("organiser"))
    expect(page.locator(".badge")).to_have_attribute("data-state", "live")
    harvest, replay, transcript = (page.get_by_role("tab", name=n) for n in ("Harvest", "Replay", "Transcript"))
    expect(harvest).to_have_attribute("aria-selected", "true")
    expect(harvest).to_have_attribute("tabindex", "0")
    for other in (replay, transcript):
        expect(other).to_have_attribute("aria-selected", "false")
        expect(other).to_have_attribute("tabindex", "-1")
    expect(page.locator("#view-harvest")).to_be_visible()
    expect(page.locator("#view-transcript")).to_be_hidden()
    expect(page.get_by_role("button", name="HTML report")).to_be_visible()
    expect(page.locator("#downloads li", has_text="JSON Lines transcript")).to_contain_text("staff only")
    page.wait_for_timeout(1000)
    assert not [u for u in asked if "/api/" in u and ("/transcript" in u or "/replay" in u)], asked
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"

    harvest.focus()
    page.keyboard.press("ArrowLeft")  # round to the last tab
    expect(page.get_by_role("tab", name="People")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(transcript).to_be_focused()
    expect(transcript).to_have_attribute("aria-selected", "true")
    expect(harvest).to_have_attribute("tabindex", "-1")
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(5)
    newest = [str(seq) for seq in range(rec.last_seq, rec.last_seq - 5, -1)]
    expect(rows.locator("td.seq")).to_have_text(newest)
    reads = [u for u in asked if "/transcript?" in u]
    assert len(reads) == 1 and f"after={rec.last_seq - 5}" in reads[0], reads
    older = page.get_by_role("button", name="Load older entries")
    while older.is_visible():
        count = rows.count()
        older.click()
        expect(rows).not_to_have_count(count)
    expect(rows).to_have_count(rec.last_seq)
    expect(rows.last.locator("td.kind")).to_have_text("event.created")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the transcript is {width} px wide on a 390 px screen"

    live_event.command(type="step.push", text="One more thing")  # a live entry goes on top
    expect(rows.first).to_contain_text("One more thing")
    expect(rows.first.locator("td.seq")).to_have_text(str(rec.last_seq + 1))


def test_the_harvest_tab_previews_the_report_for_the_audience_chosen(live_event: LiveEvent) -> None:
    """The preview shows the harvest's own numbers, notice and arc; "For staff" shows the staff one."""
    record(live_event)
    page = live_event.staff("organiser")
    preview = page.locator("#harvest-preview")
    expect(preview).to_have_attribute("data-audience", "shared")
    expect(preview).to_have_attribute("aria-busy", "false")
    token = live_event.tokens["organiser"]

    def harvest(audience: str) -> dict[str, Any]:
        status, data = http(
            "GET", f"{live_event.base}/api/events/{live_event.id}/harvest?audience={audience}", token=token
        )
        assert status == 200, data
        result: dict[str, Any] = data
        return result

    def numbers() -> dict[str, str]:
        terms = page.locator("#harvest-numbers dt").all_inner_texts()
        return dict(zip(terms, page.locator("#harvest-numbers dd").all_inner_texts(), strict=True))

    shared = harvest("shared")
    expect(page.locator("#harvest-notice")).to_have_text(shared["notice"])
    assert numbers()["People"] == str(shared["people"]) == "2"
    assert numbers()["Ideas shared"] == str(shared["ideas"])
    assert numbers()["Counted here, not quoted"] == str(shared["unquoted"]["total"]) == "1"  # the hidden one
    expect(page.locator("#harvest-arc li .arc-text")).to_have_text([s["text"] for s in shared["steps"]])
    expect(page.locator("#downloads li", has_text="HTML report").locator(".audience-tag")).to_have_text("For everyone")

    page.get_by_label("For staff").check()
    expect(preview).to_have_attribute("data-audience", "staff")
    staff = harvest("staff")
    expect(page.locator("#harvest-notice")).to_have_text(staff["notice"])
    assert staff["notice"] != shared["notice"]
    assert numbers()["Counted here, not quoted"] == str(staff["unquoted"]["total"]) == "0"
    expect(page.locator("#downloads li", has_text="HTML report").locator(".audience-tag")).to_have_text("Staff only")


def test_the_viewer_at_the_end_follows_a_live_event_as_it_grows(live_event: LiveEvent) -> None:
    """Open at the end of a running event, the viewer shows a step pushed meanwhile on its timeline and in the room."""
    live_event.command(type="step.push", text=STEP_A, duration_s=600)
    page = open_replay(live_event)
    expect(current_step(page, STEP_A)).to_have_count(1)
    live_event.command(type="step.push", text=STEP_B, duration_s=300)
    expect(page.locator("#replay-journey li .journey-label")).to_have_text([STEP_A, STEP_B])
    expect(current_step(page, STEP_B)).to_have_count(1)
    expect(current_step(page, STEP_A)).to_have_count(0)


def test_long_spans_read_in_days_and_years(live_event: LiveEvent) -> None:
    """An imported Pol.is conversation runs for years: its length reads "4 years 240 days", not
    "40834:12:30"; an event of a day keeps its clock."""
    ctx = live_event.context()
    page = ctx.new_page()
    page.goto(live_event.base + "/")
    spans = page.evaluate(
        """async () => {
            const { formatSpan } = await import("/static/ui.js");
            const day = 86_400_000;
            return [formatSpan(75_000), formatSpan(25 * 3_600_000), formatSpan(12 * day + 5), formatSpan(1700 * day)];
        }"""
    )
    assert spans == ["1:15", "25:00:00", "12 days", "4 years 240 days"]
    ctx.close()
