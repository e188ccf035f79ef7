"""Synthetic ideas for the themes tests: tight bundles of unit vectors around random directions."""

from __future__ import annotations

import numpy as np

from server.domain.themes import IdeaVector

DIM = 32


def bundles(sizes: list[int], *, seed: int = 0, tables: int = 5, spread: float = 0.08) -> list[IdeaVector]:
    """``sizes[b]`` ideas around direction b, named ``b<bundle>-<n>``, seated round-robin at tables."""
    rng = np.random.default_rng(seed)
    ideas = []
    for b, size in enumerate(sizes):
        centre = rng.normal(size=DIM)
        centre /= np.linalg.norm(centre)
        for n in range(size):
            v = centre + spread * rng.normal(size=DIM)
            ideas.append(IdeaVector(f"b{b}-{n}", f"idea {n} of bundle {b}", f"t{n % tables}", unit(v)))
    return ideas


def unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = (v / np.linalg.norm(v)).astype(np.float32)
    return out


def near(idea: IdeaVector, new_id: str, table_id: str, *, seed: int = 1) -> IdeaVector:
    """A new idea close to ``idea``."""
    noise = np.random.default_rng(seed).normal(size=DIM) * 0.03
    return IdeaVector(new_id, f"like {idea.text}", table_id, unit(idea.vector + noise))


def bundle_of(theme_ids: tuple[str, ...]) -> set[str]:
    return {i.split("-")[0] for i in theme_ids}
