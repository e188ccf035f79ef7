"""Sentence encoders for themes: text in, L2-normalised vectors out, on the CPU and offline."""

from server.themes.encoder import Encoder, load_encoder

__all__ = ["Encoder", "load_encoder"]
