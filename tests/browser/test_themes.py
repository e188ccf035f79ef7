"""Themes end to end, with the real embedding model: phones at three tables send related ideas, the
projector shows the themes and their map, the facilitator shapes them on the console, and a phone
contests where an idea landed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import CONFIGS, LiveEvent, http, serving

pytestmark = pytest.mark.browser

SHOTS = "/tmp"
TRANSPORT = ["More buses at night", "Better public transport after dark", "Night trams to the suburbs"]
GREEN = ["Plant trees along the high street", "More parks and green space", "Trees and flowers in every square"]
SCRIPT = """\
id: themes-test
title: Themes test
method: {name: Test, origin: Wholeroom tests}
steps:
  - id: ideas
    kind: ideas
    text: What would make this town better to live in?
    capture: {who: each, visibility: room}
  - id: themes
    kind: cluster
    title: What the room is saying
    audience: facilitator
    input: {from: [ideas]}
"""


@pytest.fixture(scope="module", params=CONFIGS)
def themed_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with themes on, re-clustering every second (the default is every 10 s), in each configuration."""
    pytest.importorskip("tokenizers")
    env = {"WHOLEROOM_THEMES": "true", "WHOLEROOM_THEMES_EVERY_S": "1"}
    with serving(request.param, tmp_path_factory.mktemp(f"wholeroom-themes-{request.param}"), env) as server:
        yield server.url


@pytest.fixture
def themed_event(themed_url: str, browser: Any) -> Iterator[LiveEvent]:
    event = LiveEvent(themed_url, browser, 3)
    try:
        yield event
    finally:
        event.close()
    assert not event.errors, event.errors


def send_idea(phone: Any, text: str) -> None:
    phone.fill("#idea-text", text)
    phone.click("#idea-send")
    expect(phone.locator("#ideas li .idea-text", has_text=text)).to_be_visible()


def test_a_theme_appears_on_the_projector_is_renamed_and_contested(themed_event: LiveEvent) -> None:
    """Three tables' related ideas make themes of breadth 3 on the wall; a rename reaches it; a flag the console."""
    event = themed_event
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    event.command(type="session.next", session_id=session)
    phones = [event.phone(str(t), name) for t, name in ((1, "Ana"), (2, "Bo"), (3, "Cy"))]
    for phone, transport, green in zip(phones, TRANSPORT, GREEN, strict=True):
        send_idea(phone, transport)
        send_idea(phone, green)
    wall = event.staff("wall")
    console = event.staff("console")
    expect(wall.locator("#tables")).to_be_visible()  # ideas by table while ideas come in

    # the facilitator moves on to the cluster step: the wall shows the themes, each raised at 3 tables
    event.command(type="session.next", session_id=session)
    expect(wall.locator("#feature[data-type=themes]")).to_be_visible()
    themes = wall.locator(".th-list > .th-theme")
    expect(themes).to_have_count(2, timeout=20_000)
    for i in range(2):
        expect(themes.nth(i).locator(".th-breadth")).to_have_text("3 tables")
    transport = wall.locator(".th-theme", has=wall.locator(".th-examples li", has_text="Night trams"))
    expect(wall.locator("svg.th-map[role=img] desc")).to_contain_text("2 themes:")
    expect(wall.locator("#feature-heading")).to_have_text("Themes · What the room is saying")
    wall.screenshot(path=f"{SHOTS}/th-wall.png")

    # the console lists the same themes; the facilitator renames the transport one inline
    card = console.locator(".th-card", has=console.locator(".th-idea-text", has_text="More buses at night"))
    expect(card.locator(".th-breadth")).to_have_text("raised at 3 of 3 tables")
    expect(card.locator(".th-idea")).to_have_count(3)
    card.get_by_role("button", name="Rename the theme").click()
    card.get_by_label("New name for the theme").fill("Getting home at night")
    card.get_by_label("New name for the theme").press("Enter")
    expect(console.locator("#themes-message")).to_have_text("Renamed to “Getting home at night”.")
    expect(card.locator(".th-name")).to_have_text("Getting home at night")
    expect(transport.locator(".th-name")).to_have_text("Getting home at night")
    expect(transport.locator(".th-breadth")).to_have_text("3 tables")
    wall.screenshot(path=f"{SHOTS}/th-wall-renamed.png")

    # Ana's phone shows the theme of her table's idea (named by the facilitator: stable), subtly; once
    # the facilitator reveals the themes, she can contest it
    ana = phones[0]
    idea = ana.locator("#ideas li", has=ana.locator(".idea-text", has_text="More buses at night"))
    expect(idea.locator(".idea-theme-name")).to_have_text("Getting home at night")
    expect(idea.locator(".flag-open")).to_be_hidden()
    console.get_by_role("button", name="Reveal themes on phones").click()
    expect(console.locator("#reveal-button")).to_have_attribute("aria-pressed", "true")
    idea.get_by_role("button", name="Doesn't belong here? (theme “Getting home at night”)").click()
    idea.get_by_label("Why doesn't it belong?").fill("It is about buses, not walking home")
    ana.screenshot(path=f"{SHOTS}/th-phone-flag-form.png", full_page=True)
    idea.get_by_role("button", name="Send flag").click()
    expect(idea.locator(".flag-message")).to_have_text("Flag sent: the facilitator will look.")
    expect(idea.locator(".flag-open")).to_be_hidden()
    ana.screenshot(path=f"{SHOTS}/th-phone-flag-sent.png", full_page=True)

    # the console shows the flag: the idea, the theme it was shown in, the reason
    flag = console.locator("#flags .th-flag")
    expect(flag).to_have_count(1)
    expect(flag.locator(".th-flag-idea")).to_have_text("“More buses at night”")
    expect(flag.locator(".th-flag-where")).to_contain_text("Flagged in “Getting home at night” · still there · Table 1")
    expect(flag.locator(".th-flag-reason")).to_have_text("Why: It is about buses, not walking home")
    console.locator("#themes-panel").screenshot(path=f"{SHOTS}/th-console.png")

    # a reloaded phone (it forgets what it flagged) is refused gracefully when it flags again
    ana.reload()
    idea = ana.locator("#ideas li", has=ana.locator(".idea-text", has_text="More buses at night"))
    idea.locator(".flag-open").click()
    idea.get_by_role("button", name="Send flag").click()
    expect(idea.locator(".flag-message")).to_have_text("You have already flagged this idea: the facilitator will look.")

    # a reloaded console still lists the open flag (read from the transcript); "Keep it there" closes it
    console.reload()
    flag = console.locator("#flags .th-flag")
    expect(flag).to_have_count(1)
    flag.get_by_role("button", name="Keep “More buses at night” where it is").click()
    expect(console.locator("#flags-box")).to_be_hidden()
    expect(console.locator("#themes-message")).to_have_text("Kept where it is; the flag is closed.")


def as_phone(event: LiveEvent, token: str, **command: Any) -> dict[str, Any]:
    status, data = http("POST", f"{event.base}/api/events/{event.id}/commands", command, token)
    assert status == 200, data
    result: dict[str, Any] = data
    return result


def test_the_facilitator_merges_splits_pins_and_moves_and_the_wall_toggles(themed_event: LiveEvent) -> None:
    """T toggles the wall's themes; the console merges, splits, pins, moves an idea out, and moves a flagged idea."""
    event = themed_event
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    event.command(type="session.next", session_id=session)
    tokens = {}
    for n, (transport, green) in enumerate(zip(TRANSPORT, GREEN, strict=True)):
        status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": str(n + 1)})
        assert status == 201, joined
        tokens[n] = joined["token"]
        as_phone(event, tokens[n], type="idea.submit", client_id=f"a{n}", text=transport)
        as_phone(event, tokens[n], type="idea.submit", client_id=f"b{n}", text=green)
    wall = event.staff("wall")
    console = event.staff("console")

    # ideas by table during the ideas step; T shows the themes, T again goes back
    expect(wall.locator("#tables")).to_be_visible()
    wall.keyboard.press("t")
    expect(wall.locator("#feature[data-type=themes]")).to_be_visible()
    expect(wall.locator("#themes-toggle")).to_have_attribute("aria-pressed", "true")
    expect(wall.locator(".th-list > .th-theme")).to_have_count(2, timeout=20_000)
    wall.keyboard.press("t")
    expect(wall.locator("#tables")).to_be_visible()
    expect(wall.locator("#themes-toggle")).to_have_attribute("aria-pressed", "false")
    wall.get_by_role("button", name="Themes").click()
    expect(wall.locator("#feature[data-type=themes]")).to_be_visible()

    # merge the two themes into one
    cards = console.locator("#theme-cards > .th-card")
    expect(cards).to_have_count(2)
    for i in range(2):
        cards.nth(i).locator(".th-pick-theme").check()
    console.get_by_role("button", name="Merge 2 themes").click()
    expect(cards).to_have_count(1)
    expect(cards.first.locator(".th-idea")).to_have_count(6)
    expect(cards.first.locator(".th-tag-curated")).to_be_visible()
    expect(wall.locator(".th-list > .th-theme")).to_have_count(1)
    expect(wall.locator(".th-theme .th-size")).to_have_text("6 ideas")

    # split the green ideas out into a theme of their own
    cards.first.get_by_role("button", name="Split the theme").click()
    for text in GREEN:
        cards.first.get_by_label(f"Take out into a new theme: {text}").check()
    cards.first.get_by_role("button", name="Make a new theme of 3 ideas").click()
    expect(cards).to_have_count(2)
    green = console.locator(".th-card", has=console.locator(".th-idea-text", has_text=GREEN[0]))
    expect(green.locator(".th-idea")).to_have_count(3)
    assert (green.get_attribute("data-theme-id") or "").startswith("t-s-")

    # pin it (then it shows as pinned, with Unpin), and move one idea out of every theme
    green.get_by_role("button", name="Pin the theme").click()
    expect(green.locator(".th-tag-pinned")).to_be_visible()
    expect(green.get_by_role("button", name="Unpin the theme")).to_be_visible()
    green.get_by_role("button", name=f"Move idea “{GREEN[1]}” to another theme").click()
    console.get_by_label(f"Move “{GREEN[1]}” to").select_option(label="Out of all themes")
    console.get_by_role("button", name="Move", exact=True).click()
    expect(console.locator("#unthemed-box")).to_be_visible()
    expect(console.locator("#unthemed .th-idea-text")).to_have_text([GREEN[1]])
    expect(green.locator(".th-idea")).to_have_count(2)

    # a participant flags a transport idea; the facilitator moves it to the green theme
    event.command(type="theme.reveal")
    ideas = {i["text"]: i["id"] for i in event.snapshot()["ideas"]}
    as_phone(event, tokens[2], type="theme.flag", idea_id=ideas[TRANSPORT[2]], reason="trams are not buses")
    flag = console.locator("#flags .th-flag")
    expect(flag).to_have_count(1)
    flag.get_by_role("button", name=f"Move “{TRANSPORT[2]}” to another theme…").click()
    target = console.locator("#flags .th-move select")
    target.select_option(index=0)
    console.get_by_role("button", name="Move", exact=True).click()
    expect(console.locator("#flags-box")).to_be_hidden()
    expect(green.locator(".th-idea-text", has_text=TRANSPORT[2])).to_be_visible()
    console.locator("#themes-panel").screenshot(path=f"{SHOTS}/th-console-shaped.png")
    wall.screenshot(path=f"{SHOTS}/th-wall-shaped.png")


def test_a_phone_names_a_theme_once_it_has_settled_and_offers_the_flag_once_revealed(themed_event: LiveEvent) -> None:
    """At 390x844: the console shows a theme with Ana's idea at once, her phone does not name it yet;
    after two more re-clusterings (new ideas from other tables) it does, under the same label it
    keeps; "Doesn't belong here?" appears only once the facilitator reveals the themes, and goes
    when they take it back."""
    event = themed_event
    event.command(type="step.push", text="What would make this town better to live in?")
    console = event.staff("console")
    ana = event.phone("1", "Ana", viewport={"width": 390, "height": 844})
    tokens = []
    for table in ("2", "3"):
        status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": table})
        assert status == 201, joined
        tokens.append(joined["token"])
    send_idea(ana, TRANSPORT[0])
    as_phone(event, tokens[0], type="idea.submit", client_id="t1", text=TRANSPORT[1])
    as_phone(event, tokens[1], type="idea.submit", client_id="t2", text=TRANSPORT[2])
    card = console.locator(".th-card", has=console.locator(".th-idea-text", has_text=TRANSPORT[0]))
    expect(card).to_be_visible(timeout=20_000)
    idea = ana.locator("#ideas li", has=ana.locator(".idea-text", has_text=TRANSPORT[0]))
    ana.wait_for_timeout(1500)  # the theme exists, and no new idea re-clusters it: not settled yet
    expect(idea.locator(".idea-theme")).to_be_hidden()
    for n, text in enumerate(("Later buses on Sundays", "A night bus to the hospital")):
        as_phone(event, tokens[n % 2], type="idea.submit", client_id=f"more{n}", text=text)
        ana.wait_for_timeout(900)  # each new idea is followed by a re-clustering
    name = idea.locator(".idea-theme-name")
    expect(name).not_to_be_empty(timeout=20_000)
    label = name.text_content()
    assert label and label == card.locator(".th-name").text_content()
    expect(idea.locator(".flag-open")).to_be_hidden()
    ana.screenshot(path=f"{SHOTS}/th-phone-settled.png")
    as_phone(event, tokens[1], type="idea.submit", client_id="later", text="Trams running after midnight")
    ana.wait_for_timeout(1500)
    expect(name).to_have_text(label)  # the same words, in the same order

    console.get_by_role("button", name="Reveal themes on phones").click()
    expect(idea.get_by_role("button", name=f"Doesn't belong here? (theme “{label}”)")).to_be_visible()
    ana.screenshot(path=f"{SHOTS}/th-phone-revealed.png")
    console.locator("#reveal-button").click()
    expect(console.locator("#reveal-button")).to_have_attribute("aria-pressed", "false")
    expect(idea.locator(".flag-open")).to_be_hidden()
    expect(name).to_have_text(label)


def test_the_console_and_the_wall_look_closer_at_a_theme(themed_event: LiveEvent) -> None:
    """A theme merged from two subjects shows its two sub-themes on demand: "Look closer" on the
    console, a click on its name (or its number) on the wall; Esc goes back to every theme."""
    event = themed_event
    event.command(type="step.push", text="What would make this town better to live in?")
    for n, (transport, green) in enumerate(zip(TRANSPORT, GREEN, strict=True)):
        status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": str(n + 1)})
        assert status == 201, joined
        as_phone(event, joined["token"], type="idea.submit", client_id=f"a{n}", text=transport)
        as_phone(event, joined["token"], type="idea.submit", client_id=f"b{n}", text=green)
    console = event.staff("console")
    wall = event.staff("wall")
    cards = console.locator("#theme-cards > .th-card")
    expect(cards).to_have_count(2, timeout=20_000)
    for i in range(2):
        cards.nth(i).locator(".th-pick-theme").check()
    console.get_by_role("button", name="Merge 2 themes").click()
    expect(cards).to_have_count(1)

    # the console: "Look closer" lists the two subjects again, each with its ideas
    cards.first.get_by_role("button", name="Look closer at the theme").click()
    subs = cards.first.locator(".th-subs .th-sub")
    expect(subs).to_have_count(2)
    expect(cards.first.locator(".th-subs-status")).to_have_text("2 sub-themes:")
    green = cards.first.locator(".th-sub", has=console.locator(".th-sub-ideas li", has_text=GREEN[0]))
    for text in GREEN:
        expect(green.locator(".th-sub-ideas")).to_contain_text(text)
    console.locator("#themes-panel").screenshot(path=f"{SHOTS}/th-console-closer.png")
    cards.first.get_by_role("button", name="Hide the sub-themes of the theme").click()
    expect(cards.first.locator(".th-subs")).to_be_hidden()

    # the wall: a click on the theme's name shows its sub-themes and their map; Esc goes back
    wall.keyboard.press("t")
    expect(wall.locator(".th-list > .th-theme")).to_have_count(1)
    wall.locator("button.th-drill").click()
    expect(wall.locator(".wall-themes[data-drill]")).to_be_visible()
    expect(wall.locator(".th-list > .th-theme")).to_have_count(2)
    expect(wall.locator(".wth-drill-head .wth-summary")).to_contain_text("more closely: 2 sub-themes of 6 ideas")
    expect(wall.locator("svg.th-map desc")).to_contain_text("2 themes:")
    wall.screenshot(path=f"{SHOTS}/th-wall-closer.png")
    wall.keyboard.press("Escape")
    expect(wall.locator(".wall-themes[data-drill]")).to_have_count(0)
    expect(wall.locator(".th-list > .th-theme")).to_have_count(1)
    wall.keyboard.press("1")
    expect(wall.locator(".th-list > .th-theme")).to_have_count(2)


MORE_TRANSPORT = [*TRANSPORT, "Cheaper bus fares for everyone", "A late bus after concerts", "Bus shelters at stops"]
MORE_GREEN = [*GREEN, "Community gardens on empty lots", "Flower beds along the river", "A tree for every new house"]


def test_the_console_suggests_moving_a_stray_idea_back_and_one_tap_does_it(themed_event: LiveEvent) -> None:
    """A bus idea kept among the green ones (the facilitator named that theme with it) comes up as a
    suggestion on the console, in an accessible list; one tap on "Move" puts it back with the
    transport ideas. The wall never shows suggestions."""
    event = themed_event
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    event.command(type="session.next", session_id=session)
    tokens = []
    for n in range(3):
        status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": str(n + 1)})
        assert status == 201, joined
        tokens.append(joined["token"])
    for n, (transport, green) in enumerate(zip(MORE_TRANSPORT, MORE_GREEN, strict=True)):
        as_phone(event, tokens[n % 3], type="idea.submit", client_id=f"a{n}", text=transport)
        as_phone(event, tokens[n % 3], type="idea.submit", client_id=f"b{n}", text=green)
    console = event.staff("console")
    wall = event.staff("wall")
    cards = console.locator("#theme-cards > .th-card")
    expect(cards).to_have_count(2, timeout=20_000)
    green = console.locator(".th-card", has=console.locator(".th-idea-text", has_text=GREEN[0]))
    expect(green.locator(".th-idea")).to_have_count(6)
    ideas = {i["text"]: i["id"] for i in event.snapshot()["ideas"]}
    stray = MORE_TRANSPORT[-1]
    green_id = green.get_attribute("data-theme-id")
    shown = [ideas[t] for t in MORE_GREEN]
    event.command(type="theme.rename", theme_id=green_id, label="Green", idea_ids=[*shown, ideas[stray]])
    expect(green.locator(".th-idea-text", has_text=stray)).to_be_visible()

    box = console.locator("#suggestions-box")
    expect(box).to_be_visible(timeout=20_000)
    row = console.locator("#suggestions > .th-suggestion[data-kind=move]")
    expect(row).to_have_count(1)
    expect(row.locator(".th-suggestion-ideas")).to_contain_text(stray)
    transport = console.locator(".th-card", has=console.locator(".th-idea-text", has_text=TRANSPORT[0]))
    label = transport.locator(".th-name").inner_text()
    expect(row.get_by_role("button", name=f"Dismiss: move “{stray}” to “{label}”")).to_be_visible()
    row.get_by_role("button", name=f"Move “{stray}” to “{label}”", exact=True).click()
    expect(transport.locator(".th-idea-text", has_text=stray)).to_be_visible()
    expect(green.locator(".th-idea-text", has_text=stray)).to_have_count(0)
    expect(console.locator("#themes-message")).to_contain_text("Moved 1 idea")
    console.locator("#themes-panel").screenshot(path=f"{SHOTS}/th-console-suggested.png")
    expect(wall.locator(".th-suggestion")).to_have_count(0)


BUSES = ["More buses at night please", "Więcej autobusów w nocy, proszę", "Más autobuses por la noche, por favor"]


def test_each_ideas_language_is_shown_on_the_console_and_the_wall(themed_url: str, browser: Any) -> None:
    """A multilingual event: the same idea in three languages; the console tags each idea with its
    language (and marks its text with it), and so does the wall's list of ideas by table."""
    event = LiveEvent(themed_url, browser, 3, themes_encoder="multilingual")
    try:
        session = event.command(type="session.load", script=SCRIPT)["session_id"]
        event.command(type="session.next", session_id=session)
        phones = [event.phone(str(t), name) for t, name in ((1, "Ana"), (2, "Bo"), (3, "Cy"))]
        for phone, text in zip(phones, BUSES, strict=True):
            send_idea(phone, text)
        console = event.staff("console")
        wall = event.staff("wall")
        for text, lang in zip(BUSES, ("en", "pl", "es"), strict=True):
            idea = console.locator("#stream li", has=console.locator(".idea-text", has_text=text))
            expect(idea.locator(".tag.lang")).to_have_text(lang, timeout=30_000)
            expect(idea.locator(f".idea-text[lang={lang}]")).to_have_count(1)
            expect(wall.locator(f"#tables li[data-lang={lang}][lang={lang}]", has_text=text)).to_have_count(1)
        console.locator("#stream").screenshot(path=f"{SHOTS}/th-languages-console.png")
        wall.screenshot(path=f"{SHOTS}/th-languages-wall.png")
    finally:
        event.close()
    assert not event.errors, event.errors
