"""Co-facilitation: flow commands name the room's flow they were sent from; a stale one changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.commands import COMMAND_ADAPTER, decide, parse_command
from server.domain.errors import Conflict, Invalid, Stale
from server.domain.flow import version
from server.domain.fold import fold
from server.domain.model import Actor, Role
from server.domain.runsheet import session_dict
from server.domain.view import Viewer, snapshot

from .helpers import FACILITATOR, Scene
from .test_sessions import CAFE, ONE_TWO_FOUR, loaded

OTHER_CONSOLE = Actor(Role.FACILITATOR)  # a second facilitator screen: the same role, its own view


def started(script: str = ONE_TWO_FOUR) -> tuple[Scene, str]:
    """An event with a session at its first step, as both consoles see it."""
    scene = Scene()
    scene.join("1", "Ana")
    session = loaded(scene, script)
    scene.do(FACILITATOR, type="session.next", session_id=session, expect_flow_seq=0)
    return scene, session


def refused(scene: Scene, actor: Actor = FACILITATOR, **command: Any) -> Stale:
    """``command`` is refused as stale, and the state is exactly as it was."""
    seq, flow = scene.state.seq, scene.state.flow
    with pytest.raises(Stale) as err:
        scene.do(actor, **command)
    assert (scene.state.seq, scene.state.flow) == (seq, flow)
    return err.value


def test_two_consoles_pressing_next_together_advance_one_step() -> None:
    """Both consoles saw step 1; the first Next starts step 2, the second is refused: no skip to 3."""
    scene, session = started()
    seen = version(scene.state)
    scene.now += 3_000
    scene.do(FACILITATOR, type="session.next", session_id=session, expect_flow_seq=seen)
    scene.now += 4_000
    err = refused(scene, OTHER_CONSOLE, type="session.next", session_id=session, expect_flow_seq=seen)
    assert scene.state.sessions[session].index == 1
    assert err.code == "stale_flow" and err.status == 409 and err.field == "expect_flow_seq"
    assert err.message == (
        "the room moved on: step 2 of “1-2-4-All”, “two”, was started by a facilitator 4 s ago; "
        "nothing was changed, look again and choose"
    )
    assert err.to_dict()["flow"] == {
        "seq": scene.state.flow.seq,  # type: ignore[union-attr]
        "at": scene.now - 4_000,
        "actor": "facilitator",
        "kind": "step.pushed",
        "step_id": scene.state.sessions[session].runs[-1].step_id,
        "session_id": session,
        "index": 1,
        "text": "step 2 of “1-2-4-All”, “two”, was started",
    }


def test_the_ack_names_the_new_flow_and_the_next_command_may_name_it() -> None:
    """A flow command's result carries ``flow_seq``: the version to name next (its last flow entry)."""
    scene, session = started()
    result = scene.do(FACILITATOR, type="session.next", session_id=session, expect_flow_seq=version(scene.state))
    assert result.result["flow_seq"] == version(scene.state) == scene.state.seq - 1  # groups.formed is not flow
    scene.do(OTHER_CONSOLE, type="session.back", session_id=session, expect_flow_seq=result.result["flow_seq"])
    assert scene.state.sessions[session].index == 0


@pytest.mark.parametrize(
    "command",
    [
        {"type": "session.next"},
        {"type": "session.back"},
        {"type": "session.skip"},
        {"type": "session.goto", "index": 3},
        {"type": "session.pause"},
        {"type": "session.resume"},
        {"type": "step.push", "text": "Stretch your legs"},
        {"type": "step.extend", "seconds": 60},
        {"type": "step.end"},
    ],
)
def test_every_flow_command_refuses_a_view_the_room_has_left(command: dict[str, Any]) -> None:
    """Whatever moved the room (here another console gave the step more time, or paused it), every
    flow command sent from before is refused, in words; sent again from the room as it is, it runs."""
    scene, session = started()
    scene.do(FACILITATOR, type="session.next", session_id=session)
    step_id = scene.state.sessions[session].runs[-1].step_id
    seen = version(scene.state)
    if command["type"] == "session.resume":
        scene.do(FACILITATOR, type="session.pause", session_id=session)
    else:
        scene.do(FACILITATOR, type="step.extend", step_id=step_id, seconds=60)
    fields = {"session_id": session} if command["type"].startswith("session.") else {}
    if command["type"] in ("step.extend", "step.end"):
        fields["step_id"] = step_id
    err = refused(scene, OTHER_CONSOLE, **command, **fields, expect_flow_seq=seen)
    done = "paused" if command["type"] == "session.resume" else "given more time"
    assert err.message.startswith(f"the room moved on: step 2 of “1-2-4-All”, “two”, was {done} by a facilitator")
    now = version(scene.state)
    scene.do(OTHER_CONSOLE, **command, **fields, expect_flow_seq=now)
    assert version(scene.state) > now  # it moved the room in its turn


def test_a_command_naming_no_flow_is_carried_out_as_before() -> None:
    """``expect_flow_seq`` is optional: API clients that do not send it are not checked."""
    scene, session = started()
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.do(OTHER_CONSOLE, type="session.next", session_id=session)
    assert scene.state.sessions[session].index == 2


def test_ideas_and_other_changes_do_not_move_the_flow() -> None:
    """Phones writing, hiding an idea or seating someone leave the flow as the consoles saw it."""
    scene, session = started()
    seen = version(scene.state)
    ana = next(iter(scene.state.participants))
    idea = scene.idea(Actor(Role.PARTICIPANT, ana), "Night buses").result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=idea)
    scene.do(FACILITATOR, type="participant.seat", participant_id=ana, table_id="2")
    scene.do(OTHER_CONSOLE, type="session.next", session_id=session, expect_flow_seq=seen)
    assert scene.state.sessions[session].index == 1


def test_a_version_the_room_never_had_is_invalid() -> None:
    """Naming a flow after the room's latest is a client's mistake, not a race."""
    scene, session = started()
    with pytest.raises(Invalid) as err:
        scene.do(FACILITATOR, type="session.next", session_id=session, expect_flow_seq=version(scene.state) + 1)
    assert err.value.field == "expect_flow_seq" and scene.state.sessions[session].index == 0
    with pytest.raises(Invalid) as err:
        parse_command({"type": "session.next", "session_id": session, "expect_flow_seq": -1})
    assert err.value.field == "expect_flow_seq"


def test_a_hand_pushed_step_over_the_script_step_is_what_the_session_says() -> None:
    """A step pushed by hand to every table interrupts the script step: the session says so (not
    running), names the step that took its place, and refuses to pause what nobody sees."""
    scene, session = started()
    script_step = scene.state.sessions[session].runs[-1].step_id
    assert session_dict(scene.state, scene.state.sessions[session])["now"] == {
        "step_id": script_step,
        "state": "running",
        "tables": ["1", "2", "3"],
        "replaced_by": None,
    }
    hand = scene.push("Stretch your legs")
    now = session_dict(scene.state, scene.state.sessions[session])["now"]
    assert now == {"step_id": script_step, "state": "interrupted", "tables": [], "replaced_by": hand}
    with pytest.raises(Conflict) as err:
        scene.do(FACILITATOR, type="session.pause", session_id=session)
    assert err.value.code == "no_running_step"
    scene.do(FACILITATOR, type="session.next", session_id=session)  # the script goes on over the hand step
    assert session_dict(scene.state, scene.state.sessions[session])["now"]["state"] == "running"  # type: ignore[index]


def test_a_hand_step_for_some_tables_leaves_the_script_step_running_elsewhere() -> None:
    """Pushed to table 2 only, a hand step takes the script step's place there and nowhere else."""
    scene, session = started()
    scene.push("Table 2: tidy up", audience={"tables": ["2"]})
    now = session_dict(scene.state, scene.state.sessions[session])["now"]
    assert (now["state"], now["tables"], now["replaced_by"]) == ("running", ["1", "3"], None)  # type: ignore[index]


def test_a_script_step_ended_by_hand_is_ended() -> None:
    """Ending the script step by hand: the session says its step ended; Next goes on from there."""
    scene, session = started()
    step_id = scene.state.sessions[session].runs[-1].step_id
    scene.do(FACILITATOR, type="step.end", step_id=step_id)
    assert session_dict(scene.state, scene.state.sessions[session])["now"]["state"] == "ended"  # type: ignore[index]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    assert scene.state.sessions[session].index == 1


def test_the_flow_is_folded_from_the_transcript_and_in_the_staff_snapshot() -> None:
    """A screen (or a replay) reading the transcript knows the same flow as the room."""
    scene, session = started(CAFE)
    scene.do(FACILITATOR, type="session.pause", session_id=session)
    assert fold("ev1", scene.entries).flow == scene.state.flow
    flow = snapshot(scene.state, Viewer(Role.FACILITATOR))["flow"]
    assert (flow["seq"], flow["kind"], flow["text"]) == (
        scene.state.seq,
        "step.paused",
        "step 1 of “Café”, “r1”, was paused",
    )


def test_finishing_a_session_is_a_change_of_flow() -> None:
    """The last Next finishes the session: a console still showing the last step is told so."""
    scene = Scene()
    session = loaded(scene, CAFE)
    for _ in range(4):
        scene.do(FACILITATOR, type="session.next", session_id=session)
    seen = version(scene.state)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    err = refused(scene, OTHER_CONSOLE, type="session.next", session_id=session, expect_flow_seq=seen)
    assert err.message.startswith("the room moved on: “Café” was finished by a facilitator just now")


def test_a_hand_step_push_names_the_step_in_words() -> None:
    """A refusal after a hand-pushed step quotes its text (shortened)."""
    scene, _ = started()
    seen = version(scene.state)
    scene.push("Walk to the window and look at the harbour for a minute, then come back to your table")
    command = COMMAND_ADAPTER.validate_python({"type": "step.push", "text": "Mine", "expect_flow_seq": seen})
    with pytest.raises(Stale) as err:
        decide(scene.state, OTHER_CONSOLE, command, scene.now + 120_000)
    assert err.value.message.startswith(
        "the room moved on: the step “Walk to the window and look at the harbour for a minute…” "
        "was pushed by a facilitator 2 min ago"
    )


def test_a_named_facilitator_link_is_named_as_who_moved_the_room() -> None:
    """A link the organiser issued with a name acts as ``facilitator:<name>``: the refusal says who."""
    scene = Scene()
    ana = Actor(Role.FACILITATOR, name="Ana – co-facilitator")
    scene.do(ana, type="step.push", text="Warm up", expect_flow_seq=0)
    assert scene.entries[-1].actor == "facilitator:Ana – co-facilitator"
    stale = refused(scene, type="step.push", text="Something else", expect_flow_seq=0)
    assert "the step “Warm up” was pushed by Ana – co-facilitator just now" in stale.message
    assert scene.state.flow is not None and scene.state.flow.actor == "facilitator:Ana – co-facilitator"


STAFF_STEP = """
id: staff-step
title: A step for the facilitators
method: {name: Test, origin: Us}
steps:
  - {id: talk, kind: discuss, duration: 5m, capture: {who: each}}
  - {id: sort, kind: cluster, audience: facilitator, duration: 5m, input: {from: [talk]}}
"""


def test_a_step_for_the_facilitators_alone_runs_while_the_tables_keep_theirs() -> None:
    """A facilitator-only step reaches no table, so the tables still showing the step before it
    does not interrupt it: the session says it runs (World Café's clustering step)."""
    scene, session = started(STAFF_STEP)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    sort = scene.state.sessions[session].runs[-1].step_id
    now = session_dict(scene.state, scene.state.sessions[session])["now"]
    assert now == {"step_id": sort, "state": "running", "tables": [], "replaced_by": None}
