from __future__ import annotations

import pytest

from server.domain import limits
from server.domain.errors import Conflict, Forbidden, Invalid, RateLimited
from server.domain.fold import FoldError, fold

from .helpers import FACILITATOR, Scene


def test_idea_goes_to_the_participants_table_and_current_step() -> None:
    """An idea is recorded at its author's table, under the step they see."""
    scene = Scene()
    phone = scene.join("2")
    step_id = scene.push()
    outcome = scene.idea(phone, "  More buses at night  ")
    idea = scene.state.ideas[outcome.result["idea_id"]]
    assert (idea.table_id, idea.step_id, idea.text) == ("2", step_id, "More buses at night")


def test_resending_the_same_client_id_is_harmless() -> None:
    """The same client_id twice gives one idea and acknowledges the original."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    first = scene.idea(phone, client_id="abc")
    again = scene.idea(phone, client_id="abc")
    assert again.entries == [] and again.result == {**first.result, "duplicate": True}
    assert len(scene.state.ideas) == 1


def test_ideas_need_a_collecting_active_step() -> None:
    """No step, a step that does not collect, and an ended step all refuse ideas."""
    scene = Scene()
    phone = scene.join()
    with pytest.raises(Conflict, match="no step"):
        scene.idea(phone)
    scene.push("Just listen", collect_ideas=False)
    with pytest.raises(Conflict) as err:
        scene.idea(phone)
    assert err.value.code == "not_collecting"
    step_id = scene.push()
    scene.do(FACILITATOR, type="step.end", step_id=step_id)
    with pytest.raises(Conflict) as err:
        scene.idea(phone, step_id=step_id)
    assert err.value.code == "step_closed"


def test_an_idea_queued_offline_lands_in_the_step_it_was_typed_for() -> None:
    """A still-open earlier step keeps receiving ideas addressed to it."""
    scene = Scene()
    phone = scene.join("1")
    first = scene.push("Round 1", audience={"tables": ["1"]})
    scene.push("Round 2", audience={"tables": ["1"], "role": "table_host"})
    outcome = scene.idea(phone, step_id=first)
    assert scene.state.ideas[outcome.result["idea_id"]].step_id == first


def test_cannot_write_to_another_table_or_step() -> None:
    """A phone that claims another table, or another table's step, is refused."""
    scene = Scene()
    phone = scene.join("1")
    elsewhere = scene.push("Table 2", audience={"tables": ["2"]})
    scene.push("Table 1", audience={"tables": ["1"]})
    with pytest.raises(Forbidden) as err:
        scene.idea(phone, table_id="2")
    assert err.value.code == "wrong_table"
    with pytest.raises(Forbidden) as err:
        scene.idea(phone, step_id=elsewhere)
    assert err.value.code == "not_your_step"


@pytest.mark.parametrize(
    ("text", "client_id", "code"),
    [
        ("", "c", "empty_text"),
        ("x" * (limits.IDEA_MAX + 1), "c", "text_too_long"),
        ("ok", "no spaces", "bad_client_id"),
    ],
)
def test_bad_ideas_are_refused(text: str, client_id: str, code: str) -> None:
    """Empty, oversize and badly identified ideas get a specific error."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    with pytest.raises(Invalid) as err:
        scene.idea(phone, text, client_id=client_id)
    assert err.value.code == code


def test_rate_limit_counts_a_sliding_window() -> None:
    """The 13th idea inside a minute is refused; a minute later it is accepted."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    for i in range(limits.IDEAS_PER_WINDOW):
        scene.now += 1000
        scene.idea(phone, f"idea {i}", client_id=f"c{i}")
    with pytest.raises(RateLimited):
        scene.idea(phone, "one more", client_id="extra")
    scene.now += limits.IDEA_WINDOW_MS
    scene.idea(phone, "one more", client_id="extra")


def test_hide_and_restore_keep_the_idea() -> None:
    """Hiding marks the idea hidden (it is kept); restoring brings it back; twice is refused."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    idea_id = scene.idea(phone).result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id, reason="off topic")
    assert scene.state.ideas[idea_id].hidden
    with pytest.raises(Conflict):
        scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id)
    scene.do(FACILITATOR, type="idea.restore", idea_id=idea_id)
    assert not scene.state.ideas[idea_id].hidden


def test_participant_cannot_hide() -> None:
    """Moderation is the facilitator's."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    idea_id = scene.idea(phone).result["idea_id"]
    with pytest.raises(Forbidden):
        scene.do(phone, type="idea.hide", idea_id=idea_id)


def test_fold_of_the_transcript_rebuilds_the_same_state() -> None:
    """Folding the entries from scratch gives the state the commands built."""
    scene = Scene()
    phone = scene.join("3", "Ana")
    scene.push(duration_s=60)
    scene.idea(phone, "Trees on Main Street")
    scene.do(FACILITATOR, type="participant.seat", participant_id=phone.participant_id, table_id="1")
    rebuilt = fold("ev1", scene.entries)
    assert rebuilt.ideas == scene.state.ideas
    assert rebuilt.participants == scene.state.participants
    assert rebuilt.steps == scene.state.steps
    assert rebuilt.seq == scene.state.seq == len(scene.entries)


def test_fold_refuses_a_gap() -> None:
    """Entries must follow each other without a gap in seq."""
    scene = Scene()
    scene.push()
    with pytest.raises(FoldError):
        fold("ev1", [scene.entries[0], scene.entries[1], scene.entries[1]])
