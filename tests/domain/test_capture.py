from __future__ import annotations

import pytest

from server.domain.errors import Conflict, Forbidden
from server.domain.model import Role
from server.domain.view import Viewer, public, reach, snapshot, wall_sees

from .helpers import FACILITATOR, Scene

SCRIPT = """
id: capture
title: Capture rules
method: {{name: Test, origin: Us}}
roles: {{scribe: {{per: table, count: 1, assign: random}}}}
steps:
  - {{id: s, kind: ideas, duration: 5m, groups: {{size: 2}}, capture: {capture}}}
"""


def started(scene: Scene, capture: str) -> str:
    session = scene.do(FACILITATOR, type="session.load", script=SCRIPT.format(capture=capture)).result["session_id"]
    return str(scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"])


def test_only_the_named_role_writes() -> None:
    """With who: role:scribe, the table's scribe writes and the others are told why they cannot."""
    scene = Scene(tables=1)
    people = [scene.join("1") for _ in range(4)]
    started(scene, "{who: 'role:scribe'}")
    scribe = next(p for p in people if scene.state.participants[p.participant_id or ""].role == "scribe")
    scene.idea(scribe, "Summary")
    other = next(p for p in people if p is not scribe)
    with pytest.raises(Forbidden) as err:
        scene.idea(other, "Me too", client_id="x")
    assert err.value.code == "not_your_role"


def test_max_items_per_person_and_per_group() -> None:
    """max_items counts each person's ideas with who: each, and the group's with who: any."""
    scene = Scene(tables=1)
    ana, bo = scene.join("1"), scene.join("1")
    started(scene, "{who: each, max_items: 1}")
    scene.idea(ana, "one")
    with pytest.raises(Conflict):
        scene.idea(ana, "two", client_id="c2")
    scene.idea(bo, "Bo's one", client_id="b1")

    scene = Scene(tables=1)
    ana, bo = scene.join("1"), scene.join("1")
    started(scene, "{who: any, max_items: 1}")
    scene.idea(ana, "ours")
    with pytest.raises(Conflict) as err:
        scene.idea(bo, "also ours", client_id="b1")
    assert "your group's" in err.value.message


def test_private_notes_reach_only_their_writer() -> None:
    """A private note goes to its writer and the facilitator, never to the table or the wall."""
    scene = Scene(tables=1)
    ana, bo = scene.join("1"), scene.join("1")
    started(scene, "{who: each, visibility: private}")
    scene.idea(ana, "my note")
    submitted = scene.entries[-1]
    assert (
        reach(scene.state, submitted).participants == {ana.participant_id} and not reach(scene.state, submitted).tables
    )
    assert not wall_sees(scene.state, submitted)
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, bo.participant_id))["ideas"] == []
    assert [i["text"] for i in snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))["ideas"]] == [
        "my note"
    ]
    assert snapshot(scene.state, Viewer(Role.WALL))["ideas"] == []
    assert [i["text"] for i in snapshot(scene.state, Viewer(Role.FACILITATOR))["ideas"]] == ["my note"]


def test_group_ideas_stay_in_the_group() -> None:
    """An idea kept for the group reaches its members and not the pair next to them."""
    scene = Scene(tables=1)
    people = [scene.join("1") for _ in range(4)]
    started(scene, "{who: any, visibility: group}")
    scene.idea(people[0], "pair idea")
    group = scene.state.groups[scene.state.group_of[people[0].participant_id or ""]]
    assert reach(scene.state, scene.entries[-1]).participants == set(group.members)


def test_anonymous_ideas_travel_without_their_writer() -> None:
    """Phones, the wall and moderators get an anonymous idea without the writer's ids; the writer keeps them."""
    scene = Scene(tables=1)
    ana, bo = scene.join("1"), scene.join("1")
    started(scene, "{who: each, attribution: anonymous}")
    scene.idea(ana, "said freely")
    stripped = public(scene.state, scene.entries[-1])
    assert stripped is not None and stripped.payload["participant_id"] is None and stripped.payload["client_id"] is None
    seen_by_bo = snapshot(scene.state, Viewer(Role.PARTICIPANT, bo.participant_id))["ideas"][0]
    assert seen_by_bo["participant_id"] is None
    assert snapshot(scene.state, Viewer(Role.ORGANISER))["ideas"][0]["participant_id"] is None
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, ana.participant_id))["ideas"][0]["participant_id"] == "p2"
