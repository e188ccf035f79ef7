"""The projector wall in a hall: 40 tables, a 120-character question, nine themes, a vote on five long
options, a harvest, the join slide and the end. At 1280x720, 1920x1080 and 3840x2160 nothing on the
wall overflows its box or the screen (measured in the browser, element by element), counts are
honest ("+3 more"), a running vote shows its options and turnout but no result, and the results show
every option once revealed. Screenshots go to ``test-artefacts/wall/`` (gitignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import CONFIGS, REPO, LiveEvent, http, serving

pytestmark = pytest.mark.browser

SHOTS = REPO / "test-artefacts" / "wall"
SIZES = [(1280, 720), (1920, 1080), (3840, 2160)]
QUESTION = (
    "Imagine our town in ten years' time: which changes to streets, schools and parks would make "
    "daily life better for everyone?"
)
OPTIONS = [
    "Safe cycle lanes on every main road, separated from cars and connected to the schools",
    "A night bus network that runs every half hour until two in the morning, every day",
    "Turn the old car park behind the station into a park with a playground and benches",
    "Open the school sports halls to neighbourhood clubs in the evenings and at weekends",
    "A weekly market on the high street with local food, repairs and second-hand goods",
]
SCRIPT = f"""\
id: wall-hall
title: Wall in a hall
method: {{name: Test, origin: Wholeroom tests}}
steps:
  - id: ideas
    kind: ideas
    title: Our town in ten years
    text: "{QUESTION}"
    capture: {{who: each, visibility: room}}
  - id: themes
    kind: cluster
    title: What the room is saying
    audience: facilitator
    input: {{from: [ideas]}}
  - id: react
    kind: react
    title: Where do we stand?
    text: Agree, disagree or pass on ideas from other tables
  - id: pick
    kind: vote
    title: Which should come first?
    method: dots
    dots: 3
    options: {{items: {OPTIONS!r}}}
  - id: harvest
    kind: harvest
    title: Harvest with the whole room
    sources: [pick]
    capture: {{who: any, shape: idea, max_items: 2, visibility: room}}
"""
TOPICS = [
    "buses",
    "trees",
    "cycling",
    "schools",
    "markets",
    "housing",
    "libraries",
    "sport",
    "repairs",
    "music",
]
LONG_IDEA = (
    "A proper network of protected cycle lanes that links every school, the station and the market square, "
    "with secure parking for bikes and cargo bikes at each end, so that parents feel safe letting children "
    "ride on their own"
)

# Every element on screen that is visible: its content must fit its box, and the box the screen.
OVERFLOWS = """() => {
  const bad = [];
  const vw = innerWidth, vh = innerHeight;
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".visually-hidden, .skip, [hidden], script, style")) continue;  // .skip: shown on focus only
    const svgPart = el instanceof SVGElement && el.tagName.toLowerCase() !== "svg";
    if (svgPart) continue;
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "")
      + " «" + (el.textContent || "").trim().slice(0, 40) + "»";
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
      const at = [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
      bad.push(`${name} is outside the screen: ${at}`);
    }
    if (cs.display === "inline" || el instanceof SVGElement) continue;
    if (!el.clientWidth && !el.clientHeight) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      const content = `${el.scrollWidth}x${el.scrollHeight}`;
      bad.push(`${name} overflows: content ${content} in a box of ${el.clientWidth}x${el.clientHeight}`);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module", params=CONFIGS)
def themed_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with themes on (the nine themes below are pinned by the facilitator)."""
    pytest.importorskip("tokenizers")
    env = {"WHOLEROOM_THEMES": "true", "WHOLEROOM_THEMES_EVERY_S": "1"}
    with serving(request.param, tmp_path_factory.mktemp(f"wholeroom-wall-{request.param}"), env) as server:
        yield server.url


@pytest.fixture
def hall(themed_url: str, browser: Any) -> Iterator[LiveEvent]:
    event = LiveEvent(themed_url, browser, 40)
    try:
        yield event
    finally:
        event.close()
    assert not event.errors, event.errors


def as_phone(event: LiveEvent, token: str, **command: Any) -> dict[str, Any]:
    status, data = http("POST", f"{event.base}/api/events/{event.id}/commands", command, token)
    assert status == 200, data
    result: dict[str, Any] = data
    return result


def fits_everywhere(wall: Any, name: str, config: str, ready: Any = None) -> None:
    """At each size: nothing overflows; a screenshot to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        wall.set_viewport_size({"width": width, "height": height})
        wall.wait_for_timeout(250)  # the resize is fitted in the next batch (30 ms)
        if ready is not None:
            ready()
        wall.screenshot(path=str(SHOTS / f"{config}-{name}-{width}x{height}.png"))
        bad = wall.evaluate(OVERFLOWS)
        assert bad == [], f"{name} at {width}x{height}: {bad[:8]}"
        # the question, 120 characters at most here, is never shortened: its type scales instead
        question = wall.locator("#question")
        assert not question.is_visible() or question.get_attribute("title") is None, (name, width, height)


def test_the_wall_fits_a_hall(hall: LiveEvent, request: pytest.FixtureRequest) -> None:
    event = hall
    config = request.node.callspec.params["themed_url"]
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    ideas_step = event.command(type="session.next", session_id=session)["step_id"]

    # one phone per table; each table sends a few ideas, table 1 a dozen (more than fit) and a long one
    phones: dict[str, str] = {}
    ideas: dict[str, list[str]] = {}
    by_table: dict[int, list[str]] = {}
    for t in range(1, 41):
        status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": str(t)})
        assert status == 201, joined
        phones[str(t)] = joined["token"]
        count = 12 if t == 1 else 2 + t % 4
        for n in range(count):
            topic = TOPICS[(t + n) % len(TOPICS)]
            text = LONG_IDEA if (t, n) == (2, count - 1) else f"More {topic} for table {t}, idea {n + 1}"
            idea = {"client_id": f"c{t}-{n}", "text": text, "step_id": ideas_step}
            made = as_phone(event, phones[str(t)], type="idea.submit", **idea)
            ideas.setdefault(topic, []).append(made["idea_id"])
            by_table.setdefault(t, []).append(made["idea_id"])

    wall = event.staff("wall", viewport={"width": 1280, "height": 720})
    expect(wall.locator("#question")).to_have_text(QUESTION)
    expect(wall.locator("#page-note")).to_have_text("Tables 1–15 of 40")
    table_one = wall.locator(".wall-table[data-table-id='1']")
    expect(table_one.locator(".here")).to_contain_text("12 ideas")

    def honest_count() -> None:
        shown = table_one.locator(".wall-ideas li").count()
        assert 1 <= shown < 12
        expect(table_one.locator(".wall-more")).to_have_text(f"+{12 - shown} more")

    fits_everywhere(wall, "tables", config, honest_count)

    # nine themes, pinned by the facilitator: the wall lists the biggest and counts the rest
    for topic in TOPICS[:9]:
        event.command(type="theme.pin", theme_id=f"t-{topic}", idea_ids=ideas[topic], label=f"More {topic}")
    event.command(type="session.next", session_id=session)
    expect(wall.locator("#feature[data-type=themes]")).to_be_visible()
    expect(wall.locator(".th-list > .th-theme").first).to_be_visible(timeout=30_000)

    def all_themes_counted() -> None:
        shown = wall.locator(".th-list > .th-theme").count()
        more = wall.locator(".th-more")
        left = 0 if more.is_hidden() else int(re.findall(r"\d+", more.inner_text())[0])
        assert shown + left >= 9, (shown, left)

    fits_everywhere(wall, "themes", config, all_themes_counted)

    # the biggest theme more closely (key 1): its sub-themes fit too; Esc goes back
    wall.keyboard.press("1")
    expect(wall.locator(".wall-themes[data-drill]")).to_be_visible()
    expect(wall.locator(".wth-drill-head .wth-summary")).not_to_contain_text("Looking closer", timeout=20_000)
    fits_everywhere(wall, "themes-closer", config)
    wall.keyboard.press("Escape")
    expect(wall.locator(".wall-themes[data-drill]")).to_have_count(0)

    # common ground: plain tallies, and a plain line instead of the analysis's thresholds
    event.command(type="session.next", session_id=session)
    for t in range(1, 41):
        for other in (t % 40 + 1, (t + 1) % 40 + 1):
            for n, idea_id in enumerate(by_table[other][:2]):
                value = ("agree", "disagree", "pass")[(t + n) % 3]
                as_phone(event, phones[str(t)], type="reaction.cast", idea_id=idea_id, value=value)
    expect(wall.locator(".wall-ground[data-level=tallies]")).to_be_visible(timeout=20_000)
    expect(wall.locator(".wg-notice")).to_have_text("Common ground appears as people react.")
    fits_everywhere(wall, "common-ground", config)

    # the vote: its five options and how many have voted, never a number per option
    vote = event.command(type="session.next", session_id=session)["step_id"]
    expect(wall.locator(".wall-vote")).to_be_visible()
    status, snap = http("GET", f"{event.base}/api/events/{event.id}/snapshot", token=event.tokens["facilitator"])
    assert status == 200, snap
    options = next(s for s in snap["steps"] if s["id"] == vote)["options"]
    for t in range(1, 8):
        ballot = {options[t % 5]["id"]: 2, options[0]["id"]: 1}
        as_phone(event, phones[str(t)], type="vote.cast", step_id=vote, ballot=ballot)
    expect(wall.locator(".wv-count")).to_have_text("7 of 40")
    expect(wall.locator(".wv-options li")).to_have_count(5)
    assert wall.locator(".bars, .bar-value, .voters").count() == 0  # the ballot is secret until the end

    def every_option() -> None:
        expect(wall.locator(".wv-options li")).to_have_count(5)
        expect(wall.locator(".wall-vote .wall-more")).to_have_text("")

    fits_everywhere(wall, "vote-open", config, every_option)

    # ended: every option's result
    event.command(type="step.end", step_id=vote)
    expect(wall.locator(".wall-results .bars li")).to_have_count(5)
    expect(wall.locator(".wall-results .voters")).to_have_text("7 people voted")
    expect(wall.locator(".wall-results .bars li").first).to_contain_text(OPTIONS[0])
    bars = wall.locator(".wall-results .bars li")
    fits_everywhere(wall, "vote-results", config, lambda: expect(bars).to_have_count(5))

    # the harvest: contributions appear as they come, beside the vote it draws on
    harvest = event.command(type="session.next", session_id=session)["step_id"]
    expect(wall.locator("#feature[data-type=harvest]")).to_be_visible()
    expect(wall.locator(".wh-empty")).to_be_visible()
    for t in range(11, 16):  # (table 1 sent its dozen ideas within the minute: its phone waits)
        text = f"Table {t} noticed that everyone wants safer streets for children"
        as_phone(event, phones[str(t)], type="idea.submit", client_id=f"h{t}", text=text, step_id=harvest)
    expect(wall.locator(".wh-list li").first).to_contain_text("Table 15 noticed")
    expect(wall.locator(".wh-heading")).to_have_text("5 contributions")
    expect(wall.locator(".wh-source .bars li")).to_have_count(5)
    fits_everywhere(wall, "harvest", config)

    # the join slide, from the console: the QR code takes at least 40 % of the screen's height
    console = event.staff("console")
    console.locator("#wall-join-slide").click()
    expect(wall.locator("#join-slide")).to_be_visible()
    expect(wall.locator("#join-slide-code")).to_have_text(event.code)

    def big_qr() -> None:
        box = wall.locator("#join-slide-qr").bounding_box()
        height = wall.viewport_size["height"]
        assert box is not None and box["height"] >= 0.4 * height, (box, height)

    fits_everywhere(wall, "join-slide", config, big_qr)
    expect(console.locator("#wall-join-slide")).to_have_attribute("aria-pressed", "true")
    console.locator("#wall-join-slide").click()
    expect(wall.locator("#join-slide")).to_be_hidden()
    expect(wall.locator("#feature[data-type=harvest]")).to_be_visible()

    # the end
    event.command(type="event.close")
    expect(wall.locator("#end-slide")).to_be_visible()
    expect(wall.locator("#end-slide-heading")).to_have_text("Thank you")
    fits_everywhere(wall, "end", config)


MARKET = """\
id: wall-market
title: Open Space
method: {name: Test, origin: Wholeroom tests}
steps:
  - id: market
    kind: signup
    title: Open Space marketplace
    slots: ["10:00", "11:30", "14:00", "15:30"]
    spaces: [Main hall, Garden, Room 1, Room 2, Room 3, Library, Café, Terrace]
  - {id: move, kind: rotate, mode: shuffle}
"""


def test_the_marketplace_and_a_rotation_fit_the_wall(
    server_url: str, browser: Any, request: pytest.FixtureRequest
) -> None:
    """Eight spaces by four slots of long topic titles, then a rotation's notice: nothing overflows."""
    event = LiveEvent(server_url, browser, 3)
    config = request.node.callspec.params["server_url"]
    try:
        session = event.command(type="session.load", script=MARKET)["session_id"]
        market = event.command(type="session.next", session_id=session)["step_id"]
        for t in range(1, 4):
            for _ in range(2):
                status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": str(t)})
                assert status == 201, joined
        spaces = ["Main hall", "Garden", "Room 1", "Room 2", "Room 3", "Library", "Café", "Terrace"]
        for n, (slot, space) in enumerate((s, p) for s in ("10:00", "11:30", "14:00") for p in spaces):
            title = f"Topic {n + 1}: how we could share {TOPICS[n % len(TOPICS)]} across the whole neighbourhood"
            event.command(type="topic.post", step_id=market, title=title, slot=slot, space=space)
        wall = event.staff("wall")
        expect(wall.locator("#feature[data-type=market]")).to_be_visible()
        expect(wall.locator("table.market td.taken")).to_have_count(24)
        fits_everywhere(wall, "market", config)
        event.command(type="session.next", session_id=session)
        expect(wall.locator("#feature[data-type=rotate]")).to_be_visible()
        fits_everywhere(wall, "rotate", config)
    finally:
        event.close()
    assert not event.errors, event.errors


MANY = [f"Option {n + 1}: {OPTIONS[n % 5]}" for n in range(14)]
VOTES = f"""\
id: wall-votes
title: Votes
method: {{name: Test, origin: Wholeroom tests}}
steps:
  - id: many
    kind: vote
    title: Fourteen ways forward
    method: dots
    dots: 3
    options: {{items: {MANY!r}}}
  - id: where
    kind: vote
    title: Cost and impact
    method: place
    axes: [Cost, Impact]
    reveal: live
    options: {{items: {OPTIONS!r}}}
"""


def test_a_long_ballot_and_a_place_vote_fit_the_wall(
    server_url: str, browser: Any, request: pytest.FixtureRequest
) -> None:
    """Fourteen long options: as many as fit, and an honest count of the rest, while the vote runs
    and once it ends; then a place vote's map and legend: nothing overflows."""
    event = LiveEvent(server_url, browser, 3)
    config = request.node.callspec.params["server_url"]
    try:
        session = event.command(type="session.load", script=VOTES)["session_id"]
        many = event.command(type="session.next", session_id=session)["step_id"]
        wall = event.staff("wall")
        expect(wall.locator(".wall-vote")).to_be_visible()

        def counted(items: str, more: str) -> None:
            shown = wall.locator(items).count()
            words = wall.locator(more).inner_text() if wall.locator(more).count() else ""
            left = int(re.findall(r"\d+", words)[0]) if words.strip() else 0
            assert shown >= 1 and shown + left == 14, (shown, words)

        fits_everywhere(wall, "vote-many-open", config, lambda: counted(".wv-options li", ".wall-vote .wall-more"))
        event.command(type="step.end", step_id=many)
        expect(wall.locator(".wall-results")).to_be_visible()
        fits_everywhere(
            wall, "vote-many-results", config, lambda: counted(".wall-results .bars li", ".wall-results .more")
        )

        where = event.command(type="session.next", session_id=session)["step_id"]
        status, snap = http("GET", f"{event.base}/api/events/{event.id}/snapshot", token=event.tokens["facilitator"])
        assert status == 200, snap
        options = next(s for s in snap["steps"] if s["id"] == where)["options"]
        for t, (x, y) in zip("123", ((0.5, 0.5), (-0.4, 0.8), (0.9, -0.2)), strict=True):
            status, joined = http("POST", f"{event.base}/api/join", {"code": event.code, "table_id": t})
            assert status == 201, joined
            ballot = {o["id"]: [x * (i % 2 * 2 - 1), y] for i, o in enumerate(options)}
            status, data = http(
                "POST",
                f"{event.base}/api/events/{event.id}/commands",
                {"type": "vote.cast", "step_id": where, "ballot": ballot},
                joined["token"],
            )
            assert status == 200, data
        expect(wall.locator(".wall-results .voters")).to_have_text("3 people voted")  # live: revealed as it comes
        expect(wall.locator(".wall-results .scatter")).to_be_visible()
        expect(wall.locator(".wall-results .scatter-legend li")).to_have_count(5)
        fits_everywhere(wall, "vote-place", config)
    finally:
        event.close()
    assert not event.errors, event.errors
