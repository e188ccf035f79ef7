"""Text a database can store: Unicode scalar values without NUL, in data nested a bounded depth.

JSON can spell a lone surrogate (``"\\ud800"``) and a NUL (``"\\u0000"``); Python keeps both in a
``str``, but neither can be written (UTF-8 has no surrogates, PostgreSQL refuses NUL). Such text is
refused where it comes in, with the path to it, before it can reach a transcript entry.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from .errors import Invalid
from .limits import JSON_DEPTH_MAX

ENTRY_DEPTH_MAX = 64  # a loaded script's steps nest deeper than any command

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def bad_char(text: str) -> int | None:
    """The index of the first NUL or lone surrogate in ``text``, if any."""
    found = _UNSTORABLE.search(text)
    return found.start() if found is not None else None


def _describe(char: str) -> str:
    return "a NUL character" if char == "\x00" else f"a lone surrogate (\\u{ord(char):04x})"


def check_text(text: str, field: str) -> None:
    """Refuse ``text`` with ``bad_text`` if it holds a NUL or a lone surrogate."""
    at = bad_char(text)
    if at is not None:
        raise Invalid(
            "bad_text", f"{field} has {_describe(text[at])} at character {at}: send valid Unicode text", field=field
        )


def printable(text: str) -> str:
    """``text`` with any NUL or lone surrogate written as an escape, safe to echo in an error."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _where(path: list[str | int]) -> str:
    return printable(".".join(str(p) for p in path)) or "message"


def check_data(value: Any, *, depth_max: int = JSON_DEPTH_MAX) -> None:
    """Walk decoded JSON: every string (keys too) must be storable, every number finite, and
    nesting at most ``depth_max`` deep. Raises :class:`Invalid` naming the path of the first problem
    (the path is spelt out only then: every message and entry is walked, and nearly all are fine)."""
    unstorable = _UNSTORABLE.search
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if len(path) > depth_max:
            raise Invalid("too_deep", f"JSON is nested more than {depth_max} levels deep", field=_where(path[:1]))
        if isinstance(item, str):
            if unstorable(item) is not None:
                check_text(item, _where(path))
        elif isinstance(item, float) and not math.isfinite(item):
            raise Invalid("bad_number", f"{_where(path)}: numbers must be finite", field=_where(path))
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    if unstorable(key) is not None:
                        check_text(key, _where([*path, key]))
                elif key is not None and not isinstance(key, int | float):
                    raise Invalid("unstorable", f"{_where(path)}: a {type(key).__name__} key is not JSON")
                stack.append((child, [*path, key]))
        elif isinstance(item, list):
            stack.extend((child, [*path, i]) for i, child in enumerate(item))
        elif item is not None and not isinstance(item, int | float):
            raise Invalid("unstorable", f"{_where(path)}: a {type(item).__name__} is not JSON", field=_where(path))


def check_payload(payload: dict[str, Any]) -> None:
    """An entry's payload must be storable as it is: JSON types only, text as :func:`check_data`."""
    check_data(payload, depth_max=ENTRY_DEPTH_MAX)


def _no_constant(name: str) -> Any:
    raise Invalid("bad_number", f"{name} is not a number JSON allows")


def decode_json(raw: str | bytes) -> Any:
    """Decode one JSON document; a refusal is an :class:`Invalid` with its own code (``bad_json``,
    ``too_deep``, ``bad_number``). The result still needs :func:`check_data`."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise Invalid("bad_json", f"not JSON: {exc.msg} at character {exc.pos}") from None
    except RecursionError:
        raise Invalid("too_deep", f"JSON is nested more than {JSON_DEPTH_MAX} levels deep") from None
    except UnicodeDecodeError:
        raise Invalid("bad_json", "not JSON: the body is not UTF-8 text") from None
    except ValueError:  # Python reads integers of at most 4,300 digits
        raise Invalid("bad_number", f"a number has more than {sys.get_int_max_str_digits()} digits") from None


def parse_json(raw: str | bytes) -> Any:
    """:func:`decode_json`, then :func:`check_data` (``bad_text`` too)."""
    data = decode_json(raw)
    check_data(data)
    return data
