"""Every page, and a phone in every kind of step, checked by axe-core in real Chromium: no serious
or critical violation. axe reads the rendered page (names, roles, contrast, focusable regions)
after the page is live, so what it checks is what a screen-reader or keyboard user meets."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, PHONE, LiveEvent, http, serving

pytestmark = pytest.mark.browser

# axe-core itself, as the axe-playwright-python package ships it (its runner formats options as
# Python text, so the tests run axe with their own JSON options)
AXE_SCRIPT: str = pytest.importorskip("axe_playwright_python.base").AXE_SCRIPT

BLOCKING = ("serious", "critical")
SCRIPT = """\
id: every-kind
title: Every kind of step
method: {name: Test, origin: Wholeroom tests}
steps:
  - {id: hello, kind: prompt, title: Welcome, text: Why we are here.}
  - id: write
    kind: ideas
    text: What would make this town better to live in for people of every age?
    capture: {who: each, visibility: room}
  - {id: talk, kind: discuss, question: "What surprised you?", capture: {who: each, visibility: table}}
  - {id: ground, kind: react, from: [write], text: "Agree, disagree or pass."}
  - {id: dots, kind: vote, method: dots, dots: 2, options: {items: [Buses, Trees, Benches]}}
  - {id: score, kind: vote, method: score, options: {items: [Buses, Trees]}}
  - {id: adp, kind: vote, method: agree_disagree_pass, options: {items: [Buses, Trees]}}
  - {id: rank, kind: vote, method: rank, options: {items: [Buses, Trees, Benches]}}
  - {id: place, kind: vote, method: place, axes: [Effort, Impact], options: {items: [Buses, Trees]}}
  - {id: scored, kind: vote, method: pass_and_score, cards: 2, options: {from: write}}
  - id: market
    kind: signup
    slots: ["Session 1 (10:30)", "Session 2 (13:15)"]
    spaces: [Main hall, Garden room]
  - {id: gather, kind: harvest, text: "What do we take away?", capture: {who: each, visibility: room}}
  - {id: lunch, kind: break, title: Lunch, duration: 45m}
"""


def violations(page: Any) -> list[str]:
    """The serious and critical axe violations on ``page``, one line each with where they are."""
    # experimental rules too: they include label-content-name-mismatch (a visible label that differs
    # from the accessible name breaks speech control)
    options = {"resultTypes": ["violations"], "rules": {"label-content-name-mismatch": {"enabled": True}}}
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", options)
    found = []
    for v in results["violations"]:
        if v["impact"] in BLOCKING:
            where = "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            found.append(f"{v['id']} ({v['impact']}): {v['help']} at {where}")
    return found


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server on the embedded default: accessibility does not depend on the storage."""
    with serving("sqlite", tmp_path_factory.mktemp("wholeroom-a11y")) as server:
        yield server.url


@pytest.fixture
def event(live_event: LiveEvent) -> LiveEvent:
    """The package's live event (three tables, no script error allowed), on this module's server."""
    return live_event


PARTS = [{"name": "Residents", "target": 40}, {"name": "GPs", "target": 1}]


def test_the_public_pages_pass_axe(event: LiveEvent) -> None:
    """The home page, the join page (with the code typed, and the event's parts of the system to
    tick) and the admin page."""
    event.command(type="event.parts_set", parts=PARTS)
    found = {}
    for path in ("/", f"/join?code={event.code}", "/admin"):
        page = event.page(event.context(**(PHONE if path.startswith("/join") else LAPTOP)), f"{event.base}{path}")
        page.wait_for_load_state("networkidle")
        if path.startswith("/join"):
            expect(page.get_by_role("group", name="Where you come from")).to_be_visible()
        found[path] = violations(page)
    assert found == {path: [] for path in found}


def test_the_staff_screens_pass_axe(event: LiveEvent) -> None:
    """Console, wall, organiser (with its replay and harvest) and cards, with a session loaded and
    ideas on the screens, and the parts of the system with their coverage."""
    event.command(type="event.parts_set", parts=PARTS)
    phone = event.phone("1", "Ana")
    phone.locator("#my-parts summary").click()  # "Where you come from", open
    phone.get_by_role("group", name="Your parts of the system").get_by_label("GPs").check()
    phone.get_by_role("button", name="Save", exact=True).click()
    expect(phone.locator("#my-parts-message")).to_have_text("Saved.")
    loaded = event.command(type="session.load", script=SCRIPT)
    event.command(type="session.next", session_id=loaded["session_id"])
    event.command(type="session.next", session_id=loaded["session_id"])
    expect(phone.locator("#idea-text")).to_be_enabled()
    phone.fill("#idea-text", "Benches along the way to the shops")
    phone.locator("#idea-text").press("Enter")
    event.command(type="step.push", text="Ideas the facilitator lets through", premoderate=True)
    expect(phone.get_by_role("region", name="Now at your table")).to_contain_text("lets through")
    phone.get_by_label("Your idea").fill("A held idea, waiting in the console's queue")
    phone.get_by_role("button", name="Send", exact=True).click()
    listed = "name,email,parts,access_needs\nAna,ana@example.org,GPs,step-free access\nBo,,Residents,\n"
    status, data = http(
        "POST", f"{event.base}/api/events/{event.id}/people/import", {"csv": listed}, event.tokens["organiser"]
    )
    assert status == 200, data
    found = {}
    for screen in ("console", "wall", "organiser", "cards", "seating", "invitations"):
        paper = screen in ("cards", "seating", "invitations")
        page = event.page(event.context(**LAPTOP), event.url(screen)) if paper else event.staff(screen)
        page.wait_for_load_state("networkidle")
        if screen == "console":  # the pre-moderation queue is on screen, with its buttons
            expect(page.get_by_role("button", name=re.compile("^Let through"))).to_be_visible()
            expect(page.locator("#coverage")).to_contain_text("Still missing: Residents.")
            page.locator(".parts-declare summary").click()
        found[screen] = violations(page)
        if screen == "organiser":
            page.get_by_role("tab", name="Replay").click()
            page.wait_for_load_state("networkidle")
            found["replay"] = violations(page)
            page.get_by_role("tab", name="People").click()
            expect(page.locator("#people-rows tr")).to_have_count(2)
            found["people"] = violations(page)
    report = urllib.request.Request(f"{event.base}/api/events/{event.id}/export?format=html")
    report.add_header("Authorization", f"Bearer {event.tokens['organiser']}")
    with urllib.request.urlopen(report, timeout=30) as answer:
        html = answer.read().decode()
    page = event.context(**LAPTOP).new_page()
    page.set_content(html)
    found["report"] = violations(page)
    assert found == {screen: [] for screen in found}


def test_a_phone_passes_axe_in_every_kind_of_step(event: LiveEvent) -> None:
    """One phone walked through a script with every step kind and every vote method."""
    others = [event.phone(t) for t in ("2", "3")]
    phone = event.phone("1", "Ana")
    found = {"waiting": violations(phone)}
    loaded = event.command(type="session.load", script=SCRIPT)
    session = loaded["session_id"]
    steps = [line.split("id: ")[1].split(",")[0] for line in SCRIPT.splitlines() if line.lstrip().startswith("- ")]
    for step in steps:
        event.command(type="session.next", session_id=session)
        pushed = event.snapshot()["steps"][-1]["id"]  # the step the phone must now show
        expect(phone.locator("#step-clock")).to_have_attribute("data-step-clock", pushed)
        if step == "write":
            for n, other in enumerate(others):
                other.fill("#idea-text", f"Idea {n} from another table")
                other.locator("#idea-text").press("Enter")
        found[step] = violations(phone)
    event.command(type="session.next", session_id=session)  # past the last step: the vote results stay
    event.command(type="event.close")
    expect(phone.get_by_role("heading", name="Thank you for taking part")).to_be_visible()
    found["the end"] = violations(phone)
    assert found == {step: [] for step in found}
