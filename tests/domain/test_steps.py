from __future__ import annotations

import pytest

from server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from server.domain.model import Actor, Role, StepStatus

from .helpers import FACILITATOR, T0, Scene


def test_push_to_all_reaches_every_table() -> None:
    """A step pushed with no audience becomes every table's current step."""
    scene = Scene(tables=3)
    step_id = scene.push(duration_s=600)
    for table_id in ("1", "2", "3"):
        step = scene.state.step_for(table_id, Role.PARTICIPANT)
        assert step is not None and step.id == step_id
    assert scene.state.steps[step_id].deadline == T0 + 600_000


def test_tables_outside_the_audience_keep_their_step() -> None:
    """Pushing to table 1 leaves tables 2 and 3 on the step they had."""
    scene = Scene(tables=3)
    first = scene.push("Everyone: introduce yourselves")
    second = scene.push("Table 1 only", audience={"tables": ["1"]})
    assert scene.state.step_for("1", Role.PARTICIPANT).id == second  # type: ignore[union-attr]
    assert scene.state.step_for("2", Role.PARTICIPANT).id == first  # type: ignore[union-attr]


def test_role_step_reaches_only_that_role() -> None:
    """A step for table hosts is what hosts see; others at the table keep the table's step."""
    scene = Scene()
    everyone = scene.push("Talk")
    hosts = scene.push("Hosts: summarise", audience={"tables": None, "role": "table_host"})
    assert scene.state.step_for("2", Role.TABLE_HOST).id == hosts  # type: ignore[union-attr]
    assert scene.state.step_for("2", Role.PARTICIPANT).id == everyone  # type: ignore[union-attr]
    again = scene.push("Everyone again")
    assert scene.state.step_for("2", Role.TABLE_HOST).id == again  # type: ignore[union-attr]


def test_extend_adds_to_the_later_of_deadline_and_now() -> None:
    """Extending an overrun step gives the minutes from now, not from the past deadline."""
    scene = Scene()
    step_id = scene.push(duration_s=60)
    scene.now = T0 + 120_000
    scene.do(FACILITATOR, type="step.extend", step_id=step_id, seconds=300)
    assert scene.state.steps[step_id].deadline == T0 + 120_000 + 300_000


def test_end_then_extend_is_refused() -> None:
    """An ended step cannot be extended, and the refusal changes nothing."""
    scene = Scene()
    step_id = scene.push(duration_s=60)
    scene.do(FACILITATOR, type="step.end", step_id=step_id)
    seq = scene.state.seq
    with pytest.raises(Conflict) as err:
        scene.do(FACILITATOR, type="step.extend", step_id=step_id, seconds=60)
    assert err.value.code == "step_closed"
    assert scene.state.seq == seq and scene.state.steps[step_id].status is StepStatus.ENDED


def test_replace_ends_the_old_step_and_keeps_its_audience() -> None:
    """Replacing a step ends it and sends the new text to the same tables."""
    scene = Scene()
    old = scene.push("Typo'd question", audience={"tables": ["2", "3"]})
    new = scene.push("The right question", replaces=old)
    assert scene.state.steps[old].status is StepStatus.ENDED
    assert scene.state.steps[new].audience.tables == ("2", "3")
    assert scene.state.step_for("3", Role.PARTICIPANT).id == new  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("command", "error", "code"),
    [
        ({"text": "   "}, Invalid, "empty_text"),
        ({"text": "x" * 2001}, Invalid, "text_too_long"),
        ({"text": "Q", "audience": {"tables": []}}, Invalid, "empty_audience"),
        ({"text": "Q", "audience": {"tables": ["9"]}}, NotFound, "unknown_table"),
        ({"text": "Q", "replaces": "s99"}, NotFound, "unknown_step"),
        ({"text": "Q", "audience": {"role": "facilitator"}}, Invalid, "bad_role"),
    ],
)
def test_bad_pushes_are_refused(command: dict[str, object], error: type[Exception], code: str) -> None:
    """Each malformed push names what is wrong and appends nothing."""
    scene = Scene()
    with pytest.raises(error) as err:
        scene.do(FACILITATOR, type="step.push", **command)
    assert err.value.code == code  # type: ignore[attr-defined]
    assert scene.state.seq == 1


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.WALL])
def test_read_only_tokens_cannot_push(role: Role) -> None:
    """Organiser and wall screens are read-only."""
    scene = Scene()
    with pytest.raises(Forbidden) as err:
        scene.do(Actor(role), type="step.push", text="Q")
    assert err.value.code == "read_only"


def test_participant_cannot_push() -> None:
    """A phone cannot push a step."""
    scene = Scene()
    phone = scene.join()
    with pytest.raises(Forbidden) as err:
        scene.do(phone, type="step.push", text="Q")
    assert err.value.code == "facilitator_only"
