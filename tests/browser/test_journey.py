"""A World Café from the front of the room to its harvest, driven as people drive it.

Two facilitators share the running of the room from two laptops, six people join on their phones
(390x844) at three tables, and a projector shows the wall. They go through the library's World
Café from the welcome to the closing harvest; then the event closes and the organiser opens the
harvest. Everything is found the way a person (or a screen reader) finds it: by role, label and
visible text, never by CSS selector. Every screen is photographed at every stage into
``test-artefacts/journey/`` (gitignored), to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, PROJECTOR, REPO, LiveEvent, serving

pytestmark = pytest.mark.browser

SHOTS = REPO / "test-artefacts" / "journey"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PEOPLE = [
    ("Ana", "Table 1"), ("Bo", "Table 1"), ("Cy", "Table 2"), ("Dee", "Table 2"), ("Eli", "Table 3"), ("Fay", "Table 3")
]  # fmt: skip
HOSTS = ("Ana", "Cy", "Eli")  # one per table: they volunteer during the welcome and stay put
QUESTION = "What would help older people in our town to live well?"
ROUND_IDEAS = {  # what each person writes in each round, as people write at tables
    "Round 1": [
        "Benches every few hundred metres on the way to the shops",
        "A bus that actually stops near the health centre",
        "Lunch clubs so nobody eats alone every day",
        "Someone to call when the paperwork gets too much",
        "Wider pavements without cars parked on them",
        "Toilets in the park that are open all day",
    ],
    "Round 2": [
        "More seats at bus stops, and shelters from the rain",
        "Free buses at any time of day for the over sixties",
        "A befriending scheme that pairs young and old neighbours",
        "Help with forms and phone calls at the library",
        "Dropped kerbs at every crossing for walkers and wheelchairs",
        "Public toilets near the high street shops",
    ],
}
INSIGHTS = {  # round 3: the hosts post what connected the three conversations
    "Ana": "Getting around safely decides whether people leave the house at all",
    "Cy": "Loneliness came up at every table, more than money",
    "Eli": "People want a person to talk to, not another website",
}


class Room:
    """The screens of the journey, and a photographer for all of them."""

    def __init__(self, event: LiveEvent) -> None:
        self.event = event
        self.phones: dict[str, Any] = {}
        self.screens: dict[str, Any] = {}
        self.stage = 0

    def open(self, name: str, url: str, size: dict[str, Any]) -> Any:
        page = self.event.page(self.event.context(**size), url)
        expect(page.get_by_text("Live", exact=True)).to_be_visible()
        self.screens[name] = page
        return page

    def join(self, name: str, table: str) -> Any:
        """A person types the code from the wall, picks their table, gives a name, and joins."""
        phone = self.event.page(self.event.context(**PHONE), f"{self.event.base}/join")
        phone.get_by_label("Join code").fill(self.event.code)
        phone.get_by_label("Your table").select_option(label=table)
        phone.get_by_label(re.compile("^Your name")).fill(name)
        phone.get_by_role("button", name="Join", exact=True).click()
        expect(phone.get_by_text(f"You are at {table} as {name}")).to_be_visible()
        self.phones[name] = phone
        self.screens[f"phone-{name}"] = phone
        return phone

    def shoot(self, what: str) -> None:
        self.stage += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, page in self.screens.items():
            page.screenshot(path=SHOTS / f"{self.stage:02d}-{what}-{name}.png")


def send_idea(phone: Any, text: str) -> None:
    phone.get_by_label("Your idea").fill(text)
    phone.get_by_role("button", name="Send", exact=True).click()
    expect(phone.get_by_label("Your idea")).to_have_value("")


def now_at_table(phone: Any) -> Any:
    """The phone's panel with the step the table is on."""
    return phone.get_by_role("region", name="Now at your table")


def next_step(console: Any, title: str) -> None:
    console.get_by_role("button", name=f"Next step: {title}").click()


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded default with live themes, re-clustering every second."""
    pytest.importorskip("tokenizers")
    env = {"WHOLEROOM_THEMES": "true", "WHOLEROOM_THEMES_EVERY_S": "1"}
    with serving("sqlite", tmp_path_factory.mktemp("wholeroom-journey"), env) as server:
        yield server.url


@pytest.fixture
def room(server_url: str, browser: Any) -> Iterator[Room]:
    event = LiveEvent(server_url, browser, 3)
    try:
        yield Room(event)
    finally:
        event.close()
    assert not event.errors, event.errors


def test_a_world_cafe_from_the_welcome_to_the_harvest(room: Room) -> None:
    event = room.event
    # the organiser gives the co-facilitator a console link of her own, with her name
    organiser = room.open("organiser", event.url("organiser"), LAPTOP)
    organiser.get_by_label("Who is it for?").fill("Sam – co-facilitator")
    organiser.get_by_role("button", name="Make a facilitator link").click()
    partner_link = organiser.get_by_label("Link for Sam – co-facilitator").input_value()
    lead = room.open("console-lead", event.url("console"), LAPTOP)
    partner = room.open("console-partner", partner_link, LAPTOP)
    wall = room.open("wall", event.url("wall"), PROJECTOR)
    expect(lead.get_by_text(re.compile("2 facilitator screens are open \\(\u2068Sam – co-facilitator"))).to_be_visible()

    # the lead puts the join slide up; people join from their phones with the code it shows
    lead.get_by_role("button", name="Show the join slide on the wall").click()
    expect(wall.get_by_label("Join on your phone").get_by_label("Join code")).to_have_text(event.code)
    for name, table in PEOPLE:
        room.join(name, table)
    room.shoot("joined")
    lead.get_by_role("button", name="Take the join slide down").click()

    # the lead loads the library's World Café with the room's question
    lead.get_by_role("combobox", name="Method").select_option(label="World Café (110 min)")
    lead.get_by_label("The question for rounds 1 and 2").fill(QUESTION)
    lead.get_by_role("button", name="Load “World Café”").click()
    expect(lead.get_by_role("heading", name="Script: World Café")).to_be_focused()
    lead.get_by_role("button", name=re.compile("^Start")).click()
    for phone in room.phones.values():
        expect(now_at_table(phone)).to_contain_text("Welcome and café etiquette")
    for host in HOSTS:
        room.phones[host].get_by_role("button", name="Volunteer as table host").click()
        expect(room.phones[host].get_by_text("table host", exact=False).first).to_be_visible()
    for phone in room.phones.values():  # a table whose host is chosen no longer asks for one
        expect(phone.get_by_role("button", name="Volunteer as table host")).to_be_hidden()
    room.shoot("welcome")

    # both consoles show the same room; the partner moves it on, the lead sees where it went
    expect(partner.get_by_role("button", name="Next step: Round 1")).to_be_visible()
    next_step(partner, "Round 1")
    expect(lead.get_by_role("button", name="Next step: Travel to a new table")).to_be_visible()
    expect(lead.get_by_text(re.compile("Last change: .* by \u2068Sam – co-facilitator\u2069"))).to_be_visible()
    for n, phone in enumerate(room.phones.values()):
        expect(now_at_table(phone)).to_contain_text("Round 1")
        send_idea(phone, ROUND_IDEAS["Round 1"][n])
    expect(wall.get_by_text(ROUND_IDEAS["Round 1"][0])).to_be_visible()
    room.shoot("round-1")

    # the first move: hosts stay, travellers get a card naming their new table
    next_step(lead, "Travel to a new table")
    for name, phone in room.phones.items():
        heading = "Stay at" if name in HOSTS else "Move to"
        expect(phone.get_by_role("region", name=re.compile(f"^{heading} Table \\d$"))).to_be_visible()
    room.shoot("travel")

    next_step(partner, "Round 2")
    for n, phone in enumerate(room.phones.values()):
        expect(now_at_table(phone)).to_contain_text("Round 2")
        send_idea(phone, ROUND_IDEAS["Round 2"][n])
    room.shoot("round-2")

    next_step(lead, "Travel again")
    next_step(partner, "Round 3")
    for name, phone in room.phones.items():
        expect(now_at_table(phone)).to_contain_text("Round 3")
        if name in HOSTS:
            send_idea(phone, INSIGHTS[name])
        else:  # only the hosts post the table's insights
            expect(phone.get_by_label("Your idea")).to_be_disabled()
    room.shoot("round-3")

    # the facilitators shape the themes the machine found, the wall shows them
    next_step(lead, "Group the hosts' insights")
    themes = lead.get_by_role("region", name="Themes, biggest first")
    expect(themes.get_by_role("listitem").first).to_be_visible(timeout=30_000)
    expect(wall.get_by_role("heading", name=re.compile("^Themes"))).to_be_visible()
    # a step for the facilitators alone runs while the tables stay on round 3: nothing interrupted it
    expect(lead.get_by_role("region", name="Script: World Café")).not_to_contain_text("interrupted")
    room.shoot("themes")

    # the resonance vote offers the themes; everyone puts dots, the wall shows only turnout
    next_step(partner, "Which insights resonate?")
    for phone in room.phones.values():
        expect(phone.get_by_role("heading", name="Your vote")).to_be_visible()
        phone.get_by_role("button", name=re.compile("^Put a dot on")).first.click()
    expect(wall.get_by_text(re.compile(r"^6 of 6$"))).to_be_visible()
    room.shoot("vote")

    # the harvest: contributions reach the wall as they come; the vote's results reach the phones
    next_step(lead, "Harvest with the whole room")
    for phone in room.phones.values():
        expect(phone.get_by_role("heading", name="What the room said")).to_be_visible()
    send_idea(room.phones["Bo"], "Start with benches and buses: everything else follows")
    expect(wall.get_by_text("Start with benches and buses: everything else follows")).to_be_visible()
    room.shoot("harvest")

    # the end: the session finishes, the event closes, every phone thanks its person
    lead.get_by_role("button", name="Finish the session").click()
    lead.get_by_role("button", name="Close the event").click()
    for phone in room.phones.values():
        expect(phone.get_by_role("heading", name="Thank you for taking part")).to_be_visible()
    expect(room.phones["Bo"].get_by_text("Start with benches and buses: everything else follows").first).to_be_visible()
    room.shoot("closed")

    # the organiser opens the harvest: the arc of the event and its themes
    organiser.reload()
    expect(organiser.get_by_role("heading", name="The arc: steps as planned and as they ran")).to_be_visible()
    expect(organiser.get_by_role("heading", name="Themes")).to_be_visible()
    room.shoot("organiser")
    assert len(list(SHOTS.glob("*.png"))) >= 10 * len(room.phones)
