"""A command's fields take exactly their JSON types: a string where a number or a yes/no belongs is
refused naming the field, never guessed ("yes" is not true, "3" is not 3)."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.commands import parse_command
from server.domain.errors import Invalid


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ({"type": "step.push", "text": "Talk", "premoderate": "yes"}, "premoderate"),
        ({"type": "step.push", "text": "Talk", "react": "true"}, "react"),
        ({"type": "step.push", "text": "Talk", "duration_s": "300"}, "duration_s"),
        ({"type": "step.push", "text": "Talk", "duration_s": 300.5}, "duration_s"),
        ({"type": "step.extend", "step_id": "s1", "seconds": "60"}, "seconds"),
        ({"type": "idea.submit", "client_id": "c1", "text": 42}, "text"),
        ({"type": "session.next", "session_id": "x1", "expect_flow_seq": "0"}, "expect_flow_seq"),
    ],
)
def test_a_field_of_the_wrong_json_type_is_refused_naming_it(command: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_command(command)
    assert err.value.code == "invalid" and err.value.field is not None and err.value.field.startswith(field)


def test_the_right_types_pass() -> None:
    parse_command({"type": "step.push", "text": "Talk", "premoderate": True, "react": False, "duration_s": 300})
    parse_command({"type": "step.push", "text": "Talk", "premoderate": "role:table_host"})
