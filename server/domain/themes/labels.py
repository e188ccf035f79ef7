"""Short readable labels: the words that set a theme apart, plus its most central idea.

A label must read from the back of a hall, so it is two or three words, not a sentence. Each word
(or two-word phrase) is scored by how many of the theme's ideas use it times how rare it is among
all ideas (class-based TF-IDF): "buses" in a transport theme beats "more", which every theme has.
A word must appear in at least two of the theme's ideas, so one idea's wording never names a
theme. When no word qualifies, the central idea (closest to the theme's direction) stands in,
shortened. The central idea is also returned as the theme's example, for a subtitle.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

WORD = re.compile(r"[a-z][a-z0-9+#'-]*[a-z0-9+#]|[a-z]")  # keeps "top-up", "c++", "don't" whole
# Words that say nothing about what a theme is about: function words, and the wish words every
# idea at an event uses ("we need more...", "better...").
STOP = frozenset(
    """
    about above after again against all also always among and any are aren't because been before being
    below between both but can can't cannot could couldn't did didn't does doesn't doing don't down during
    each either else even ever every few for from further get gets getting got had hasn't has have haven't
    having her here hers herself him himself his how however i'm i've into isn't it's its itself just
    let's less like lot lots make makes many may more most much must mustn't myself need needs neither
    never nor not now off once one only onto other others ought our ours ourselves out over own per
    please put rather really same see seem seems shan't she should shouldn't since some such than that
    that's the their theirs them themselves then there there's these they they're this those though
    through too under until upon use used using very want wants was wasn't way ways well were weren't
    what what's when where which while who whom whose why will with within without won't would wouldn't
    yet you you're your yours yourself yourselves better good great new thing things something
    """.split()
)
MAX_KEYWORDS = 3
MAX_FALLBACK_CHARS = 40


def terms(text: str) -> set[str]:
    """Content words of ``text`` and the two-word phrases they form, lower-cased."""
    words = [w.strip("'") for w in WORD.findall(text.lower())]
    kept = [w if len(w) > 2 and w not in STOP else "" for w in words]
    phrases = {f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False) if a and b}
    return {w for w in kept if w} | phrases


def document_frequency(term_sets: Sequence[set[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for s in term_sets:
        counts.update(s)
    return counts


def keywords(members: Sequence[set[str]], everywhere: Counter[str], total: int) -> tuple[str, ...]:
    """Up to three distinctive terms of a theme whose ideas' terms are ``members``."""
    inside = document_frequency(members)
    scored = sorted(
        ((count * math.log(1 + total / everywhere[t]), t) for t, count in inside.items() if count >= 2),
        key=lambda st: (-round(st[0], 9), -st[1].count(" "), st[1]),  # ties: the phrase
    )
    chosen: list[str] = []
    for _, term in scored:
        if any(_stems(term) & _stems(c) for c in chosen):
            continue  # "public transport" and "transport", or "atm" and "atms": say it once
        chosen.append(term)
        if len(chosen) == MAX_KEYWORDS:
            break
    return tuple(chosen)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _stems(term: str) -> set[str]:
    """The words of a term and of its hyphenated parts, plurals folded: enough to spot repeats."""
    return {_stem(w) for w in re.split(r"[ -]", term) if w}


def shorten(text: str, limit: int = MAX_FALLBACK_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:") + "…"


def label_for(words: Sequence[str], example_text: str) -> str:
    return " · ".join(words) if words else shorten(example_text)
