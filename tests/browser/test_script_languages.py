"""A script in English and Spanish: each screen shows it in its page's language (<html lang>)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent

pytestmark = pytest.mark.browser

POLL = """\
id: poll
title: {en: Our street, es: Nuestra calle}
languages: [en, es]
method: {name: Poll, origin: Us}
params:
  place:
    label: {en: The place, es: El lugar}
    default: {en: our street, es: nuestra calle}
steps:
  - id: ask
    kind: ideas
    title: {en: Your ideas, es: Tus ideas}
    question: {en: "What would improve {place}?", es: "¿Qué mejoraría {place}?"}
    text: {en: One idea per card., es: Una idea por tarjeta.}
    duration: 3m
  - id: say
    kind: vote
    title: {en: "Where do we stand?", es: "¿Dónde estamos?"}
    method: agree_disagree_pass
    options: {items: [{en: More benches, es: Más bancos}, {en: Fewer cars, es: Menos coches}]}
    reveal: live
    duration: 3m
"""


def speak(page: Any, language: str) -> None:
    """Set the page's language in place (as a page that switched language without reloading would)."""
    page.evaluate(f"document.documentElement.lang = {language!r}")


def test_a_phone_in_spanish_sees_the_spanish_question_and_options(live_event: LiveEvent) -> None:
    """A phone whose browser asks for Spanish shows the Spanish texts, an English phone and the
    (English) wall the English ones; switching language shows the step in the new one; the
    transcript keeps the default language's text, the others beside it."""
    session = live_event.command(type="session.load", script=POLL)["session_id"]
    wall = live_event.staff("wall")
    ana = live_event.phone("1", "Ana", locale="es-ES", extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    bo = live_event.phone("2", "Bo", locale="en-GB")
    expect(ana.locator("html")).to_have_attribute("lang", "es")  # the phone's language, negotiated
    live_event.command(type="session.next", session_id=session)

    expect(ana.locator("#step-text")).to_have_text("¿Qué mejoraría nuestra calle?")
    expect(ana.locator("#step-more")).to_have_text("Una idea por tarjeta.")
    expect(ana.locator("#step-title")).to_have_text("Tus ideas")
    expect(bo.locator("#step-text")).to_have_text("What would improve our street?")
    expect(bo.locator("#step-title")).to_have_text("Your ideas")
    expect(wall.locator("#question")).to_contain_text("What would improve our street?")

    speak(ana, "en")  # shown again in the page's new language, without a reload
    expect(ana.locator("#step-text")).to_have_text("What would improve our street?")
    speak(ana, "es-MX")  # a region the script lacks: the language without it
    expect(ana.locator("#step-text")).to_have_text("¿Qué mejoraría nuestra calle?")
    speak(ana, "pl")  # a language the script lacks: its default
    expect(ana.locator("#step-text")).to_have_text("What would improve our street?")
    speak(ana, "es")

    live_event.command(type="session.next", session_id=session)
    expect(ana.locator("#vote-panel .statement")).to_have_text("Más bancos")
    expect(bo.locator("#vote-panel .statement")).to_have_text("More benches")
    ana.locator("#vote-panel .answers button").first.click()  # agree (its label is in the phone's language)
    expect(ana.locator("#vote-panel .statement")).to_have_text("Menos coches")
    expect(ana.locator('#vote-results li[data-option-id="o1"]')).to_contain_text("Más bancos")
    expect(wall.locator('#feature li[data-option-id="o1"]')).to_contain_text("More benches")

    # a language chosen on the phone (kept in a cookie, the page reloaded in it)
    bo.context.add_cookies([{"name": "wholeroom-lang", "value": "es", "url": live_event.base}])
    bo.reload()
    expect(bo.locator("html")).to_have_attribute("lang", "es")
    expect(bo.locator("#vote-panel .statement")).to_have_text("Más bancos")

    # what is kept is the text as pushed: the default language's, the others beside it
    snap = live_event.snapshot()
    asked = next(s for s in snap["steps"] if s["kind"] == "ideas")
    assert asked["text"] == "What would improve our street?\n\nOne idea per card."
    assert asked["texts"]["es"] == "¿Qué mejoraría nuestra calle?\n\nUna idea por tarjeta."
    assert snap["results"][0]["options"][0]["text"] == "More benches"


def test_a_wall_of_a_spanish_event_shows_the_spanish_question(server_url: str, browser: Any) -> None:
    """The wall and the console follow the event's language."""
    event = LiveEvent(server_url, browser, 2, language="es")
    try:
        session = event.command(type="session.load", script=POLL)["session_id"]
        wall, console = event.staff("wall"), event.staff("console")
        expect(wall.locator("html")).to_have_attribute("lang", "es")
        event.command(type="session.next", session_id=session)
        expect(wall.locator("#question")).to_contain_text("¿Qué mejoraría nuestra calle?")
        expect(console.locator("#runsheet-rows tr").nth(0)).to_contain_text("Tus ideas")
        expect(console.locator("#runsheet-rows tr").nth(1)).to_contain_text("¿Dónde estamos?")
        expect(console.locator("#steps .step-text").first).to_have_text(
            "¿Qué mejoraría nuestra calle?\n\nUna idea por tarjeta."
        )
        assert not event.errors, event.errors
    finally:
        event.close()
