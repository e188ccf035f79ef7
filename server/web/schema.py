"""Write the JSON Schema of the server's messages (server/web/messages.py) to docs/protocol.schema.json.

python -m server.web.schema           # write it
python -m server.web.schema --check   # exit 1 when the committed file is not what the models say
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from .messages import ServerMessage, Snapshot

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json"


def schema() -> dict[str, Any]:
    """One document: every message the server sends over the websocket (``oneOf`` by ``type``), with
    the snapshots (the ``welcome``'s, and ``GET /api/events/{id}/snapshot``'s answer) among its definitions."""
    messages = TypeAdapter(ServerMessage).json_schema(ref_template="#/$defs/{model}")
    defs = messages.pop("$defs", {})
    snapshots = TypeAdapter(Snapshot).json_schema(ref_template="#/$defs/{model}")
    defs.update(snapshots.pop("$defs", {}))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://wholeroom.invalid/protocol.schema.json",
        "title": "Wholeroom server-to-client messages",
        "description": "Generated from server/web/messages.py by `python -m server.web.schema`; "
        "docs/protocol.md says what each field means. Snapshot: the answer of GET /api/events/{id}/snapshot.",
        **messages,
        "$defs": {**dict(sorted(defs.items())), "Snapshot": snapshots},
    }


def render() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.web.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed file is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
            print(f"{SCHEMA_PATH} is out of date: run python -m server.web.schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
