"""Ideas in several languages: function words per language, a theme's language, and the centring
that lets ideas about the same thing in different languages fall into the same theme.

A multilingual encoder (``server/encoders/e5.py``) puts "more buses at night" and "więcej autobusów
w nocy" close together, but every language also shifts all its sentences a little the same way, and
on a room's worth of ideas that shift is enough for the themes to sort ideas by language. Taking
most of each language's mean vector off its ideas (``centre_by_language``) removes the shift and
keeps the meaning: docs/themes.md, "Multilingual themes", has the numbers.

Pure functions over plain data; each idea's language comes from outside (``IdeaVector.lang``: an
ISO 639-1 code, or "" when unknown).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

# Words that carry no subject in each language the benchmark and the first events use (pronouns,
# articles, prepositions, conjunctions, auxiliaries, particles, the commonest adverbs and asking
# words): never part of a label for an idea in that language. English lives in labels.py.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset(
        """
        a al algo algún alguna algunas alguno algunos allí ante antes aquí así aunque bien cada como con
        contra cual cuando de del desde donde dos e el él ella ellas ellos en entre era eran es esa esas
        ese eso esos esta está están estar estas este esto estos estoy fue fueron ha había han hasta hay
        la las le les lo los más me mi mis mucho muy nada ni no nos nosotros nuestra nuestro o os otra
        otras otro otros para pero poco por porque puede pueden que qué quien se sea ser si sí sin sobre
        solo son su sus también tan tanto te tener tengo tiene tienen todo todos tu tus un una unas uno
        unos usted vez y ya yo hace hacer hacen falta favor quiero queremos necesitamos necesito mejor
        menos cosa cosas gente siempre nunca ahora aún todavía luego entonces vamos ir va voy hay haber
        tener poner quitar dar decir ver año años día días vez veces hacerlo
        """.split()
    ),
    "pl": frozenset(
        """
        a aby albo ale bardzo bez bo by być był była było były chcę chcemy co czy dla do dużo gdy gdzie
        go i ich ile im ja jak jako je jego jej jest jestem jeszcze jeśli już każdy kiedy kto która które
        który których lub ma mają mam mamy mi mnie może można mój moja moje my na nad nam nas nawet nic
        nie niech nigdy nim no o od oraz po pod potrzeba potrzebne proszę przed przez przy się są ta tak
        także tam te tego tej ten też to tu tylko tym u w we więcej więc wszystko wszyscy z za ze że żeby
        jakie jaki jakaś coś ktoś trzeba zawsze teraz lepiej lepsze mniej bardziej sobie swoje swój
        robić mieć być mogę może musi musimy iść jest są rok lata lat dzień dni raz razy
        """.split()
    ),
    "de": frozenset(
        """
        aber alle allem allen aller alles als also am an auch auf aus bei bin bis bitte da damit dann das
        dass dem den denn der des die dies diese diesem diesen dieser doch dort du durch ein eine einem
        einen einer es für gibt hat hatte haben habe hier ich ihr im immer in ist ja jetzt kann kein keine
        können man mehr mein meine mich mir mit muss müssen nach nicht noch nur ob oder ohne schon sehr
        sein seine sich sie sind so soll sollte um und uns unser unsere viel von vor war waren was weil
        jede jeden jeder jedes jedem einmal mal gar ganz werden wurde wurden würde würden worden
        sollen sollten darf dürfen dürfte könnte könnten müsste sei seien wäre wären hätte hätten
        statt anstatt sowie bzw zb dass ab bereits sodass sondern gegen machen macht gehen geht kommen
        kommt haben hat tun jahr jahre jahren tag tage tagen
        wenn wer wie wir wird wo zu zum zur über besser weniger brauchen braucht leute sachen etwas nie
        """.split()
    ),
    "cy": frozenset(
        """
        a ac ar at am y yr mae oes dim ddim yn i o fy ei eu ein eich ni chi nhw hi fe fo mi ti efo gyda
        neu ond os fel hefyd iawn mwy llai rhaid angen eisiau bod oedd roedd ydy ydw wedi yw sy sydd
        hyn hynny hwn hon pan lle pam pwy beth be sut rydw rydyn dw mewn gan heb dros
        """.split()
    ),
    "ur": frozenset(
        """
        اور کا کی کے میں سے کو نے ہے ہیں تھا تھی تھے پر یہ وہ بھی نہیں کہ جو تو ہم آپ مجھے ہمیں کیا کچھ
        ایک لیے ساتھ بہت زیادہ کم چاہیے ہو ہوں گا گی گے رہا رہی رہے اگر لیکن یا جب تک اب
        """.split()
    ),
}

# "A and B" in the label's own language
AND = {"de": "und", "es": "y", "pl": "i", "cy": "a", "fr": "et", "pt": "e", "it": "e", "nl": "en", "ur": "اور"}
# languages that write their nouns with a capital ("Verpackungen"): labels keep the case as written
NOUN_CAPITALS = frozenset({"de", "lb"})

SHARE = 0.75  # of a language's mean vector taken off its ideas (all of it let too few ideas stand out)
PRIOR = 5  # ideas: a language with few ideas is centred mostly on the mean of all of them
MARK = re.compile(r" \(([a-z]{2,3})\)$")  # "Autobusy nocne (pl)": a label in another language than the event's


def function_words(lang: str) -> frozenset[str]:
    """The words that never name a theme in ``lang`` (none known: the empty set)."""
    return FUNCTION_WORDS.get(lang, frozenset())


def centre_by_language(
    vectors: NDArray[np.float32], langs: Sequence[str], share: float = SHARE, prior: int = PRIOR
) -> NDArray[np.float32]:
    """Unit vectors with ``share`` of their language's mean taken off, renormalised.

    A language with n ideas is centred on ``(n * its mean + prior * the mean of all) / (n + prior)``
    (one idea in Welsh is not centred on itself), ideas of unknown language ("") on the mean of all.
    """
    if len(vectors) == 0:
        return vectors.astype(np.float32)
    raw = np.asarray(vectors, dtype=np.float64)
    overall = raw.mean(axis=0)
    codes = np.asarray(list(langs), dtype=object)
    out = raw.copy()
    for lang in set(langs):
        rows = codes == lang
        if not lang:
            out[rows] -= share * overall
            continue
        n = int(rows.sum())
        centre = (n * raw[rows].mean(axis=0) + prior * overall) / (n + prior)
        out[rows] -= share * centre
    norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    result: NDArray[np.float32] = (out / norms).astype(np.float32)
    return result


def dominant(langs: Sequence[str]) -> str:
    """The commonest known language of ``langs`` ("" when none is known); ties go to the first seen."""
    counts = Counter(lang for lang in langs if lang)
    if not counts:
        return ""
    best = max(counts.values())
    return next(lang for lang in langs if lang and counts[lang] == best)


def joined(label: str, lang: str) -> str:
    """An automatic "A and B" label with the "and" of its own language: "Verpackungen und Plastik"."""
    word = AND.get(lang)
    return label.replace(" and ", f" {word} ", 1) if word else label


def marked(label: str, lang: str, event_lang: str) -> str:
    """``label`` with its language in brackets when it is known and not the event's: "Autobusy (pl)"."""
    if not lang or not event_lang or lang == event_lang:
        return label
    return f"{unmarked(label)} ({lang})"


def unmarked(label: str) -> str:
    """A label without its language mark."""
    return MARK.sub("", label)
