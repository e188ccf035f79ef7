"""Named facilitator links in the browser: the organiser makes a link for a co-facilitator, who opens
it; the first console then names her among the screens driving and as who moved the room; revoking
the link on the organiser page closes her console."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, LiveEvent

pytestmark = pytest.mark.browser

ANA = "Ana – co-facilitator"


def test_the_organiser_gives_a_co_facilitator_a_named_console_link(live_event: LiveEvent) -> None:
    organiser = live_event.staff("organiser")
    console = live_event.staff("console")

    organiser.get_by_label("Who is it for?").fill(ANA)
    organiser.get_by_role("button", name="Make a facilitator link").click()
    link = organiser.locator("#new-facilitator-link")
    expect(link).to_have_value(re.compile(rf"/e/{live_event.id}/console#token=\S+$"))
    expect(link).to_be_focused()
    expect(organiser.locator("#facilitator-links li")).to_have_count(2)
    expect(organiser.locator("#facilitator-links li").nth(1)).to_contain_text(ANA)

    hers = live_event.page(live_event.context(**LAPTOP), link.input_value())
    expect(hers.locator(".badge")).to_have_attribute("data-state", "live")
    expect(console.locator("#flow-status")).to_contain_text(
        f"2 facilitator screens are open (\u2068{ANA}\u2069 and 1 unnamed)"
    )

    hers.fill("#step-text", "Find someone you have not met")
    hers.click("#push-button")
    expect(console.locator("#flow-status")).to_contain_text(f"pushed by \u2068{ANA}\u2069")

    organiser.get_by_role("button", name=f"Revoke {ANA}").click()
    expect(organiser.locator("#facilitator-message")).to_contain_text(f"Revoked “{ANA}”")
    expect(hers.locator(".blocker")).to_contain_text("The organiser revoked this link")
    expect(console.locator("#flow-status")).to_contain_text("This is the only facilitator screen open.")


def test_the_links_part_is_the_organisers_only(live_event: LiveEvent) -> None:
    """The organiser page opened with the facilitator's link shows no way to issue links."""
    page = live_event.page(live_event.context(**LAPTOP), live_event.url("organiser", "facilitator"))
    expect(page.locator(".badge")).to_have_attribute("data-state", "live")
    expect(page.locator("#facilitator-form")).to_be_hidden()
    expect(page.get_by_role("heading", name="Facilitator links")).to_be_hidden()
