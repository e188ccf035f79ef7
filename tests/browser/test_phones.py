"""Phones at 390x844 (a common phone size): the idea box in view in every collecting step, panels that
go when they no longer apply, drafts that survive a reload, a "Move to" card for every move, the
vote's results once revealed, and an end screen with the person's own contributions.

Screenshots go to $WHOLEROOM_SHOTS (default /tmp/wholeroom-shots) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("WHOLEROOM_SHOTS", "/tmp/wholeroom-shots"))
PHONE_390 = {"viewport": {"width": 390, "height": 844}}

# The longest questions and instructions of the library's collecting steps (appreciative inquiry's
# interviews, World Café's round 2, Future Search's ideal future), on one script of every kind that
# collects: alone, in pairs, at the table (with a role still to volunteer for), and the harvest.
LONG_QUESTION = "What would help older people in our city to live well, and what could we do about it together?"
INTERVIEW = (
    "Interview your partner for about twenty minutes, then swap. Ask about a time when they felt most alive and "
    "effective in this work: what happened, who was involved, what made it possible? What do they value most? "
    "Listen more than you speak; note the story's high points."
)
HOST = (
    "Host: take two minutes to tell the newcomers what this table talked about. Travellers: add what you heard "
    "elsewhere, then carry on the conversation."
)
FUTURE = (
    "Imagine it is 2035 and the future you most want has come about. Describe it as if you were living in it: "
    "what is happening, who is doing what, what made it possible? Prepare to show it to the room in a few minutes, "
    "in any form you like."
)
COLLECTING = f"""\
id: phones
title: Every step that collects
method: {{name: Test, origin: Us}}
roles:
  table_host: {{per: table, count: 1, assign: volunteer}}
steps:
  - id: alone
    kind: ideas
    title: "Discovery: on your own"
    question: "{LONG_QUESTION}"
    text: "{INTERVIEW}"
    capture: {{who: each, max_items: 5, visibility: private}}
  - id: pairs
    kind: discuss
    title: "Discovery: appreciative interviews"
    audience: group
    groups: {{size: 2}}
    text: "{INTERVIEW}"
    capture: {{who: any, max_items: 3, visibility: group}}
  - id: table
    kind: discuss
    title: Round 2
    question: "{LONG_QUESTION}"
    text: "{HOST}"
    capture: {{who: any, max_items: 6}}
  - id: all
    kind: harvest
    title: "Future: the future we want"
    text: "{FUTURE}"
    capture: {{who: each}}
"""

VOTE = """\
id: vote-then-talk
title: Vote, then talk
method: {name: Test, origin: Us}
steps:
  - {id: wish, kind: ideas, question: "One wish for the town?", capture: {who: each}}
  - id: say
    kind: vote
    title: Where do we stand?
    method: agree_disagree_pass
    options: {items: ["Buses at night", "A market on Sundays"]}
    reveal: end
  - {id: talk, kind: discuss, text: Talk about what the room said., capture: {who: none}}
"""

HOSTS = """\
id: hosts
title: Hosts
method: {name: Test, origin: Us}
roles:
  table_host: {per: table, count: 1, assign: volunteer}
steps:
  - {id: welcome, kind: prompt, text: Agree one table host.}
"""


CAFE = """\
id: cafe
title: Café rounds
method: {name: Test, origin: Us}
roles:
  table_host: {per: table, count: 1, assign: volunteer}
steps:
  - {id: round1, kind: discuss, text: "What matters to you?", capture: {who: each}}
  - {id: move, kind: rotate, mode: host_stays, stay: table_host, text: "Hosts stay; everyone else moves."}
  - {id: round2, kind: discuss, text: "What did you hear elsewhere?", capture: {who: each}}
"""


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"))


def send_in_view(page: Any) -> float:
    """Where Send's bottom edge is (px from the top), after asserting the whole button is on screen."""
    box = page.locator("#idea-send").bounding_box()
    assert box is not None
    height = page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, f"Send at {box}, the screen is {height} px high"
    area = page.locator("#idea-text").bounding_box()
    assert area is not None and area["y"] >= 0
    bottom: float = box["y"] + box["height"]
    return bottom


def test_send_is_in_view_in_every_step_that_collects(live_event: LiveEvent) -> None:
    """With the longest questions of the library, a role still to volunteer for, a group panel and the hint,
    the idea box and Send fit the first screen after load; the hint speaks of tapping, and of the
    group only where there are groups."""
    session = live_event.command(type="session.load", script=COLLECTING)["session_id"]
    ana, bo = live_event.phone("1", "Ana", **PHONE_390), live_event.phone("1", "Bo", **PHONE_390)
    expected = {
        "alone": "Up to 5 from you. Only you (and the facilitator) see what you write. Tap Send when it is ready.",
        "pairs": "Up to 3 for your group. Your group sees what you write. Tap Send when it is ready.",
        "table": "Up to 6 for your table. Tap Send when it is ready.",
        "all": "Tap Send when it is ready.",
    }
    bottoms = {}
    for name, hint in expected.items():
        live_event.command(type="session.next", session_id=session)
        ana.reload()
        expect(ana.locator(".badge[data-state=live]")).to_be_visible()
        expect(ana.locator("#idea-text")).to_be_enabled()
        expect(ana.locator("#idea-hint")).to_have_text(hint)
        expect(ana.locator("#volunteer-panel")).to_be_visible()  # still open, below the box
        if name == "pairs":
            expect(ana.locator("#group-text")).to_have_text("You are with Bo")
        shot(ana, f"step-{name}")
        bottoms[name] = send_in_view(ana)
    # a step the facilitator writes by hand, as long as the longest of the library
    live_event.command(type="step.push", text=f"{LONG_QUESTION}\n\n{INTERVIEW}", duration_s=600)
    bo.reload()
    expect(bo.locator("#step-more")).to_have_text(INTERVIEW)
    expect(bo.locator("#idea-text")).to_be_enabled()
    bottoms["custom"] = send_in_view(bo)
    shot(bo, "step-custom")
    print("Send's bottom edge at 390x844 (px):", {k: round(v) for k, v in bottoms.items()})


def test_volunteer_panel_goes_once_the_role_is_taken(live_event: LiveEvent) -> None:
    """Both people at the table are offered the host's role; once one takes it the panel goes from both phones."""
    live_event.command(type="session.load", script=HOSTS)
    ana, bo = live_event.phone("1", "Ana", **PHONE_390), live_event.phone("1", "Bo", **PHONE_390)
    cy = live_event.phone("2", "Cy", **PHONE_390)
    for phone in (ana, bo, cy):
        expect(phone.get_by_role("button", name="Volunteer as table host")).to_be_visible()
    ana.get_by_role("button", name="Volunteer as table host").click()
    expect(ana.locator("#whereami .tag")).to_have_text("table host")
    expect(ana.locator("#volunteer-panel")).to_be_hidden()
    expect(bo.locator("#volunteer-panel")).to_be_hidden()  # filled at Bo's table: no reload needed
    expect(bo.locator("#volunteer-message")).to_have_text("")
    expect(cy.get_by_role("button", name="Volunteer as table host")).to_be_visible()  # another table still needs one
    shot(bo, "volunteer-filled")


def test_a_half_typed_idea_survives_a_reload_and_goes_once_sent(live_event: LiveEvent) -> None:
    """The box keeps what was typed across a reload; once the idea is sent and acknowledged the draft is gone."""
    live_event.command(type="step.push", text="What should the harbour keep?", duration_s=600)
    ana = live_event.phone("1", "Ana", **PHONE_390)
    ana.locator("#idea-text").fill("The old crane, lit at")
    ana.reload()
    expect(ana.locator("#idea-text")).to_have_value("The old crane, lit at")
    ana.locator("#idea-text").fill("The old crane, lit at night")
    ana.locator("#idea-send").click()
    expect(ana.locator("#ideas li.mine .idea-text")).to_have_text("The old crane, lit at night")
    ana.reload()
    expect(ana.locator("#ideas li.mine .idea-text")).to_have_text("The old crane, lit at night")
    expect(ana.locator("#idea-text")).to_have_value("")
    drafts = ana.evaluate("Object.keys(localStorage).filter((k) => k.includes(':draft:'))")
    assert drafts == [], drafts
    # half-typed when the facilitator moves on: it follows to the next step, reload or not
    ana.locator("#idea-text").fill("Benches facing the")
    live_event.command(type="step.push", text="And the station?", duration_s=600)
    expect(ana.locator("#step-text")).to_have_text("And the station?")
    expect(ana.locator("#idea-text")).to_have_value("Benches facing the")
    ana.reload()
    expect(ana.locator("#step-text")).to_have_text("And the station?")
    expect(ana.locator("#idea-text")).to_have_value("Benches facing the")


def test_a_move_card_for_every_move(live_event: LiveEvent) -> None:
    """Moved by the facilitator, or by their own choice, the phone says where to go, and who moved them."""
    live_event.command(type="step.push", text="What should the harbour keep?", duration_s=600)
    ana = live_event.phone("1", "Ana", **PHONE_390)
    expect(ana.locator("#move-notice")).to_be_hidden()
    live_event.command(type="participant.seat", participant_id=ana.participant_id, table_id="2")
    expect(ana.locator("#move-text")).to_have_text("Move to Table 2")
    expect(ana.locator("#move-detail")).to_contain_text("The facilitator moved you")
    shot(ana, "moved-by-facilitator")
    ana.get_by_role("button", name="OK, I am there").click()
    expect(ana.locator("#move-notice")).to_be_hidden()
    # moved while the page was closed: the card is there when it comes back
    context, url, who = ana.context, ana.url, ana.participant_id
    ana.close()
    live_event.command(type="participant.seat", participant_id=who, table_id="3")
    ana = live_event.page(context, url)
    expect(ana.locator("#move-text")).to_have_text("Move to Table 3")
    expect(ana.locator("#move-detail")).to_contain_text("The facilitator moved you")
    ana.get_by_role("button", name="OK, I am there").click()
    # their own choice
    ana.locator("#move summary").click()
    ana.locator("#move-table").select_option("1")
    ana.get_by_role("button", name="Move to this table").click()
    expect(ana.locator("#move-text")).to_have_text("Move to Table 1")
    expect(ana.locator("#move-detail")).to_contain_text("You chose Table 1")


def test_vote_results_after_the_reveal_and_the_end_screen(live_event: LiveEvent) -> None:
    """A vote revealed at its end: no tally on the phones while it runs, the room's results on the next
    step (and after a reload); when the event closes, a thank-you screen lists the person's own idea
    and vote, and saves them as a readable page."""
    session = live_event.command(type="session.load", script=VOTE)["session_id"]
    ana, bo = live_event.phone("1", "Ana", **PHONE_390), live_event.phone("2", "Bo", **PHONE_390)
    live_event.command(type="session.next", session_id=session)
    expect(ana.locator("#idea-text")).to_be_enabled()
    ana.locator("#idea-text").fill("A lido in the harbour")
    ana.locator("#idea-send").click()
    expect(ana.locator("#ideas li.mine .idea-text")).to_have_text("A lido in the harbour")

    live_event.command(type="session.next", session_id=session)
    ana.get_by_role("button", name="Agree: Buses at night", exact=True).click()
    expect(ana.locator("#vote-panel .statement")).to_have_text("A market on Sundays")
    ana.get_by_role("button", name="Pass: A market on Sundays", exact=True).click()
    bo.get_by_role("button", name="Agree: Buses at night", exact=True).click()
    expect(bo.locator(".ballot-message")).to_contain_text("Saved")
    # a secret ballot until the reveal: nothing of the tally on any phone
    for phone in (ana, bo):
        expect(phone.locator("#vote-results-box")).to_be_hidden()
        expect(phone.locator("#past-panel")).to_be_hidden()
        expect(phone.locator("#vote-results li")).to_have_count(0)
    shot(ana, "vote-before-reveal")

    live_event.command(type="session.next", session_id=session)  # the vote ends: revealed
    for phone in (ana, bo):
        expect(phone.locator("#step-text")).to_have_text("Talk about what the room said.")
        expect(phone.locator("#past-title")).to_have_text("Where do we stand?")
        expect(phone.locator('#past-results li[data-option-id="o1"]')).to_contain_text("2 agree · 0 disagree · 0 pass")
        expect(phone.locator('#past-results li[data-option-id="o2"]')).to_contain_text("0 agree · 0 disagree · 1 pass")
    shot(bo, "vote-results")
    bo.reload()
    expect(bo.locator('#past-results li[data-option-id="o1"]')).to_contain_text("2 agree · 0 disagree · 0 pass")

    live_event.command(type="event.close")
    expect(ana.locator("#end-heading")).to_have_text("Thank you for taking part")
    expect(ana.locator("#end-mine")).to_contain_text("Your ideas (1)")
    expect(ana.locator("#end-mine .mine-text").first).to_have_text("A lido in the harbour")
    expect(ana.locator("#end-mine")).to_contain_text("Buses at night: agree; A market on Sundays: pass")
    expect(ana.locator("#idea-panel")).to_be_hidden()
    shot(ana, "end-screen")
    with ana.expect_download() as saved:
        ana.locator("#end-download").click()
    assert saved.value.suggested_filename.endswith(".html")
    page = Path(saved.value.path()).read_text()
    assert '<li><p dir="auto">A lido in the harbour</p>' in page and "<bdi>Buses at night</bdi>: agree" in page
    assert "<script" not in page
    # the page opens as it is, in any browser
    kept = ana.context.new_page()
    kept.set_content(page)
    expect(kept.locator("h1")).to_have_text(re.compile("^My contributions · Our town in 2035$"))
    expect(kept.locator("li").first).to_contain_text("A lido in the harbour")
    kept.set_viewport_size({"width": 390, "height": 844})
    shot(kept, "contributions-file")
    kept.close()


def test_a_rotation_says_who_moves_where_until_the_next_round(live_event: LiveEvent) -> None:
    """At a rotation the traveller reads "Move to <table>" and the host "Stay"; the card goes with the next round."""
    session = live_event.command(type="session.load", script=CAFE)["session_id"]
    ana, bo = live_event.phone("1", "Ana", **PHONE_390), live_event.phone("1", "Bo", **PHONE_390)
    ana.get_by_role("button", name="Volunteer as table host").click()
    expect(ana.locator("#whereami .tag")).to_have_text("table host")
    live_event.command(type="session.next", session_id=session)
    live_event.command(type="session.next", session_id=session)  # the rotation
    expect(ana.locator("#move-text")).to_have_text("Stay at Table 1")
    expect(bo.locator("#move-text")).to_have_text(re.compile(r"^Move to Table [23]$"))
    expect(bo.locator("#move-ok")).to_be_hidden()  # it stays up while people move
    shot(bo, "rotation")
    live_event.command(type="session.next", session_id=session)
    expect(bo.locator("#step-text")).to_have_text("What did you hear elsewhere?")
    expect(bo.locator("#move-notice")).to_be_hidden()
    expect(ana.locator("#move-notice")).to_be_hidden()
