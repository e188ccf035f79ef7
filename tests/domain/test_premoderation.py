"""Pre-moderation: a step that holds its ideas until a moderator lets them through. While an idea
waits, only moderators, its writer and (when the script names one) its table's moderating role see
it; an ``idea.approved`` entry sends it on; hiding it keeps it from everyone else for good."""

from __future__ import annotations

import pytest

from server.domain.capture import shared
from server.domain.errors import Conflict, Forbidden, Invalid
from server.domain.harvest import harvest, harvest_dict, quotable
from server.domain.model import Role
from server.domain.reactions import offered
from server.domain.scripts.loader import ScriptError, load_script
from server.domain.view import Viewer, redact, snapshot, visible, wall_sees

from .helpers import FACILITATOR, Scene

HOSTED = """
id: held
title: Held ideas
method: {name: Test, origin: Us}
roles: {table_host: {per: table, count: 1, assign: volunteer}}
steps:
  - id: worries
    kind: ideas
    question: What worries you?
    capture: {who: each, visibility: room, premoderate: role:table_host}
"""


def _texts(snap: dict[str, object]) -> list[str]:
    return [i["text"] for i in snap["ideas"]]  # type: ignore[attr-defined, index]


def test_a_held_idea_reaches_only_moderators_and_its_writer_until_approved() -> None:
    scene = Scene()
    ana, bo = scene.join("1", "Ana"), scene.join("1", "Bo")
    scene.push(premoderate=True)
    result = scene.idea(ana, "Close the road on Sundays").result
    assert result["pending"] is True
    idea_id = result["idea_id"]
    submitted = scene.entries[-1]
    wall, facilitator = Viewer(Role.WALL), Viewer(Role.FACILITATOR)
    ana_view, bo_view = Viewer(Role.PARTICIPANT, ana.participant_id), Viewer(Role.PARTICIPANT, bo.participant_id)

    assert not wall_sees(scene.state, submitted) and not visible(scene.state, submitted, bo_view)
    assert visible(scene.state, submitted, ana_view) and visible(scene.state, submitted, facilitator)
    assert _texts(snapshot(scene.state, wall)) == [] and _texts(snapshot(scene.state, bo_view)) == []
    assert snapshot(scene.state, ana_view)["ideas"][0]["pending"] is True  # "waiting for the facilitator"
    queued = snapshot(scene.state, facilitator)["ideas"]
    assert [(i["text"], i["pending"]) for i in queued] == [("Close the road on Sundays", True)]
    idea = scene.state.ideas[idea_id]
    assert not shared(idea) and not quotable(scene.state, idea, "shared") and quotable(scene.state, idea, "staff")
    shared_harvest = harvest(scene.state, scene.now, audience="shared")
    assert "Close the road" not in str(harvest_dict(shared_harvest)) and shared_harvest.unquoted.pending == 1

    scene.do(FACILITATOR, type="idea.approve", idea_id=idea_id)
    approved = scene.entries[-1]
    assert approved.kind == "idea.approved" and approved.payload == {"idea_id": idea_id, "table_id": "1"}
    assert wall_sees(scene.state, approved) and visible(scene.state, approved, bo_view)
    # screens that never saw the idea get it with the approval, as a phone may read it
    assert redact(scene.state, approved, wall).payload["text"] == "Close the road on Sundays"
    assert redact(scene.state, approved, facilitator).payload == approved.payload
    assert _texts(snapshot(scene.state, wall)) == ["Close the road on Sundays"]
    assert _texts(snapshot(scene.state, bo_view)) == ["Close the road on Sundays"]
    assert "pending" not in snapshot(scene.state, ana_view)["ideas"][0]
    assert quotable(scene.state, scene.state.ideas[idea_id], "shared")
    with pytest.raises(Conflict) as twice:
        scene.do(FACILITATOR, type="idea.approve", idea_id=idea_id)
    assert twice.value.code == "not_pending"


def test_hiding_a_held_idea_keeps_it_from_everyone_else_and_restoring_queues_it_again() -> None:
    scene = Scene()
    ana, bo = scene.join("1"), scene.join("1")
    scene.push(premoderate=True)
    idea_id = scene.idea(ana, "Something rude").result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id, reason="rude")
    with pytest.raises(Conflict) as refused:
        scene.do(FACILITATOR, type="idea.approve", idea_id=idea_id)
    assert refused.value.code == "hidden"
    scene.do(FACILITATOR, type="idea.restore", idea_id=idea_id)
    restored = scene.entries[-1]
    assert scene.state.ideas[idea_id].pending  # back in the queue, not out to the room
    assert not wall_sees(scene.state, restored)
    assert not visible(scene.state, restored, Viewer(Role.PARTICIPANT, bo.participant_id))
    assert _texts(snapshot(scene.state, Viewer(Role.WALL))) == []


def test_a_held_idea_is_offered_for_no_reactions_until_approved() -> None:
    scene = Scene()
    ana = scene.join("1")
    scene.push(premoderate=True)
    idea_id = scene.idea(ana, "More benches").result["idea_id"]
    react = scene.state.steps[scene.push("React", react=True)]
    assert not offered(scene.state, react, scene.state.ideas[idea_id])
    scene.do(FACILITATOR, type="idea.approve", idea_id=idea_id)
    assert offered(scene.state, react, scene.state.ideas[idea_id])


def test_steps_without_premoderation_send_ideas_at_once() -> None:
    scene = Scene()
    ana = scene.join("1")
    scene.push()
    outcome = scene.idea(ana, "Trees")
    assert "pending" not in outcome.result and "pending" not in scene.entries[-1].payload
    with pytest.raises(Conflict):
        scene.do(FACILITATOR, type="idea.approve", idea_id=outcome.result["idea_id"])


def test_a_table_host_lets_through_only_their_own_tables_ideas() -> None:
    scene = Scene()
    host1, ana = scene.join("1", "Hana"), scene.join("1", "Ana")
    host2, bo = scene.join("2", "Hugo"), scene.join("2", "Bo")
    session = scene.do(FACILITATOR, type="session.load", script=HOSTED).result["session_id"]
    for host in (host1, host2):
        scene.do(host, type="role.volunteer", role="table_host")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    mine = scene.idea(ana, "Slower traffic").result["idea_id"]
    theirs = scene.idea(bo, "Wider pavements", client_id="c2").result["idea_id"]
    host1_view = Viewer(Role.PARTICIPANT, host1.participant_id)
    assert _texts(snapshot(scene.state, host1_view)) == ["Slower traffic"]  # the host's queue: own table only

    with pytest.raises(Forbidden) as elsewhere:
        scene.do(host1, type="idea.approve", idea_id=theirs)
    assert elsewhere.value.code == "not_your_table"
    with pytest.raises(Forbidden) as not_host:
        scene.do(ana, type="idea.approve", idea_id=mine)
    assert not_host.value.code == "not_moderator" and "only the table host" in not_host.value.message
    with pytest.raises(Forbidden):  # hiding stays the facilitator's: a host leaves an idea waiting
        scene.do(host2, type="idea.hide", idea_id=theirs)
    scene.do(host1, type="idea.approve", idea_id=mine)
    assert scene.entries[-1].actor == f"participant:{host1.participant_id}"
    assert not scene.state.ideas[mine].pending and scene.state.ideas[theirs].pending
    scene.do(host2, type="idea.approve", idea_id=theirs)
    assert not scene.state.ideas[theirs].pending


def test_a_script_held_for_the_facilitator_only_gives_hosts_nothing_to_approve() -> None:
    scene = Scene()
    host, ana = scene.join("1"), scene.join("1")
    session = scene.do(FACILITATOR, type="session.load", script=HOSTED.replace("role:table_host", "true")).result
    scene.do(host, type="role.volunteer", role="table_host")
    scene.do(FACILITATOR, type="session.next", session_id=session["session_id"])
    idea_id = scene.idea(ana, "Speed bumps").result["idea_id"]
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, host.participant_id))["ideas"] == []
    with pytest.raises(Forbidden) as refused:
        scene.do(host, type="idea.approve", idea_id=idea_id)
    assert refused.value.code == "not_moderator" and "only the facilitator" in refused.value.message


def test_the_push_form_names_a_role_the_room_knows() -> None:
    scene = Scene()
    with pytest.raises(Invalid) as bad:
        scene.push(premoderate="role:mayor")
    assert bad.value.field == "premoderate"
    step = scene.state.steps[scene.push(premoderate="role:table_host")]
    assert step.premoderate == "role:table_host" and step.to_dict()["premoderate"] == "role:table_host"


def test_scripts_say_premoderate_clearly_or_are_refused() -> None:
    script = load_script(HOSTED)
    assert script.steps[0].capture is not None and script.steps[0].capture.premoderate == "role:table_host"
    with pytest.raises(ScriptError) as wrong:
        load_script(HOSTED.replace("role:table_host", "hosts"))
    assert "expected true, false or role:<name>" in str(wrong.value)
    with pytest.raises(ScriptError) as undeclared:
        load_script(HOSTED.replace("role:table_host}", "role:scribe}"))
    assert "role 'scribe' is not declared under roles" in str(undeclared.value)
    with pytest.raises(ScriptError) as private:
        load_script(HOSTED.replace("visibility: room", "visibility: private"))
    assert "premoderate holds ideas others would see" in str(private.value)
