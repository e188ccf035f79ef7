"""Pre-moderation in the browser: the console pushes a step that holds its ideas, a phone's idea waits
in the console's queue (its writer sees it waiting, the wall sees nothing), and one keyboard press
on "Let through" puts it on the wall."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.domain.test_premoderation import HOSTED  # the script whose table host lets ideas through

from .conftest import LiveEvent
from .test_pages import idea_on_wall, send_idea

pytestmark = pytest.mark.browser


def test_the_console_lets_a_held_idea_through_to_the_wall(live_event: LiveEvent) -> None:
    console = live_event.staff("console")
    wall = live_event.staff("wall")
    ana, bo = live_event.phone("1", "Ana"), live_event.phone("1", "Bo")

    console.fill("#step-text", "What worries you about the plan?")
    console.get_by_label("Hold ideas until a facilitator lets them through").check()
    console.click("#push-button")
    expect(ana.locator("#step-text")).to_have_text("What worries you about the plan?")

    send_idea(ana, "The bridge is closed for a year")
    send_idea(ana, "Nobody asked the shops")
    mine = ana.locator("#ideas li", has_text="The bridge is closed")
    expect(mine.locator(".waiting")).to_have_text("waiting for the facilitator")
    queue = console.locator("#queue li")
    expect(queue).to_have_count(2)
    expect(console.locator("#queue-count")).to_have_text("(2)")
    expect(console.locator("#queue li").first).to_contain_text("The bridge is closed for a year")
    expect(console.locator("#idea-count")).to_have_text("(0 shown, 2 waiting, 0 hidden)")

    let_through = console.get_by_role("button", name="Let through: The bridge is closed for a year")
    let_through.focus()
    console.keyboard.press("Enter")

    expect(idea_on_wall(wall, "1", "The bridge is closed for a year")).to_have_count(1)
    expect(bo.locator("#ideas li", has_text="The bridge is closed for a year")).to_have_count(1)
    expect(mine.locator(".waiting")).to_be_hidden()
    expect(queue).to_have_count(1)
    # the focus moves on to the next idea waiting, so a run of them goes by keyboard alone
    expect(console.get_by_role("button", name="Let through: Nobody asked the shops")).to_be_focused()
    expect(wall.locator("#tables")).not_to_contain_text("Nobody asked the shops")
    expect(bo.locator("#ideas")).not_to_contain_text("Nobody asked the shops")

    console.get_by_role("button", name="Hide: Nobody asked the shops").click()
    expect(queue).to_have_count(0)
    expect(console.locator("#queue-empty")).to_be_visible()
    wall.reload()
    expect(idea_on_wall(wall, "1", "The bridge is closed for a year")).to_have_count(1)
    expect(wall.locator("#tables")).not_to_contain_text("Nobody asked the shops")


def test_the_writer_reads_who_their_idea_waits_for(live_event: LiveEvent) -> None:
    """Where the table's host lets ideas through, the phone says so before and after sending."""
    ana = live_event.phone("1", "Ana")
    session = live_event.command(type="session.load", script=HOSTED)["session_id"]
    live_event.command(type="session.next", session_id=session)
    expect(ana.locator("#step-text")).to_have_text("What worries you?")
    held = "Others see it once your table host (or the facilitator) lets it through."
    expect(ana.locator("#idea-hint")).to_contain_text(held)
    send_idea(ana, "The bridge is closed for a year")
    mine = ana.locator("#ideas li", has_text="The bridge is closed")
    expect(mine.locator(".waiting")).to_have_text("waiting for your table host (or the facilitator)")
