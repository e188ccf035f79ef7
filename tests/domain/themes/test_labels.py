from __future__ import annotations

from server.domain.themes import label_check
from server.domain.themes.labels import NEVER, document_frequency, label_texts, name_groups, terms

TRANSPORT = [
    "More buses at night",
    "Better public transport after dark",
    "Night buses every 15 minutes",
    "public transport should be free",
]
PARKS = ["more parks", "parks for kids", "a park with trees"]


def test_a_theme_is_named_by_a_short_phrase_its_ideas_share() -> None:
    """Words every idea uses ("more", "better") and words of one idea only ("dark") never name a theme;
    a shared two-word phrase wins over its single words."""
    (transport, words), (parks, _) = label_texts([TRANSPORT, PARKS], [TRANSPORT[0], PARKS[0]])
    assert transport == "Public transport" and words[:2] == ("public transport", "buses")
    assert parks == "Parks"


def test_filler_never_names_a_theme() -> None:
    """ "take", "dont", "lose", "people" and "things" are not labels, even when every idea says them."""
    filler = ["dont take away the library", "people dont want to lose the library", "take the library things"]
    other = ["people want cheaper bus fares", "bus fares are too high", "free bus fares for kids"]
    (library, _), (fares, _) = label_texts([filler, other], [filler[0], other[0]])
    assert library == "Library" and fares == "Bus fares"


def test_the_events_topic_never_names_a_theme_alone() -> None:
    """With the question "How should the town centre change?", "town centre" names no theme."""
    groups = [
        ["the town centre needs benches", "benches in the town centre", "more benches please"],
        ["town centre shops are empty", "empty shops in the town centre", "too many empty shops"],
    ]
    sets = [[terms(t) for t in g] for g in groups]
    everywhere = document_frequency([s for g in sets for s in g])
    topic = frozenset({"town", "centre"})
    labels, _ = name_groups(sets, [g[0] for g in sets], everywhere, topic)
    assert labels == ["Benches", "Empty shops"]


def test_words_shared_by_most_themes_are_the_topic() -> None:
    """A word in the candidates of at least half of the themes (here "library") names none of them."""
    groups = [
        ["library opening hours", "longer library opening hours", "opening hours at weekends"],
        ["library books for children", "children's books in the library", "more books for children"],
        ["library computers are slow", "new computers in the library", "computers keep crashing"],
        ["quiet study space", "a quiet room to study", "quiet study desks in the library"],
    ]
    labels = [label for label, _ in label_texts(groups, [g[0] for g in groups])]
    assert all("library" not in label.lower() for label in labels)


def test_no_two_themes_share_a_label_and_a_given_name_is_taken() -> None:
    """Two themes wanting "Buses" do not both get it; a facilitator's name is never reused."""
    a = ["buses to the hospital", "buses are late", "buses at night"]
    b = ["buses for school", "buses are full", "school buses are full"]
    c = ["cycle lanes", "safe cycle lanes", "cycle lanes on main roads"]
    labels = [x for x, _ in label_texts([a, b, c], [a[0], b[0], c[0]], [None, None, "Buses"])]
    assert len({x.casefold() for x in labels}) == 3 and labels[2] == "Buses"


def test_plurals_are_one_word() -> None:
    """ "ATM" and "ATMs" count together, and the label says it once."""
    ideas = ["ATM took my card", "which atms take this card", "atm fees", "the atm ate my card again"]
    (label, words), _ = label_texts([ideas, ["parks", "more parks"]], [ideas[0], "parks"])
    assert sum(w.lower().startswith("atm") for w in [label, *words[:1]]) >= 1
    assert sum(w.startswith("atm") for w in words) == 1


def test_a_previous_label_stays_while_it_still_fits() -> None:
    """A theme called "Night buses" last time keeps it although "Buses" now scores a little higher."""
    ideas = ["night buses please", "night buses to the estates", "buses on sundays", "buses are late", "buses to town"]
    sets = [[terms(t) for t in ideas], [terms(t) for t in PARKS]]
    everywhere = document_frequency([s for g in sets for s in g])
    fresh, _ = name_groups(sets, [g[0] for g in sets], everywhere)
    kept, _ = name_groups(sets, [g[0] for g in sets], everywhere, previous=["Night buses", None])
    assert fresh[0] == "Buses" and kept[0] == "Night buses"


def test_without_a_shared_word_the_central_idea_gives_a_few_words() -> None:
    """A theme whose ideas share no content word is named by the central idea's rarest words."""
    lonely = ["We should really have cheaper passes for students", "skateboard ramps"]
    (label, _), _ = label_texts([lonely, PARKS], [lonely[0], PARKS[0]])
    assert 1 <= len(label.split()) <= 3 and label.lower() in lonely[0].lower()


def test_no_word_the_label_check_rejects_can_name_a_theme() -> None:
    """Every function or filler word of the label check is one the labeller never uses ("took",
    "another" once named themes and failed the check)."""
    rejected = {w.replace("'", "") for w in label_check._GRAMMAR | label_check.FILLER if len(w) > 1}
    assert sorted(w for w in rejected if w not in NEVER) == []
