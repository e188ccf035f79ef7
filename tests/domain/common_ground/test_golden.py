"""Our statistics against production Pol.is output (red-dwarf fixtures), given Pol.is's own groups."""

from __future__ import annotations

import numpy as np
import pytest

from server.domain.common_ground import priority
from server.domain.common_ground.lists import majority
from server.domain.common_ground.partition import PartitionView, label_array, summarise
from server.domain.common_ground.pca import project
from server.domain.common_ground.stats import part_stats, tally
from tests.domain.common_ground.data import GOLDEN, Golden

TOLERANCE = 1e-6


@pytest.fixture(params=GOLDEN, scope="module")
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(request.param)


def _groups_view(golden: Golden) -> PartitionView:
    numbers, labels = label_array(golden.matrix, golden.groups)
    view, _ = summarise("groups", golden.matrix, numbers, labels, golden.eligible())
    return view


def test_group_votes_match(golden: Golden) -> None:
    """Agrees, disagrees and all reactions per group and idea equal Pol.is's group-votes."""
    numbers, labels = label_array(golden.matrix, golden.groups)
    counts = tally(golden.matrix, numbers, len(labels))
    for g, label in enumerate(labels):
        expected = golden.math["group-votes"][label]
        assert expected["n-members"] == int((numbers == g).sum())
        for tid, votes in expected["votes"].items():
            j = golden.matrix.ideas.index(tid)
            assert (votes["A"], votes["D"], votes["S"]) == (
                counts.agree[g, j],
                counts.disagree[g, j],
                counts.seen[g, j],
            )


def test_representative_ideas_match(golden: Golden) -> None:
    """Each group's representative ideas, their order, direction and five statistics match to 1e-6."""
    view = _groups_view(golden)
    for part in view.parts:
        expected = golden.math["repness"][part.label]
        assert [(int(d.idea), d.direction.value, d.best_agree) for d in part.representative] == [
            (r["tid"], r["repful-for"], r.get("best-agree", False)) for r in expected
        ]
        for ours, theirs in zip(part.representative, expected, strict=True):
            assert (ours.n_success, ours.n_trials) == (theirs["n-success"], theirs["n-trials"])
            for field in ("p_success", "p_test", "repness", "repness_test"):
                assert getattr(ours, field) == pytest.approx(theirs[field.replace("_", "-")], abs=TOLERANCE)


def test_majority_matches(golden: Golden) -> None:
    """The whole-room majority lists (agree and disagree) match Pol.is's consensus output to 1e-6."""
    n = len(golden.matrix.participants)
    stats = part_stats(tally(golden.matrix, np.zeros(n, dtype=np.intp), 1))
    for ours, direction in zip(
        majority(stats, golden.matrix.ideas, golden.eligible()), ("agree", "disagree"), strict=True
    ):
        theirs = golden.math["consensus"][direction]
        assert [int(m.idea) for m in ours] == [c["tid"] for c in theirs]
        for m, c in zip(ours, theirs, strict=True):
            assert (m.n_success, m.n_trials) == (c["n-success"], c["n-trials"])
            assert m.p_success == pytest.approx(c["p-success"], abs=TOLERANCE)
            assert m.p_test == pytest.approx(c["p-test"], abs=TOLERANCE)


def test_group_informed_consensus_matches(golden: Golden) -> None:
    """Group-informed consensus of every idea, hidden ones included, matches Pol.is to 1e-6."""
    view = _groups_view(golden)
    expected = golden.math["group-aware-consensus"]
    assert set(expected) == set(view.consensus)
    for tid, value in expected.items():
        assert view.consensus[tid] == pytest.approx(value, abs=TOLERANCE)


def test_opinion_map_matches(golden: Golden) -> None:
    """The PCA centre, axes (up to sign) and idea extremity match Pol.is's (its centre uses agree = -1)."""
    projection = project(golden.matrix, ~golden.eligible())
    pca = golden.math["pca"]
    assert np.allclose(projection.center, -np.array(pca["center"]), atol=TOLERANCE)
    for ours, theirs in zip(projection.components, np.array(pca["comps"]), strict=True):
        assert abs(ours @ theirs) / (np.linalg.norm(ours) * np.linalg.norm(theirs)) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(projection.extremity, pca["comment-extremity"], atol=TOLERANCE)


def test_routing_priorities_match(golden: Golden) -> None:
    """Our routing priority, fed Pol.is's summed group votes and extremity, equals its comment priorities."""
    meta = {str(t) for t in golden.math["meta-tids"]}
    tids = [t for t in golden.math["comment-priorities"] if t not in meta]
    groups = golden.math["group-votes"].values()
    agree, disagree, seen = (
        np.array([sum(g["votes"].get(t, {}).get(key, 0) for g in groups) for t in tids]) for key in "ADS"
    )
    extremity = np.array([golden.math["pca"]["comment-extremity"][golden.tids.index(int(t))] for t in tids])
    expected = np.array([golden.math["comment-priorities"][t] for t in tids])
    assert np.allclose(priority(agree, disagree, seen, extremity), expected, rtol=1e-12, atol=0)
