"""Locate the shared Pol.is data (beside the repository, as in CI) and load it into matrices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from server.domain.common_ground import ReactionMatrix
from server.polis_import import PolisExport, final_votes, load_polis_export

POLIS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "polis"
OPEN_DATA = [
    "london.youth.policing",
    "15-per-hour-seattle",
    "scoop-hivemind.ubi",
    "vtaiwan.uberx",
    "austria-climate.5twd2jsnkf.2022-08-08",
    "brexit-consensus",
    "canadian-electoral-reform",
]
GOLDEN = ["reddwarf-golden.below-100-ptpts", "reddwarf-golden.above-100-ptpts"]


def folder(name: str) -> Path:
    """The data folder ``name``, or skip the test with the reason when it is absent."""
    path = POLIS / name
    if not path.is_dir():
        pytest.skip(f"Pol.is test data not found at {path} (CI keeps shared/ beside the repository)")
    return path


def export_matrix(export: PolisExport) -> tuple[ReactionMatrix, set[str]]:
    """The final reaction matrix of an export (comments as columns, in id order) and its hidden ideas."""
    comments = sorted(export.comments, key=lambda c: c.comment_id)
    matrix = ReactionMatrix.from_reactions(
        ((str(v.voter_id), str(v.comment_id), v.vote) for v in final_votes(export.votes)),
        ideas=[str(c.comment_id) for c in comments],
    )
    return matrix, {str(c.comment_id) for c in comments if c.moderated == -1}


def open_data(name: str) -> tuple[PolisExport, ReactionMatrix, set[str]]:
    """Load an openData conversation: the export, its final matrix and its hidden comments."""
    export = load_polis_export(folder(name))
    return (export, *export_matrix(export))


class Golden:
    """A red-dwarf fixture: raw votes and the production Pol.is math output for them."""

    def __init__(self, name: str) -> None:
        path = folder(name)
        self.math: dict[str, Any] = json.loads((path / "math-pca2.json").read_text())
        votes = json.loads((path / "votes.json").read_text())
        votes.sort(key=lambda v: int(v["modified"]))
        self.tids: list[int] = self.math["tids"]
        self.matrix = ReactionMatrix.from_reactions(
            (
                (str(v.get("pid", v.get("participant_id"))), str(v.get("tid", v.get("statement_id"))), v["vote"])
                for v in votes
            ),
            ideas=[str(t) for t in self.tids],
        )
        self.hidden = {str(t) for t in self.math["mod-out"]}
        base = dict(zip(self.math["base-clusters"]["id"], self.math["base-clusters"]["members"], strict=True))
        self.groups = {str(p): str(g["id"]) for g in self.math["group-clusters"] for b in g["members"] for p in base[b]}

    def eligible(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return np.array([idea not in self.hidden for idea in self.matrix.ideas])


def adjusted_rand_index(a: list[int], b: list[int]) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = identical partitions)."""
    _, x = np.unique(a, return_inverse=True)
    _, y = np.unique(b, return_inverse=True)
    table = np.zeros((x.max() + 1, y.max() + 1), dtype=np.int64)
    np.add.at(table, (x, y), 1)

    def pairs(counts: np.ndarray[Any, np.dtype[np.int64]]) -> float:
        return float((counts * (counts - 1) // 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / pairs(np.array([len(a)]))
    return (index - expected) / ((rows + cols) / 2 - expected)
