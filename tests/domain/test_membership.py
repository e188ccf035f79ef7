from __future__ import annotations

import pytest

from server.domain.commands import join
from server.domain.digest import state_digest
from server.domain.errors import Conflict, Forbidden, NotFound
from server.domain.fold import fold
from server.domain.harvest import harvest
from server.domain.view import Viewer, snapshot
from server.exports import ideas_csv

from .helpers import FACILITATOR, Scene

PAIRS = """
id: pairs
title: Pairs
method: {name: Pairs, origin: "here"}
steps:
  - {id: two, kind: discuss, audience: group, groups: {size: 2}, duration: 2m, capture: {who: any}}
"""


def test_removing_a_participant_keeps_their_ideas_by_default_choice() -> None:
    """'keep': the person leaves the room; what they wrote stays on the wall."""
    scene = Scene()
    phone, other = scene.join("1", "Ann"), scene.join("1", "Bob")
    scene.push()
    idea_id = scene.idea(phone).result["idea_id"]
    outcome = scene.do(FACILITATOR, type="participant.remove", participant_id=phone.participant_id, ideas="keep")
    assert [e.kind for e in outcome.entries] == ["participant.removed"]
    assert phone.participant_id not in scene.state.participants
    assert not scene.state.ideas[idea_id].hidden
    people = snapshot(scene.state, Viewer(FACILITATOR.role))["participants"]
    assert [p["id"] for p in people] == [other.participant_id]
    assert scene.state.joined_per_table()["1"] == 1


def test_removing_with_hide_hides_each_of_their_ideas_as_idea_hide_does() -> None:
    """'hide': one idea.hidden entry per visible idea of theirs, in the same command."""
    scene = Scene()
    phone, other = scene.join(), scene.join()
    scene.push()
    mine = [scene.idea(phone, client_id=c).result["idea_id"] for c in ("a", "b")]
    theirs = scene.idea(other).result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=mine[0])
    outcome = scene.do(FACILITATOR, type="participant.remove", participant_id=phone.participant_id, ideas="hide")
    assert [e.kind for e in outcome.entries] == ["participant.removed", "idea.hidden"]
    assert outcome.result["hidden"] == [mine[1]]
    assert all(scene.state.ideas[i].hidden for i in mine) and not scene.state.ideas[theirs].hidden


def test_a_removed_participant_can_do_nothing_more() -> None:
    """Every command from a removed person is refused with 'removed', even one queued before."""
    scene = Scene()
    phone = scene.join()
    scene.push()
    scene.do(FACILITATOR, type="participant.remove", participant_id=phone.participant_id, ideas="keep")
    with pytest.raises(Forbidden) as err:
        scene.idea(phone, client_id="late")
    assert err.value.code == "removed"
    with pytest.raises(Forbidden, match="removed"):
        scene.do(phone, type="participant.seat", table_id="2")


def test_only_the_facilitator_removes_and_only_once() -> None:
    scene = Scene()
    phone, other = scene.join(), scene.join()
    with pytest.raises(Forbidden):
        scene.do(other, type="participant.remove", participant_id=phone.participant_id, ideas="keep")
    with pytest.raises(NotFound):
        scene.do(FACILITATOR, type="participant.remove", participant_id="p999", ideas="keep")
    scene.do(FACILITATOR, type="participant.remove", participant_id=phone.participant_id, ideas="keep")
    with pytest.raises(Conflict, match="already removed"):
        scene.do(FACILITATOR, type="participant.remove", participant_id=phone.participant_id, ideas="hide")


def test_a_removed_member_leaves_their_group_and_exports_still_name_the_writer() -> None:
    """Their group goes on without them; the CSV of ideas still has a row (and name) per idea."""
    scene = Scene(tables=1)
    people = [scene.join("1", name) for name in ("Ann", "Bob", "Cy", "Di")]
    session = scene.do(FACILITATOR, type="session.load", script=PAIRS).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(people[0])
    assert any(people[0].participant_id in g.members for g in scene.state.groups.values())
    scene.do(FACILITATOR, type="participant.remove", participant_id=people[0].participant_id, ideas="keep")
    assert all(people[0].participant_id not in g.members for g in scene.state.groups.values())
    assert "Ann" in "".join(ideas_csv(harvest(scene.state, scene.now, audience="staff")))
    assert state_digest(fold("ev1", scene.entries)) == state_digest(scene.state)  # a replay agrees


def test_a_closed_event_takes_no_new_participants_until_reopened() -> None:
    scene = Scene()
    closed = scene.do(FACILITATOR, type="event.close")
    assert scene.state.closed_at == closed.result["closed_at"] == scene.now
    with pytest.raises(Conflict) as err:
        join(scene.state, "Late", "1", scene.now)
    assert err.value.code == "event_closed"
    scene.do(FACILITATOR, type="event.reopen")
    assert scene.state.closed_at is None
    scene.join()
