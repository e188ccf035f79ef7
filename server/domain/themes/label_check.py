"""Can a theme's label be read from the back of a hall? A pure check of labels, whoever wrote them.

A good label is a short noun phrase that says what sets a theme apart: "Night buses", "Benches and
public toilets", "Small businesses squeezed". The check refuses what issue 16 found on the
projector: keyword lists of filler ("take · dont · lose"), a lone "people", a sentence cut short
(the central idea standing in), the same label on two themes, and a catch-all that only repeats the
event's question. It knows nothing of how labels are made (``labels.py``), so it can judge them.

Rules, each giving a reason when broken:

- one to four **content words**; joining words ("and", "of", "for", "with"...) are allowed between
  two words of a phrase and are not counted;
- no **function or filler word** anywhere else ("the", "dont", "people", "need", "more");
- not **cut short** ("…");
- not a **repeat** of an earlier label (same content words, plurals folded);
- not **only the topic**: at least one content word that the event's question does not already say.

A label may end with its language in brackets ("Autobusy nocne (pl)", ``languages.marked``); the mark
is not part of the phrase. In a room of several languages the function words of each of them count
too ("que · para · los" fails as a Spanish keyword list): ``label_problems(..., languages=)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from server.domain.themes.languages import AND, function_words, unmarked

MAX_CONTENT_WORDS = 4

# Words that join two content words inside a noun phrase ("Care at home and support for carers").
JOINERS = frozenset("and & of for to in on at with without over from by after before about against into".split())

# Words that carry no subject: pronouns, determiners, auxiliaries, conjunctions, particles, adverbs.
_GRAMMAR = frozenset(
    """
    a an the this that these those there here it its it's they them their theirs we us our ours you your
    yours i me my mine he him his she her hers who whom whose which what when where why how
    is am are was were be been being do does did doing done have has had having will would shall should
    can could may might must ought or but nor if so as than then because though although while until
    unless whether not no yes all any both each either neither every few some such own same other
    another up down out off again further once only just also too very quite rather really still even
    ever never always often sometimes already yet now soon here anyway else etc via per vs
    """.split()
)
FUNCTION_WORDS = _GRAMMAR | JOINERS

# Words people use around any idea, which never say what a theme is about.
FILLER = frozenset(
    """
    people person someone somebody everyone everybody anyone anybody everything anything something
    nothing thing things stuff lot lots bit kind sort way ways idea ideas point issue issues problem
    problems need needs needed want wants wanted wish like likes think thinks know say said says tell
    get gets got getting make makes made making take takes took taking give gives go goes going gone
    come comes put let keep use used using see look try able theme themes topic
    more most less least better best good great nice bad much many
    really please pls plz lol ok okay yeah im ive id dont cant wont isnt arent doesnt didnt thats
    theres whats lets u ur bc tbh idk
    """.split()
)

CUT = ("…", "...")
TOKEN = re.compile(r"[^\W_$£€][\w'’+#&$-]*|[$£€][\w'’+#&$-]*|&")
SEPARATORS = re.compile(r"\s*[·|/,;:()]\s*|\s+[-–—]\s+")


def _words(text: str) -> list[list[str]]:
    """The label's parts (between separators such as " · " or ","), each a list of lower-case words;
    a language mark at the end is left out."""
    parts = []
    for part in SEPARATORS.split(unmarked(text).lower()):
        words = [w.replace("’", "'").strip("'-") for w in TOKEN.findall(part)]
        words = [w[:-2] if w.endswith("'s") else w for w in words if w]
        if words:
            parts.append(words)
    return parts


def _stem(word: str) -> str:
    """Crude folding, enough to see that "buses", "bus" or "older", "old" are the same word here."""
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for ending, keep in (("ing", 3), ("ed", 3), ("er", 3)):
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            word = word[: -len(ending)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _bare(word: str) -> str:
    return word.replace("'", "")


def content_words(text: str, foreign: frozenset[str] = frozenset()) -> list[str]:
    """The words of ``text`` that say something: neither function nor filler words (English, or
    ``foreign``: other languages' function words)."""
    return [
        w
        for part in _words(text)
        for w in part
        if w not in FUNCTION_WORDS and w not in foreign and _bare(w) not in FILLER
    ]


def _problems(
    label: str,
    topic: set[str],
    seen: dict[frozenset[str], str],
    foreign: frozenset[str] = frozenset(),
    foreign_joiners: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    reasons = []
    parts = _words(label)
    if any(mark in label for mark in CUT):
        reasons.append("cut short")
    filler = []
    for words in parts:
        for k, w in enumerate(words):
            joining = (w in JOINERS or w in foreign_joiners) and 0 < k < len(words) - 1
            if ((w in FUNCTION_WORDS or w in foreign) and not joining) or _bare(w) in FILLER:
                filler.append(w)
    if filler:
        reasons.append("function or filler words: " + ", ".join(dict.fromkeys(filler)))
    content = [w for w in content_words(label, foreign) if w not in foreign_joiners]
    if not content:
        reasons.append("no content word")
    elif len(content) > MAX_CONTENT_WORDS:
        reasons.append(f"{len(content)} content words (at most {MAX_CONTENT_WORDS})")
    stems = frozenset(_stem(w) for w in content)
    if stems and stems <= topic:
        reasons.append("only the event's topic")
    if stems and stems in seen:
        reasons.append(f"repeats {seen[stems]!r}")
    elif stems:
        seen[stems] = label
    return tuple(reasons)


def label_problems(labels: Sequence[str], topic: str = "", languages: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """For each of a picture's ``labels`` (in display order), why it fails the check; () when it passes.

    ``topic`` is the event's question (or title): a label made only of its words says nothing new.
    A repeat is reported on the second and later uses, the first keeps its place. ``languages``: the
    languages of the room's ideas besides English, whose function words are refused too.
    """
    chosen = [lang for lang in languages if lang != "en"]
    foreign = frozenset(w for lang in chosen for w in function_words(lang))
    foreign_joiners = frozenset(AND[lang] for lang in chosen if lang in AND)
    topic_stems = {_stem(w) for w in content_words(topic)}
    seen: dict[frozenset[str], str] = {}
    return [_problems(label, topic_stems, seen, foreign, foreign_joiners) for label in labels]


def readable_share(labels: Sequence[str], topic: str = "") -> float:
    """The share of ``labels`` that pass the check (1.0 for no labels)."""
    problems = label_problems(labels, topic)
    return sum(not p for p in problems) / len(problems) if problems else 1.0
