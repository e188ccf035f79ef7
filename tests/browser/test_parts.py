"""Parts of the system in the browser: a person ticks theirs on the join page (390x844), the console
shows coverage against the targets and their parts in the people list, and they change them later
on their phone; the wall never shows a person's part."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http
from .test_common_ground import IDEAS, as_phone, opinion
from .test_wall import OVERFLOWS

pytestmark = pytest.mark.browser

SYSTEM = [{"name": "Residents", "target": 2}, {"name": "GPs", "target": 1}, {"name": "Young people"}]


def test_a_person_ticks_their_parts_when_joining_and_the_console_counts_them(live_event: LiveEvent) -> None:
    live_event.command(type="event.parts_set", parts=SYSTEM)
    console = live_event.staff("console")
    coverage = console.locator("#coverage")
    expect(coverage).to_contain_text("Still missing: Residents, GPs, Young people.")

    ctx = live_event.context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = live_event.page(ctx, f"{live_event.base}/join?code={live_event.code}")
    phone.get_by_label("Your table").select_option("2")
    phone.get_by_label("Your name").fill("Ana")
    choice = phone.get_by_role("group", name="Where you come from")
    choice.get_by_label("Residents").check()
    choice.get_by_label("Young people").check()
    choice.get_by_label("Prefer not to say").check()  # goes alone: the others are unticked
    expect(choice.get_by_label("Residents")).not_to_be_checked()
    choice.get_by_label("Residents").check()
    expect(choice.get_by_label("Prefer not to say")).not_to_be_checked()
    choice.get_by_label("GPs").check()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the join page is {width}px wide at 390"
    phone.get_by_role("button", name="Join").click()
    phone.wait_for_url(f"**/e/{live_event.id}/phone")
    phone.locator(".badge[data-state=live]").wait_for()

    row = console.locator("#coverage tr[data-part=residents]")
    expect(row).to_contain_text("1")
    expect(console.locator("#coverage tr[data-part=gps]")).to_have_attribute("data-missing", "no")
    expect(coverage).to_contain_text("Still missing: Residents, Young people.")
    expect(console.locator("#people tr", has_text="Ana")).to_contain_text("Residents, GPs")

    # later, on the phone: "Where you come from" (collapsed until opened)
    panel = phone.locator("#my-parts")
    panel.locator("summary").click()
    mine = phone.get_by_role("group", name="Your parts of the system")
    expect(mine.get_by_label("GPs")).to_be_checked()
    mine.get_by_label("GPs").uncheck()
    mine.get_by_label("Young people").check()
    phone.get_by_role("button", name="Save", exact=True).click()
    expect(phone.locator("#my-parts-message")).to_have_text("Saved.")
    expect(console.locator("#people tr", has_text="Ana")).to_contain_text("Residents, Young people")
    expect(coverage).to_contain_text("Still missing: Residents, GPs.")

    # the facilitator may say it for someone (a person who told them)
    console.get_by_role("button", name="Change where Ana comes from").click()
    dialog = console.locator("#parts-dialog")
    dialog.get_by_label("Prefer not to say").check()
    dialog.get_by_role("button", name="Save").click()
    expect(console.locator("#people tr", has_text="Ana")).to_contain_text("Prefer not to say")
    expect(mine.get_by_label("Prefer not to say")).to_be_checked()

    wall = live_event.staff("wall")
    expect(wall.locator("body")).not_to_contain_text("Young people")


def test_the_console_declares_the_parts_and_names_a_bad_line(live_event: LiveEvent) -> None:
    console = live_event.staff("console")
    console.locator(".parts-declare summary").click()
    text = console.get_by_label('One part per line, with how many you hope for after "="')
    text.fill("Residents = 40\nGPs = 20000")
    console.get_by_role("button", name="Save the parts").click()
    expect(console.locator("#parts-text-error")).to_contain_text("Line 2:")
    expect(text).to_have_attribute("aria-invalid", "true")
    text.fill("Residents = 40\nGPs = 8\nPolice")
    console.get_by_role("button", name="Save the parts").click()
    expect(console.locator("#coverage tr[data-part=police]")).to_contain_text("nobody yet")
    assert [p["id"] for p in live_event.snapshot()["event"]["parts"]] == ["residents", "gps", "police"]


def test_the_console_compares_common_ground_across_parts_of_the_system(live_event: LiveEvent) -> None:
    """18 people of three parts react (some in two parts); "Across parts of the system" shows each
    part's support for the common ground, beside groups, tables and roles."""
    live_event.command(type="event.parts_set", parts=SYSTEM)
    live_event.command(type="step.push", text="What would make our town better?")
    for table, texts in IDEAS.items():
        status, writer = http("POST", f"{live_event.base}/api/join", {"code": live_event.code, "table_id": table})
        assert status == 201, writer
        for n, text in enumerate(texts):
            as_phone(live_event, writer["token"], type="idea.submit", client_id=f"w{table}{n}", text=text)
    live_event.command(type="step.push", text="Agree?", react=True)
    ideas = [(i["id"], i["text"]) for i in live_event.snapshot()["ideas"]]
    said = [["residents"], ["gps", "residents"], ["young_people"]]
    for n in range(18):
        body = {"code": live_event.code, "table_id": str(n % 3 + 1), "parts": said[n % 3]}
        status, person = http("POST", f"{live_event.base}/api/join", body)
        assert status == 201, person
        for idea_id, text in ideas:
            as_phone(
                live_event, person["token"], type="reaction.cast", idea_id=idea_id, value=opinion("xy"[n % 2], text)
            )
    console = live_event.staff("console")
    expect(console.locator("#cg-switch")).to_be_visible(timeout=15_000)
    console.get_by_label("Across parts of the system").check()
    first = console.locator("#cg-body .cg-common .cg-ideas > li").first
    expect(first.locator(".cg-support > li")).to_have_count(3)
    expect(first.locator(".cg-support")).to_contain_text("Residents")
    expect(first.locator(".cg-support")).to_contain_text("Young people")


def test_the_wall_shows_who_is_in_the_room_as_counts_only(live_event: LiveEvent) -> None:
    """The console puts "Who is in the room" on the wall: parts by tables, counts, no names; it
    follows people joining, and fits the projector."""
    live_event.command(type="event.parts_set", parts=SYSTEM)
    for table, said, name in (("1", ["gps"], "Ana"), ("1", ["residents", "young_people"], "Bo"), ("3", ["gps"], "Cy")):
        body = {"code": live_event.code, "table_id": table, "name": name, "parts": said}
        assert http("POST", f"{live_event.base}/api/join", body)[0] == 201
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    console.get_by_role("button", name="Show who is in the room on the wall").click()
    slide = wall.locator("#room-slide")
    expect(slide).to_be_visible()
    expect(slide.locator("tr[data-part=gps] td")).to_have_text(["1", "1", "2"])
    expect(slide.locator("tr[data-part=residents] td")).to_have_text(["1", "", "1"])
    for name in ("Ana", "Bo", "Cy"):
        expect(wall.locator("body")).not_to_contain_text(name)
    body = {"code": live_event.code, "table_id": "3", "parts": ["residents"]}
    assert http("POST", f"{live_event.base}/api/join", body)[0] == 201
    expect(slide.locator("tr[data-part=residents] td")).to_have_text(["1", "1", "2"])
    assert wall.evaluate(OVERFLOWS) == []
    console.get_by_role("button", name="Take “Who is in the room” down").click()
    expect(slide).to_be_hidden()
