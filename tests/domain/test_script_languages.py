"""Scripts with texts in several languages: the format, the validator's messages and places, what a
step carries to the screens, and that the transcript, replay and exports keep the default text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.domain.digest import state_digest
from server.domain.entry_check import check_entry
from server.domain.fold import fold
from server.domain.harvest import harvest
from server.domain.model import StepStatus
from server.domain.runsheet import runsheet
from server.domain.scripts.languages import in_default
from server.domain.scripts.loader import ScriptError, load_script
from server.exports import markdown
from server.library import LIBRARY_DIR, catalogue

from .helpers import FACILITATOR, Scene

TWO = """\
id: bilingual
title: {en: Quick poll, es: Encuesta rápida}
languages: [en, es]
method: {name: Poll, origin: Anyone}
params:
  topic:
    label: {en: The topic, es: El tema}
    default: {en: our street, es: nuestra calle}
steps:
  - id: ask
    kind: ideas
    title: {en: Your ideas, es: Tus ideas}
    question: {en: "What would improve {topic}?", es: "¿Qué mejoraría {topic}?"}
    text: {en: One idea per card., es: Una idea por tarjeta.}
  - id: pick
    kind: vote
    title: {en: Choose, es: Elige}
    method: agree_disagree_pass
    options:
      items:
        - {en: More benches, es: Más bancos}
        - {en: Fewer cars, es: Menos coches}
  - id: place
    kind: vote
    method: place
    axes: [{en: Effort, es: Esfuerzo}, {en: Impact, es: Impacto}]
    options: {items: ["{topic}", "2035"]}
"""

# The same poll as a script written before languages existed: plain strings, no ``languages``.
ONE = """\
id: plain
title: Quick poll
method: {name: Poll, origin: Anyone}
params:
  topic:
    label: The topic
    default: our street
steps:
  - id: ask
    kind: ideas
    title: Your ideas
    duration: 5m
    question: "What would improve {topic}?"
    text: One idea per card.
  - id: place
    kind: vote
    duration: 5m
    method: place
    axes: [Effort, Impact]
    options: {items: ["{topic}", "2035"]}
"""


def problems(text: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(ScriptError) as err:
        load_script(text, "poll.yaml")
    return [(p.line, p.column, p.message, p.path) for p in err.value.problems]


def changed(old: str, new: str) -> str:
    assert TWO.count(old) == 1, old
    assert old.count("\n") == new.count("\n"), "keep the line numbers"
    return TWO.replace(old, new)


# --- the format -------------------------------------------------------------------------------


def test_a_script_in_two_languages_loads_and_keeps_the_default_in_the_plain_fields() -> None:
    """Texts come out in the default language, each language's under ``texts``, placeholders intact."""
    script = load_script(TWO, "poll.yaml")
    assert script.languages == ["en", "es"]
    data = in_default(script)
    assert data["title"] == "Quick poll" and data["texts"]["es"]["title"] == "Encuesta rápida"
    assert data["params"]["topic"]["default"] == "our street"
    assert data["params"]["topic"]["texts"]["es"] == {"default": "nuestra calle", "label": "El tema"}
    ask, pick, place = data["steps"]
    assert ask["question"] == "What would improve {topic}?"
    assert ask["texts"]["es"]["question"] == "¿Qué mejoraría {topic}?"
    assert ask["texts"]["en"]["text"] == "One idea per card."
    assert pick["options"]["items"] == ["More benches", "Fewer cars"]
    assert pick["texts"]["es"]["items"] == ["Más bancos", "Menos coches"]
    assert place["axes"] == ["Effort", "Impact"] and place["texts"]["es"]["axes"] == ["Esfuerzo", "Impacto"]
    assert place["texts"]["es"]["items"] == ["{topic}", "2035"]  # no words: the same in every language


def test_a_script_in_one_language_is_stored_exactly_as_before() -> None:
    """Backwards compatible: no ``texts`` anywhere, the dump is the plain model dump (plus languages)."""
    script = load_script(ONE, "plain.yaml")
    assert script.languages == ["en"]
    assert in_default(script) == script.model_dump(mode="json", by_alias=True)
    assert script.steps[0].text == "One idea per card."


def test_the_library_is_in_english_and_spanish_complete_in_each() -> None:
    """Every library script is in English and Spanish (issue 17), and every one of them validates:
    the catalogue leaves an invalid file out, so a missing translation would show as a file short."""
    entries = {e["id"]: e for e in catalogue()}
    assert len(entries) == len(list(LIBRARY_DIR.glob("*.yaml")))  # (invalid files are left out)
    assert {i: e["languages"] for i, e in entries.items()} == {i: ["en", "es"] for i in entries}
    assert entries["one-two-four-all"]["title"] == "1-2-4-All"  # the catalogue shows the default


def test_a_missing_language_is_named_at_the_text() -> None:
    """A mapping without the Spanish text says which language is missing, at that text."""
    text = changed("text: {en: One idea per card., es: Una idea por tarjeta.}", "text: {en: One idea per card.}")
    assert problems(text) == [(14, 11, "the es text is missing (the script's languages are en, es)", "steps[0].text")]


def test_a_plain_string_in_a_script_of_two_languages_is_only_in_the_default() -> None:
    """A plain string with words is in one language only; the message shows the mapping to write."""
    assert problems(changed("title: {en: Choose, es: Elige}", "title: Choose")) == [
        (
            17,
            12,
            "this text is only in en; the script's languages are en, es: give it in each, e.g. {en: ..., es: ...}",
            "steps[1].title",
        )
    ]


def test_an_undeclared_language_is_pointed_at_its_code() -> None:
    """A French text in an English and Spanish script: at the fr key."""
    text = changed("title: {en: Your ideas, es: Tus ideas}", "title: {en: Your ideas, es: Tus ideas, fr: Idées}")
    assert problems(text) == [
        (
            12,
            44,
            "fr is not one of the script's languages (en, es); add it to languages or remove it",
            "steps[0].title.fr",
        )
    ]


def test_a_malformed_language_code() -> None:
    """Not a code: 'Spanish' as a key, and a language declared twice."""
    text = changed("text: {en: One idea per card., es: Una idea por tarjeta.}", "text: {en: One idea., Spanish: Una.}")
    assert problems(text) == [(14, 11, "'Spanish' is not a language code like en, es or pt-BR", "steps[0].text")]
    assert problems(changed("languages: [en, es]", "languages: [en, es, en]")) == [
        (3, 21, "en is listed twice", "languages[2]")
    ]
    assert problems(changed("languages: [en, es]", "languages: [en, no]")) == [
        (3, 17, "False is not a language code; put codes such as no and yes in quotes", "languages[1]")
    ]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    """A script with several language problems lists them all, by line."""
    text = changed("    label: {en: The topic, es: El tema}\n", "    label: {es: El tema}\n")
    text = text.replace("- {en: Fewer cars, es: Menos coches}", "- Fewer cars")
    found = problems(text)
    assert [(line, path) for line, _c, _m, path in found] == [
        (7, "params.topic.label"),
        (22, "steps[1].options.items[1]"),
    ]


def test_the_cli_reports_language_problems_with_their_place_and_fails(tmp_path: Path) -> None:
    """``wholeroom script check`` prints FILE:LINE:COLUMN and exits 1; the library passes."""
    bad = tmp_path / "poll.yaml"
    bad.write_text(changed("text: {en: One idea per card., es: Una idea por tarjeta.}", "text: {en: One idea.}"))
    result = CliRunner().invoke(main, ["script", "check", "-q", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:14:11: the es text is missing (the script's languages are en, es) (steps[0].text)" in result.output
    library = [str(p) for p in sorted(LIBRARY_DIR.glob("*.yaml"))]
    ok = CliRunner().invoke(main, ["script", "check", "-q", "--tables", "15", *library])
    assert ok.exit_code == 0, ok.output
    assert "one-two-four-all.yaml: ok (4 steps, 12m, in en, es)" in ok.output
    assert "world-cafe.yaml: ok (9 steps, 1h50m, in en, es)" in ok.output
    plain = tmp_path / "plain.yaml"  # a script in one language says nothing about languages
    plain.write_text(ONE)
    one = CliRunner().invoke(main, ["script", "check", "-q", str(plain)])
    assert one.exit_code == 0, one.output
    assert f"{plain}: ok (2 steps, 10m)\n" in one.output


# --- what a step carries ------------------------------------------------------------------------


def test_a_step_carries_its_text_in_every_language_with_parameters_filled_in_each() -> None:
    """``texts`` holds each language's text; ``text`` is the default's; a default parameter is
    translated; the entry passes the import check."""
    scene = Scene(tables=2)
    scene.join("1")
    session = scene.do(FACILITATOR, type="session.load", script=TWO).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    pushed = next(e for e in reversed(scene.entries) if e.kind == "step.pushed")
    check_entry(pushed)
    assert pushed.payload["text"] == "What would improve our street?\n\nOne idea per card."
    assert pushed.payload["texts"] == {
        "en": "What would improve our street?\n\nOne idea per card.",
        "es": "¿Qué mejoraría nuestra calle?\n\nUna idea por tarjeta.",
    }
    assert pushed.payload["spec"]["texts"]["es"]["title"] == "Tus ideas"
    rows = runsheet(scene.state.sessions[session])  # the console's run sheet: each title in each language
    assert [r["title"] for r in rows] == ["Your ideas", "Choose", "place"]
    assert [r["texts"]["es"] for r in rows] == ["Tus ideas", "Elige", "place"]
    step = scene.state.steps[pushed.payload["step_id"]]
    assert step.texts == pushed.payload["texts"] and step.to_dict()["texts"] == step.texts
    scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = next(e for e in reversed(scene.entries) if e.kind == "step.pushed")
    check_entry(vote)
    assert vote.payload["options"] == [
        {"id": "o1", "text": "More benches", "texts": {"en": "More benches", "es": "Más bancos"}},
        {"id": "o2", "text": "Fewer cars", "texts": {"en": "Fewer cars", "es": "Menos coches"}},
    ]


def test_a_parameter_the_facilitator_gives_is_the_same_in_every_language() -> None:
    scene = Scene(tables=1)
    session = scene.do(FACILITATOR, type="session.load", script=TWO, params={"topic": "la plaza"}).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    pushed = next(e for e in reversed(scene.entries) if e.kind == "step.pushed")
    assert pushed.payload["texts"]["en"].startswith("What would improve la plaza?")
    assert pushed.payload["texts"]["es"].startswith("¿Qué mejoraría la plaza?")


def test_a_step_of_a_one_language_script_carries_no_texts() -> None:
    """A script without languages pushes exactly what it did before: no ``texts``."""
    scene = Scene(tables=3)
    session = scene.do(FACILITATOR, type="session.load", script=ONE).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    pushed = next(e for e in reversed(scene.entries) if e.kind == "step.pushed")
    assert "texts" not in pushed.payload and "texts" not in pushed.payload["spec"]
    assert "texts" not in scene.state.steps[pushed.payload["step_id"]].to_dict()


def test_a_bad_translation_loads_nothing() -> None:
    """A script missing a language is refused whole: no session, no entry."""
    scene = Scene(tables=1)
    before = len(scene.entries)
    bad = changed("title: {en: Your ideas, es: Tus ideas}", "title: {en: Your ideas, ES: Tus ideas}")
    with pytest.raises(Exception) as err:
        scene.do(FACILITATOR, type="session.load", script=bad)
    assert getattr(err.value, "code", None) == "bad_script"
    assert len(scene.entries) == before and not scene.state.sessions


def test_replay_and_the_report_keep_the_text_as_pushed() -> None:
    """The transcript folds to the same state, and the harvest report shows the default text."""
    scene = Scene(tables=2)
    phone = scene.join("1")
    script = (LIBRARY_DIR / "one-two-four-all.yaml").read_text(encoding="utf-8")
    session = scene.do(FACILITATOR, type="session.load", script=script).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(phone, "Ask the neighbours")
    scene.now += 60_000
    scene.do(FACILITATOR, type="session.next", session_id=session)
    first = next(s for s in scene.state.steps.values() if s.index == 0)
    assert first.status is StepStatus.ENDED
    assert first.texts is not None and first.texts["es"].startswith("¿Qué oportunidades ves")
    assert state_digest(fold("ev1", scene.entries)) == state_digest(scene.state)
    report = markdown(harvest(scene.state, scene.now))
    assert "What opportunities do you see for making progress on this challenge?" in report
    assert "¿Qué oportunidades" not in report
