"""A whole-system event from the participant list to the follow-up round, as people meet it.

The organiser imports the participant list (four parts of the system, three people each, each part
at its home table) and prints the invitations; Ana answers hers on her phone (390x844) and on the
day joins with the same link, which checks her in; the others check in with theirs. The facilitator runs the library's
Whole System Event: max-mix tables (each a microcosm of the room), then home tables by part
(stakeholder), the action marketplace, action groups with a convener and an email shared with the
group only, and a private "my next step". The event closes; weeks later the organiser opens a
follow-up round and Ana, on another phone, comes back with her personal link and answers. Every
screen is found by role, label and visible text, and photographed at each stage into
``test-artefacts/whole-system/`` (gitignored), to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from .conftest import LAPTOP, PROJECTOR, REPO, LiveEvent, http, serving

pytestmark = pytest.mark.browser

SHOTS = REPO / "test-artefacts" / "whole-system"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCRIPT = (REPO / "facilitation_scripts" / "whole-system-event.yaml").read_text(encoding="utf-8")
STEPS = [step["id"] for step in yaml.safe_load(SCRIPT)["steps"]]
SYSTEM = [
    {"name": "Residents", "target": 3},
    {"name": "GPs", "target": 3},
    {"name": "Young people", "target": 3},
    {"name": "Council", "target": 3},
]
PART_IDS = {"Residents": "residents", "GPs": "gps", "Young people": "young_people", "Council": "council"}
PEOPLE = {  # three of each part; home tables: one part per table, as the planning group seats them
    "Residents": ["Ana Silva", "Ray Moss", "Rita Khan"],
    "GPs": ["Dr Gail Obi", "Dr Glen Hart", "Dr Gwen Lee"],
    "Young people": ["Yan Wu", "Yara Said", "Yusuf Ali"],
    "Council": ["Cllr Cath Dunn", "Cllr Colm Reid", "Cllr Cara Vos"],
}
HOME = {"Residents": "1", "GPs": "2", "Young people": "3", "Council": "4"}
ANA_EMAIL = "ana.silva@example.org"
LIST_CSV = "name,email,parts,access_needs,table\n" + "".join(
    f"{name},{name.split()[-1].lower()}.{name.split()[0].lower()}@example.org,{part},"
    f"{'needs a hearing loop' if name == 'Ana Silva' else ''},Table {HOME[part]}\n"
    for part, names in PEOPLE.items()
    for name in names
).replace("silva.ana@example.org", ANA_EMAIL)
TOPIC = "Safe routes to school and to the clinic"
COMMITMENT = "I will walk the route to the clinic with two neighbours and list what is in the way"
FOLLOW_UP = "We walked it twice; the council fixed the crossing by the clinic in March"


class Event:
    """The screens of the event, and a photographer for all of them."""

    def __init__(self, live: LiveEvent) -> None:
        self.live = live
        self.screens: dict[str, Any] = {}
        self.stage = 0

    def page(self, name: str, url: str, size: dict[str, Any]) -> Any:
        page = self.live.page(self.live.context(**size), url)
        self.screens[name] = page
        return page

    def command(self, **command: Any) -> dict[str, Any]:
        return self.live.command(**command)

    def shoot(self, what: str) -> None:
        self.stage += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, page in self.screens.items():
            page.screenshot(path=SHOTS / f"{self.stage:02d}-{what}-{name}.png", full_page=name.startswith("phone"))

    def seating(self) -> dict[str, set[str]]:
        """Table id -> the parts of the people sitting there now (from the facilitator's snapshot)."""
        tables: dict[str, set[str]] = {}
        for person in self.live.snapshot()["participants"]:
            tables.setdefault(person["table_id"], set()).update(person["parts"])
        return tables


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded default (one long journey; the two-worker configuration is covered piece by piece)."""
    with serving("sqlite", tmp_path_factory.mktemp("wholeroom-whole-system")) as server:
        yield server.url


@pytest.fixture
def event(server_url: str, browser: Any) -> Iterator[Event]:
    live = LiveEvent(server_url, browser, 4)
    try:
        yield Event(live)
    finally:
        live.close()
    assert not live.errors, live.errors


def goto(event: Event, session_id: str, step_id: str) -> None:
    event.command(type="session.goto", session_id=session_id, index=STEPS.index(step_id))


def test_a_whole_system_event_from_the_invitations_to_the_follow_up_round(event: Event, tmp_path: Path) -> None:
    live = event.live
    event.command(type="event.parts_set", parts=SYSTEM)

    # --- before the event: the organiser imports the list and prints the invitations --------------
    organiser = event.page("organiser", live.url("organiser"), LAPTOP)
    organiser.get_by_role("tab", name="People").click()
    organiser.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": LIST_CSV.encode()}
    )
    organiser.get_by_role("button", name="Import").click()
    expect(organiser.locator("#people-message")).to_have_text(
        "Imported: 12 new, 0 updated, 0 unchanged. 12 people on the list."
    )
    expect(organiser.locator("#people-missing")).to_have_text("Still missing: Residents, GPs, Young people, Council.")
    with organiser.context.expect_page() as opened:
        organiser.get_by_role("link", name="Print invitation cards").click()
    cards = opened.value
    expect(cards.locator("article.card")).to_have_count(12)
    assert ANA_EMAIL not in cards.content() and "hearing loop" not in cards.content()
    cards.close()
    status, invitations = http("GET", f"{live.base}/api/events/{live.id}/invitations", token=live.tokens["organiser"])
    assert status == 200, invitations
    links = {card["name"]: card["link"] for card in invitations["cards"]}

    ana = event.page("phone-ana", links["Ana Silva"], PHONE)
    expect(ana.locator("#invite-text")).to_have_text("Ana Silva, you are invited to Our town in 2035.")
    ana.get_by_role("button", name="I'm coming").click()
    expect(ana.locator("#invite-answer")).to_have_text("You said you are coming. Thank you!")
    organiser.get_by_role("button", name="Read the answers again").click()
    expect(organiser.locator("#people-rows tr", has_text="Ana Silva").locator("td.answer")).to_have_text("Coming")
    event.shoot("invited")

    # --- on the day: everyone checks in with their own link, at their home table -------------------
    ana.reload()
    expect(ana.get_by_label("Your name")).to_have_value("Ana Silva")
    expect(ana.get_by_role("group", name="Where you come from").get_by_label("Residents")).to_be_checked()
    expect(ana.get_by_label("Your table")).to_have_value(HOME["Residents"])  # her home table, from the list
    expect(ana.locator("#table-suggested")).to_have_text("Table 1 is your table: the organisers have seated you there.")
    ana.get_by_role("button", name="Join").click()
    ana.wait_for_url(f"**/e/{live.id}/phone")
    expect(ana.get_by_text("You are at Table 1 as Ana Silva")).to_be_visible()
    for part, names in PEOPLE.items():
        for name in names:
            if name == "Ana Silva":
                continue
            invite = links[name].split("#invite=", 1)[1]
            said = {"name": name, "parts": [PART_IDS[part]], "invite": invite}
            status, joined = http("POST", f"{live.base}/api/join", {"code": live.code, "table_id": HOME[part], **said})
            assert status == 201, joined
    organiser.get_by_role("button", name="Read the answers again").click()
    expect(organiser.locator("#people-totals")).to_contain_text("12 arrived")
    expect(organiser.locator("#people-missing")).to_have_text("Every part is covered by who is coming and who is here.")

    # the system sees itself: who is in the room, on the wall, as counts only
    wall = event.page("wall", live.url("wall"), PROJECTOR)
    console = event.page("console", live.url("console"), LAPTOP)
    console.get_by_role("button", name="Show who is in the room on the wall").click()
    slide = wall.locator("#room-slide")
    expect(slide).to_be_visible()
    expect(slide.locator("tr[data-part=residents] td")).to_have_text(["3", "", "", "", "3"])
    for names in PEOPLE.values():
        expect(wall.locator("body")).not_to_contain_text(names[0])
    event.shoot("checked-in")
    console.get_by_role("button", name="Take “Who is in the room” down").click()

    # --- the facilitator runs the Whole System Event: max-mix tables, then home tables -------------
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    goto(event, session, "mix1")
    mixed = event.seating()
    assert all(len(parts) >= 3 for parts in mixed.values()), mixed  # each table a microcosm of the room
    ana_table = next(p["table_id"] for p in live.snapshot()["participants"] if p["name"] == "Ana Silva")
    if ana_table == HOME["Residents"]:
        expect(ana.locator("#move-text")).to_have_text("Stay at Table 1")
    else:
        expect(ana.locator("#move-text")).to_have_text(f"Move to Table {ana_table}")
    chart = event.page("seating", live.url("seating"), LAPTOP)
    index = chart.get_by_role("list", name="Names, A to Z, with their table")
    expect(index.locator("li")).to_have_count(12)
    expect(index.locator("li", has_text="Ana Silva")).to_contain_text(ana_table)
    event.shoot("max-mix")

    goto(event, session, "home")
    home = event.seating()
    assert sorted(map(sorted, home.values())) == [["council"], ["gps"], ["residents"], ["young_people"]], home
    expect(ana.locator("#move-text")).to_have_text(re.compile(r"^(Move to|Stay at) Table 1$"))
    event.shoot("stakeholder")

    # --- the action marketplace, then action groups with a convener and an opt-in email -------------
    goto(event, session, "action-market")
    ana.get_by_label("Your topic").fill(TOPIC)
    ana.get_by_role("button", name="Post my topic").click()
    expect(ana.locator("#topic-message")).to_contain_text("Posted")
    goto(event, session, "action-groups")
    expect(ana.locator("#action-title")).to_have_text(TOPIC)  # she posted the topic: she convenes its group
    expect(ana.locator("#action-convener")).to_contain_text("You convene this group")
    ana.get_by_label("Share my email with this group (optional)").fill(ANA_EMAIL)
    ana.get_by_role("button", name="Share my email").click()
    expect(ana.locator("#contact-message")).to_have_text("Shared with your group only.")
    expect(console.locator("#actions-list")).to_contain_text(TOPIC)
    for screen in (console, wall):
        expect(screen.locator("body")).not_to_contain_text(ANA_EMAIL)
    event.shoot("action-groups")

    # --- my next step, private: Ana and the organisers read it; the wall and the room never do ------
    goto(event, session, "my-next-step")
    expect(ana.locator("#idea-promise")).to_contain_text("Private: only you and the organisers")
    ana.get_by_label("What you will do").fill(COMMITMENT)
    ana.get_by_role("button", name="Send", exact=True).click()
    expect(ana.locator("#ideas")).to_contain_text(COMMITMENT)
    expect(console.locator("#stream")).to_contain_text(COMMITMENT)
    expect(wall.locator("body")).not_to_contain_text(COMMITMENT)
    event.shoot("commitments")

    # --- weeks later: a follow-up round, reached with the same personal link on another phone -------
    event.command(type="event.close")
    organiser.reload()
    organiser.get_by_role("tab", name="Harvest").click()
    organiser.get_by_label("The question").fill("What has happened since the event?")
    organiser.get_by_role("button", name="Open the follow-up round").click()
    expect(organiser.locator("#followup-message")).to_contain_text("The follow-up round is open")
    later = event.page("phone-ana-later", links["Ana Silva"], PHONE)
    expect(later.locator("#invite-text")).to_contain_text("Welcome, Ana Silva")
    later.get_by_role("button", name="Open my page").click()
    later.wait_for_url(f"**/e/{live.id}/phone")
    expect(later.locator("#step-text")).to_have_text("What has happened since the event?")
    expect(later.locator("#ideas")).to_contain_text(COMMITMENT)  # her own, on her new phone
    later.get_by_label("Your reply").fill(FOLLOW_UP)
    later.get_by_role("button", name="Send", exact=True).click()
    expect(later.locator("#ideas li.mine:not(.queued)", has_text=FOLLOW_UP)).to_have_count(1)  # acknowledged
    event.shoot("follow-up")
    organiser.get_by_role("button", name="Close the follow-up round").click()
    expect(organiser.locator("#followup-status")).to_contain_text("The event is closed")

    # the harvest: the follow-up round in it; for everyone, no private commitment and no email
    status, shared = http(
        "GET", f"{live.base}/api/events/{live.id}/harvest?audience=shared&full=true", token=live.tokens["organiser"]
    )
    assert status == 200, shared
    assert COMMITMENT not in str(shared) and ANA_EMAIL not in str(shared) and "hearing loop" not in str(shared)
    harvest = f"{live.base}/api/events/{live.id}/harvest"
    status, staff = http("GET", f"{harvest}?audience=staff", token=live.tokens["organiser"])
    assert status == 200, staff
    (round_,) = staff["follow_through"]["followups"]
    assert round_["answers"] == 1
    assert COMMITMENT in str(staff) and ANA_EMAIL not in str(staff)
    organiser.reload()
    expect(organiser.locator("#harvest-follow")).to_contain_text("Follow-up: What has happened since the event?")
    event.shoot("harvest")
