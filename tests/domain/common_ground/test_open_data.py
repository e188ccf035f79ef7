"""Real Pol.is conversations: replaying their vote logs, and finding their opinion groups again."""

from __future__ import annotations

import numpy as np
import pytest

from server.domain.common_ground import Level, ReactionLog, analyse
from server.polis_import import load_polis_export
from tests.domain.common_ground.data import OPEN_DATA, adjusted_rand_index, folder, open_data


@pytest.mark.parametrize("name", OPEN_DATA)
def test_replaying_votes_reproduces_the_exported_matrix(name: str) -> None:
    """Recording every votes.csv row in time order (last vote wins) gives participants-votes.csv cell for cell."""
    export = load_polis_export(folder(name))
    log = ReactionLog()
    for vote in sorted(export.votes, key=lambda v: v.timestamp):
        log.record(str(vote.voter_id), str(vote.comment_id), vote.vote)
    matrix = log.snapshot()
    rows = {p: i for i, p in enumerate(matrix.participants)}
    cols = {c: j for j, c in enumerate(matrix.ideas)}
    cells = 0
    for person in export.participants:
        i = rows.get(str(person.participant_id))
        ours = (
            {}
            if i is None
            else {int(matrix.ideas[j]): int(matrix.values[i, j]) for j in np.flatnonzero(matrix.seen[i])}
        )
        assert ours == person.votes, person.participant_id
        assert (person.n_votes, person.n_agree, person.n_disagree) == (
            len(ours),
            sum(v == 1 for v in ours.values()),
            sum(v == -1 for v in ours.values()),
        )
        cells += len(ours)
    assert cells == int(matrix.seen.sum())  # no vote of ours is missing from the export
    assert set(cols) <= {str(c.comment_id) for c in export.comments}


@pytest.mark.parametrize("name", ["15-per-hour-seattle", "austria-climate.5twd2jsnkf.2022-08-08"])
def test_opinion_groups_agree_with_polis(name: str) -> None:
    """The groups we find without history match the exported group-id with ARI >= 0.85."""
    export, matrix, hidden = open_data(name)
    result = analyse(matrix, hidden=hidden)
    assert result.level is Level.GROUPS and result.map is not None
    exported = {str(p.participant_id): p.group_id for p in export.participants if p.group_id is not None}
    assert set(result.map.groups) == set(exported)  # the same people are clustered
    people = sorted(exported)
    ari = adjusted_rand_index([exported[p] for p in people], [ord(result.map.groups[p]) for p in people])
    assert ari >= 0.85, ari
