from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.themes.encoder import Encoder, EncoderUnavailable, load_encoder

SHORTTEXT = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "shorttext"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default encoder; a missing model skips on a laptop but fails in CI (a missing install step)."""
    try:
        return load_encoder()
    except EncoderUnavailable as err:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(err))
