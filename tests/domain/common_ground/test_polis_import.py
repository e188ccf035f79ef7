"""Reading a Pol.is export folder: typed records, and errors that name the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.polis_import import PolisImportError, final_votes, load_polis_export, replayable_votes
from tests.domain.common_ground.data import folder

COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    '1000,Mon,0,5,1,0,1,"First, with a comma"\n'
    '1001,Mon,1,6,0,0,-1,"Two\nlines"\n'
    "1002,Mon,2,6,0,0,0,Third\n"
)
VOTES = "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,1,1\n3,x,0,1,-1\n2,x,0,1,0\n4,x,2,7,0\n"


def _export(tmp_path: Path, **files: str) -> Path:
    contents = {"comments.csv": COMMENTS, "votes.csv": VOTES} | {
        k.replace("_", "-") + ".csv": v for k, v in files.items()
    }
    for name, text in contents.items():
        if text:
            (tmp_path / name).write_text(text)
    return tmp_path


def test_a_small_export_is_read(tmp_path: Path) -> None:
    """Comments (with commas and line breaks) and votes come back as typed records."""
    export = load_polis_export(_export(tmp_path))
    assert [c.comment_id for c in export.comments] == [0, 1, 2]
    assert export.comments[1].body == "Two\nlines" and export.comments[1].moderated == -1
    assert len(export.votes) == 4 and export.participants == ()


def test_the_last_vote_by_time_wins(tmp_path: Path) -> None:
    """final_votes keeps the latest vote per voter and comment by timestamp, not by file order."""
    votes = final_votes(load_polis_export(_export(tmp_path)).votes)
    assert [(v.voter_id, v.comment_id, v.vote) for v in votes] == [(1, 0, -1), (7, 2, 0)]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"votes": VOTES.replace("4,x,2,7,0", "4,x,2,7,2")},
            "votes.csv, line 5, column vote: expected one of -1, 0, 1",
        ),
        ({"votes": VOTES.replace("3,x,0,1", "3,x,zero,1")}, "votes.csv, line 3, column comment-id: expected a whole"),
        ({"votes": "timestamp,comment-id,vote\n1,2,1\n"}, "votes.csv, line 1: missing column(s) voter-id"),
        ({"votes": VOTES + "5,x,1\n"}, "votes.csv, line 6: expected 5 fields, found 3"),
        (
            {"comments": COMMENTS + "1003,Mon,1,6,0,0,1,Again\n"},
            "comments.csv, line 6, column comment-id: comment 1 already on line 3",
        ),
        ({"comments": COMMENTS + "1003,Mon,3,6,0,0,7,Bad\n"}, "comments.csv, line 6, column moderated"),
        ({"votes": VOTES + "5,x,9,1,1\n"}, "votes.csv, line 6, column comment-id: no comment 9 in comments.csv"),
        ({"comments": ""}, "comments.csv: missing"),
        ({"votes": ""}, "votes.csv: missing"),
        (
            {"participants_votes": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0\n1,,0,1,1,0,x\n"},
            "participants-votes.csv, line 2, column 0: expected a whole number",
        ),
    ],
)
def test_errors_say_where(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    """Each broken file gives an error naming the file, the line and (when there is one) the column."""
    with pytest.raises(PolisImportError) as error:
        load_polis_export(_export(tmp_path, **files))
    assert str(error.value).startswith(expected), str(error.value)


def test_a_partial_export_replays_its_matrix(tmp_path: Path) -> None:
    """Without votes.csv, the votes to replay come from the cells of participants-votes.csv."""
    matrix = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,2\n4,1,0,2,1,0,1,0\n5,,0,1,0,1,,-1\n"
    export = load_polis_export(_export(tmp_path, votes="", participants_votes=matrix))
    assert [(v.voter_id, v.comment_id, v.vote) for v in replayable_votes(export)] == [(4, 0, 1), (4, 2, 0), (5, 2, -1)]


def test_a_real_export_is_read() -> None:
    """The london.youth.policing export reads in full: 39 comments, 640 votes, 26 participants."""
    export = load_polis_export(folder("london.youth.policing"))
    assert (len(export.comments), len(export.votes), len(export.participants)) == (39, 640, 26)
    assert export.summary["voters"] == "26"
    assert sum(p.group_id is not None for p in export.participants) == 24
