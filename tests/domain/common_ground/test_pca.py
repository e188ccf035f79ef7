"""The opinion map's axes: exact for small rooms, and the same axes from the iterative path for large ones."""

from __future__ import annotations

import numpy as np
import pytest

from server.domain.common_ground import pca
from server.domain.common_ground.pca import top_components


@pytest.mark.parametrize("exact_up_to", [600, 10])
@pytest.mark.parametrize("shape", [(300, 40), (40, 300)])
def test_axes_match_an_exact_svd(shape: tuple[int, int], exact_up_to: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both solvers (exact, and iterative as used above 600), on either side, give the top two singular vectors."""
    monkeypatch.setattr(pca, "_EXACT_UP_TO", exact_up_to)
    rng = np.random.default_rng(1)
    n, m = shape
    data = rng.normal(size=(n, 3)) @ rng.normal(size=(3, m)) * [[4.0, 2.0, 1.0][k % 3] for k in range(m)]
    data += rng.normal(size=(n, m))
    centred = data - data.mean(axis=0)
    exact = np.linalg.svd(centred, full_matrices=False)[2][:2]
    ours = top_components(centred)
    assert np.allclose(np.abs((ours * exact).sum(axis=1)), 1.0, atol=1e-9)


def test_axes_are_oriented_the_same_way_every_time() -> None:
    """Each axis's largest entry is positive, so the map never flips between analyses of the same data."""
    centred = np.random.default_rng(2).normal(size=(50, 20))
    axes = top_components(centred)
    assert np.array_equal(axes, top_components(centred.copy()))
    assert all(axis[np.argmax(np.abs(axis))] > 0 for axis in axes)
