from __future__ import annotations

import pytest

from server.domain.errors import Conflict, Forbidden
from server.domain.model import Actor, Role
from server.domain.view import Viewer, reach, redact, snapshot, visible

from .helpers import FACILITATOR, Scene


def test_phone_snapshot_shows_its_table_only() -> None:
    """A phone's snapshot has its table's visible ideas and its own step."""
    scene = Scene()
    ana, bo = scene.join("1", "Ana"), scene.join("2")
    scene.push()
    scene.idea(ana, "Ana's idea")
    scene.idea(bo, "Bo's idea")
    snap = snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))
    assert [i["text"] for i in snap["ideas"]] == ["Ana's idea"]
    assert snap["me"]["table_id"] == "1" and snap["step"]["text"] == "What matters?"


def test_hidden_ideas_reach_moderators_only() -> None:
    """The wall and phones never get a hidden idea; facilitator and organiser see it marked."""
    scene = Scene()
    ana = scene.join("1")
    scene.push()
    idea_id = scene.idea(ana, "rude words").result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id)
    assert snapshot(scene.state, Viewer(Role.WALL))["ideas"] == []
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))["ideas"] == []
    organiser = snapshot(scene.state, Viewer(Role.ORGANISER))["ideas"]
    assert organiser[0]["hidden"] and organiser[0]["text"] == "rude words"
    submitted = next(e for e in scene.entries if e.kind == "idea.submitted")
    assert redact(scene.state, submitted, Viewer(Role.WALL)).payload["text"] is None
    assert redact(scene.state, submitted, Viewer(Role.FACILITATOR)).payload["text"] == "rude words"


def test_reach_of_entries() -> None:
    """Ideas reach their table, steps their audience, seat changes their person."""
    scene = Scene()
    ana, bo = scene.join("1"), scene.join("2")
    scene.push("Table 2 only", audience={"tables": ["2"]})
    pushed = scene.entries[-1]
    assert reach(scene.state, pushed).tables == frozenset({"2"})
    assert visible(scene.state, pushed, Viewer(Role.PARTICIPANT, bo.participant_id))
    assert not visible(scene.state, pushed, Viewer(Role.PARTICIPANT, ana.participant_id))
    assert visible(scene.state, pushed, Viewer(Role.WALL))
    joined = scene.entries[1]
    assert reach(scene.state, joined).participants == {ana.participant_id}


WALL_VOTE = """
id: choose
title: Choose
method: {name: Dot voting, origin: "us"}
fit: {table_size: [4, 8], minutes: 3}
steps:
  - {id: pick, kind: vote, method: dots, dots: 2, options: {items: [Buses, Trees, Benches]}, duration: 3m}
"""


def test_the_wall_counts_a_sealed_vote_without_its_numbers() -> None:
    """While a vote's results are sealed the wall's snapshot says how many of how many have voted,
    and nothing per option; once it ends the tally is there and the count is gone."""
    scene = Scene()
    ana, bo, _cy = scene.join("1"), scene.join("2"), scene.join("3")
    session = scene.do(FACILITATOR, type="session.load", script=WALL_VOTE).result["session_id"]
    step_id = scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"]
    options = [o["id"] for o in scene.state.steps[step_id].options or []]
    wall = snapshot(scene.state, Viewer(Role.WALL))
    assert wall["turnout"] == [{"step_id": step_id, "voters": 0, "eligible": 3}]
    scene.do(ana, type="vote.cast", step_id=step_id, ballot={options[0]: 2})
    scene.do(bo, type="vote.cast", step_id=step_id, ballot={options[1]: 1})
    wall = snapshot(scene.state, Viewer(Role.WALL))
    assert wall["turnout"] == [{"step_id": step_id, "voters": 2, "eligible": 3}]
    assert wall["results"] == []  # sealed: no dots per option on the wall
    scene.do(FACILITATOR, type="step.end", step_id=step_id)
    wall = snapshot(scene.state, Viewer(Role.WALL))
    assert wall["turnout"] == []
    assert [o["dots"] for o in wall["results"][0]["options"]] == [2, 1, 0]


def test_the_facilitator_puts_the_join_slide_on_the_wall() -> None:
    """``wall.show`` puts the join slide up and takes it down; the wall's snapshot says which is up,
    phones never get the entry, and asking for the slide already up changes nothing."""
    scene = Scene()
    ana = scene.join("1")
    scene.do(FACILITATOR, type="wall.show", slide="join")
    shown = scene.entries[-1]
    assert shown.kind == "wall.shown" and shown.payload == {"slide": "join"}
    assert snapshot(scene.state, Viewer(Role.WALL))["event"]["wall_slide"] == "join"
    assert visible(scene.state, shown, Viewer(Role.WALL))
    assert not visible(scene.state, shown, Viewer(Role.PARTICIPANT, ana.participant_id))
    before = len(scene.entries)
    with pytest.raises(Conflict) as refused:
        scene.do(FACILITATOR, type="wall.show", slide="join")
    assert refused.value.code == "already_shown" and len(scene.entries) == before
    with pytest.raises(Forbidden):
        scene.do(Actor(Role.WALL), type="wall.show", slide=None)
    scene.do(FACILITATOR, type="wall.show", slide=None)
    assert snapshot(scene.state, Viewer(Role.WALL))["event"]["wall_slide"] is None


VOTE_THEN_TALK = """\
id: vote-then-talk
title: Vote, then talk
method: {name: Test, origin: Us}
roles:
  table_host: {per: table, count: 1, assign: volunteer}
steps:
  - id: say
    kind: vote
    title: Where do we stand?
    method: agree_disagree_pass
    options: {items: ["Buses at night", "A market on Sundays"]}
    reveal: end
  - {id: talk, kind: discuss, text: Talk about it., capture: {who: none}}
"""


def test_phones_keep_a_vote_s_results_once_revealed_and_never_before() -> None:
    """While a vote revealed at its end runs, no phone snapshot has its tally; on the next step, each has it."""
    scene = Scene()
    ana = scene.join("1")
    session = scene.do(FACILITATOR, type="session.load", script=VOTE_THEN_TALK).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = next(s for s in scene.state.steps.values() if s.kind == "vote")
    scene.do(ana, type="vote.cast", step_id=vote.id, ballot={"o1": "agree"})
    during = snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))
    assert during["results"] is None and during["past_results"] is None
    scene.do(FACILITATOR, type="session.next", session_id=session)
    after = snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))
    assert after["step"]["text"] == "Talk about it."
    past = after["past_results"]
    assert past["title"] == "Where do we stand?" and past["results"]["voters"] == 1
    assert past["results"]["options"][0] == {"id": "o1", "text": "Buses at night", "agree": 1, "disagree": 0, "pass": 0}


def test_the_table_learns_who_took_a_role_and_every_phone_that_the_event_closed() -> None:
    """A volunteered role reaches the volunteer (as a fresh view) and their table; closing reaches every phone."""
    scene = Scene()
    ana, bo, cy = scene.join("1"), scene.join("1"), scene.join("2")
    scene.do(FACILITATOR, type="session.load", script=VOTE_THEN_TALK)
    scene.do(ana, type="role.volunteer", role="table_host")
    role_set = scene.entries[-1]
    assert role_set.kind == "participant.role_set"
    assert visible(scene.state, role_set, Viewer(Role.PARTICIPANT, bo.participant_id))
    assert not visible(scene.state, role_set, Viewer(Role.PARTICIPANT, cy.participant_id))
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, bo.participant_id))["role_holders"] == {
        "table_host": [ana.participant_id]
    }
    scene.do(FACILITATOR, type="event.close")
    closed = scene.entries[-1]
    assert closed.kind == "event.closed"
    assert all(visible(scene.state, closed, Viewer(Role.PARTICIPANT, p.participant_id)) for p in (ana, bo, cy))
