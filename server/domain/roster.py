"""The participant list: who the organiser invites, read from a CSV file, checked whole before
anything is kept.

A row is a person: a name, optionally an email, the parts of the system they come from (several,
separated by ``;``), access needs (free text) and their home table (optional: where the planning
group seats them; a table's name or id). Emails and access needs are personal data that
the event does not need to run: they are kept in their own table, never in the transcript, and
never reach an export, the replay or the wall (docs/privacy.md, docs/participants.md).

Reading is all or nothing: every problem is reported with its line and column, and a file with any
problem changes nothing. Importing again updates: a row whose email is already listed updates that
person; a row without an email updates the listed person of the same name who has no email either;
anyone else is added. Nobody is dropped by an import (erase them one by one). Pure: no I/O.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import limits
from .errors import Invalid
from .model import Part
from .text import check_text

ROSTER_MAX = 5_000  # people on one event's list
EMAIL_MAX = 254
ACCESS_NEEDS_MAX = 300
PROBLEMS_SHOWN = 50  # a refusal lists at most this many problems (and says how many there were)
PART_SEPARATOR = ";"

COLUMNS = ("name", "email", "parts", "access_needs", "table")
_ALIASES = {
    "access needs": "access_needs",
    "access": "access_needs",
    "part": "parts",
    "e-mail": "email",
    "home table": "table",
}
_EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]+$")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


PERSON_FIELDS = ("name", "email", "parts", "access_needs", "table")


class _Person:
    """What the list says of a person, to compare a row of the file with someone listed."""

    __slots__ = ()

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PERSON_FIELDS}


@dataclass(frozen=True, slots=True)
class Row(_Person):
    """One person as the file lists them, checked."""

    line: int
    name: str
    email: str | None
    parts: tuple[str, ...]
    access_needs: str | None
    table: str | None = None  # the home table's id


@dataclass(frozen=True, slots=True)
class Listed(_Person):
    """Someone already on the list (what an import is matched against)."""

    id: str
    name: str
    email: str | None
    parts: tuple[str, ...]
    access_needs: str | None
    table: str | None = None  # the home table's id


@dataclass
class Plan:
    """What an import does: people to add, people to update (by id), how many rows change nothing."""

    add: list[Row] = field(default_factory=list)
    update: list[tuple[str, Row]] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> dict[str, int]:
        return {"added": len(self.add), "updated": len(self.update), "unchanged": self.unchanged}


def refusal(problems: Sequence[Problem], what: str = "the file") -> Invalid:
    shown = list(problems[:PROBLEMS_SHOWN])
    more = f" (the first {PROBLEMS_SHOWN} are listed)" if len(problems) > PROBLEMS_SHOWN else ""
    return Invalid(
        "bad_roster",
        f"{what} has {len(problems)} problem(s){more}; nothing was imported. First: {problems[0]}",
        field="csv",
        details=[p.to_dict() for p in shown],
    )


def normal_email(email: str) -> str:
    return email.strip().casefold()


def _header(raw: Sequence[str]) -> tuple[dict[int, str], list[Problem]]:
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    for i, cell in enumerate(raw):
        key = " ".join(cell.strip().lstrip("\ufeff").lower().replace("_", " ").split())
        name = _ALIASES.get(key, key.replace(" ", "_"))
        if not name:
            continue  # an empty heading (a trailing comma): its cells must be empty too, checked per row
        if name not in COLUMNS:
            problems.append(
                Problem(1, cell.strip(), f"unknown column {cell.strip()!r}; the columns are: {', '.join(COLUMNS)}")
            )
        elif name in columns.values():
            problems.append(Problem(1, name, f"the column {name!r} is there twice"))
        else:
            columns[i] = name
    if "name" not in columns.values() and not problems:
        problems.append(
            Problem(1, None, f"the first line must name the columns, with at least 'name' ({', '.join(COLUMNS)})")
        )
    return columns, problems


def _part_lookup(parts: Mapping[str, Part]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts.values():
        out[part.id.casefold()] = part.id
        out[" ".join(part.name.split()).casefold()] = part.id
    return out


def _table_lookup(tables: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table_id, name in tables.items():
        out[" ".join(name.split()).casefold()] = table_id
        out[table_id.casefold()] = table_id
    return out


def read_csv(text: str, parts: Mapping[str, Part], tables: Mapping[str, str] | None = None) -> list[Row]:
    """The people ``text`` lists, every cell checked; raises ``Invalid("bad_roster")`` with every
    problem (line, column, what is wrong) when there is any. ``tables``: the event's tables (id ->
    name), which a home table names."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    rows: list[Row] = []
    lookup = _part_lookup(parts)
    known = ", ".join(p.name for p in parts.values()) or "none: declare the parts first"
    seats = _table_lookup(tables or {})
    known_tables = ", ".join((tables or {}).values())
    emails: dict[str, int] = {}
    names: dict[str, int] = {}
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise refusal([Problem(1, None, "the file is empty; its first line names the columns")])
        columns, problems = _header(header)
        if problems:
            raise refusal(problems)
        line = reader.line_num + 1
        for raw in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in raw):
                continue  # blank lines are ignored
            if len(rows) >= ROSTER_MAX:
                problems.append(Problem(start, None, f"a list holds at most {ROSTER_MAX:,} people"))
                break
            cells: dict[str, str] = {}
            for i, cell in enumerate(raw):
                if i in columns:
                    cells[columns[i]] = cell.strip()
                elif cell.strip():
                    problems.append(Problem(start, None, f"cell {i + 1} is beyond the named columns"))
            row = _row(start, cells, lookup, known, problems)
            home = cells.get("table", "")
            if home:
                table_id = seats.get(" ".join(home.split()).casefold())
                if table_id is None:
                    problems.append(Problem(start, "table", f"no table {home[:40]!r}; the tables are: {known_tables}"))
                    continue
                if row is not None:
                    row = Row(row.line, row.name, row.email, row.parts, row.access_needs, table_id)
            if row is None:
                continue
            if row.email is not None:
                key = normal_email(row.email)
                if key in emails:
                    problems.append(Problem(start, "email", f"{row.email} is already on line {emails[key]}"))
                    continue
                emails[key] = start
            else:
                key = row.name.casefold()
                if key in names:
                    problems.append(
                        Problem(
                            start,
                            "name",
                            f"{row.name!r} without an email is already on line {names[key]}; add emails to tell apart",
                        )
                    )
                    continue
                names[key] = start
            rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num or line, None, f"not readable as CSV: {exc}"))
    if problems:
        raise refusal(problems)
    return rows


def _row(
    line: int, cells: Mapping[str, str], lookup: Mapping[str, str], known: str, problems: list[Problem]
) -> Row | None:
    before = len(problems)
    name = " ".join(cells.get("name", "").split())
    if not name:
        problems.append(Problem(line, "name", "the name is empty"))
    elif len(name) > limits.NAME_MAX:
        problems.append(Problem(line, "name", f"a name has at most {limits.NAME_MAX} characters; this has {len(name)}"))
    else:
        _text(name, line, "name", problems)
    email = cells.get("email") or None
    if email is not None:
        if len(email) > EMAIL_MAX or not _EMAIL_RE.match(email):
            problems.append(Problem(line, "email", f"{email[:60]!r} is not an email address"))
    chosen: list[str] = []
    for said in (s.strip() for s in cells.get("parts", "").split(PART_SEPARATOR)):
        if not said:
            continue
        pid = lookup.get(" ".join(said.split()).casefold())
        if pid is None:
            problems.append(Problem(line, "parts", f"no part {said[:60]!r}; the parts are: {known}"))
        elif pid in chosen:
            problems.append(Problem(line, "parts", f"{said!r} is there twice"))
        else:
            chosen.append(pid)
    needs = " ".join(cells.get("access_needs", "").split()) or None
    if needs is not None:
        if len(needs) > ACCESS_NEEDS_MAX:
            problems.append(
                Problem(line, "access_needs", f"at most {ACCESS_NEEDS_MAX} characters; this has {len(needs)}")
            )
        else:
            _text(needs, line, "access_needs", problems)
    if len(problems) > before:
        return None
    return Row(line, name, email.strip() if email else None, tuple(chosen), needs)


def _text(value: str, line: int, column: str, problems: list[Problem]) -> None:
    try:
        check_text(value, column)
    except Invalid as exc:
        problems.append(Problem(line, column, exc.message))


def plan(rows: Sequence[Row], listed: Sequence[Listed]) -> Plan:
    """Match the file's rows to the people already listed (email first, then a name without email).
    Two rows that would update the same person are a problem (refused like any other)."""
    by_email = {normal_email(p.email): p for p in listed if p.email}
    by_name = {p.name.casefold(): p for p in listed if not p.email}
    out = Plan()
    taken: dict[str, int] = {}
    problems: list[Problem] = []
    for row in rows:
        match = by_email.get(normal_email(row.email)) if row.email else None
        if match is None:
            match = by_name.get(row.name.casefold())
        if match is None:
            out.add.append(row)
            continue
        if match.id in taken:
            problems.append(
                Problem(row.line, "name", f"updates the same listed person ({match.name}) as line {taken[match.id]}")
            )
            continue
        taken[match.id] = row.line
        if match.fields() == row.fields():
            out.unchanged += 1
        else:
            out.update.append((match.id, row))
    if problems:
        raise refusal(problems)
    if len(listed) + len(out.add) > ROSTER_MAX:
        raise refusal(
            [Problem(1, None, f"the list would hold {len(listed) + len(out.add):,} people; at most {ROSTER_MAX:,}")]
        )
    return out
