"""Sentence encoders for themes: text in, L2-normalised vectors out, on the CPU and offline."""

from server.encoders.encoder import Encoder, load_encoder

__all__ = ["Encoder", "load_encoder"]
