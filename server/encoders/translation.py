"""The seam for machine translation of ideas (``WHOLEROOM_TRANSLATION``): off, the only choice today.

Nothing is translated: each idea shows its language (``server/encoders/language.py``) and the room
reads it as written. A translator would be another name here, returning the texts in the reader's
language, run where the vectors are made (the embedding worker) and shown beside the original,
never instead of it (docs/themes.md, "Reading across languages"). Themes never use translations:
the multilingual encoder groups ideas as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Translator(Protocol):
    """Texts in, the same texts in ``target`` (ISO 639-1) out, one for one; offline."""

    def translate(self, texts: Sequence[str], target: str) -> list[str]: ...


TRANSLATORS = ("off",)


def load_translator(name: str) -> Translator | None:
    """The translator called ``name``; ``off``: none (ideas are shown as written)."""
    if name == "off":
        return None
    raise ValueError(f"unknown translation {name!r}; known: {', '.join(TRANSLATORS)}")
