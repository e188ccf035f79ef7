"""Vectors are kept under the name of what the encoder really computes, so a change of weights
never mixes old vectors with new ones in one clustering."""

from __future__ import annotations

import pytest

from server.encoders import encoder as encoders
from server.encoders.encoder import DEFAULT_ENCODER, vector_key


def test_the_default_encoders_key_changes_with_its_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    now = vector_key(DEFAULT_ENCODER)
    assert now != DEFAULT_ENCODER  # vectors kept under the plain name were made with other weights
    monkeypatch.setattr(encoders, "MINILM_SHARE", 0.5)
    assert vector_key(DEFAULT_ENCODER) not in (now, DEFAULT_ENCODER)


def test_a_single_model_keeps_its_own_name() -> None:
    assert vector_key("minilm") == "minilm" and vector_key("wordllama") == "wordllama"
