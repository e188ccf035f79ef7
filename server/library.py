"""The library of ready facilitation scripts in ``facilitation_scripts/``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .domain.errors import NotFound
from .domain.scripts.languages import in_default
from .domain.scripts.loader import ScriptError, load_script

LIBRARY_DIR = Path(__file__).resolve().parents[1] / "facilitation_scripts"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def script_path(script_id: str, folder: Path = LIBRARY_DIR) -> Path:
    path = folder / f"{script_id}.yaml"
    if not _NAME.match(script_id) or not path.is_file():
        raise NotFound("unknown_script", f"the library has no script {script_id!r}", field="library")
    return path


def script_text(script_id: str, folder: Path = LIBRARY_DIR) -> str:
    return script_path(script_id, folder).read_text(encoding="utf-8")


def catalogue(folder: Path = LIBRARY_DIR) -> list[dict[str, Any]]:
    """Every valid script with what a facilitator needs to choose one (invalid files are left out)."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            script = load_script(path.read_text(encoding="utf-8"), path.name)
        except (ScriptError, UnicodeDecodeError):
            continue
        data = in_default(script)  # texts in the script's default language, the others under texts
        out.append(
            {
                "id": path.stem,
                "title": data["title"],
                "languages": script.languages,
                "method": script.method.model_dump(),
                "purpose": data["purpose"],
                "fit": script.fit.model_dump(),
                "params": data["params"],
                "steps": len(script.steps),
                "minutes": round(sum(s.duration or 0 for s in script.steps) / 60),
            }
        )
    return out


def expand(data: dict[str, Any], folder: Path = LIBRARY_DIR) -> dict[str, Any]:
    """A ``session.load`` naming a ``library`` script gets that script's text (and it as ``source``)."""
    if data.get("type") != "session.load" or "library" not in data:
        return data
    out = {k: v for k, v in data.items() if k != "library"}
    script_id = data["library"]
    if not isinstance(script_id, str):
        raise NotFound("unknown_script", "library is the id of a script in the library", field="library")
    out["script"] = script_text(script_id, folder)
    out.setdefault("source", f"{script_id}.yaml")
    return out
