"""Read a Pol.is open-data export folder into plain typed records, or say exactly what is wrong.

The folder holds ``comments.csv`` (required) and ``votes.csv`` (the vote event log) and/or
``participants-votes.csv`` (the final participant x comment matrix with each person's group);
``summary.csv`` is read when present. Votes use +1 agree, -1 disagree, 0 pass. ``votes.csv`` keeps
every change of mind: :func:`final_votes` keeps the last vote per (voter, comment) by timestamp.

Every problem raises :class:`PolisImportError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
_OPTIONAL_PARTICIPANT_COLUMNS = ("xid",)


class PolisImportError(ValueError):
    """A file of the export cannot be read; ``file``, ``line`` and ``column`` say where (when known)."""

    def __init__(self, file: str, message: str, *, line: int | None = None, column: str | None = None) -> None:
        where = file + (f", line {line}" if line is not None else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.column, self.reason = file, line, column, message


@dataclass(frozen=True, slots=True)
class PolisComment:
    """One row of comments.csv. ``agrees``/``disagrees`` count every vote event, changed ones too."""

    comment_id: int
    author_id: int
    timestamp: int
    moderated: int
    body: str
    agrees: int | None = None
    disagrees: int | None = None


@dataclass(frozen=True, slots=True)
class PolisVote:
    """One row of votes.csv: ``vote`` is +1 agree, -1 disagree, 0 pass; ``timestamp`` in ms."""

    timestamp: int
    comment_id: int
    voter_id: int
    vote: int


@dataclass(frozen=True, slots=True)
class PolisParticipant:
    """One row of participants-votes.csv; ``group_id`` is None when Pol.is did not cluster them."""

    participant_id: int
    group_id: int | None
    n_comments: int
    n_votes: int
    n_agree: int
    n_disagree: int
    votes: dict[int, int]
    xid: str | None = None


@dataclass(frozen=True, slots=True)
class PolisExport:
    """Everything read from one export folder."""

    folder: Path
    comments: tuple[PolisComment, ...]
    votes: tuple[PolisVote, ...]
    participants: tuple[PolisParticipant, ...]
    summary: dict[str, str] = field(default_factory=dict)


class _Rows:
    """A csv reader that knows the file name, the header and the line each record starts on."""

    def __init__(self, path: Path, required: Sequence[str]) -> None:
        self.name = path.name
        self.path = path
        self.required = required
        self.header: list[str] = []

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None:
                    raise PolisImportError(self.name, "the file is empty", line=1)
                self.header = header
                missing = [c for c in self.required if c not in self.header]
                if missing:
                    raise PolisImportError(self.name, f"missing column(s) {', '.join(missing)}", line=1)
                start = reader.line_num + 1
                for row in reader:
                    if row:
                        if len(row) != len(self.header):
                            raise PolisImportError(
                                self.name, f"expected {len(self.header)} fields, found {len(row)}", line=start
                            )
                        yield start, dict(zip(self.header, row, strict=True))
                    start = reader.line_num + 1
        except UnicodeDecodeError as e:
            raise PolisImportError(self.name, f"not UTF-8 text (byte {e.start})") from None
        except csv.Error as e:
            raise PolisImportError(self.name, f"not valid CSV ({e})") from None

    def integer(self, row: dict[str, str], line: int, column: str, allowed: Sequence[int] = ()) -> int:
        text = row[column].strip()
        try:
            value = int(text)
        except ValueError:
            raise PolisImportError(
                self.name, f"expected a whole number, got {text!r}", line=line, column=column
            ) from None
        if allowed and value not in allowed:
            choices = ", ".join(str(a) for a in allowed)
            raise PolisImportError(self.name, f"expected one of {choices}, got {value}", line=line, column=column)
        return value

    def optional(self, row: dict[str, str], line: int, column: str, allowed: Sequence[int] = ()) -> int | None:
        if column not in row or not row[column].strip():
            return None
        return self.integer(row, line, column, allowed)


def read_comments(path: Path) -> tuple[PolisComment, ...]:
    """Parse comments.csv; comment ids must be unique."""
    rows = _Rows(path, COMMENT_COLUMNS)
    found: list[PolisComment] = []
    lines: dict[int, int] = {}
    for line, row in rows:
        comment = PolisComment(
            comment_id=rows.integer(row, line, "comment-id"),
            author_id=rows.integer(row, line, "author-id"),
            timestamp=rows.integer(row, line, "timestamp"),
            moderated=rows.integer(row, line, "moderated", (-1, 0, 1)),
            body=row["comment-body"],
            agrees=rows.optional(row, line, "agrees"),
            disagrees=rows.optional(row, line, "disagrees"),
        )
        if comment.comment_id in lines:
            first = lines[comment.comment_id]
            raise PolisImportError(
                path.name, f"comment {comment.comment_id} already on line {first}", line=line, column="comment-id"
            )
        lines[comment.comment_id] = line
        found.append(comment)
    return tuple(found)


def read_votes(path: Path, comment_ids: Collection[int] | None = None) -> tuple[PolisVote, ...]:
    """Parse votes.csv, every event in file order (see :func:`final_votes`).

    With ``comment_ids``, a vote on any other comment is an error.
    """
    rows = _Rows(path, VOTE_COLUMNS)
    found: list[PolisVote] = []
    for line, row in rows:
        vote = PolisVote(
            timestamp=rows.integer(row, line, "timestamp"),
            comment_id=rows.integer(row, line, "comment-id"),
            voter_id=rows.integer(row, line, "voter-id"),
            vote=rows.integer(row, line, "vote", (-1, 0, 1)),
        )
        if comment_ids is not None and vote.comment_id not in comment_ids:
            raise PolisImportError(
                path.name, f"no comment {vote.comment_id} in comments.csv", line=line, column="comment-id"
            )
        found.append(vote)
    return tuple(found)


def read_participants(path: Path, comment_ids: Collection[int] | None = None) -> tuple[PolisParticipant, ...]:
    """Parse participants-votes.csv: fixed columns, then one column per comment id (cells 1, -1, 0 or blank).

    With ``comment_ids``, a column for any other comment is an error.
    """
    rows = _Rows(path, PARTICIPANT_COLUMNS)
    found: list[PolisParticipant] = []
    fixed = set(PARTICIPANT_COLUMNS + _OPTIONAL_PARTICIPANT_COLUMNS)
    comment_columns: list[tuple[str, int]] | None = None
    for line, row in rows:
        if comment_columns is None:
            comment_columns = []
            for column in rows.header:
                if column not in fixed:
                    if not column.strip().lstrip("-").isdigit():
                        raise PolisImportError(
                            path.name, f"column {column!r} is not a comment id", line=1, column=column
                        )
                    if comment_ids is not None and int(column) not in comment_ids:
                        raise PolisImportError(path.name, "no such comment in comments.csv", line=1, column=column)
                    comment_columns.append((column, int(column)))
        votes = {}
        for column, comment_id in comment_columns:
            vote = rows.optional(row, line, column, (-1, 0, 1))
            if vote is not None:
                votes[comment_id] = vote
        found.append(
            PolisParticipant(
                participant_id=rows.integer(row, line, "participant"),
                group_id=rows.optional(row, line, "group-id"),
                n_comments=rows.integer(row, line, "n-comments"),
                n_votes=rows.integer(row, line, "n-votes"),
                n_agree=rows.integer(row, line, "n-agree"),
                n_disagree=rows.integer(row, line, "n-disagree"),
                votes=votes,
                xid=row.get("xid") or None,
            )
        )
    return tuple(found)


def read_summary(path: Path) -> dict[str, str]:
    """Parse summary.csv (key,value rows) into a dict."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {row[0]: row[1] if len(row) > 1 else "" for row in csv.reader(f) if row}


def load_polis_export(folder: Path | str) -> PolisExport:
    """Read an export folder. comments.csv is required, and votes.csv or participants-votes.csv."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PolisImportError(str(folder), "not a folder")
    if not (folder / "comments.csv").is_file():
        raise PolisImportError("comments.csv", f"missing from {folder}")
    votes_path, matrix_path = folder / "votes.csv", folder / "participants-votes.csv"
    if not votes_path.is_file() and not matrix_path.is_file():
        raise PolisImportError("votes.csv", f"missing from {folder} (and no participants-votes.csv either)")
    comments = read_comments(folder / "comments.csv")
    known = {c.comment_id for c in comments}
    return PolisExport(
        folder=folder,
        comments=comments,
        votes=read_votes(votes_path, known) if votes_path.is_file() else (),
        participants=read_participants(matrix_path, known) if matrix_path.is_file() else (),
        summary=read_summary(folder / "summary.csv") if (folder / "summary.csv").is_file() else {},
    )


def final_votes(votes: Sequence[PolisVote]) -> list[PolisVote]:
    """The last vote per (voter, comment) by timestamp (file order breaks ties), in timestamp order."""
    latest: dict[tuple[int, int], PolisVote] = {}
    for vote in sorted(votes, key=lambda v: v.timestamp):
        latest.pop((vote.voter_id, vote.comment_id), None)
        latest[(vote.voter_id, vote.comment_id)] = vote
    return list(latest.values())


def replayable_votes(export: PolisExport) -> list[PolisVote]:
    """The vote events to replay into a new event, oldest first.

    votes.csv when the export has it; otherwise (partial exports) one vote per filled cell of
    participants-votes.csv, at timestamp 0, in participant then comment order.
    """
    if export.votes:
        return sorted(export.votes, key=lambda v: v.timestamp)
    return [
        PolisVote(0, comment_id, person.participant_id, vote)
        for person in export.participants
        for comment_id, vote in person.votes.items()
    ]
