from __future__ import annotations

from pathlib import Path

import pytest

from server.themes.encoder import Encoder, EncoderUnavailable, load_encoder

SHORTTEXT = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "shorttext"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    try:
        return load_encoder()
    except EncoderUnavailable as err:
        pytest.skip(str(err))
