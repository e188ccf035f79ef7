"""How the browser tests may ask Chromium to wait, checked by reading them (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
WAIT = re.compile(r"wait_for_function\(\s*(\"[^\"]*\"|'[^']*')", re.S)
A_FUNCTION = re.compile(r"^[\"'](?:async\s*)?(?:\([^)]*\)|\w+)\s*=>")


def expressions_waited_for(source: str) -> list[str]:
    """The ``wait_for_function`` predicates written as a bare expression, not a function."""
    return [m.group(1) for m in WAIT.finditer(source) if not A_FUNCTION.match(m.group(1))]


def test_waits_are_functions_the_pages_policy_lets_run() -> None:
    """Playwright evaluates a bare expression with eval() each time it polls, and the pages'
    Content-Security-Policy refuses eval: such a wait passes when the condition already holds and
    fails ("EvalError ... unsafe-eval") on a machine slow enough to make it poll. A function passes
    either way."""
    found = {p.name: e for p in BROWSER_TESTS.glob("test_*.py") if (e := expressions_waited_for(p.read_text()))}
    assert not found, found
    assert expressions_waited_for('page.wait_for_function("window.ready === true")') == ['"window.ready === true"']
    assert expressions_waited_for('page.wait_for_function("() => window.ready", polling=100)') == []
    assert expressions_waited_for("page.wait_for_function('img => img.complete', arg=img)") == []
