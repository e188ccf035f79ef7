"""The exported transcript file: JSON Lines that can rebuild an event exactly, and refuse a bad copy.

Line 1 is a header: ``{"format": "wholeroom-transcript", "version": 3, "event_id", "title",
"entries": N, "digest": "sha256:...", "parts": {...}, "vectors": {"count", "digest"},
"exported_at"}``. Then one line per transcript entry (``event_id, seq, at, kind, actor, payload``)
plus ``chain``: SHA-256 of the previous line's chain and the entry's canonical JSON, with each
personal text (names, idea texts, reasons, topic titles) hashed into that JSON instead of the text
itself and anonymous ideas' writers left out (``privacy.sealed``), so an export whose texts were
erased still verifies, with the same chain. Then (version 3) one line per idea vector the themes
were computed from, ``{"vector": {"idea_id", "model", "dtype", "b64"}, "chain"}``, on the same chain.

Reading checks, line by line, the JSON, the fields, that ``seq`` follows on, the chain (an edited
line breaks it there), and that the entry applies; at the end, the counts (a truncated file falls
short), the vectors against their digest and the rebuilt state against the header's digest, naming
the part of the event that differs (``digest.PARTS``). Versions 1 (the chain covers whole entries)
and 2 (no vectors, a digest of less of the state) are still read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .digest import PARTS, canonical, combine, part_digests, state_digest
from .entry_check import check_entry
from .errors import Invalid
from .fold import ENTRY_KINDS, FoldError, apply
from .model import Entry, EventState, Idea
from .privacy import Unlinker, sealed

FORMAT = "wholeroom-transcript"
VERSION = 3
READS = (1, 2, 3)
DTYPE = "float32"  # little-endian IEEE 754, as numpy stores float32 on every platform we run on
DIM_MAX = 4096  # floats in one vector (the default encoder makes 640)
MODEL_RE = re.compile(r"[A-Za-z0-9+._-]{1,64}")


class TranscriptError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Vector:
    """An idea's sentence embedding, as the themes read it (``data``: little-endian float32)."""

    idea_id: str
    model: str
    data: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "idea_id": self.idea_id,
            "model": self.model,
            "dtype": DTYPE,
            "b64": base64.b64encode(self.data).decode("ascii"),
        }


@dataclass(frozen=True, slots=True)
class Rebuilt:
    header: dict[str, Any]
    entries: list[Entry]
    state: EventState
    vectors: list[Vector] = field(default_factory=list)


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
        return self._next(covered)

    def link_vector(self, vector: Vector) -> str:
        return self._next({"vector": vector.to_dict()})

    def _next(self, covered: dict[str, Any]) -> str:
        self.value = hashlib.sha256(self.value.encode() + canonical(covered)).hexdigest()
        return self.value


def _writer_erased(state: EventState, idea: Idea) -> bool:
    return idea.participant_id in state.erased and not idea.anonymous


def exportable(state: EventState, vectors: Iterable[Vector]) -> list[Vector]:
    """The vectors a file carries: those of the event's ideas, in the ideas' order, never one of an
    erased person's idea (a vector stands for its words)."""
    order = {idea_id: n for n, idea_id in enumerate(state.ideas)}
    kept = [v for v in vectors if v.idea_id in order and not _writer_erased(state, state.ideas[v.idea_id])]
    return sorted(kept, key=lambda v: (order[v.idea_id], v.model))


def vectors_digest(vectors: Iterable[Vector]) -> str:
    h = hashlib.sha256()
    for vector in vectors:
        h.update(canonical(vector.to_dict()))
    return "sha256:" + h.hexdigest()


def header(state: EventState, exported_at: int, vectors: list[Vector] | None = None) -> dict[str, Any]:
    """The header of a file holding ``state``'s transcript and ``vectors`` (see :func:`exportable`)."""
    parts = part_digests(state)
    return {
        "format": FORMAT,
        "version": VERSION,
        "event_id": state.id,
        "title": state.title,
        "entries": state.seq,
        "digest": combine(parts),
        "parts": parts,
        "vectors": {"count": len(vectors or ()), "digest": vectors_digest(vectors or ())},
        "exported_at": exported_at,
    }


def write_lines(head: dict[str, Any], entries: Iterable[Entry], vectors: Iterable[Vector] = ()) -> Iterator[str]:
    """The file's lines (each ending in a newline); anonymous ideas leave without their writers."""
    yield json.dumps(head, ensure_ascii=False) + "\n"
    chain, unlink = _Chain(head["event_id"]), Unlinker()
    for entry in map(unlink, entries):
        yield json.dumps({**entry.to_dict(), "chain": chain.link(entry)}, ensure_ascii=False) + "\n"
    for vector in vectors:
        yield json.dumps({"vector": vector.to_dict(), "chain": chain.link_vector(vector)}) + "\n"


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
    event_id, version = head["event_id"], head["version"]
    state = EventState(id=event_id)
    entries: list[Entry] = []
    vectors: list[Vector] = []
    seen: set[tuple[str, str]] = set()  # (model, idea) of the vectors so far
    dims: dict[str, int] = {}  # floats per vector of each model
    chain = _Chain(event_id, version)
    for number, raw in numbered:
        data = _read_object(number, raw)
        if "vector" in data:
            if version < 3:
                raise TranscriptError(number, f"a vector line, which version {version} files do not have")
            if len(entries) != head["entries"]:
                raise TranscriptError(
                    number, f"a vector line after {len(entries)} entries (the header announces {head['entries']})"
                )
            vector, given = _read_vector(number, data)
            if given != chain.link_vector(vector):
                raise TranscriptError(
                    number,
                    f"the vector of idea {vector.idea_id} was changed after export (its chain hash does not match)",
                )
            _check_vector(number, vector, state, seen, dims)
            vectors.append(vector)
            continue
        if vectors:
            raise TranscriptError(number, "an entry after the vectors (the file may be damaged)")
        entry, given = _read_entry(number, data, event_id, state.seq)
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
    if version >= 3:
        _check_vectors(head, vectors, len(entries) + len(vectors) + 2)
        _check_digest(head, state)
    elif state_digest(state, version) != head["digest"]:
        raise TranscriptError(1, "the rebuilt event's digest differs from the header's (was the header edited?)")
    return Rebuilt(head, entries, state, vectors)


def _check_vectors(head: dict[str, Any], vectors: list[Vector], end: int) -> None:
    announced = head["vectors"]
    if len(vectors) != announced["count"]:
        raise TranscriptError(
            end, f"truncated: the header announces {announced['count']} vectors, the file has {len(vectors)}"
        )
    if vectors_digest(vectors) != announced["digest"]:
        raise TranscriptError(
            1,
            "the vectors differ from the header's digest of them: a vector was changed after export and the "
            "chain recomputed, or the header was edited",
        )


def _check_digest(head: dict[str, Any], state: EventState) -> None:
    parts = part_digests(state)
    if combine(parts) == head["digest"]:
        return
    given = head["parts"]
    if combine(given) == head["digest"]:  # the header is consistent: name what the entries changed
        differing = [label for name, label in PARTS.items() if parts.get(name) != given.get(name)]
        raise TranscriptError(
            1,
            f"the rebuilt event differs from the header's digest in its {', '.join(differing)}: an entry was "
            "changed after export and the chain recomputed, or the header was edited",
        )
    raise TranscriptError(1, "the rebuilt event's digest differs from the header's (was the header edited?)")


def _read_header(first: tuple[int, str]) -> dict[str, Any]:
    number, raw = first
    try:
        head = json.loads(raw)
    except (ValueError, RecursionError):
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise TranscriptError(number, f"not a Wholeroom transcript: the first line must be a {FORMAT} header")
    if isinstance(head.get("version"), bool) or head.get("version") not in READS:
        readable = ", ".join(map(str, READS))
        raise TranscriptError(number, f"transcript version {head.get('version')!r}; this server reads {readable}")
    needed: tuple[tuple[str, type], ...] = (("event_id", str), ("entries", int), ("digest", str))
    if head["version"] >= 3:
        needed += (("parts", dict), ("vectors", dict))
    for key, kind in needed:
        if not isinstance(head.get(key), kind) or isinstance(head.get(key), bool):
            raise TranscriptError(number, f"the header needs {key!r} ({kind.__name__})")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", head["event_id"]):
        raise TranscriptError(number, "the header's event_id must be 1-32 letters, digits, '-' or '_'")
    if head["version"] >= 3:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in head["parts"].items()):
            raise TranscriptError(number, "the header's 'parts' maps each part of the event to its digest (text)")
        count, digest = head["vectors"].get("count"), head["vectors"].get("digest")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not isinstance(digest, str):
            raise TranscriptError(number, "the header's 'vectors' needs 'count' (a whole number) and 'digest' (text)")
    return head


def _read_object(number: int, raw: str) -> dict[str, Any]:
    if not raw.strip():
        raise TranscriptError(number, "empty line (the file may be damaged)")
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
    return data


def _read_entry(number: int, data: dict[str, Any], event_id: str, last_seq: int) -> tuple[Entry, str]:
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


_VECTOR_KEYS = ("idea_id", "model", "dtype", "b64")


def _read_vector(number: int, data: dict[str, Any]) -> tuple[Vector, str]:
    """The vector line's fields (their meaning is checked once the chain has vouched for them)."""
    body, given = data["vector"], data.get("chain")
    if set(data) != {"vector", "chain"} or not isinstance(given, str) or not isinstance(body, dict):
        raise TranscriptError(number, 'a vector line is {"vector": {...}, "chain": "..."} and nothing else')
    if sorted(body) != sorted(_VECTOR_KEYS) or not all(isinstance(body[k], str) for k in _VECTOR_KEYS):
        raise TranscriptError(number, "a vector has exactly idea_id, model, dtype and b64, each text")
    if body["dtype"] != DTYPE:
        raise TranscriptError(number, f"vector dtype {body['dtype'][:20]!r}; this server reads {DTYPE}")
    if not MODEL_RE.fullmatch(body["model"]) or not 1 <= len(body["idea_id"]) <= 32:
        raise TranscriptError(
            number, "a vector's model is 1-64 letters, digits or +._- and its idea_id 1-32 characters"
        )
    try:
        raw = base64.b64decode(body["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise TranscriptError(number, f"the vector of idea {body['idea_id']} is not base64") from None
    return Vector(body["idea_id"], body["model"], raw), given


def _check_vector(
    number: int, vector: Vector, state: EventState, seen: set[tuple[str, str]], dims: dict[str, int]
) -> None:
    where = f"the vector of idea {vector.idea_id}"
    size = len(vector.data)
    if size == 0 or size % 4 or size // 4 > DIM_MAX:
        raise TranscriptError(number, f"{where} has {size} bytes: 1 to {DIM_MAX} float32 values (4 bytes each)")
    if not np.isfinite(np.frombuffer(vector.data, dtype="<f4")).all():
        raise TranscriptError(number, f"{where} holds a value that is not a finite number")
    idea = state.ideas.get(vector.idea_id)
    if idea is None:
        raise TranscriptError(number, f"{where}: there is no such idea in this event")
    if _writer_erased(state, idea):
        raise TranscriptError(number, f"{where}: its writer was erased, and a vector stands for their words")
    if (vector.model, vector.idea_id) in seen:
        raise TranscriptError(number, f"{where} ({vector.model}) is there twice")
    dim = dims.setdefault(vector.model, size // 4)
    if dim != size // 4:
        raise TranscriptError(number, f"{where} has {size // 4} values where model {vector.model}'s others have {dim}")
    seen.add((vector.model, vector.idea_id))
