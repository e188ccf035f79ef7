"""Facilitation scripts end to end: the console runs a method, phones follow it, votes come back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from server.domain.scripts.loader import ScriptError, load_script

from .conftest import REPO, LiveEvent

pytestmark = pytest.mark.browser

LIBRARY_FILE = REPO / "facilitation_scripts" / "one-two-four-all.yaml"

# The same structure as the library's 1-2-4-All, for when that file is not (yet) in the library.
ONE_TWO_FOUR_ALL = """\
id: one-two-four-all
title: 1-2-4-All
method: {name: 1-2-4-All, origin: Liberating Structures (Henri Lipmanowicz & Keith McCandless)}
params:
  question: {label: The question everyone works on, default: "What opportunities do you see?"}
steps:
  - {id: one, kind: ideas, title: On your own, duration: 1m, question: "{question}", capture: {who: each}}
  - {id: two, kind: discuss, title: In pairs, audience: group, groups: {size: 2}, duration: 2m,
     text: Swap your ideas with your partner., capture: {who: any}}
  - {id: four, kind: discuss, title: In fours, audience: group, groups: {merge: 2}, duration: 4m,
     text: Two pairs join and choose one idea., capture: {who: any}}
  - {id: all, kind: harvest, title: With everyone, duration: 5m, sources: [four], text: Each four offers its idea.}
"""

# Two real mistakes: a duration in words, and an unknown step kind.
BAD_SCRIPT = """\
id: pairs
title: Pairs then vote
method: {name: Test, origin: Us}
params: {question: "What could we do?"}
steps:
  - {id: one, kind: ideas, duration: 1m, question: "{question}", capture: {who: each}}
  - {id: two, kind: discuss, audience: group, groups: {size: 2}, duration: 1 min, capture: {who: any}}
  - {id: pick, kind: vote, method: agree_disagree_pass, options: {from: one}, reveal: live, duration: 2m}
  - {id: end, kind: poll, duration: 1m}
"""

STATEMENTS = """\
id: statements
title: Three statements
method: {name: Agree / disagree / pass, origin: Us}
steps:
  - id: say
    kind: vote
    title: Where do we stand?
    method: agree_disagree_pass
    options: {items: ["Buses at night", "A market on Sundays", "Fewer cars downtown"]}
    reveal: live
    duration: 3m
"""


def clock(minutes: int) -> re.Pattern[str]:
    """A countdown that has just started on a step of ``minutes``: "2:00", "1:59"... (a few seconds of slack)."""
    return re.compile(rf"^({minutes}:00|{minutes - 1}:5[0-9])$")


def upload(console: Any, name: str, text: str) -> None:
    console.get_by_label("My own YAML file").check()
    console.set_input_files("#upload-file", {"name": name, "mimeType": "text/yaml", "buffer": text.encode()})


def test_one_two_four_all_runs_from_the_console_to_the_phones(live_event: LiveEvent) -> None:
    """The console loads 1-2-4-All and steps through it; phones see each step's title, group and timer."""
    console = live_event.staff("console")
    ana, bo = live_event.phone("1", "Ana"), live_event.phone("1", "Bo")
    cy = live_event.phone("2", "Cy")

    if LIBRARY_FILE.is_file():
        console.select_option("#library-select", "one-two-four-all")
    else:  # the library file is written elsewhere: load the same structure through the upload path
        upload(console, "one-two-four-all.yaml", ONE_TWO_FOUR_ALL)
    expect(console.locator("#preview-rows tr")).to_have_count(4)
    expect(console.locator("#preview-rows tr").nth(1)).to_contain_text("In pairs")
    console.get_by_label("The question everyone works on").fill("How could our street be safer?")
    console.get_by_role("button", name=re.compile("^Load .1-2-4-All")).click()
    expect(console.locator("#session-title")).to_have_text("1-2-4-All")
    # the session panel comes into view with focus, so Start is where the facilitator is looking
    expect(console.get_by_role("heading", name=re.compile("^Script: 1-2-4-All"))).to_be_focused()
    expect(console.get_by_role("button", name=re.compile("^Start"))).to_be_in_viewport()
    console.get_by_role("button", name=re.compile("^Start")).click()

    for phone in (ana, bo, cy):
        expect(phone.locator("#step-title")).to_have_text("On your own")
        expect(phone.locator("#step-text")).to_contain_text("How could our street be safer?")
        expect(phone.locator("#step-clock")).to_have_text(clock(1))
        expect(phone.locator("#group-panel")).to_be_hidden()
    expect(console.locator("#now-clock")).to_have_text(clock(1))

    console.get_by_role("button", name="Next step: In pairs").click()
    expect(ana.locator("#step-title")).to_have_text("In pairs")
    expect(ana.locator("#group-text")).to_have_text("You are with Bo")
    expect(bo.locator("#group-text")).to_have_text("You are with Ana")
    expect(cy.locator("#group-text")).to_have_text("You are on your own for now.")
    for phone in (ana, bo):
        expect(phone.locator("#step-clock")).to_have_text(clock(2))
    expect(console.locator("#groups li[data-table-id='1']")).to_contain_text("Ana")

    console.get_by_role("button", name="Next step: In fours").click()
    for phone, partner in ((ana, "Bo"), (bo, "Ana")):
        expect(phone.locator("#step-title")).to_have_text("In fours")
        expect(phone.locator("#group-text")).to_have_text(f"You are with {partner}")
        expect(phone.locator("#step-clock")).to_have_text(clock(4))

    console.get_by_role("button", name="Next step: With everyone").click()
    for phone in (ana, bo, cy):
        expect(phone.locator("#step-title")).to_have_text("With everyone")
        expect(phone.locator("#step-clock")).to_have_text(clock(5))
        expect(phone.locator("#group-panel")).to_be_hidden()
    # the run sheet: three steps done, the harvest running, planned offsets beside actual times
    rows = console.locator("#runsheet-rows tr")
    expect(rows).to_have_count(4)
    for i in range(3):
        expect(rows.nth(i)).to_have_attribute("data-state", "done")
    expect(rows.nth(3)).to_have_attribute("data-state", "running")
    expect(rows.nth(3).locator(".planned")).to_contain_text("+7:00")
    expect(rows.nth(3).locator(".actual")).to_contain_text("so far")
    expect(console.locator("#s-next")).to_have_text("Finish")


def test_invalid_upload_lists_every_problem_and_loads_nothing(live_event: LiveEvent) -> None:
    """An uploaded script with mistakes shows each problem as FILE:LINE:COLUMN like the CLI, and cannot be loaded."""
    console = live_event.staff("console")
    before = live_event.snapshot()["seq"]
    with pytest.raises(ScriptError) as refused:
        load_script(BAD_SCRIPT, "bad.yaml", tables=3)
    printed = [str(p) for p in refused.value.problems]  # what `wholeroom script check bad.yaml` prints
    assert [line.split(": ")[0] for line in printed] == ["bad.yaml:7:76", "bad.yaml:9:21"]

    upload(console, "bad.yaml", BAD_SCRIPT)
    problems = console.locator("#upload-problems li")
    expect(problems).to_have_text(printed)
    expect(console.locator("#upload-problems")).to_contain_text("Nothing was loaded")
    expect(console.locator("#upload-file")).to_have_attribute("aria-invalid", "true")
    expect(console.locator("#load-form")).to_be_hidden()
    snapshot = live_event.snapshot()
    assert snapshot["sessions"] == [] and snapshot["seq"] == before

    # the fixed file can be loaded: the problems go away and the load button appears
    upload(console, "fixed.yaml", BAD_SCRIPT.replace("1 min", "1m").replace("kind: poll", "kind: prompt"))
    expect(console.locator("#upload-problems")).to_be_hidden()
    expect(console.get_by_role("button", name="Load “Pairs then vote”")).to_be_visible()
    expect(console.locator("#preview-rows tr")).to_have_count(4)

    # and the projector gets a wall link of its own, shown once
    console.get_by_role("button", name="New wall link").click()
    wall_link = console.get_by_label("Wall link")
    expect(wall_link).to_have_value(re.compile(rf"/e/{live_event.id}/wall#token=[\w-]+$"))
    assert live_event.tokens["facilitator"] not in wall_link.input_value()
    expect(console.locator("#link-wall")).to_have_attribute("href", wall_link.input_value())


def test_agree_disagree_pass_vote_reaches_console_wall_and_phones(live_event: LiveEvent) -> None:
    """Phones answer statements one at a time (a changed answer replaces it); console, wall and phones count them."""
    session = live_event.command(type="session.load", script=STATEMENTS)["session_id"]
    console = live_event.staff("console")
    wall = live_event.staff("wall")
    ana, bo = live_event.phone("1", "Ana"), live_event.phone("2", "Bo")
    expect(console.locator("#session-title")).to_have_text("Three statements")
    console.get_by_role("button", name=re.compile("^Start")).click()

    expect(ana.locator("#vote-panel .statement")).to_have_text("Buses at night")
    expect(ana.locator("#step-clock")).to_have_text(clock(3))
    ana.get_by_role("button", name="Agree: Buses at night", exact=True).click()
    expect(ana.locator("#vote-panel .statement")).to_have_text("A market on Sundays")  # on to the next one
    ana.get_by_role("button", name="Disagree: A market on Sundays", exact=True).click()
    expect(ana.locator("#vote-panel .statement")).to_have_text("Fewer cars downtown")
    bo.get_by_role("button", name="Agree: Buses at night", exact=True).click()
    expect(bo.locator(".ballot-message")).to_contain_text("Saved")
    # Ana goes back and changes her mind: her answer is replaced, not added
    ana.get_by_role("button", name="← Previous").click()
    ana.get_by_role("button", name="← Previous").click()
    ana.get_by_role("button", name="Pass: Buses at night", exact=True).click()
    expect(ana.locator(".ballot-message")).to_have_text("Saved: pass — “Buses at night”")
    expect(ana.locator("#vote-panel .statement")).to_have_text("Fewer cars downtown")  # the one still open

    expect(console.locator('#results li[data-option-id="o1"]')).to_contain_text("1 agree · 0 disagree · 1 pass")
    expect(console.locator('#results li[data-option-id="o2"]')).to_contain_text("0 agree · 1 disagree · 0 pass")
    expect(console.locator("#results .status")).to_have_text("2 people have voted.")
    # revealed live: the wall charts it and the phones see it too
    expect(wall.locator("#feature-heading")).to_contain_text("Where do we stand?")
    expect(wall.locator('#feature li[data-option-id="o1"]')).to_contain_text("1 agree · 0 disagree · 1 pass")
    expect(bo.locator('#vote-results li[data-option-id="o2"]')).to_contain_text("0 agree · 1 disagree · 0 pass")

    live_event.command(type="session.next", session_id=session)  # past the last step: the vote closes
    expect(ana.locator("#vote-hint")).to_have_text("The vote has closed.")
    expect(ana.get_by_role("button", name="Agree: Fewer cars downtown", exact=True)).to_be_disabled()
    assert live_event.snapshot()["results"][0]["options"][0] == {
        "id": "o1",
        "text": "Buses at night",
        "agree": 1,
        "disagree": 0,
        "pass": 1,
    }


# The phone's ballot on its own, with a connection whose acknowledgements the test hands out: the
# server's copy of a ballot can reach a phone before the acknowledgement of the answer that made it
# (a loaded server or phone), and the ballot must land on the same statement either way.
BALLOT_RACE = """async (order) => {
  const { makeBallot } = await import("/static/ballot.js");
  const acks = [];
  const live = { send: () => new Promise((resolve) => acks.push(resolve)) };
  const step = { id: "s1", spec: { method: "agree_disagree_pass" },
                 options: [{ id: "a", text: "Buses at night" }, { id: "b", text: "A market on Sundays" },
                           { id: "c", text: "Fewer cars downtown" }] };
  const ballot = makeBallot(step, live);
  document.body.replaceChildren(ballot.el);
  ballot.update(null, false);
  ballot.el.querySelector(".answer-agree").click();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (const what of order) {
    if (what === "copy") ballot.update({ a: "agree" }, false);
    else acks.shift()({ type: "ack" });
    await settle();
  }
  return ballot.el.querySelector(".statement").textContent;
}"""


@pytest.mark.parametrize("order", [["ack", "copy"], ["copy", "ack"]])
def test_an_answer_moves_the_phone_on_by_one_statement_whatever_arrives_first(
    server_url: str, browser: Any, order: list[str]
) -> None:
    """Agree on the first statement: the phone shows the second, whether the acknowledgement or the
    server's copy of the ballot comes first (it once skipped to the third when the copy did)."""
    page = browser.new_page()
    page.goto(f"{server_url}/")
    shown = page.evaluate(BALLOT_RACE, order)
    page.close()
    assert shown == "A market on Sundays"
