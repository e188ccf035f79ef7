"""Load a script from YAML text and report every problem with its file, line and column.

PyYAML's node tree keeps the position of every value; we turn the tree into plain data while
recording where each path (``("steps", 3, "duration")``) starts, validate with pydantic and the
cross-step checks, and point each problem at the nearest position we know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import Invalid
from .checks import Problem, check_script
from .model import STEP_ADAPTER, STEP_KINDS, Script, Step

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ScriptProblem:
    file: str
    line: int  # 1-based
    column: int  # 1-based
    path: str
    message: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {self.message}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "path": self.path, "message": self.message}


class ScriptError(ValueError):
    """The script has problems; ``problems`` lists all of them, in file order."""

    def __init__(self, problems: list[ScriptProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def refusal(self) -> Invalid:
        """The error a command or request answers with: every problem in ``details``."""
        return Invalid(
            "bad_script",
            f"the script has {len(self.problems)} problem(s); first: {self.problems[0]}",
            field="script",
            details=[p.to_dict() for p in self.problems],
        )


def _plain(node: yaml.Node, path: Path, marks: dict[Path, tuple[int, int]]) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            marks[(*path, key, "<key>")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _plain(value_node, (*path, key), marks)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), marks) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


# PyYAML's words for the mistakes people make most, and what to do about them
_YAML_HINTS = {
    "mapping values are not allowed here": "a ': ' inside unquoted text; put the text in quotes",
    "found character '\\t' that cannot start any token": "a tab; indent with spaces",
    "could not find expected ':'": "a line that is neither 'key: value' nor a '- ' list item; check the indentation",
    "did not find expected key": "a line indented differently from its neighbours",
    "did not find expected '-' indicator": "a list item indented differently from the ones before",
    "expected ',' or '}'": "something odd inside { }; put texts containing ':', '?' or '#' in quotes",
    "found unexpected end of stream": "a quote or bracket that is never closed",
}


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The first line (1-based) before ``before_line`` whose double quotes do not pair up."""
    for number, line in enumerate(text.splitlines()[: before_line - 1], start=1):
        body = line.split(" #")[0].replace('\\"', "")
        if body.count('"') % 2:
            return number, body.index('"') + 1
    return None


def _yaml_problem(exc: yaml.MarkedYAMLError, filename: str, text: str) -> ScriptProblem:
    problem = exc.problem or "unreadable"
    context = exc.context or ""
    # an unclosed quote or bracket is reported where the parser gave up; point at where it opened
    opened = context.startswith("while scanning a quoted scalar") or context.startswith("while parsing a flow")
    mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    hint = next((h for words, h in _YAML_HINTS.items() if problem.startswith(words)), None)
    if opened and "quoted" in context:
        hint = "this quote is never closed"
    elif exc.problem_mark is not None and text.splitlines()[exc.problem_mark.line : exc.problem_mark.line + 1]:
        # a quote left open swallows the lines up to the next quote, and the error shows up there
        found = _unclosed_quote(text, exc.problem_mark.line + 1)
        if found is not None:
            (line, column), hint = found, f"this quote is never closed: it runs on to line {exc.problem_mark.line + 1}"
    message = f"not valid YAML: {problem}" + (f" ({hint})" if hint else "")
    return ScriptProblem(filename, line, column, "", message)


def _mark(path: Path, marks: dict[Path, tuple[int, int]]) -> tuple[int, int]:
    for end in range(len(path), -1, -1):
        if path[:end] in marks:
            return marks[path[:end]]
    return (1, 1)


def _readable(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc: list[str | int] = [*prefix, *err["loc"]]
        # a discriminated union puts the step kind into the path: steps.3.vote.method -> steps.3.method
        if len(loc) >= 3 and loc[0] == "steps" and isinstance(loc[1], int) and loc[2] in STEP_KINDS:
            del loc[2]
        loc = [("from" if part == "from_" else part) for part in loc]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            kind = err["input"].get("kind") if isinstance(err["input"], dict) else None
            message = (
                f"unknown step kind {kind!r}; expected one of {', '.join(STEP_KINDS)}"
                if kind is not None
                else f"a step needs a kind: one of {', '.join(STEP_KINDS)}"
            )
            if kind is not None:
                loc.append("kind")
        elif err["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
            loc = [*loc, "<key>"]
        elif err["type"] == "missing":
            message = f"missing required field {loc[-1]!r}"
            loc = loc[:-1]
        else:
            message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(tuple(loc), message))
    return problems


def _validate(data: dict[str, Any], tables: int | None) -> tuple[Script | None, list[Problem]]:
    """Validate the header and each step on its own, so one bad step does not hide the others' problems."""
    raw_steps = data.get("steps")
    problems: list[Problem] = []
    steps: list[Step] = []
    positions: list[int] = []
    if isinstance(raw_steps, list):
        for i, raw in enumerate(raw_steps):
            try:
                steps.append(STEP_ADAPTER.validate_python(raw))
                positions.append(i)
            except ValidationError as exc:
                problems.extend(_pydantic_problems(exc, prefix=("steps", i)))
        header = {**data, "steps": [{"id": "placeholder", "kind": "prompt"}]}
    else:
        header = data
    try:
        script = Script.model_validate(header).model_copy(update={"steps": steps})
    except ValidationError as exc:
        return None, [*_pydantic_problems(exc), *problems]
    ids = [str(raw.get("id", "")) if isinstance(raw, dict) else "" for raw in raw_steps or []]
    problems.extend(check_script(script, tables=tables, positions=positions, ids=ids))
    return (script if not problems else None), problems


def load_script(text: str, filename: str = "<script>", *, tables: int | None = None) -> Script:
    """Parse and validate; raise :class:`ScriptError` listing every problem found."""
    marks: dict[Path, tuple[int, int]] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScriptError([_yaml_problem(exc, filename, text)]) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise ScriptError(
            [ScriptProblem(filename, 1, 1, "", "a script is a YAML mapping with id, title, method, steps")]
        )
    data = _plain(root, (), marks)
    script, problems = _validate(data, tables)
    if problems:
        located = []
        for problem in problems:
            line, column = _mark(problem.path, marks)
            shown = tuple(p for p in problem.path if p != "<key>")
            located.append(ScriptProblem(filename, line, column, _readable(shown), problem.message))
        located.sort(key=lambda p: (p.line, p.column))
        raise ScriptError(located)
    assert script is not None
    return script
