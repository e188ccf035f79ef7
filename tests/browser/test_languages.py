"""Interface languages in the browser: right to left, the longest translation at 390x844 with
nothing cut or overlapping, a phone switching its language, the wall in the event's language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from server import exports
from server.domain.harvest import harvest
from server.languages import LANGUAGES
from server.report_svg import Bubble, theme_map_svg
from server.web import catalogues, i18n
from tests.domain.helpers import Scene

from .conftest import ADMIN_SECRET, PHONE, PROJECTOR, LiveEvent, http
from .test_accessibility import SCRIPT as EVERY_KIND

pytestmark = pytest.mark.browser

SMALL_PHONE = {**PHONE, "viewport": {"width": 390, "height": 844}}

# What is wrong with the layout, as the browser lays it out: every visible element inside the
# viewport's width, no text cut inside its box (buttons, labels, headings, badges, options), and
# no two visible neighbours in a row or the top bar overlapping.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const shown = r.width > 0 && r.height > 0 && style.visibility !== "hidden";
    return shown && !el.closest("[hidden], .visually-hidden, .skip:not(:focus)");
  };
  const name = (el) => `${el.tagName.toLowerCase()}#${el.id}: ${(el.textContent || "").trim().slice(0, 40)}`;
  const scrolled = document.scrollingElement.scrollWidth;
  if (scrolled > width + 1) problems.push(`page scrolls sideways: ${scrolled} > ${width}`);
  for (const el of document.querySelectorAll("main *, header *")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > width + 1) problems.push(`outside the screen (${r.left}..${r.right}): ${name(el)}`);
  }
  for (const el of document.querySelectorAll("button, label, h1, h2, h3, summary, .badge, select, a, legend, p")) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== "visible") problems.push(`cut across: ${name(el)}`);
    if (el.scrollHeight > el.clientHeight + 1 && style.overflowY !== "visible") problems.push(`cut down: ${name(el)}`);
  }
  for (const row of document.querySelectorAll(".row, .topbar, .answers")) {
    if (!visible(row)) continue;
    const kids = [...row.children].filter(visible).map((el) => [el, el.getBoundingClientRect()]);
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      const [a, ra] = kids[i], [b, rb] = kids[j];
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1) problems.push(`overlap: ${name(a)} / ${name(b)}`);
    }
  }
  return problems;
}"""


def longest_language() -> str:
    """The language whose phone, join and wall messages are longest in all (not English)."""
    lengths = {}
    for code in LANGUAGES:
        catalog = catalogues.read_catalog(code)
        if catalog is None:
            continue
        lengths[code] = sum(len(str(m.string[0] if isinstance(m.string, tuple) else m.string)) for m in catalog if m.id)
    return max(lengths, key=lambda code: lengths[code])


def open_phone(event: LiveEvent, locale: str) -> Any:
    page = event.phone("1", "Ana", **SMALL_PHONE, locale=locale)
    event.command(type="step.push", text="What should the harbour keep?", duration_s=600)
    expect(page.locator("#step-text")).to_have_text("What should the harbour keep?")
    return page


def no_layout_problems(page: Any) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["ar", "longest"])
def test_phone_and_join_at_390x844(live_event: LiveEvent, locale: str) -> None:
    """Arabic (right to left) and the longest translation: the join page and the phone, with a step,
    the clock, the writing box and the open 'Change table', fit the screen with nothing cut."""
    code = longest_language() if locale == "longest" else locale
    join = live_event.page(live_event.context(**SMALL_PHONE, locale=code), f"{live_event.base}/join")
    html = join.locator("html")
    expect(html).to_have_attribute("lang", code)
    expect(html).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    expect(join.locator("#lang-switch")).to_have_value(code)
    join.fill("#code", live_event.code)
    expect(join.locator("#table option").first).to_have_text(
        i18n.language(code).translations.gettext("Choose your table")
    )
    no_layout_problems(join)

    phone = open_phone(live_event, code)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    expect(phone.locator("#idea-panel")).to_have_attribute(
        "aria-label", i18n.language(code).translations.gettext("Send an idea")
    )
    phone.locator("#move summary").click()
    no_layout_problems(phone)
    if code == "ar":  # right to left: the step's accent border on the right, the switch at the left end
        borders = phone.locator("section.step").evaluate(
            "(el) => [getComputedStyle(el).borderRightWidth, getComputedStyle(el).borderLeftWidth]"
        )
        assert borders == ["6px", "1px"]
        switch = phone.locator(".lang-switch").bounding_box()
        badge = phone.locator("#badge").bounding_box()
        assert switch is not None and badge is not None and switch["x"] < badge["x"]
    assert live_event.errors == []


@pytest.mark.parametrize("locale", ["ar", "longest"])
def test_a_phone_in_every_kind_of_step_at_390x844(live_event: LiveEvent, locale: str) -> None:
    """One phone walked through a script with every step kind and every vote method (the one the
    accessibility test walks), in Arabic and in the longest translation: at each step nothing
    leaves the screen, is cut or overlaps; then the end of the event."""
    code = longest_language() if locale == "longest" else locale
    others = [live_event.phone(table) for table in ("2", "3")]
    phone = live_event.phone("1", "Ana", **SMALL_PHONE, locale=code)
    expect(phone.locator("html")).to_have_attribute("lang", code)
    session = live_event.command(type="session.load", script=EVERY_KIND)["session_id"]
    steps = [line.split("id: ")[1].split(",")[0] for line in EVERY_KIND.splitlines() if line.lstrip().startswith("- ")]
    problems = {}
    for step in steps:
        live_event.command(type="session.next", session_id=session)
        pushed = live_event.snapshot()["steps"][-1]["id"]
        expect(phone.locator("#step-clock")).to_have_attribute("data-step-clock", pushed)
        if step == "write":
            for n, other in enumerate(others):
                other.fill("#idea-text", f"Idea {n} from another table, long enough to wrap on a small phone")
                other.locator("#idea-text").press("Enter")
        problems[step] = phone.evaluate(LAYOUT_PROBLEMS)
    live_event.command(type="session.next", session_id=session)
    live_event.command(type="event.close")
    expect(phone.locator("#end-panel")).to_be_visible()
    problems["the end"] = phone.evaluate(LAYOUT_PROBLEMS)
    assert problems == {step: [] for step in problems}
    assert live_event.errors == []


def test_a_refusal_in_the_pages_language(live_event: LiveEvent) -> None:
    """The server refuses in English; a Spanish join page says it in Spanish (client/static/errors.js)."""
    join = live_event.page(live_event.context(**SMALL_PHONE, locale="es"), f"{live_event.base}/join")
    wrong = "ZZZZZ9" if live_event.code != "ZZZZZ9" else "ZZZZZ8"
    join.fill("#code", wrong)
    gettext = i18n.language("es").translations.gettext
    expect(join.locator("#code-error")).to_have_text(gettext("No event has this join code: check it on the wall."))
    assert live_event.errors == []


def test_a_phone_switches_its_language(live_event: LiveEvent) -> None:
    """The browser says English; the person picks Polski: the page comes back in Polish, still
    joined and live, and stays Polish after a reload."""
    phone = open_phone(live_event, "en-GB")
    expect(phone.locator("#idea-panel")).to_have_attribute("aria-label", "Send an idea")
    phone.select_option("#lang-switch", "pl")
    expect(phone.locator("html")).to_have_attribute("lang", "pl")
    expect(phone.locator("#idea-panel")).to_have_attribute("aria-label", "Wyślij pomysł")
    expect(phone.locator(".badge[data-state=live]")).to_have_text("Na żywo")
    expect(phone.locator("#step-text")).to_have_text("What should the harbour keep?")
    phone.reload()
    expect(phone.locator("html")).to_have_attribute("lang", "pl")
    expect(phone.locator(".badge[data-state=live]")).to_have_text("Na żywo")
    assert live_event.errors == []


@pytest.mark.parametrize("language", ["ar", "longest"])
def test_the_wall_speaks_the_events_language(server_url: str, browser: Any, language: str) -> None:
    """The wall is in the event's language whatever the browser says; right to left for Arabic; with
    a question, ideas at every table and the join panel, nothing leaves the projector's width or
    overlaps, in Arabic and in the longest translation."""
    code = longest_language() if language == "longest" else language
    status, data = http(
        "POST", f"{server_url}/api/events", {"title": "Plaza", "tables": 3, "language": code}, ADMIN_SECRET
    )
    assert status == 201, data
    event = LiveEvent.__new__(LiveEvent)  # the helpers, on this event
    event.base, event.browser, event.data, event.id = server_url, browser, data, data["event_id"]
    event.code, event.tokens, event.contexts, event.errors = data["join_code"], data["tokens"], [], []
    gettext = i18n.language(code).translations.gettext
    try:
        wall = event.staff("wall", **PROJECTOR, locale="en-GB")
        expect(wall.locator("html")).to_have_attribute("lang", code)
        expect(wall.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
        expect(wall.locator("#badge")).to_have_text(gettext("Live"))
        expect(wall.locator(".wall-join-how").first).to_have_text(gettext("Join at"))
        # an address and a code read left to right in any language (else "127.0.0.1:8000/join" shows reversed)
        for box in ("#join-url", "#join-code"):
            assert wall.locator(box).evaluate("(el) => getComputedStyle(el).direction") == "ltr"
        event.command(type="step.push", text="What should the harbour keep?", duration_s=600)
        for table in ("1", "2", "3"):
            phone = event.phone(table, f"P{table}")
            phone.fill("#idea-text", f"An idea from table {table} about the harbour and its boats")
            phone.locator("#idea-send").click()
        expect(wall.locator("#tables li")).to_have_count(3)
        expect(wall.locator('#tables section[data-table-id="1"] .here')).to_contain_text(
            gettext("{n} here").split("{n}")[-1].strip()
        )
        no_layout_problems(wall)
        assert event.errors == []
    finally:
        event.close()


def test_open_screens_follow_the_organisers_change_of_language(live_event: LiveEvent) -> None:
    """The organiser changes the event's language: the wall and console open at that moment load
    their page again in it (the event.language_set entry reaches them); a phone keeps its own."""
    event = live_event
    wall, console = event.staff("wall"), event.staff("console")
    phone = event.phone("1", "Ana")
    expect(wall.locator("html")).to_have_attribute("lang", "en")
    url = f"{event.base}/api/events/{event.id}/language"
    status, data = http("PUT", url, {"language": "es"}, event.tokens["organiser"])
    assert status == 200, data
    gettext = i18n.language("es").translations.gettext
    for page in (wall, console):
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator(".badge[data-state=live]")).to_have_text(gettext("Live"))
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    # a language not offered is refused and the screens stay as they are
    status, data = http("PUT", url, {"language": "xx"}, event.tokens["organiser"])
    assert status == 400 and data["error"]["code"] == "bad_language", data
    assert event.snapshot()["event"]["language"] == "es"
    expect(wall.locator("html")).to_have_attribute("lang", "es")


LAPTOP_1280 = {"viewport": {"width": 1280, "height": 800}}


def busy_console(event: LiveEvent) -> Any:
    """The console at 1280x800 with most of its panels filled: a script loaded and at its second
    step, ideas from two tables, a step pushed by hand, people at the tables."""
    console = event.staff("console", **LAPTOP_1280, locale="en-GB")
    session = event.command(type="session.load", script=EVERY_KIND)["session_id"]
    event.command(type="session.next", session_id=session)
    event.command(type="session.next", session_id=session)
    for table in ("1", "2"):
        phone = event.phone(table, f"Person {table}")
        phone.fill("#idea-text", f"An idea from table {table} about the harbour, its boats and its people")
        phone.locator("#idea-text").press("Enter")
    expect(console.locator("#stream li")).to_have_count(2)
    expect(console.locator("#people tr")).to_have_count(2)
    return console


def test_the_console_in_arabic_at_1280x800(server_url: str, browser: Any) -> None:
    """An Arabic event's console is right to left and in Arabic whatever the browser says; with a
    script running, ideas, people and the run sheet, nothing leaves a 1280x800 laptop's width, is cut
    or overlaps."""
    event = LiveEvent(server_url, browser, 3, language="ar")
    gettext = i18n.language("ar").translations.gettext
    try:
        console = busy_console(event)
        expect(console.locator("html")).to_have_attribute("lang", "ar")
        expect(console.locator("html")).to_have_attribute("dir", "rtl")
        expect(console.locator("#composer-heading")).to_have_text(gettext("Push a step"))
        expect(console.locator("#badge")).to_have_text(gettext("Live"))
        # what the modules write: the session's controls and the people's table selects
        expect(console.locator("#s-next")).to_have_text(gettext("Next step"))
        expect(console.locator("#runsheet-rows tr").first.locator(".tag.state")).to_have_text(gettext("done"))
        expect(console.locator("#people tr").first.locator(".remove")).to_have_text(gettext("Remove"))
        no_layout_problems(console)
        assert event.errors == []
    finally:
        event.close()


def test_a_spanish_events_console_speaks_spanish(server_url: str, browser: Any) -> None:
    """A Spanish event's console (the browser in English): the template's labels, a step pushed
    from the form and said back, the counts and the run sheet, all in Spanish."""
    event = LiveEvent(server_url, browser, 3, language="es")
    try:
        console = busy_console(event)
        expect(console.locator("html")).to_have_attribute("lang", "es")
        expect(console.get_by_role("heading", name="Lanzar un paso")).to_be_visible()
        console.get_by_label("¿Qué deben hacer las mesas?").fill("Compartid una historia del puerto")
        console.get_by_label("Duración en minutos").fill("5")
        console.get_by_role("button", name="Lanzar el paso").click()
        expect(console.locator("#composer-message")).to_have_text("Lanzado a Todas las mesas durante 5:00.")
        expect(console.locator("#presence-total")).to_have_text(
            "2 teléfonos conectados ahora, 2 personas unidas en total."
        )
        expect(console.locator("#idea-count")).to_have_text("(2 visibles, 0 ocultas)")
        expect(console.locator("#session-meta")).to_contain_text("paso 2 de 13")
        expect(console.get_by_role("button", name="Siguiente paso")).to_be_visible()
        expect(console.locator("#themes-panel")).to_contain_text("Temas")
        assert "Push a step" not in console.locator("main").inner_text()
        assert event.errors == []
    finally:
        event.close()


# On each printed card: its parts inside the card, none overlapping another or cut
CARD_PROBLEMS = """() => {
  const problems = [];
  const name = (el) => `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || "").trim().slice(0, 40)}`;
  for (const card of document.querySelectorAll(".card")) {
    const box = card.getBoundingClientRect();
    const kids = [...card.children].map((el) => [el, el.getBoundingClientRect()]);
    for (const [el, r] of kids) {
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        problems.push(`outside its card: ${name(el)}`);
      if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== "IMG") problems.push(`cut across: ${name(el)}`);
    }
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      const [a, ra] = kids[i], [b, rb] = kids[j];
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1) problems.push(`overlap: ${name(a)} / ${name(b)}`);
    }
  }
  return problems;
}"""


def test_an_arabic_events_table_cards_print_right_to_left(server_url: str, browser: Any) -> None:
    """The table cards of an Arabic event, laid out for print on an A4 page's width (the browser in
    English): right to left, in Arabic, the join code and address still left to right, and on
    every card the title, table, QR code, code and steps inside the card with nothing overlapping."""
    event = LiveEvent(server_url, browser, 3, language="ar")
    gettext = i18n.language("ar").translations.gettext
    try:
        ctx = event.context(viewport={"width": 794, "height": 1123}, locale="en-GB")  # A4 at 96 dpi
        cards = event.page(ctx, event.url("cards"))
        cards.emulate_media(media="print")
        expect(cards.locator("html")).to_have_attribute("dir", "rtl")
        expect(cards.locator(".card h2")).to_have_text(["الطاولة 1", "الطاولة 2", "الطاولة 3"])
        first = cards.locator(".card").first
        expect(first.locator("ol li").first).to_have_text(gettext("Scan the QR code with your phone's camera."))
        expect(first.locator("p", has=cards.locator(".join-code"))).to_contain_text("رمز الانضمام")
        expect(first.locator(".join-code")).to_have_text(event.code)
        expect(first.locator("img")).to_have_attribute("alt", "رمز QR للانضمام عند الطاولة 1")
        cards.wait_for_function(
            "() => [...document.querySelectorAll('.card img')].every((i) => i.complete && i.naturalWidth)"
        )
        assert first.evaluate("(el) => getComputedStyle(el).direction") == "rtl"
        assert first.locator(".join-code").evaluate("(el) => getComputedStyle(el).direction") == "ltr"
        problems = cards.evaluate(CARD_PROBLEMS)
        assert not problems, "\n".join(problems)
        first.locator("img").evaluate("(img) => { img.style.marginTop = '-3rem'; }")  # the check sees an overlap
        assert any(p.startswith("overlap: img") or "/ img" in p for p in cards.evaluate(CARD_PROBLEMS))
        assert event.errors == []
    finally:
        event.close()


def test_table_names_keep_their_place_in_an_arabic_consoles_sentences(server_url: str, browser: Any) -> None:
    """A Spanish question pushed to two tables named in Latin letters, on an Arabic console: each
    name is isolated, so the list reads right to left (the first table rightmost) instead of the two
    names and their comma running together left to right; and on each table's card the question
    keeps its opening "¿" before its first word instead of at the far end of the line."""
    event = LiveEvent(server_url, browser, ["Green room", "Blue room", "Hall"], language="ar")
    try:
        console = event.staff("console", **LAPTOP_1280)
        audience = {"tables": ["1", "2"]}  # (tables are numbered in the order given)
        event.command(type="step.push", text="¿Qué debe conservar el puerto?", audience=audience)
        where = console.locator("#steps .where").first
        expect(where).to_contain_text("\u2068Green room\u2069, \u2068Blue room\u2069")
        assert left_of(where, "Green") > left_of(where, "Blue"), (
            "the first table is not the rightmost in a right-to-left list"
        )
        card = console.locator('li[data-table-id="1"] .current')
        expect(card).to_contain_text("Qué debe conservar el puerto")
        assert left_of(card, "¿") < left_of(card, "Qué"), "the question's opening mark is not before its first word"
    finally:
        event.close()
    assert not event.errors, event.errors


def left_of(locator: Any, needle: str) -> float:
    """Where ``needle`` (in the element's first text node) starts on the screen, from the left."""
    left: float = locator.evaluate(
        "(el, needle) => { const n = el.firstChild; const i = n.data.indexOf(needle); const r = document.createRange();"
        " r.setStart(n, i); r.setEnd(n, i + needle.length); return r.getBoundingClientRect().left }",
        needle,
    )
    return left


# A theme named in Arabic on a map drawn left to right (the wall of an English event), long enough
# that its second line is cut with "…".
ARABIC_THEME = "حافلات الليل إلى الضواحي البعيدة والقرى الصغيرة في الريف الجنوبي"


def test_an_arabic_theme_name_reads_right_to_left_on_the_map(server_url: str, browser: Any) -> None:
    """Each line of a theme's name on the map is isolated: the "…" that cuts an Arabic line falls at
    its left end, where the line's words stop, not at the right as the map's direction would put it."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server_url}/")
    lines: list[dict[str, Any]] = page.evaluate(
        """async (label) => {
            const { themeMap } = await import("/static/themes.js");
            const view = {
              themes: [{ id: "t1", label, idea_ids: ["a", "b"], breadth: 2 }],
              unthemed: [], positions: { a: [0, 0], b: [0.1, 0.1] },
            };
            const map = themeMap(view, { width: 300, height: 200 });
            document.body.replaceChildren(map);
            return [...map.querySelectorAll("tspan")].map((tspan) => {
              const node = tspan.firstChild;
              const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                  return r.getBoundingClientRect().left; };
              const text = node.data;
              const first = [...text].findIndex((c) => /\\p{L}/u.test(c));
              return { text, first: at(first), ellipsis: text.includes("…") ? at(text.indexOf("…")) : null };
            });
        }""",
        ARABIC_THEME,
    )
    context.close()
    cut = [line for line in lines if line["ellipsis"] is not None]
    assert cut, f"no line of the name was cut: {lines}"
    for line in cut:
        assert line["ellipsis"] < line["first"], f"the '…' is not at the left end of {line['text']!r}"


# Where each "…" that cuts a name falls against the name's first letter, in every text of an SVG.
ELLIPSES = """(svg) => [...svg.querySelectorAll("text, tspan")].filter((el) => !el.querySelector("tspan"))
  .map((el) => el.firstChild).filter((node) => node && node.data.includes("…")).map((node) => {
    const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                        return r.getBoundingClientRect().left; };
    return { text: node.data, first: at([...node.data].findIndex((c) => /\\p{Script=Arabic}/u.test(c))),
             ellipsis: at(node.data.indexOf("…")) };
  })"""


def test_an_arabic_theme_name_reads_right_to_left_in_the_reports_map(browser: Any) -> None:
    """The harvest report's theme map (drawn by the server) isolates each name too: a name cut
    inside its bubble, and one cut beside a small bubble after its number, both end at the left."""
    svg = theme_map_svg([Bubble(ARABIC_THEME, 0.3, 0.4, 60, 5), Bubble(ARABIC_THEME + " ٢", 0.8, 0.6, 3, 1)])
    page = browser.new_page()
    page.set_content(f"<!doctype html><html><body>{svg}</body></html>")
    cut: list[dict[str, Any]] = page.locator("svg").first.evaluate(ELLIPSES)
    page.close()
    assert len(cut) >= 2, f"expected a name cut in and beside a bubble: {cut}"
    for line in cut:
        assert line["ellipsis"] < line["first"], f"the '…' is not at the left end of {line['text']!r}"


ARABIC_EXCLAMATION = "لا حافلات بعد منتصف الليل!"  # (an ASCII "!": neutral, it takes the direction around it)


def test_an_arabic_idea_keeps_its_exclamation_mark_at_its_end_in_an_english_report(browser: Any) -> None:
    """The harvest report puts each idea in a <bdi>: in an English report an Arabic question reads
    right to left, its "!" at its left end, where the sentence ends (not at the right, as the
    report's own direction would put it)."""
    scene = Scene(tables=1)
    person = scene.join("1", name="Ana")
    scene.push()
    scene.idea(person, ARABIC_EXCLAMATION, client_id="q1")
    page = browser.new_page()
    page.set_content(exports.html(harvest(scene.state, scene.now)))
    quoted = page.locator("li", has_text=ARABIC_EXCLAMATION).first
    expect(quoted).to_be_visible()
    assert left_within(quoted, "!") < left_within(quoted, "لا"), "the '!' is not at the left end of the idea"
    page.close()


def left_within(locator: Any, needle: str) -> float:
    """Where ``needle`` starts on the screen, from the left, in whichever text node under the element holds it."""
    left: float = locator.evaluate(
        "(el, needle) => { const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n;"
        " while ((n = walk.nextNode()) && !n.data.includes(needle)); const i = n.data.indexOf(needle);"
        " const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + needle.length);"
        " return r.getBoundingClientRect().left }",
        needle,
    )
    return left


def test_a_spanish_phone_reads_the_action_groups_in_spanish_and_up_to_date(live_event: LiveEvent) -> None:
    """What the phone builds around people's words is in its language too (a group's size, that it
    has a convener, the buttons' names), and it follows joins to a group Ana is not in."""
    live_event.command(type="actions.form", source="hand", titles=["Autobuses", "Parques"])
    ana = live_event.phone("1", "Ana", locale="es")
    ben = live_event.phone("1", "Ben")
    ben.get_by_role("button", name="Join: Autobuses").click()
    ben.get_by_role("button", name="I will convene this group").click()
    expect(ben.locator("#action-convener")).to_have_text("You convene this group.")
    buses = ana.locator("#action-list li", has_text="Autobuses")
    expect(buses).to_contain_text("1 persona · tiene quien convoque")
    expect(ana.get_by_role("button", name="Unirme a: Autobuses")).to_be_visible()


def test_the_walls_theme_list_counts_the_rest_in_the_events_language(server_url: str, browser: Any) -> None:
    """Twelve themes on a Spanish event's wall: the list shows the biggest and says how many more
    in Spanish ("y 4 temas más pequeños"), not in English."""
    status, data = http(
        "POST", f"{server_url}/api/events", {"title": "Plaza", "tables": 3, "language": "es"}, ADMIN_SECRET
    )
    assert status == 201, data
    context = browser.new_context(**PROJECTOR)
    page = context.new_page()
    page.goto(f"{server_url}/e/{data['event_id']}/wall#token={data['tokens']['wall']}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    more = page.evaluate(
        """async () => {
            const { themeList } = await import("/static/themes.js");
            const themes = Array.from({ length: 12 }, (_, n) => ({
              id: `t${n}`, label: `Tema ${n}`, idea_ids: [`i${n}`], breadth: 1 }));
            const list = themeList({ themes, unthemed: [], positions: {} }, { limit: 8 });
            return list.querySelector(".th-more").textContent;
        }"""
    )
    context.close()
    assert more == "y 4 temas más pequeños"
