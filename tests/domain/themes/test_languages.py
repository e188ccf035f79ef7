"""Ideas in several languages, in the pure core: centring per language, labels per language."""

from __future__ import annotations

import numpy as np

from server.domain.themes import IdeaVector, ThemeParams, recluster
from server.domain.themes.label_check import label_problems
from server.domain.themes.labels import terms
from server.domain.themes.languages import centre_by_language, dominant, marked, unmarked


def _unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)
    return out


def shifted_room(seed: int = 0) -> tuple[np.ndarray, list[str], list[str]]:
    """Three topics, each written in two languages; every language shifts its ideas one way, more
    than the topics differ (as a multilingual encoder's vectors do on a room of ideas)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(3, 64))
    shift = {"en": rng.normal(size=64) * 0.6, "pl": rng.normal(size=64) * 0.6}
    rows, langs, truth = [], [], []
    for t in range(3):
        for lang in ("en", "pl"):
            for _ in range(8):
                rows.append(topics[t] + shift[lang] + rng.normal(size=64) * 0.35)
                langs.append(lang)
                truth.append(f"topic{t}")
    return _unit(np.array(rows)), langs, truth


def _groups(vectors: np.ndarray, langs: list[str]) -> list[set[int]]:
    ideas = [IdeaVector(f"i{k}", f"idea {k}", f"t{k % 5}", v, lang=langs[k]) for k, v in enumerate(vectors)]
    theme_map = recluster(ideas, (), ThemeParams())
    return [{int(i[1:]) for i in t.idea_ids} for t in theme_map.themes]


def test_centring_per_language_groups_ideas_by_topic_not_by_language() -> None:
    vectors, langs, truth = shifted_room()
    # as they come, the two languages split the room: no theme holds both
    assert all(len({langs[i] for i in g}) == 1 for g in _groups(vectors, langs))
    centred = centre_by_language(vectors, langs)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    groups = _groups(centred, langs)
    topics = [{truth[i] for i in g} for g in groups]
    assert sorted(len(g) for g in groups) == [16, 16, 16] and all(len(t) == 1 for t in topics), topics
    assert all({langs[i] for i in g} == {"en", "pl"} for g in groups)


def test_a_language_with_one_idea_is_not_centred_on_itself() -> None:
    vectors, langs, _ = shifted_room()
    langs = [*langs[:-1], "cy"]
    centred = centre_by_language(vectors, langs)
    assert np.all(np.isfinite(centred)) and np.linalg.norm(centred[-1]) > 0.99
    assert float(centred[-1] @ vectors[-1]) > 0.3  # still its own idea, not the zero vector


def test_each_language_keeps_its_function_words_out_of_the_candidates() -> None:
    assert terms("que para los autobuses de noche", "es").keys == {"autobus", "noche"}
    assert {"que", "para", "los"} <= terms("que para los autobuses de noche").keys  # read as English: kept
    assert "się" not in terms("autobusy się spóźniają", "pl").keys
    assert "die" not in terms("die Busse kommen nie", "de").keys
    # the same word is an English content word in an English idea
    assert "bin" in terms("a bin on every corner").keys and "bin" not in terms("ich bin allein", "de").keys


def test_words_of_any_alphabet_stay_whole() -> None:
    """The label tokenizer once dropped the Polish "ż" and cut "żłobek" in two."""
    assert "żłobek" in terms("żłobek blisko domu", "pl").keys
    assert "straße" in terms("Straße ohne Autos", "de").keys


def test_a_theme_in_another_language_than_the_event_is_marked() -> None:
    assert marked("Autobusy", "pl", "en") == "Autobusy (pl)"
    assert marked("Autobusy", "pl", "pl") == "Autobusy" and marked("Buses", "", "en") == "Buses"
    assert unmarked("Autobusy (pl)") == "Autobusy" and unmarked("Buses (night)") == "Buses (night)"
    assert dominant(["en", "pl", "pl", ""]) == "pl" and dominant(["", ""]) == ""


def test_the_label_check_refuses_other_languages_function_words() -> None:
    ((*why,),) = label_problems(["que · para · los"], languages={"es"})
    assert "function or filler words: que, para, los" in why
    assert label_problems(["que · para · los"]) == [()]  # as English words it passes: the languages must be given
    assert label_problems(["Autobusy nocne (pl)", "Night buses"], languages={"pl"}) == [(), ()]
    assert label_problems(["Bin collections"]) == [()]  # German's "bin" counts only where German is spoken


def test_a_spanish_theme_in_an_english_room_is_named_in_spanish_and_marked() -> None:
    rng = np.random.default_rng(1)
    english = ["more buses at night", "buses after midnight please", "night buses to the estate"] * 3
    spanish = ["que pongan bancos en la plaza", "bancos para sentarse en la plaza", "más bancos en la plaza"]
    base = rng.normal(size=(2, 32))
    rows = [base[0] + rng.normal(size=32) * 0.1 for _ in english] + [
        base[1] + rng.normal(size=32) * 0.1 for _ in spanish
    ]
    texts = english + spanish
    langs = ["en"] * len(english) + ["es"] * len(spanish)
    vectors = _unit(np.array(rows))
    ideas = [IdeaVector(f"i{k}", t, f"t{k}", vectors[k], lang=langs[k]) for k, t in enumerate(texts)]
    themes = recluster(ideas, (), ThemeParams()).themes
    by_lang = {ideas[int(t.idea_ids[0][1:])].lang: t.label for t in themes}
    assert len(themes) == 2 and by_lang["es"].endswith(" (es)") and "plaza" in by_lang["es"].lower(), by_lang
    assert "(" not in by_lang["en"] and "bus" in by_lang["en"].lower(), by_lang
    assert [p for p in label_problems(list(by_lang.values()), languages={"es"}) if p] == []
    # the event's language given: the English theme is the one marked
    themes = recluster(ideas, (), ThemeParams(language="es")).themes
    assert {t.label.endswith(" (en)") for t in themes} == {True, False}


def test_a_german_label_says_und_and_keeps_its_capitals() -> None:
    rng = np.random.default_rng(2)
    texts = [
        "Verpackungen aus Plastik verbieten",
        "weniger Plastik in Verpackungen",
        "Verpackungen ohne Plastik",
        "Pfand auf Plastik und Verpackungen",
    ]
    texts += ["mehr Radwege in der Stadt", "sichere Radwege für Kinder", "Radwege statt Parkplätze", "breite Radwege"]
    base = rng.normal(size=(2, 32))
    rows = [base[k // 4] + rng.normal(size=32) * 0.1 for k in range(8)]
    vectors = _unit(np.array(rows))
    ideas = [IdeaVector(f"i{k}", t, f"t{k}", vectors[k], lang="de") for k, t in enumerate(texts)]
    labels = sorted(t.label for t in recluster(ideas, (), ThemeParams()).themes)
    assert labels == ["Radwege", "Verpackungen und Plastik"] or labels == ["Plastik und Verpackungen", "Radwege"], (
        labels
    )
    assert label_problems(labels, languages={"de"}) == [(), ()]
