"""The reaction matrix: last reaction wins, and snapshots never change."""

from __future__ import annotations

import pytest

from server.domain.common_ground import Reaction, ReactionLog, ReactionMatrix


def test_the_last_reaction_wins() -> None:
    """A changed answer replaces the earlier one; a pass is kept apart from no answer."""
    matrix = ReactionMatrix.from_reactions([("p", "i", 1), ("q", "i", 0), ("p", "i", -1)], ideas=["i", "j"])
    assert matrix.reaction("p", "i") is Reaction.DISAGREE
    assert matrix.reaction("q", "i") is Reaction.PASS
    assert matrix.reaction("q", "j") is None
    assert matrix.reactions_per_participant().tolist() == [1, 1]


def test_the_log_grows_past_its_first_size() -> None:
    """Hundreds of people and ideas fit, in order of first appearance."""
    log = ReactionLog()
    for k in range(300):
        log.record(f"p{k}", f"i{k % 70}", 1)
    matrix = log.snapshot()
    assert matrix.shape == (300, 70) and int(matrix.seen.sum()) == 300
    assert matrix.participants[:2] == ("p0", "p1") and matrix.ideas[-1] == "i69"


def test_a_snapshot_does_not_change() -> None:
    """Reactions recorded after a snapshot do not reach it, and it cannot be written to."""
    log = ReactionLog(ideas=["i"])
    log.record("p", "i", 1)
    before = log.snapshot()
    log.record("p", "i", -1)
    assert before.reaction("p", "i") is Reaction.AGREE
    with pytest.raises(ValueError):
        before.values[0, 0] = 0


def test_only_agree_disagree_or_pass() -> None:
    """A value other than 1, -1 or 0 is refused."""
    with pytest.raises(ValueError, match="agree"):
        ReactionLog().record("p", "i", 2)
