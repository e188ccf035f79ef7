from __future__ import annotations

from server.domain.model import Role
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
