from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.domain.themes.label_check import content_words, label_problems, readable_share

SETS = Path(__file__).resolve().parents[3] / "bench" / "data" / "themes"
TOWN = "What would make our town a better place to grow older in?"


def test_short_noun_phrases_pass() -> None:
    """One to four content words, joined by "and", "for", "with"... read well from the back of a hall."""
    labels = [
        "Night buses",
        "Benches and public toilets",
        "Care at home and support for carers",
        "Dementia-friendly town",
    ]
    assert label_problems(labels, TOWN) == [(), (), (), ()]


def test_filler_and_function_words_fail() -> None:
    """The labels issue 16 saw on the projector: keyword filler, a lone "people", a "Theme:" prefix."""
    problems = label_problems(["take · dont · lose", "people", "Theme: calls", "the buses"])
    assert problems[0] == ("function or filler words: take, dont",)
    assert problems[1] == ("function or filler words: people", "no content word")
    assert problems[2] == ("function or filler words: theme",)
    assert problems[3] == ("function or filler words: the",)


def test_a_joining_word_counts_only_between_two_words() -> None:
    """ "for" joins "Homes for later life" but is filler at either end of a label."""
    assert label_problems(["Homes for later life", "Buses for", "and parks"]) == [
        (),
        ("function or filler words: for",),
        ("function or filler words: and",),
    ]


def test_a_sentence_cut_short_fails() -> None:
    """The central idea standing in for a label is too long, and says so with its ellipsis."""
    (problem,) = label_problems(["cant get a gp appointment, you ring at 8am and its…"])
    assert problem[0] == "cut short"
    assert any(p.startswith("function or filler words") for p in problem)
    assert label_problems(["night buses safer streets cheaper fares"]) == [("6 content words (at most 4)",)]


def test_a_repeated_label_fails_from_its_second_use() -> None:
    """Plurals and word order do not make a different label; the first use keeps its place."""
    assert label_problems(["Night buses", "Parks", "bus night"]) == [(), (), ("repeats 'Night buses'",)]


def test_a_label_that_only_restates_the_topic_fails() -> None:
    """At an event about growing older, "Growing older" or "Our town" names no theme."""
    problems = label_problems(["Growing older", "Town", "Older drivers"], TOWN)
    assert problems == [("only the event's topic",), ("only the event's topic",), ()]
    assert label_problems(["Minimum wage"], "$15/hour: how will the new minimum wage law affect Seattle?") == [
        ("only the event's topic",)
    ]


def test_readable_share_counts_passing_labels() -> None:
    assert readable_share(["Night buses", "people", "Parks", "parks"]) == 0.5
    assert readable_share([]) == 1.0
    assert content_words("Banks, cash and the post office") == ["banks", "cash", "post", "office"]


@pytest.mark.parametrize("name", [s["name"] for s in json.loads((SETS / "sets.json").read_text())])
def test_the_hand_written_theme_names_of_every_benchmark_set_pass(name: str) -> None:
    """The realistic sets' own theme names (bench/data/themes) are what a good label looks like."""
    (entry,) = [s for s in json.loads((SETS / "sets.json").read_text()) if s["name"] == name]
    rows = [json.loads(line) for line in (SETS / entry["file"]).read_text().splitlines()]
    names = list(dict.fromkeys(r["theme"] for r in rows if not r.get("hidden")))
    assert len(names) >= 7
    assert dict(zip(names, label_problems(names, entry["topic"]), strict=True)) == dict.fromkeys(names, ())
