"""Free text in any script inside the interface's sentences: a table's, a person's name, an idea is
isolated (a <bdi> or an element of its own with dir=auto), so its direction never reorders the
words around it, and an idea reads in its own direction with its language tag apart from it.
Screenshots go to ``test-artefacts/bidi/`` (gitignored), to be looked at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from server.web import i18n

from .conftest import CONFIGS, PROJECTOR, LiveEvent, serving
from .test_themes import SCRIPT, send_idea

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "bidi"

# Where a piece of an element's text is drawn: the box of the first occurrence of `needle` in one of
# its text nodes (a Range), as the browser laid it out.
BOX_OF = """([el, needle]) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    const r = range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  }
  return null;
}"""

# An element's first line box (an inline's first fragment)
FIRST_LINE = "(el) => { const r = el.getClientRects()[0]; return {x: r.x, width: r.width, y: r.y, height: r.height} }"


def box_of(page: Any, selector: str, needle: str) -> dict[str, float]:
    box = page.locator(selector).evaluate(f"(el, needle) => ({BOX_OF})([el, needle])", needle)
    assert box is not None, f"{needle!r} is not in {selector}"
    return dict(box)


@pytest.fixture(scope="module", params=CONFIGS)
def themed_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with themes on (each idea's language is detected with them), in each configuration."""
    pytest.importorskip("tokenizers")
    env = {"WHOLEROOM_THEMES": "true", "WHOLEROOM_THEMES_EVERY_S": "1"}
    with serving(request.param, tmp_path_factory.mktemp(f"wholeroom-bidi-{request.param}"), env) as server:
        yield server.url


@pytest.fixture
def arabic_event(themed_url: str, browser: Any) -> Iterator[LiveEvent]:
    """An event in Arabic (its numbered tables are named in Arabic), ideas in several languages."""
    event = LiveEvent(themed_url, browser, 3, language="ar", themes_encoder="multilingual")
    try:
        yield event
    finally:
        event.close()
    assert not event.errors, event.errors


def test_a_polish_phone_in_an_arabic_event_shows_the_table_name_isolated(arabic_event: LiveEvent) -> None:
    """The Polish sentence keeps its order around the Arabic table name, which reads right to left
    within it ("الطاولة 2": its 2 at its left end, as in Arabic); an English name in an Arabic
    sentence keeps its full stop at its end."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    table = i18n.numbered_tables(3, "ar")[1]
    assert table == "الطاولة 2"
    phone = arabic_event.phone("2", "Ana", locale="pl")
    expect(phone.locator("html")).to_have_attribute("lang", "pl")
    polish = i18n.language("pl").translations.gettext("You are at {table} as {name}")
    expect(phone.locator("#whereami")).to_have_text(polish.replace("{table}", table).replace("{name}", "Ana"))
    name = phone.locator("#whereami #my-table")
    expect(name).to_have_text(table)
    assert name.evaluate("(el) => [el.dir, getComputedStyle(el).direction, getComputedStyle(el).unicodeBidi]") == [
        "auto",
        "rtl",
        "isolate",
    ]
    before, after = polish.split("{table}")[0].split()[-1], polish.split("{table}")[1].split()[0]  # "stoliku", "jako"
    words = {w: box_of(phone, "#whereami", w) for w in (before, after)}
    arabic, digit = box_of(phone, "#my-table", "الطاولة"), box_of(phone, "#my-table", "2")
    assert arabic["top"] < words[before]["bottom"] and words[before]["top"] < arabic["bottom"], "on one line"
    # left to right: "stoliku", then the whole name, then "jako"; inside the name right to left
    assert words[before]["right"] <= digit["left"] < digit["right"] <= arabic["left"]
    assert arabic["left"] < arabic["right"] <= words[after]["left"]
    # the same name in the ideas' heading (a template's placeholder) and in the table picker
    expect(phone.locator("#ideas-table")).to_have_text(table)
    assert phone.locator("#ideas-table").get_attribute("dir") == "auto"
    phone.locator("#whereami").screenshot(path=str(SHOTS / "phone-pl-in-ar-event.png"))

    # an Arabic phone, a name written left to right that ends in a full stop: without isolation
    # the full stop would go to the name's left, the end of the Arabic sentence
    other = arabic_event.phone("3", "Ana B.", locale="ar")
    expect(other.locator("html")).to_have_attribute("dir", "rtl")
    who = other.locator("#whereami strong:not(#my-table)")
    expect(who).to_have_text("Ana B.")
    assert who.get_attribute("dir") == "auto"
    start, stop = (box_of(other, "#whereami strong:not(#my-table)", c) for c in ("A", "."))
    assert start["right"] <= stop["left"], (start, stop)
    # and the table's name before it, right to left in the Arabic sentence
    arabic_sentence = i18n.language("ar").translations.gettext("You are at {table} as {name}")
    sentence = box_of(other, "#whereami", arabic_sentence.split()[0])
    assert box_of(other, "#my-table", "الطاولة")["right"] <= sentence["left"]
    other.locator("#whereami").screenshot(path=str(SHOTS / "phone-ar-latin-name.png"))


IDEAS = {
    "ar": "نريد مقاعد أكثر في الحديقة العامة بجانب الميناء من أجل كبار السن",  # the detector sure of each
    "pl": "Więcej autobusów w nocy, proszę, do portu",
    "es": "Más autobuses por la noche hasta el puerto, por favor",
}


def test_the_arabic_wall_keeps_each_ideas_language_tag_apart_from_it(arabic_event: LiveEvent) -> None:
    """Ideas in Arabic, Polish and Spanish on the Arabic wall: each idea reads in its own direction
    (the Arabic one right to left, the Polish one left to right), its language tag at its start
    with a gap between the tag's box and the text's, whichever side the start is."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    event = arabic_event
    session = event.command(type="session.load", script=SCRIPT)["session_id"]
    event.command(type="session.next", session_id=session)
    wall = event.staff("wall", **PROJECTOR, locale="en-GB")
    expect(wall.locator("html")).to_have_attribute("dir", "rtl")
    for table, (lang, text) in zip(("1", "2", "3"), IDEAS.items(), strict=True):
        send_idea(event.phone(table, None, locale=lang), text)
    for lang, text in IDEAS.items():
        idea = wall.locator(f"#tables li[data-lang={lang}]")
        expect(idea, f"the {lang} idea tagged").to_have_count(1, timeout=30_000)
        expect(idea.locator(".idea-words")).to_have_text(text)
        expect(idea.locator(".idea-lang")).to_have_text(lang)
        direction = "rtl" if lang == "ar" else "ltr"
        assert idea.evaluate("(el) => [el.dir, getComputedStyle(el).direction]") == ["auto", direction]
        tag = idea.locator(".idea-lang").bounding_box()
        words = idea.locator(".idea-words").evaluate(FIRST_LINE)  # the text's first line, the tag's
        assert tag is not None
        assert tag["y"] < words["y"] + words["height"] and words["y"] < tag["y"] + tag["height"], "on one line"
        gap = tag["x"] - (words["x"] + words["width"]) if lang == "ar" else words["x"] - (tag["x"] + tag["width"])
        assert gap >= 4, f"{lang}: the tag touches the text ({tag}, {words})"
    wall.locator("#tables").screenshot(path=str(SHOTS / "wall-ar-languages.png"))
