"""Removing a participant from the console: a confirmation with the keep/hide choice, then their
phone says why (and stops reconnecting) while the wall drops their ideas."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent
from .test_pages import idea_on_wall, send_idea

pytestmark = pytest.mark.browser


def test_the_console_removes_a_person_and_hides_their_ideas(live_event: LiveEvent) -> None:
    live_event.command(type="step.push", text="What would you change?")
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    troll = live_event.phone("1", "Troll")
    kind = live_event.phone("1", "Kim")
    send_idea(troll, "Something nasty")
    send_idea(kind, "A library open on Sundays")
    expect(idea_on_wall(wall, "1", "Something nasty")).to_have_count(1)

    console.get_by_role("button", name="Remove Troll").click()
    dialog = console.locator("#remove-dialog")
    expect(dialog).to_contain_text("Remove Troll from the event?")
    dialog.get_by_role("radio", name=re.compile("Hide their ideas")).check()
    dialog.get_by_role("button", name="Remove", exact=True).click()

    expect(troll.get_by_role("alert")).to_contain_text("The facilitator removed you from this event.")
    expect(idea_on_wall(wall, "1", "Something nasty")).to_have_count(0)
    expect(idea_on_wall(wall, "1", "A library open on Sundays")).to_have_count(1)
    expect(console.locator("#people tr", has_text="Troll")).to_have_count(0)
    expect(console.locator("#people tr", has_text="Kim")).to_have_count(1)
    troll.wait_for_timeout(1500)  # a phone that reconnected would have gone back to "live"
    expect(troll.locator(".badge[data-state=live]")).to_have_count(0)
    expect(kind.locator(".badge[data-state=live]")).to_have_count(1)
