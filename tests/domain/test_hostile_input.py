"""Text and scripts made to hurt: each is a clear, located refusal, in bounded time and memory."""

from __future__ import annotations

import pytest

from server.domain.errors import Invalid
from server.domain.scripts.loader import ScriptError, load_script
from server.domain.text import check_payload, parse_json

BOMB = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]\n" for i in range(1, 9))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (BOMB, "upload.yaml:6:5: the script stands for more than 20,000 values (aliases repeat what they name)"),
        ("a: &a [*a]\n", "upload.yaml:1:4: an alias inside the value it names (a recursive alias)"),
        ("a: &a {b: *a}\n", "upload.yaml:1:4: an alias inside the value it names (a recursive alias)"),
        ("a: " + "[" * 30 + "]" * 30 + "\n", "upload.yaml:1:28: values nested more than 24 levels deep"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "upload.yaml:1:1: values nested more than 24 levels deep"),
        ("id: !!python/name:os.system x\n", "upload.yaml:1:5: not valid YAML: could not determine a constructor"),
        ("id: !!python/object/apply:os.system [ls]\n", "upload.yaml:1:5: the tag 'tag:yaml.org,2002:python/object"),
        ("id: !!set {a: null}\n", "upload.yaml:1:5: the tag 'tag:yaml.org,2002:set' is not allowed"),
        ("id: x\x00y\n", "upload.yaml:1:6: not valid YAML: character #x0000 is not allowed"),
        ('id: "\\0"\n', "upload.yaml:1:5: a NUL character or a lone surrogate"),
        ('title: "\\ud800"\n', "upload.yaml:1:8: a NUL character or a lone surrogate"),
    ],
)
def test_a_hostile_script_is_one_located_problem(text: str, problem: str) -> None:
    with pytest.raises(ScriptError) as refused:
        load_script(text, "upload.yaml")
    assert str(refused.value.problems[0]).startswith(problem), str(refused.value.problems[0])


def test_aliases_within_the_bounds_still_work() -> None:
    """Anchors and aliases are ordinary YAML: a script may reuse a value."""
    text = """\
id: reuse
title: Reuse
method: {name: Test, origin: Us}
steps:
  - {id: one, kind: ideas, duration: 1m, capture: &each {who: each}}
  - {id: two, kind: ideas, duration: 1m, capture: *each}
"""
    assert [s.id for s in load_script(text).steps] == ["one", "two"]


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ('{"text": "\\ud800"}', "bad_text", "text"),
        ('{"a": [{"b": "x\\u0000"}]}', "bad_text", "a.0.b"),
        ('{"\\udc00": 1}', "bad_text", "\\udc00"),
        ("[" * 100_000, "too_deep", None),
        ("[" * 34 + "]" * 34, "too_deep", "0"),
        ("1" * 5000, "bad_number", None),
        ('{"n": -Infinity}', "bad_number", None),
        ('{"n": 1e400}', "bad_number", "n"),
        (b"\xff\xfe", "bad_json", None),
    ],
)
def test_json_no_database_can_store_is_refused_naming_the_field(raw: str | bytes, code: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_json(raw)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_an_entry_payload_must_be_plain_json() -> None:
    with pytest.raises(Invalid) as refused:
        check_payload({"at": b"bytes"})
    assert (refused.value.code, refused.value.field) == ("unstorable", "at")


def test_every_entry_kind_has_its_import_check() -> None:
    """An imported entry is checked by its kind's model; a new kind needs one (domain/entry_check.py)."""
    from server.domain.entry_check import PAYLOADS
    from server.domain.fold import ENTRY_KINDS

    assert set(PAYLOADS) == set(ENTRY_KINDS)
