"""Labels people can read from the back of a hall: one short noun phrase per theme, none repeated.

Each theme's candidates are the content words of its ideas and the two-word phrases they form
("night buses", "empty shops"), plurals folded ("bus" and "buses" count as one). A candidate
scores by class-based TF-IDF: the share of the theme's ideas that use it, times how rare it is
across all ideas (``log(1 + ideas per theme / ideas using it)``), so "buses" names the transport
theme and "town", which every theme has, names none. A phrase scores a little higher than its words
(it says more), and a candidate must be used by at least two of the theme's ideas, so one idea's
wording never names a theme.

What never names a theme, in Wholeroom's own words:

- function words and contractions ("the", "dont", "isnt");
- the words people use to ask for anything ("need", "more", "better", "want", "stop", "make") and
  other verbs ("take", "lose", "feel");
- vague nouns alone ("people", "things", "area", "ideas"), and describing words alone ("free",
  "young", "local"): "young people" and "free parking" are fine, "people" and "free" are not;
- the event's topic: words of the question texts passed in, and words that half the themes share,
  unless the phrase adds a word of its own.

Labels are unique: when two themes want the same one, the theme it fits better keeps it and the
other takes its next candidate. A theme keeps its previous label while that label still fits
(among its candidates, at least half as strong as the best), so labels do not flicker between
re-clusterings. Without a candidate, the central idea's most distinctive words stand in.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .languages import NOUN_CAPITALS, function_words

# letters of any alphabet ("żłobek", "Straße", "اور"), keeps "top-up", "c++", "don't" whole
WORD = re.compile(r"[^\W\d_](?:[\w+#'-]*[\w+#])?")
BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”/|]+|\s[-–—]+\s|\s&\s")  # a phrase never spans these

FUNCTION = """
a about above across after again against all almost along also although always am among an and any
anyone anything are aren't around as at be because been before being below between both but by can
can't cannot could couldn't did didn't do does doesn't doing don't done down during each either else
enough etc even ever every everyone everything few for from further had hadn't has hasn't have haven't
having he her here hers herself him himself his how however i i'd i'll i'm i've if in instead into is
isn't it it's its itself just least less let let's lot lots many may maybe me might mine more most
much must mustn't my myself neither never no nobody none nor not nothing now of off often on once one
only onto or other others ought our ours ourselves out over own per perhaps please quite rather
really same several shall shan't she should shouldn't since so some someone something sometimes still
such than that that's the their theirs them themselves then there there's these they they'd they'll
they're they've this those though through thus to too toward towards under unless until up upon us
very via was wasn't we we'd we'll we're we've were weren't what what's whatever when whenever where
whether which while who whoever whom whose why will with within without won't would wouldn't yes yet
you you'd you'll you're you've your yours yourself yourselves ok oh hi pm eg ie ps vs mr ms dr st im
lol yeah twice thrice okay tbh idk bc u ur already another anyway soon
"""
# asking for anything, and verbs that never head a noun phrase
ASKING = """
able actually add allow allowed ask asked bring build built came come comes coming consider create
created decide deal dealt do ensure encourage feel felt find found get gets getting give given gives
go goes going gone got gotten happen happens help helps hope improve improved improving increase keep
keeps kept know known like liked likes look looking lose losing lost love made make makes making mean means fell
need needed needs offer offered pls plz provide put reduce said say says see seem seems seen should
show start started stop stopped sure take taken takes taking tell think thinks thought took try trying understand
use used uses using want wanted wants went wish work works would
"""
# filler: says nothing about a theme, anywhere in a label ("people", "things", "better")
FILLER = """
people person everyone everybody someone somebody anyone anybody everything anything something nothing
thing things stuff lot lots bit bits kind kinds sort sorts way ways idea ideas point points issue issues
problem problems more most less least better best good great nice bad much many theme themes topic
"""
# describing words: fine in front of a noun ("free parking"), never a label alone or last
DESCRIBING = """
affordable available basic big bigger cheap cheaper clean cleaner clear close common current different
difficult easier easy enough entire equal extra fair free full general green high higher huge important large
little local long low lower main modern new normal old older open other poor possible proper real safe
safer simple small smaller special strong sure true various whole wide wider young younger
"""
# vague nouns: fine at the end of a phrase ("green spaces", "meeting places"), never a label alone
VAGUE = """
area areas case day days example fact group groups life matter matters part parts place places side
space spaces time times week weeks year years mum mom dad husband wife partner son daughter friend
friends neighbour neighbours nan gran grandma grandad
"""
# nouns that end like adverbs
NOUNS_IN_LY = frozenset(
    "assembly family supply reply rally bully jelly italy july ally belly holly lily monopoly".split()
)
STOP = frozenset(FUNCTION.split()) | frozenset(w.replace("'", "") for w in FUNCTION.split() if "'" in w)
NEVER = STOP | frozenset(ASKING.split()) | frozenset(FILLER.split())
MODIFIER = frozenset(DESCRIBING.split())
NOT_ALONE = MODIFIER | frozenset(VAGUE.split())

MAX_KEYWORDS = 3
UNNAMED = "Unsorted"  # only when a theme's ideas have no content word at all
MAX_FALLBACK_WORDS = 3
PHRASE_BONUS = 1.3  # "night buses" over "buses" when both are as common
PAIR = 0.85  # "A and B" when B scores at least this share of A
KEEP_PREVIOUS = 0.5  # an old label stays while it scores at least half the best candidate
TOPIC_SHARE = 0.5  # a word in at least half of the themes (and 3 or more) is the event's topic


@dataclass(slots=True)
class IdeaTerms:
    """One idea's candidate terms (by key) and the surface text each key was written as."""

    keys: set[str] = field(default_factory=set)
    surface: dict[str, str] = field(default_factory=dict)


def fold(word: str) -> str:
    """Plural to singular, well enough to spot repeats: buses -> bus, benches -> bench, cities -> city."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def root(word: str) -> str:
    """A word's root, coarser than ``fold``, to tell whether two labels say the same thing
    ("parking" and "park", "older" and "old") or a label only says the topic ("growing", "grow")."""
    word = fold(word.lower())
    for ending in ("ing", "ed", "er"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def roots(label: str) -> frozenset[str]:
    """The roots of a label's content words: two labels with the same roots say the same thing."""
    return frozenset(root(w) for w in _words(label) if w.lower() not in NEVER)


WORD_ANY_CASE = re.compile(WORD.pattern, re.IGNORECASE)


def _words(chunk: str, keep_case: bool = False) -> list[str]:
    """Words as written; an abbreviation in capitals ("GP", "NHS") keeps them, others are lower-cased
    (``keep_case``: all keep their case, for a language that capitalises its nouns)."""
    out = []
    for w in WORD_ANY_CASE.findall(chunk):
        w = w.strip("'")
        w = (w[:-2] if w.lower().endswith("'s") else w).replace("'", "")  # people's -> people
        out.append(w if keep_case or (len(w) > 1 and w.isupper() and w.isalpha()) else w.lower())
    return out


def _never(word: str, foreign: frozenset[str] = frozenset()) -> bool:
    """Function words (English, and ``foreign``: those of the idea's own language), asking words,
    adverbs ("properly"), numbers: never part of a label."""
    if word in NEVER or word in foreign or len(word) < 2 or word[0].isdigit():
        return True
    return len(word) > 5 and word.endswith("ly") and word not in NOUNS_IN_LY


def _describing(word: str) -> bool:
    """Describing words, past participles ("scared", "isolated") included: never alone, never last."""
    return word in MODIFIER or (len(word) > 4 and word.endswith("ed") and not word.endswith("eed"))


def terms(text: str, lang: str = "") -> IdeaTerms:
    """Content words of ``text`` and the two-word phrases they form, plurals folded; ``lang``, the
    idea's language, adds its function words to those never used ("que", "para", "się")."""
    out = IdeaTerms()
    foreign = function_words(lang)
    for chunk in BREAK.split(text.replace("’", "'")):
        run: list[str] = []
        for word in [*_words(chunk, lang in NOUN_CAPITALS), ""]:
            if word and not _never(word.lower(), foreign):
                run.append(word)
                continue
            for k, w in enumerate(run):
                if not _describing(w.lower()):
                    _add(out, (w,))
                if k + 1 < len(run) and not _describing(run[k + 1].lower()):
                    _add(out, (w, run[k + 1]))
            run = []
    return out


def _add(out: IdeaTerms, words: tuple[str, ...]) -> None:
    key = " ".join(fold(w.lower()) for w in words)
    out.keys.add(key)
    out.surface.setdefault(key, " ".join(words))


def topic_keys(texts: Iterable[str]) -> frozenset[str]:
    """The roots of the content words of the event's question texts."""
    return frozenset(r for t in texts for r in roots(t))


def document_frequency(term_sets: Sequence[IdeaTerms]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for s in term_sets:
        counts.update(s.keys)
    return counts


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    text: str
    score: float


_FOLDED_NOT_ALONE = NOT_ALONE | frozenset(fold(w) for w in NOT_ALONE)
_FOLDED_VAGUE = frozenset(fold(w) for w in VAGUE.split())


def is_labelable(key: str, topic: frozenset[str]) -> bool:
    """A word alone must be neither vague, describing nor the topic; a phrase needs one word that is
    neither vague nor the topic ("young people" yes, "town people" no)."""
    words = key.split(" ")
    if len(words) == 1:
        return key not in _FOLDED_NOT_ALONE and root(key) not in topic
    return any(root(w) not in topic and w not in _FOLDED_VAGUE for w in words)


def _spellings(surface: Counter[tuple[str, str]]) -> dict[str, str]:
    """How each term is written most often; a word alone in its plural when a third of its uses
    are plural ("Buses", "Toilets", but "Council")."""
    by_key: dict[str, Counter[str]] = {}
    for (key, text), count in surface.items():
        by_key.setdefault(key, Counter())[text] += count
    out = {}
    for key, texts in by_key.items():
        ranked = sorted(texts.items(), key=lambda tc: (-tc[1], tc[0]))
        plural = [(t, c) for t, c in ranked if " " not in key and t.lower() != key]
        if plural and 3 * sum(c for _, c in plural) >= sum(texts.values()):
            out[key] = plural[0][0]
        else:
            out[key] = ranked[0][0]
    return out


def candidates(
    members: Sequence[IdeaTerms],
    everywhere: Counter[str],
    per_theme: float,
    topic: frozenset[str] = frozenset(),
    least: int = 2,
) -> list[Candidate]:
    """This theme's terms, best first: share of its ideas using the term times its rarity overall."""
    inside = document_frequency(members)
    size = max(len(members), 1)
    surface: Counter[tuple[str, str]] = Counter()
    for m in members:
        surface.update(m.surface.items())
    spoken = _spellings(surface)
    out = []
    for key, count in inside.items():
        if count < least or not is_labelable(key, topic):
            continue
        score = count / size * math.log(1 + per_theme / everywhere[key])
        if " " in key:
            score *= PHRASE_BONUS
        out.append(Candidate(key, spoken[key], score))
    out.sort(key=lambda c: (-round(c.score, 9), -c.key.count(" "), c.key))
    return out


def _stems(key: str) -> set[str]:
    return {w for part in key.split(" ") for w in part.split("-") if w}


def _pair(ranked: Sequence[Candidate]) -> list[Candidate]:
    """ "Toilets and benches": the two best terms together, when the second is nearly as strong as
    the first (a theme with two faces), they share no word, and together they are short."""
    if len(ranked) < 2:
        return []
    first = ranked[0]
    mine = {root(w) for w in first.key.split(" ")}
    second = next((c for c in ranked[1:] if not {root(w) for w in c.key.split(" ")} & mine), None)
    if second is None or second.score < PAIR * first.score:
        return []
    if len(first.text.split()) + len(second.text.split()) > 3:
        return []
    return [Candidate(f"{first.key} & {second.key}", f"{first.text} and {second.text}", first.score + 1e-6)]


def keywords(ranked: Sequence[Candidate], limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """Up to ``limit`` distinctive terms, each word said once ("night buses", not also "buses")."""
    chosen: list[Candidate] = []
    for c in ranked:
        if any(_stems(c.key) & _stems(k.key) for k in chosen):
            continue
        chosen.append(c)
        if len(chosen) == limit:
            break
    return tuple(c.text for c in chosen)


def readable(text: str) -> str:
    """A label as shown: its first letter capitalised ("Night buses")."""
    return text[:1].upper() + text[1:]


def fallback(example: IdeaTerms, everywhere: Counter[str], topic: frozenset[str]) -> list[str]:
    """When no term is shared: the central idea's content phrases and words, rarest first."""
    keys = sorted((k for k in example.keys if is_labelable(k, topic)), key=lambda k: (everywhere[k], -k.count(" "), k))
    return [example.surface[k] for k in keys]


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L")):
        count, n = divmod(n, value)
        out += letters * count
    for value, letters in ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out += letters * count
    return out


def learned_topic(ranked: Sequence[Sequence[Candidate]]) -> frozenset[str]:
    """Single words that at least half of the themes (3 or more) have among their candidates."""
    if len(ranked) < 3:
        return frozenset()
    spread: Counter[str] = Counter()
    for theme in ranked:
        spread.update({root(c.key) for c in theme if " " not in c.key})
    need = max(3, math.ceil(TOPIC_SHARE * len(ranked)))
    return frozenset(k for k, n in spread.items() if n >= need)


def assign(
    ranked: Sequence[Sequence[Candidate]],
    previous: Sequence[str | None],
    taken: Iterable[str] = (),
    fallbacks: Sequence[Sequence[str]] = (),
) -> list[str]:
    """One label per theme, none saying the same as another or a ``taken`` one (same roots).

    A theme whose ``previous`` label is still among its candidates, at least half as strong as its
    best, keeps it. Otherwise the strongest (theme, candidate) pairs are settled first, so a term
    goes to the theme it fits best.
    """
    used = {roots(t) for t in taken}
    labels: list[str | None] = [None] * len(ranked)
    for t, (theme, old) in enumerate(zip(ranked, previous, strict=True)):
        if old is None or not theme:
            continue
        top = theme[0].score
        kept = next((c for c in theme if readable(c.text) == old and c.score >= KEEP_PREVIOUS * top), None)
        if kept is not None and roots(old) not in used:
            labels[t] = old
            used.add(roots(old))
    pairs = sorted(
        ((c.score, t, rank, c) for t, theme in enumerate(ranked) for rank, c in enumerate(theme[:12])),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    for _, t, _, c in pairs:
        text = readable(c.text)
        if labels[t] is None and roots(text) not in used:
            labels[t] = text
            used.add(roots(text))
    out = []
    for t, label in enumerate(labels):
        if label is None:
            spare = [readable(f) for f in (fallbacks[t] if t < len(fallbacks) else ())]
            label = next((f for f in spare if roots(f) not in used), None)
            if label is None:
                base = spare[0] if spare else UNNAMED
                label, n = base, 2
                while roots(label) in used:  # "Unsorted II", "Unsorted III": each a new word
                    label, n = f"{base} {_roman(n)}", n + 1
            used.add(roots(label))
        out.append(label)
    return out


def name_groups(
    groups: Sequence[Sequence[IdeaTerms]],
    examples: Sequence[IdeaTerms],
    everywhere: Counter[str],
    topic: frozenset[str] = frozenset(),
    fixed: Sequence[str | None] = (),
    previous: Sequence[str | None] = (),
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Labels and keywords of several groups of ideas (themes, or a theme's sub-themes) at once:
    ``fixed[k]`` is a label given by the facilitator (kept, and taken by no other group),
    ``previous[k]`` the automatic label group k had last time (kept while it fits)."""
    size = max(sum(len(g) for g in groups), 1)
    per_theme = size / max(len(groups), 1)
    ranked = [candidates(g, everywhere, per_theme, topic) for g in groups]
    topic = topic | learned_topic(ranked)
    ranked = [[c for c in r if is_labelable(c.key, topic)] for r in ranked]
    named = [_pair(r) + r for r in ranked]
    fixed = [*fixed, *[None] * (len(groups) - len(fixed))]
    previous = [*previous, *[None] * (len(groups) - len(previous))]
    open_ranked = [r if fixed[k] is None else [] for k, r in enumerate(named)]
    fallbacks = [fallback(e, everywhere, topic) for e in examples]
    chosen = assign(open_ranked, previous, [f for f in fixed if f], fallbacks)
    labels = [f or c for f, c in zip(fixed, chosen, strict=True)]
    return labels, [keywords(r) for r in ranked]


def label_texts(
    groups: Sequence[Sequence[str]], examples: Sequence[str], fixed: Sequence[str | None] = ()
) -> list[tuple[str, tuple[str, ...]]]:
    """``name_groups`` for plain texts: (label, keywords) per group, the IDF taken over all groups."""
    sets = [[terms(t) for t in g] for g in groups]
    everywhere = document_frequency([s for g in sets for s in g])
    labels, words = name_groups(sets, [terms(e) for e in examples], everywhere, fixed=fixed)
    return list(zip(labels, words, strict=True))
