"""The exported transcript file: JSON Lines that can rebuild an event exactly, and refuse a bad copy.

Line 1 is a header: ``{"format": "wholeroom-transcript", "version": 2, "event_id", "title",
"entries": N, "digest": "sha256:...", "exported_at"}``. Every other line is one transcript entry
(``event_id, seq, at, kind, actor, payload``) plus ``chain``: SHA-256 of the previous line's chain
and the entry's canonical JSON. Version 2 hashes each personal text (names, idea texts, reasons,
topic titles) into that JSON instead of the text itself, and leaves out anonymous ideas' writers
(``privacy.sealed``): an export whose texts were erased still verifies, with the same chain.
Version 1 (the whole entry) is still read. Reading checks, line by line, the JSON, the fields,
that ``seq`` follows on, the chain (an edited line breaks it there), and that the entry applies;
at the end, the count (a truncated file falls short) and the digest of the rebuilt state.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .digest import canonical, state_digest
from .entry_check import check_entry
from .errors import Invalid
from .fold import ENTRY_KINDS, FoldError, apply
from .model import Entry, EventState
from .privacy import Unlinker, sealed

FORMAT = "wholeroom-transcript"
VERSION = 2
READS = (1, 2)


class TranscriptError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Rebuilt:
    header: dict[str, Any]
    entries: list[Entry]
    state: EventState


def _start(event_id: str, version: int = VERSION) -> str:
    return hashlib.sha256(f"{FORMAT}:v{version}:{event_id}".encode()).hexdigest()


class _Chain:
    """The running chain hash of a file of ``version``."""

    def __init__(self, event_id: str, version: int = VERSION) -> None:
        self.value = _start(event_id, version)
        self.version = version
        self.anonymous: set[str] = set()  # anonymous ideas met so far

    def link(self, entry: Entry) -> str:
        if self.version == 1:
            covered = entry.to_dict()
        else:
            idea_id = entry.payload.get("idea_id") if entry.kind in ("idea.submitted", "idea.restored") else None
            if entry.kind == "idea.submitted" and entry.payload.get("anonymous"):
                self.anonymous.add(idea_id or "")
            covered = sealed(entry, idea_id in self.anonymous)
        self.value = hashlib.sha256(self.value.encode() + canonical(covered)).hexdigest()
        return self.value


def header(state: EventState, exported_at: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "event_id": state.id,
        "title": state.title,
        "entries": state.seq,
        "digest": state_digest(state),
        "exported_at": exported_at,
    }


def write_lines(head: dict[str, Any], entries: Iterable[Entry]) -> Iterator[str]:
    """The file's lines (each ending in a newline)."""
    """The file's lines (each ending in a newline); anonymous ideas leave without their writers."""
    yield json.dumps(head, ensure_ascii=False) + "\n"
    chain, unlink = _Chain(head["event_id"]), Unlinker()
    for entry in map(unlink, entries):
        yield json.dumps({**entry.to_dict(), "chain": chain.link(entry)}, ensure_ascii=False) + "\n"


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "event_id": str,
    "seq": int,
    "at": int,
    "kind": str,
    "actor": str,
    "payload": dict,
    "chain": str,
}


def read_lines(lines: Iterable[str]) -> Rebuilt:
    """Parse and verify a transcript file; raise :class:`TranscriptError` at the first wrong line."""
    numbered = enumerate(lines, start=1)
    head = _read_header(next(numbered, (1, "")))
    event_id = head["event_id"]
    state = EventState(id=event_id)
    entries: list[Entry] = []
    chain = _Chain(event_id, head["version"])
    for number, raw in numbered:
        if not raw.strip():
            raise TranscriptError(number, "empty line (the file may be damaged)")
        entry, given = _read_entry(number, raw, event_id, state.seq)
        if given != chain.link(entry):
            raise TranscriptError(
                number, f"entry seq {entry.seq} was changed after export (its chain hash does not match)"
            )
        try:
            check_entry(entry)  # the chain detects damage, not forgery: hold every entry to the live limits
        except Invalid as exc:
            raise TranscriptError(number, f"entry seq {entry.seq} ({entry.kind}): {exc.message}") from None
        try:
            apply(state, entry)
        except (FoldError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TranscriptError(
                number, f"entry seq {entry.seq} ({entry.kind}) cannot follow the ones before: {exc!r}"
            ) from None
        entries.append(entry)
    if len(entries) != head["entries"]:
        raise TranscriptError(
            len(entries) + 2, f"truncated: the header announces {head['entries']} entries, the file has {len(entries)}"
        )
    if state_digest(state, head["version"]) != head["digest"]:
        raise TranscriptError(1, "the rebuilt event's digest differs from the header's (was the header edited?)")
    return Rebuilt(head, entries, state)


def _read_header(first: tuple[int, str]) -> dict[str, Any]:
    number, raw = first
    try:
        head = json.loads(raw)
    except (ValueError, RecursionError):
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise TranscriptError(number, f"not a Wholeroom transcript: the first line must be a {FORMAT} header")
    if isinstance(head.get("version"), bool) or head.get("version") not in READS:
        readable = " and ".join(map(str, READS))
        raise TranscriptError(number, f"transcript version {head.get('version')!r}; this server reads {readable}")
    for key, kind in (("event_id", str), ("entries", int), ("digest", str)):
        if not isinstance(head.get(key), kind):
            raise TranscriptError(number, f"the header needs {key!r} ({kind.__name__})")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", head["event_id"]):
        raise TranscriptError(number, "the header's event_id must be 1-32 letters, digits, '-' or '_'")
    return head


def _read_entry(number: int, raw: str, event_id: str, last_seq: int) -> tuple[Entry, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            number, f"not JSON ({exc.msg} at character {exc.pos}); the file may be truncated"
        ) from None
    except (ValueError, RecursionError):
        raise TranscriptError(number, "JSON nested too deep or a number too long") from None
    if not isinstance(data, dict):
        raise TranscriptError(number, "an entry is a JSON object")
    for key, kind in _FIELDS.items():
        value = data.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TranscriptError(number, f"field {key!r} is missing or not a {getattr(kind, '__name__', kind)}")
    if data["event_id"] != event_id:
        raise TranscriptError(number, f"entry of event {data['event_id']!r} in the transcript of {event_id!r}")
    if data["seq"] != last_seq + 1:
        raise TranscriptError(
            number, f"seq {data['seq']} where {last_seq + 1} was expected (a line is missing or repeated)"
        )
    if data["kind"] not in ENTRY_KINDS:
        raise TranscriptError(number, f"unknown entry kind {data['kind']!r}")
    entry = Entry(event_id, data["seq"], data["at"], data["kind"], data["actor"], data["payload"])
    return entry, data["chain"]
