"""Load a script from YAML text and report every problem with its file, line and column.

PyYAML's node tree keeps the position of every value; we turn the tree into plain data while
recording where each path (``("steps", 3, "duration")``) starts, validate with pydantic and the
cross-step checks, and point each problem at the nearest position we know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import yaml
from pydantic import ValidationError

from ..errors import Invalid
from ..text import bad_char
from .checks import Problem, check_script
from .format import STEP_ADAPTER, STEP_KINDS, Script, Step

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


# A script is a few hundred values; aliases (``*name``) repeat what an anchor names, so a short text
# can stand for billions of values ("billion laughs"). Reading stops at these bounds.
SCRIPT_VALUES_MAX = 20_000
SCRIPT_DEPTH_MAX = 24


_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _TooBig(Exception):
    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node, self.message = node, message


class _Reader:
    """Turns the node tree into plain data, recording where each path starts, within the bounds."""

    def __init__(self) -> None:
        self.marks: dict[Path, tuple[int, int]] = {}
        self.values = 0
        self._open: set[int] = set()  # the collections being read, to catch an alias inside itself
        self._constructor = yaml.SafeLoader("")
        self._top: yaml.Node | None = None

    def close(self) -> None:
        self._constructor.dispose()

    def plain(self, node: yaml.Node, path: Path) -> Any:
        self.values += 1
        if len(path) == 1:
            self._top = node
        if self.values > SCRIPT_VALUES_MAX:  # point at the top-level value that grew too big
            too_many = f"the script stands for more than {SCRIPT_VALUES_MAX:,} values (aliases repeat what they name)"
            raise _TooBig(self._top, too_many)
        if len(path) > SCRIPT_DEPTH_MAX:
            raise _TooBig(node, f"values nested more than {SCRIPT_DEPTH_MAX} levels deep")
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in _COLLECTION_TAGS:  # scalars are refused by the safe constructor
            raise _TooBig(node, f"the tag {node.tag!r} is not allowed; scripts use plain YAML")
        if id(node) in self._open:
            raise _TooBig(node, "an alias inside the value it names (a recursive alias)")
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    scalar = isinstance(key_node, yaml.ScalarNode)
                    key: Any = self._scalar(key_node) if scalar else str(key_node.start_mark)
                    if not isinstance(key, str | int | float | bool | None):
                        raise _TooBig(key_node, f"a key must be text, not a {type(key).__name__}")
                    key = cast(Any, key)
                    self.marks[(*path, key, "<key>")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    out[key] = self.plain(value_node, (*path, key))
                return out
            return [self.plain(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, str) and bad_char(value) is not None:
            raise _TooBig(node, "a NUL character or a lone surrogate (\\0, \\ud800...) cannot be stored; remove it")
        return value


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


def _reader_problem(exc: yaml.YAMLError, filename: str, text: str) -> ScriptProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        return _yaml_problem(exc, filename, text)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow (NUL, ...)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return ScriptProblem(filename, line, column, "", f"not valid YAML: character #x{code:04x} is not allowed")
    return ScriptProblem(filename, 1, 1, "", f"not valid YAML: {exc}")


def load_script(text: str, filename: str = "<script>", *, tables: int | None = None) -> Script:
    """Parse and validate; raise :class:`ScriptError` listing every problem found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ScriptError([_reader_problem(exc, filename, text)]) from None
    except RecursionError:
        deep = f"values nested more than {SCRIPT_DEPTH_MAX} levels deep"
        raise ScriptError([ScriptProblem(filename, 1, 1, "", deep)]) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise ScriptError(
            [ScriptProblem(filename, 1, 1, "", "a script is a YAML mapping with id, title, method, steps")]
        )
    reader = _Reader()
    try:
        data = reader.plain(root, ())
    except _TooBig as exc:
        line, column = (exc.node.start_mark.line + 1, exc.node.start_mark.column + 1) if exc.node else (1, 1)
        raise ScriptError([ScriptProblem(filename, line, column, "", exc.message)]) from None
    except yaml.YAMLError as exc:  # e.g. a tag such as !!python/name that a safe loader does not know
        raise ScriptError([_reader_problem(exc, filename, text)]) from None
    finally:
        reader.close()
    marks = reader.marks
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
