"""WordLlama ``l2_supercat`` static token embeddings: average the token vectors, then normalise.

The 32,000 x 256 table and its tokenizer ship inside the PyPI package ``wordllama``, installed with
``--no-deps``; only its data files are read (the package itself is never imported, so its own
dependencies and its hub-download fallback are not needed). Costs about 0.05 ms per idea.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from server.encoders.encoder import EncoderUnavailable, Vectors

WEIGHTS_PACKAGE = "wordllama"
TABLE = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
CHUNK = 1024


def installed_package_dir() -> Path:
    """The folder of the installed ``wordllama`` package, found without importing it."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            "the WordLlama table is not installed: run `pip install --no-deps wordllama==0.4.0.post1`"
        )
    return Path(spec.origin).parent


class WordLlama:
    """Context-free word vectors: strong on topic words (tool names, places), blind to word order."""

    name = "wordllama-l2-supercat-256"

    def __init__(self, package_dir: Path) -> None:
        from safetensors.numpy import load_file

        self._table = np.ascontiguousarray(load_file(str(package_dir / TABLE))["embedding.weight"], dtype=np.float32)
        self.dim: int = self._table.shape[1]
        self._tokenizer = Tokenizer.from_file(str(package_dir / TOKENIZER))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @classmethod
    def from_installed(cls) -> WordLlama:
        return cls(installed_package_dir())

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for first in range(0, len(texts), CHUNK):  # a chunk at a time: bounded memory
            encoded = self._tokenizer.encode_batch(list(texts[first : first + CHUNK]), add_special_tokens=False)
            lengths = np.array([len(e.ids) for e in encoded], dtype=np.int64)
            filled = np.flatnonzero(lengths)
            if len(filled):
                ids = np.concatenate([np.asarray(encoded[i].ids, dtype=np.int64) for i in filled])
                starts = np.concatenate([[0], np.cumsum(lengths[filled])[:-1]])
                sums = np.add.reduceat(self._table[np.clip(ids, 0, len(self._table) - 1)], starts, axis=0)
                out[first + filled] = sums / lengths[filled, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: Vectors = out / np.maximum(norms, 1e-12)
        return result
