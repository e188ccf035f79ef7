"""Run one function of this checkout in a short-lived child Python process.

Some work at start needs libraries that a serving process would then hold for its whole life
(Alembic to prepare a database, Babel to compile the message catalogues: about 10 MB each, measured
in docs/performance.md). Done in a child, their memory goes back with it; the parent reads the
child's answer from its standard output and its complaint, if any, from its standard error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])  # the checkout this server runs from, for the child too


def run_apart(
    module: str, function: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``module.function(*args)`` in a child process with this interpreter, this checkout first on
    its path, the parent's environment plus ``env``, and UTF-8 on its pipes; what it printed and its
    exit status are returned for the caller to read (nothing is raised here for a failing child)."""
    code = f"import sys; sys.path.insert(0, sys.argv[1]); from {module} import {function}; {function}(*sys.argv[2:])"
    return subprocess.run(
        [sys.executable, "-c", code, ROOT, *args],
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
