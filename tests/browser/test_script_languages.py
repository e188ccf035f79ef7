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
    """The page's language, as a language chosen on the page sets it."""
    page.evaluate(f"document.documentElement.lang = {language!r}")


def test_a_phone_in_spanish_sees_the_spanish_question_and_options(live_event: LiveEvent) -> None:
    """The Spanish phone shows the Spanish texts, the English phone and the wall the English ones;
    a phone that changes language shows the step again in the new one; the transcript keeps English."""
    session = live_event.command(type="session.load", script=POLL)["session_id"]
    wall = live_event.staff("wall")
    ana, bo = live_event.phone("1", "Ana", locale="es-ES"), live_event.phone("2", "Bo")
    speak(ana, "es")
    live_event.command(type="session.next", session_id=session)

    expect(ana.locator("#step-text")).to_have_text("¿Qué mejoraría nuestra calle?")
    expect(ana.locator("#step-more")).to_have_text("Una idea por tarjeta.")
    expect(ana.locator("#step-title")).to_have_text("Tus ideas")
    expect(bo.locator("#step-text")).to_have_text("What would improve our street?")
    expect(bo.locator("#step-title")).to_have_text("Your ideas")
    expect(wall.locator("#question")).to_contain_text("What would improve our street?")

    speak(ana, "en")  # a language chosen on the phone: the step is shown again in it
    expect(ana.locator("#step-text")).to_have_text("What would improve our street?")
    speak(ana, "es-MX")  # a region the script lacks: the language without it
    expect(ana.locator("#step-text")).to_have_text("¿Qué mejoraría nuestra calle?")

    live_event.command(type="session.next", session_id=session)
    expect(ana.locator("#vote-panel .statement")).to_have_text("Más bancos")
    ana.get_by_role("button", name="Agree: Más bancos", exact=True).click()
    expect(ana.locator("#vote-panel .statement")).to_have_text("Menos coches")
    expect(bo.locator("#vote-panel .statement")).to_have_text("More benches")
    expect(ana.locator('#vote-results li[data-option-id="o1"]')).to_contain_text("Más bancos")
    expect(wall.locator('#feature li[data-option-id="o1"]')).to_contain_text("More benches")

    # what is stored is the text as pushed: the default language, with the others beside it
    snap = live_event.snapshot()
    vote = next(s for s in snap["steps"] if s["kind"] == "vote")
    assert vote["text"] == "" or "¿" not in vote["text"]
    asked = next(s for s in snap["steps"] if s["kind"] == "ideas")
    assert asked["text"] == "What would improve our street?\n\nOne idea per card."
    assert asked["texts"]["es"] == "¿Qué mejoraría nuestra calle?\n\nUna idea por tarjeta."
    assert snap["results"][0]["options"][0]["text"] == "More benches"


def test_a_wall_in_spanish_shows_the_spanish_question(live_event: LiveEvent) -> None:
    """The wall follows its page language too (the event's language)."""
    session = live_event.command(type="session.load", script=POLL)["session_id"]
    wall = live_event.staff("wall")
    speak(wall, "es")
    live_event.command(type="session.next", session_id=session)
    expect(wall.locator("#question")).to_contain_text("¿Qué mejoraría nuestra calle?")
