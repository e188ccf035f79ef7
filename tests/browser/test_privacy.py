"""In the browser: an anonymous idea names its writer on no staff screen, and a private note stays off
the wall (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent
from .test_pages import idea_on_console, idea_on_wall, send_idea

pytestmark = pytest.mark.browser

SCRIPT = """
id: said-freely
title: Said freely
method: {{name: Test, origin: Us}}
steps:
  - {{id: s, kind: ideas, duration: 5m, text: "What worries you?", capture: {capture}}}
"""


def run(live_event: LiveEvent, capture: str) -> None:
    loaded = live_event.command(type="session.load", script=SCRIPT.format(capture=capture))
    live_event.command(type="session.next", session_id=loaded["session_id"])


def transcript_row(organiser: Any, kind: str) -> Any:
    return organiser.locator("tr[data-seq]", has=organiser.locator("td.kind", has_text=kind))


def test_the_console_and_organiser_do_not_show_who_wrote_an_anonymous_idea(live_event: LiveEvent) -> None:
    run(live_event, "{who: each, attribution: anonymous}")
    console = live_event.staff("console")
    organiser = live_event.staff("organiser")
    ana = live_event.phone("1", "Ana Example")
    pid = ana.participant_id
    expect(ana.locator("#step-text")).to_contain_text("What worries you?")
    expect(ana.locator("body")).to_contain_text("Your name is not shown with it.")
    send_idea(ana, "The rent is too high")

    idea = idea_on_console(console, "1", "The rent is too high")
    expect(idea).to_have_count(1)
    expect(idea.locator(".who")).to_have_text("anonymous")
    expect(idea).not_to_contain_text("Ana")
    expect(idea).not_to_contain_text(pid)
    console.reload()  # from a snapshot, not the live entry
    idea = idea_on_console(console, "1", "The rent is too high")
    expect(idea.locator(".who")).to_have_text("anonymous")
    expect(idea).not_to_contain_text(pid)

    organiser.get_by_role("tab", name="Transcript").click()  # read only when its tab is opened
    row = transcript_row(organiser, "idea.submitted")
    expect(row).to_contain_text("The rent is too high")
    expect(row.locator("td.actor")).to_have_text("participant")
    expect(row).not_to_contain_text(pid)
    expect(row).not_to_contain_text("Ana")
    expect(ana.locator("#ideas li.mine", has_text="The rent is too high")).to_have_count(1)  # the writer keeps it


def test_a_private_note_stays_on_its_phone_and_the_console(live_event: LiveEvent) -> None:
    run(live_event, "{who: each, visibility: private}")
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    ana, bo = live_event.phone("1", "Ana"), live_event.phone("1", "Bo")
    expect(ana.locator("body")).to_contain_text("Only you (and the facilitator) see what you write.")
    send_idea(ana, "My private worry")
    expect(ana.locator("#ideas li", has_text="My private worry")).to_contain_text("only you see this")
    expect(idea_on_console(console, "1", "My private worry")).to_have_count(1)
    bo.wait_for_timeout(500)  # give the wall and the other phone a moment to (not) receive it
    expect(idea_on_wall(wall, "1", "My private worry")).to_have_count(0)
    expect(bo.locator("#ideas li", has_text="My private worry")).to_have_count(0)
