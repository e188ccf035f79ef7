from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from server.domain.themes import IdeaVector
from server.encoders.encoder import Encoder, EncoderUnavailable, load_encoder

SHORTTEXT = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "shorttext"


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """As in the server (docs/themes.md): two BLAS threads on a busy 2-CPU machine wait on each other."""
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default encoder; a missing model skips on a laptop but fails in CI (a missing install step)."""
    try:
        return load_encoder()
    except EncoderUnavailable as err:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(err))


REALISTIC = Path(__file__).resolve().parents[3] / "bench" / "data" / "themes"


@dataclass(frozen=True)
class RealisticSet:
    """A hand-labelled set of bench/data/themes, embedded once per test session."""

    name: str
    topic: str
    ideas: list[IdeaVector]
    labels: list[str]


@pytest.fixture(scope="session")
def realistic(encoder: Encoder) -> dict[str, RealisticSet]:
    out = {}
    for entry in json.loads((REALISTIC / "sets.json").read_text()):
        if entry.get("languages"):  # the multilingual set is for the multilingual encoder (test_multilingual.py)
            continue
        lines = (REALISTIC / entry["file"]).read_text().splitlines()
        rows = [r for r in (json.loads(line) for line in lines if line.strip()) if not r.get("hidden")]
        vectors = encoder.encode([r["text"] for r in rows])
        ideas = [IdeaVector(str(r["id"]), r["text"], r.get("table") or "t1", vectors[k]) for k, r in enumerate(rows)]
        out[entry["name"]] = RealisticSet(entry["name"], entry["topic"], ideas, [r["theme"] for r in rows])
    return out
