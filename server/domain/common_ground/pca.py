"""The opinion map: a 2-D projection of the reaction matrix (principal components, sparsity-aware).

1. Hidden ideas are set to 0 (pass) for everyone, so they count as reacted-to but pull nobody.
2. Each missing cell is replaced by its idea's mean over the cells that were filled in; the
   centre mu is those means. Everybody shapes the axes, even people with few reactions.
3. The two axes are the top two principal components of the centred matrix (exact, deterministic;
   each axis's sign is fixed so that its largest entry is positive).
4. A participant i who reacted to the set V_i of the C ideas is placed at

       p_i = sqrt(C / max(|V_i|, 1)) * sum_{j in V_i} (x_ij - mu_j) * [pc1_j, pc2_j]

   so that someone with a few reactions is not pulled towards the centre just for being quiet.
5. An idea's *extremity* is how far from the centre a person lands who agreed with it alone:
   sqrt(C) * |1 - mu_j| * |[pc1_j, pc2_j]|. Ideas near the centre unite; far out they separate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from server.domain.common_ground.stats import Floats
from server.domain.reaction_matrix import ReactionMatrix

# Up to this many ideas (or participants, whichever is fewer) the axes come from an exact
# eigendecomposition of the Gram matrix; above it, from block power iteration on the same matrix
# (a fixed start makes it deterministic; its cost grows with size squared instead of cubed).
_EXACT_UP_TO = 600
_BLOCK_EXTRA = 8
_BLOCK_ITERATIONS = 200
_BLOCK_TOLERANCE = 1e-14


@dataclass(frozen=True, slots=True, eq=False)
class Projection:
    """Centre (ideas,), components (2, ideas), participant points (participants, 2), extremity (ideas,)."""

    center: Floats
    components: Floats
    points: Floats
    extremity: Floats


def _orient(vectors: Floats) -> Floats:
    """Fix each row's sign so that its largest-magnitude entry is positive (SVD signs are arbitrary)."""
    flips = np.sign(vectors[np.arange(vectors.shape[0]), np.argmax(np.abs(vectors), axis=1)])
    flips[flips == 0] = 1.0
    return np.asarray(vectors * flips[:, None], dtype=np.float64)


def _top_eigenvectors(gram: Floats, k: int) -> Floats:
    """The eigenvectors (as columns) of the ``k`` largest eigenvalues of a symmetric PSD matrix."""
    size = gram.shape[0]
    if size <= _EXACT_UP_TO:
        values, vectors = np.linalg.eigh(gram)
        return np.asarray(vectors[:, np.argsort(values)[::-1][:k]], dtype=np.float64)
    start = np.random.default_rng(0).standard_normal((size, min(size, k + _BLOCK_EXTRA)))
    basis, _ = np.linalg.qr(start)
    settled = np.zeros(k)
    for step in range(_BLOCK_ITERATIONS):
        image = gram @ basis
        if step % 5 == 4:
            # Stop once the top k Ritz values stop moving: the vectors are then accurate to ~1e-7.
            ritz = np.sort(np.linalg.eigvalsh(basis.T @ image))[::-1][:k]
            if np.all(np.abs(ritz - settled) <= _BLOCK_TOLERANCE * max(float(ritz[0]), 1e-300)):
                break
            settled = ritz
        basis, _ = np.linalg.qr(image)
    values, vectors = np.linalg.eigh(basis.T @ gram @ basis)  # Rayleigh-Ritz on the converged block
    return np.asarray(basis @ vectors[:, np.argsort(values)[::-1][:k]], dtype=np.float64)


def top_components(centred: Floats, k: int = 2) -> Floats:
    """The top ``k`` right singular vectors of ``centred`` as rows (zero rows when rank is lower)."""
    n, m = centred.shape
    out = np.zeros((k, m), dtype=np.float64)
    if n == 0 or m == 0:
        return out
    if m <= n:
        axes = _top_eigenvectors(centred.T @ centred, k).T
    else:
        # More ideas than people: work on the people side, then map back to idea space.
        axes = (centred.T @ _top_eigenvectors(centred @ centred.T, k)).T
        norms = np.linalg.norm(axes, axis=1, keepdims=True)
        axes = np.divide(axes, norms, out=np.zeros_like(axes), where=norms > 1e-12)
    out[: axes.shape[0]] = axes
    return _orient(out)


def project(
    matrix: ReactionMatrix, hidden: NDArray[np.bool_] | None = None, ideas_total: int | None = None
) -> Projection:
    """Place every participant of ``matrix`` on the 2-D opinion map; ``hidden`` masks moderated ideas.

    ``ideas_total`` is how many ideas the room has when ``matrix`` leaves out those nobody reacted
    to (``ReactionMatrix.reacted_columns``): the scale factors count them, so the map and the
    extremities are the same as with the full matrix.
    """
    n, m = matrix.shape
    hide = np.zeros(m, dtype=np.bool_) if hidden is None else np.asarray(hidden, dtype=np.bool_)
    observed = matrix.seen | hide[None, :] if hide.any() else matrix.seen
    centred = matrix.values.astype(np.float64)  # the working copy, centred in place below
    centred[:, hide] = 0.0
    counts = observed.sum(axis=0)
    center = np.divide(centred.sum(axis=0), counts, out=np.zeros(m, dtype=np.float64), where=counts > 0)
    centred -= center
    np.multiply(centred, observed, out=centred)  # missing cells sit at the mean: 0 once centred
    components = top_components(centred)
    total = m if ideas_total is None else ideas_total
    scale = np.sqrt(total / np.maximum(observed.sum(axis=1), 1))
    points = (centred @ components.T) * scale[:, None]
    extremity = np.sqrt(total) * np.abs(1.0 - center) * np.linalg.norm(components, axis=0)
    return Projection(center, components, np.asarray(points, dtype=np.float64), extremity)
