from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from server.themes.encoder import Encoder, EncoderUnavailable, load_encoder

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
