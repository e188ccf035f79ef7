"""Two facilitators at the front of one room: two console pages press Next at the same moment."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent
from .test_scripts import ONE_TWO_FOUR_ALL, upload

pytestmark = pytest.mark.browser


class HeldSocket:
    """A console's websocket through the test: what the server sends can be held back, so two
    consoles press a button from the same view of the room, as if at the same instant."""

    def __init__(self, page: Any) -> None:
        self.holding = False
        self.held: list[Any] = []
        self.route: Any = None
        page.route_web_socket(re.compile(r"/ws$"), self._connect)

    def _connect(self, route: Any) -> None:
        server = route.connect_to_server()
        route.on_message(server.send)
        server.on_message(self._from_server)
        self.route = route

    def _from_server(self, message: Any) -> None:
        if self.holding:
            self.held.append(message)
        else:
            self.route.send(message)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.route.send(message)
        self.held.clear()


def test_two_consoles_press_next_at_once_and_the_room_advances_one_step(live_event: LiveEvent) -> None:
    """Both consoles show step 1 and press Next before either hears of the other: the room goes to
    step 2 (not 3), one console says the room moved on and who moved it, and both show step 2."""
    live_event.phone("1", "Ana")
    live_event.phone("1", "Bo")
    pages, sockets = [], []
    for _ in range(2):
        ctx = live_event.context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        sockets.append(HeldSocket(page))
        page.on("pageerror", lambda exc: live_event.errors.append(str(exc)))
        page.goto(live_event.url("console"))
        page.locator(".badge[data-state=live]").wait_for()
        pages.append(page)
    one, two = pages
    upload(one, "one-two-four-all.yaml", ONE_TWO_FOUR_ALL)
    one.get_by_role("button", name=re.compile("^Load .1-2-4-All")).click()
    one.get_by_role("button", name=re.compile("^Start")).click()
    for page in pages:
        expect(page.locator("#session-meta")).to_contain_text("step 1 of 4")
        expect(page.locator("#flow-status")).to_contain_text("2 facilitator screens are open")

    for socket in sockets:
        socket.hold()
    for page in pages:
        page.get_by_role("button", name="Next step: In pairs").click()
    for socket in sockets:
        socket.release()

    for page in pages:
        expect(page.locator("#session-meta")).to_contain_text("step 2 of 4")
        expect(page.locator("#now-title")).to_have_text("In pairs")
    messages = [page.locator("#session-message") for page in pages]
    for message in messages:  # each console hears how its press went
        expect(message).to_have_text(re.compile(r"^(Running step 2\.|Not done: .+)$"))
    texts = [message.text_content() or "" for message in messages]
    assert sorted(text.startswith("Not done") for text in texts) == [False, True], texts
    refused = 0 if texts[0].startswith("Not done") else 1
    loser, winner = pages[refused], pages[1 - refused]
    expect(loser.locator("#session-message")).to_have_text(
        re.compile(
            r"^Not done: the room had moved on\. Step 2 of “\u20681-2-4-All\u2069”, “\u2068In pairs\u2069”, "
            r"started by another "
            r"facilitator screen at .+\. This console now shows the room as it is: look, then choose again\.$"
        )
    )
    expect(winner.locator("#session-message")).to_have_text("Running step 2.")
    # (titles are isolated in the sentence: FSI ... PDI)
    expect(winner.locator("#flow-status")).to_contain_text("“\u2068In pairs\u2069”, started by this screen at")
    expect(loser.locator("#flow-status")).to_contain_text(
        "“\u2068In pairs\u2069”, started by another facilitator screen at"
    )
    sheet = live_event.snapshot()["sessions"][0]
    assert sheet["index"] == 1 and [r["started_at"] is not None for r in sheet["runsheet"]] == [
        True,
        True,
        False,
        False,
    ]
    # the refused console is on the room's step: its next press goes on from there
    loser.get_by_role("button", name="Next step: In fours").click()
    for page in pages:
        expect(page.locator("#now-title")).to_have_text("In fours")


def test_a_step_pushed_by_hand_shows_as_interrupting_the_script(live_event: LiveEvent) -> None:
    """Pushing a step by hand over the running script step: the session panel says the script step
    is interrupted and by what, not running; Next goes on with the script."""
    console = live_event.staff("console")
    upload(console, "one-two-four-all.yaml", ONE_TWO_FOUR_ALL)
    console.get_by_role("button", name=re.compile("^Load .1-2-4-All")).click()
    console.get_by_role("button", name=re.compile("^Start")).click()
    expect(console.locator("#runsheet-rows tr").first.locator(".tag.state")).to_have_text("running")
    console.locator("#step-text").fill("Coffee break: back in ten minutes")
    console.get_by_role("button", name="Push step").click()
    expect(console.locator("#session-meta")).to_contain_text("step 1 of 4, interrupted")
    expect(console.locator("#now-interrupted")).to_have_text(
        "Interrupted: “Coffee break: back in ten minutes”, pushed by hand, is what the tables see now. "
        "Next step goes on with the script; Restart in the run sheet runs this step again."
    )
    expect(console.locator("#runsheet-rows tr").first.locator(".tag.state")).to_have_text("interrupted")
    expect(console.locator("#now-clock")).to_be_hidden()
    expect(console.locator("#s-pause")).to_be_disabled()
    expect(console.locator("#flow-status")).to_contain_text(
        "the step “\u2068Coffee break: back in ten minutes\u2069” pushed by this screen"
    )
    console.get_by_role("button", name="Next step: In pairs").click()
    expect(console.locator("#session-meta")).to_contain_text("step 2 of 4")
    expect(console.locator("#now-interrupted")).to_be_hidden()
    expect(console.locator("#runsheet-rows tr").nth(1).locator(".tag.state")).to_have_text("running")
