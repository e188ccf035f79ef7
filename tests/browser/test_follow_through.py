"""Follow-through in the browser: a private commitment on a phone (the phone says so, nobody else
sees it), action groups with a convener and an email shared with the group only, then the
organiser reopens the closed event for a follow-up round and a phone answers with the same link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http

pytestmark = pytest.mark.browser

PRIVATE = "I will ring the housing office on Monday"
SHARED = "I will start a walking group in the park"
EMAIL = "ana.walker@example.org"


def push(console: object, text: str, commit: str) -> None:
    console.get_by_label("What should the tables do?").fill(text)  # type: ignore[attr-defined]
    console.get_by_label("Commitments (“what will I do next?”)").select_option(commit)  # type: ignore[attr-defined]
    console.get_by_role("button", name="Push step").click()  # type: ignore[attr-defined]
    expect(console.locator("#composer-message")).to_contain_text("Pushed")  # type: ignore[attr-defined]


def send(phone: object, text: str) -> None:
    phone.locator("#idea-text").fill(text)  # type: ignore[attr-defined]
    phone.get_by_role("button", name="Send").click()  # type: ignore[attr-defined]
    # acknowledged, not only shown: the queued copy ("li.queued") is on screen while it is sent
    expect(phone.locator("#ideas li.mine:not(.queued)", has_text=text)).to_have_count(1)  # type: ignore[attr-defined]


def test_commitments_action_groups_and_a_follow_up_round(live_event: LiveEvent) -> None:
    console = live_event.staff("console")
    wall = live_event.staff("wall")
    ana, ben = live_event.phone("1", "Ana"), live_event.phone("1", "Ben")

    # a private commitment: the phone makes the promise, and only Ana and the staff see it
    push(console, "What will I do next?", "private")
    promise = ana.locator("#idea-promise")
    expect(promise).to_contain_text("Private: only you and the organisers")
    expect(promise).to_contain_text("never the wall, your table, other phones")
    send(ana, PRIVATE)
    expect(console.locator("#stream")).to_contain_text(PRIVATE)
    push(console, "What will we do together?", "shared")
    expect(ben.locator("#idea-promise")).to_contain_text("Shared: your table and the room")
    send(ana, SHARED)
    # entries reach each screen in order: once the shared one is there, the private one never came
    expect(ben.locator("#ideas")).to_contain_text(SHARED)
    expect(wall.locator("body")).to_contain_text(SHARED)
    expect(ben.locator("body")).not_to_contain_text(PRIVATE)
    expect(wall.locator("body")).not_to_contain_text(PRIVATE)

    # action groups, formed by hand on the console; people join on their phones
    console.get_by_label("Or by hand, one group per line").fill("Buses at night\nParks")
    console.get_by_role("button", name="Form these groups").click()
    expect(console.locator("#actions-message")).to_have_text("2 action groups formed.")
    ana.get_by_role("button", name="Join: Buses at night").click()
    expect(ana.locator("#action-title")).to_have_text("Buses at night")
    ben.get_by_role("button", name="Join: Buses at night").click()
    expect(ben.locator("#action-members")).to_contain_text("Ana")
    ana.get_by_role("button", name="I will convene this group").click()
    expect(ana.locator("#action-convener")).to_have_text("You convene this group.")
    expect(ben.locator("#action-convener")).to_have_text("Convener: Ana.")
    expect(ben.get_by_role("button", name="I will convene this group")).to_be_hidden()
    groups = console.locator("#actions-list")
    expect(groups.locator("li", has_text="Buses at night")).to_contain_text("Convener: Ana")

    # Ana shares her email with her group, and only her group reads it
    ana.get_by_label("Share my email with this group (optional)").fill(EMAIL)
    ana.get_by_role("button", name="Share my email").click()
    expect(ana.locator("#contact-message")).to_have_text("Shared with your group only.")
    expect(ben.locator("#contacts")).to_contain_text(EMAIL)
    expect(ben.get_by_role("link", name=EMAIL)).to_have_attribute("href", f"mailto:{EMAIL}")
    expect(groups.locator("li", has_text="Buses at night")).to_contain_text("1 shared an email")
    for screen in (console, wall):
        expect(screen.locator("body")).not_to_contain_text(EMAIL)

    # the event ends; weeks later the organiser reopens it for a follow-up round
    live_event.command(type="event.close")
    expect(ana.locator("#end-panel")).to_be_visible()
    organiser = live_event.staff("organiser")
    expect(organiser.locator("#followup-status")).to_contain_text("The event is closed")
    organiser.get_by_label("The question").fill("What has happened since the event?")
    organiser.get_by_role("button", name="Open the follow-up round").click()
    expect(organiser.locator("#followup-message")).to_contain_text("The follow-up round is open")
    ana.reload()  # the link she had: the same phone page, the same token
    expect(ana.locator("#step-text")).to_have_text("What has happened since the event?")
    expect(ana.locator("#end-panel")).to_be_hidden()
    expect(ana.locator("#idea-promise")).to_contain_text("Private")
    send(ana, "We met the council twice and the night bus trial starts in June")
    organiser.get_by_role("button", name="Close the follow-up round").click()
    expect(organiser.locator("#followup-status")).to_contain_text("The event is closed")
    expect(ana.locator("#end-panel")).to_be_visible()

    # the harvest page: private commitments and names for staff only, never an email
    organiser.reload()
    follow = organiser.locator("#harvest-follow")
    expect(follow).to_contain_text("Follow-up: What has happened since the event?")
    expect(follow).to_contain_text(SHARED)
    expect(follow).to_contain_text("1 commitment made in private")
    expect(follow).not_to_contain_text(PRIVATE)
    organiser.get_by_label("For staff").check()
    expect(follow).to_contain_text(f"{PRIVATE} (Ana, private)")
    expect(follow).to_contain_text("convener: Ana")
    expect(organiser.locator("body")).not_to_contain_text(EMAIL)

    status, harvest = http(
        "GET",
        f"{live_event.base}/api/events/{live_event.id}/harvest?audience=staff",
        token=live_event.tokens["organiser"],
    )
    assert status == 200, harvest
    (round_,) = harvest["follow_through"]["followups"]
    assert round_["answers"] == 1
    status, shared = http(
        "GET", f"{live_event.base}/api/events/{live_event.id}/harvest?audience=shared&full=true",
        token=live_event.tokens["organiser"],
    )  # fmt: skip
    assert status == 200 and PRIVATE not in str(shared) and EMAIL not in str(shared) and SHARED in str(shared)
