"""Curation edits to and from transcript payloads (plain JSON-able dicts), one ``kind`` per edit type.

The live room writes ``edit_to_entry(edit)`` as the entry's ``(kind, payload)`` and replay turns
entries back with ``edit_from_entry``; the round trip is exact.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, fields
from typing import Any

from server.domain.themes.records import Edit, Merge, Move, Pin, Rename, Split, Unpin

KINDS: dict[str, type[Edit]] = {
    "theme.rename": Rename,
    "theme.merge": Merge,
    "theme.split": Split,
    "theme.pin": Pin,
    "theme.unpin": Unpin,
    "theme.move_idea": Move,
}
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def edit_to_entry(edit: Edit) -> tuple[str, dict[str, Any]]:
    payload = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(edit).items()}
    return _KIND_OF[type(edit)], payload


def edit_from_entry(kind: str, payload: dict[str, Any]) -> Edit:
    """The edit an entry records; raises ValueError on an unknown kind or missing/extra fields."""
    cls = KINDS.get(kind)
    if cls is None:
        raise ValueError(f"not a theme edit: {kind!r}")
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    if not required <= payload.keys() <= names:
        raise ValueError(f"{kind} needs {sorted(required)}, may have {sorted(names)}; got {sorted(payload)}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in payload.items()}
    edit: Edit = cls(**values)
    return edit
