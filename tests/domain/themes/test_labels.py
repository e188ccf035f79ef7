from __future__ import annotations

from server.domain.themes.labels import document_frequency, keywords, label_for, terms

ROOM = [
    "More buses at night",
    "Better public transport after dark",
    "Night buses every 15 minutes",
    "public transport should be free",
    "more parks",
    "parks for kids",
]


def test_keywords_are_distinctive_words_shared_by_several_ideas() -> None:
    """Words every idea uses ("more", "better") and words of one idea only ("dark") never name a theme."""
    sets = [terms(t) for t in ROOM]
    everywhere = document_frequency(sets)
    assert keywords(sets[:4], everywhere, len(ROOM)) == ("public transport", "buses", "night")
    assert keywords(sets[4:], everywhere, len(ROOM)) == ("parks",)


def test_plurals_and_hyphenated_words_are_said_once() -> None:
    """"ATM" and "ATMs", or "top" and "top-up", do not both appear in one label."""
    ideas = ["ATM took my card", "which atms take this card", "atm fees", "top-up failed", "my top up is pending"]
    sets = [terms(t) for t in ideas]
    words = keywords(sets, document_frequency(sets), len(ideas))
    assert sum(w.startswith("atm") for w in words) == 1 and sum(w.startswith("top") for w in words) <= 1


def test_without_a_shared_word_the_central_idea_names_the_theme() -> None:
    """A theme whose ideas share no content word is labelled by its central idea, shortened."""
    assert label_for((), "We should really have a much cheaper public transport pass for students") == (
        "We should really have a much cheaper…"
    )
