"""Small synthetic rooms with known camps, for behaviour tests."""

from __future__ import annotations

import numpy as np

from server.domain.common_ground import ReactionMatrix


def camps(
    sizes: list[int], n_ideas: int = 12, *, seed: int = 0, per_person: int | None = None, prefix: str = "c"
) -> ReactionMatrix:
    """People in camps of ``sizes``: camp c agrees with ideas where (idea + c) is even, else disagrees.

    Idea "0" is agreed by everyone (common ground). Each person reacts to ``per_person`` ideas
    (all by default), with one reaction in ten flipped at random. People are named f"{prefix}{camp}p{k}".
    """
    rng = np.random.default_rng(seed)
    reactions = []
    for c, size in enumerate(sizes):
        for k in range(size):
            person = f"{prefix}{c}p{k}"
            chosen = range(n_ideas) if per_person is None else sorted(rng.choice(n_ideas, per_person, replace=False))
            for j in chosen:
                value = 1 if j == 0 or (j + c) % 2 == 0 else -1
                if j and rng.random() < 0.1:
                    value = -value
                reactions.append((person, str(j), value))
    return ReactionMatrix.from_reactions(reactions, ideas=[str(j) for j in range(n_ideas)])
