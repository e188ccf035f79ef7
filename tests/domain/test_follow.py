"""Follow-through: commitments (private or shared), action groups with a convener and opt-in
contact, and the follow-up round weeks later (domain/follow.py)."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.commands import decide, join, parse_command
from server.domain.entry_check import check_entry
from server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from server.domain.fold import fold
from server.domain.follow import PROMISES, contact_holders, set_contact
from server.domain.harvest import harvest
from server.domain.model import Actor, Role
from server.domain.scripts.loader import ScriptError, load_script
from server.domain.view import Viewer, reach, snapshot, visible, wall_sees

from .helpers import FACILITATOR, Scene

ORGANISER = Actor(Role.ORGANISER)
WALL = Viewer(Role.WALL)


def commitments(privacy: str) -> tuple[Scene, Actor, Actor, str]:
    scene = Scene(tables=2)
    ana, ben = scene.join("1", "Ana"), scene.join("1", "Ben")
    step = scene.push("What will I do next?", commit=privacy)
    scene.idea(ana, "I will call the housing office on Monday")
    return scene, ana, ben, step


def phone(scene: Scene, actor: Actor) -> dict[str, Any]:
    return snapshot(scene.state, Viewer(Role.PARTICIPANT, actor.participant_id))


# --- commitments ----------------------------------------------------------------------------------


def test_a_private_commitment_reaches_only_its_writer_and_the_staff() -> None:
    scene, ana, ben, step = commitments("private")
    entry = scene.entries[-1]
    assert scene.state.steps[step].kind == "commit"
    assert scene.state.steps[step].spec == {
        "kind": "commit",
        "privacy": "private",
        "capture": {"who": "each", "shape": "commitment", "max_items": 5, "visibility": "private"},
    }
    assert visible(scene.state, entry, Viewer(Role.PARTICIPANT, ana.participant_id))
    assert not visible(scene.state, entry, Viewer(Role.PARTICIPANT, ben.participant_id))
    assert not wall_sees(scene.state, entry)
    assert visible(scene.state, entry, Viewer(Role.ORGANISER))
    assert [i["text"] for i in phone(scene, ana)["ideas"]] == ["I will call the housing office on Monday"]
    assert phone(scene, ben)["ideas"] == []
    assert snapshot(scene.state, WALL)["ideas"] == []
    shared = harvest(scene.state, scene.now, audience="shared")
    staff = harvest(scene.state, scene.now, audience="staff")
    assert "housing office" not in repr(shared)
    assert [c.text for c in staff.follow_through.commitments] == ["I will call the housing office on Monday"]
    assert shared.follow_through.commitments == [] and shared.follow_through.private_commitments == 1


def test_a_shared_commitment_is_seen_by_the_table_and_the_wall_like_an_idea() -> None:
    scene, _ana, ben, _step = commitments("shared")
    assert [i["text"] for i in phone(scene, ben)["ideas"]] == ["I will call the housing office on Monday"]
    assert wall_sees(scene.state, scene.entries[-1])
    shared = harvest(scene.state, scene.now, audience="shared")
    assert [c.text for c in shared.follow_through.commitments] == ["I will call the housing office on Monday"]
    assert shared.follow_through.commitments[0].author is None  # never next to a name in a shared report


def test_the_promise_is_fixed_when_written_and_each_privacy_says_it_in_plain_words() -> None:
    assert "only you and the organisers" in PROMISES["private"]
    assert "never the wall" in PROMISES["private"]
    assert "the room" in PROMISES["shared"]
    scene, _ana, _ben, step = commitments("private")
    assert scene.state.ideas[next(iter(scene.state.ideas))].visibility == "private"
    scene.do(FACILITATOR, type="step.push", text="Next", commit="shared")  # a later step changes nothing before
    assert scene.state.ideas[next(iter(scene.state.ideas))].visibility == "private"


def test_a_commitments_step_collects_and_refuses_a_react_step() -> None:
    scene = Scene()
    with pytest.raises(Invalid) as err:
        scene.do(FACILITATOR, type="step.push", text="x", commit="private", react=True)
    assert err.value.field == "commit"
    with pytest.raises(Invalid) as unknown:
        parse_command({"type": "step.push", "text": "x", "commit": "secret"})
    assert unknown.value.field == "commit"
    assert scene.state.steps == {}


# --- action groups --------------------------------------------------------------------------------


def grouped() -> tuple[Scene, Actor, Actor, Actor, list[str]]:
    scene = Scene(tables=2)
    ana, ben, cai = scene.join("1", "Ana"), scene.join("1", "Ben"), scene.join("2", "Cai")
    ids = scene.do(FACILITATOR, type="actions.form", source="hand", titles=["Transport", "Housing"]).result["group_ids"]
    return scene, ana, ben, cai, ids


def test_the_facilitator_forms_groups_by_hand_and_people_join_one_at_a_time() -> None:
    scene, ana, ben, _cai, (transport, housing) = grouped()
    assert [g.title for g in scene.state.action_groups.values()] == ["Transport", "Housing"]
    scene.do(ana, type="action.join", group_id=transport)
    scene.do(ben, type="action.join", group_id=transport)
    scene.do(ana, type="action.join", group_id=housing)  # one group each: she moves
    assert scene.state.action_groups[transport].members == [ben.participant_id]
    assert scene.state.action_groups[housing].members == [ana.participant_id]
    assert scene.do(ana, type="action.join", group_id=housing).result["unchanged"] is True
    scene.do(ana, type="action.leave", group_id=housing)
    assert ana.participant_id not in scene.state.action_of
    with pytest.raises(Conflict) as err:
        scene.do(ana, type="action.leave", group_id=housing)
    assert err.value.code == "not_a_member"
    with pytest.raises(NotFound):
        scene.do(ana, type="action.join", group_id="a999-1")
    with pytest.raises(Conflict) as again:
        scene.do(FACILITATOR, type="actions.form", source="hand", titles=["housing"])
    assert again.value.code == "nothing_to_form"


def test_only_the_facilitator_forms_groups_and_only_participants_join() -> None:
    scene, ana, _ben, _cai, (transport, _housing) = grouped()
    with pytest.raises(Forbidden):
        scene.do(ana, type="actions.form", source="hand", titles=["Mine"])
    with pytest.raises(Forbidden):
        scene.do(ORGANISER, type="actions.form", source="hand", titles=["Mine"])
    with pytest.raises(Forbidden):
        scene.do(FACILITATOR, type="action.join", group_id=transport)
    with pytest.raises(Invalid):
        scene.do(FACILITATOR, type="actions.form", source="hand", titles=[])


def test_groups_form_around_open_space_topics_with_their_conveners() -> None:
    scene = Scene()
    ana, ben = scene.join("1", "Ana"), scene.join("1", "Ben")
    script = (
        "id: m\ntitle: M\nmethod: {name: Open Space, origin: Owen}\nsteps:\n"
        "  - {id: market, kind: signup, slots: [Now], spaces: [Hall]}\n"
    )
    scene.do(FACILITATOR, type="session.load", script=script)
    session = next(iter(scene.state.sessions))
    scene.do(FACILITATOR, type="session.next", session_id=session)
    market = next(iter(scene.state.steps))
    scene.do(ana, type="topic.post", step_id=market, title="Safe cycling", slot="Now", space="Hall")
    (group_id,) = scene.do(FACILITATOR, type="actions.form", source="topics").result["group_ids"]
    group = scene.state.action_groups[group_id]
    assert (group.title, group.convener, group.members) == ("Safe cycling", ana.participant_id, [ana.participant_id])
    assert scene.entries[-1].payload["groups"][0]["title"] is None  # the topic's title stays in one entry
    scene.do(ben, type="action.join", group_id=group_id)
    with pytest.raises(Conflict) as err:
        scene.do(ben, type="action.convene", group_id=group_id)
    assert err.value.code == "convener_taken"


def test_a_member_volunteers_to_convene_and_the_facilitator_may_name_another() -> None:
    scene, ana, ben, cai, (transport, _housing) = grouped()
    scene.do(ana, type="action.join", group_id=transport)
    scene.do(ben, type="action.join", group_id=transport)
    with pytest.raises(Conflict) as err:
        scene.do(cai, type="action.convene", group_id=transport)
    assert err.value.code == "not_a_member"
    with pytest.raises(Forbidden):
        scene.do(ana, type="action.convene", group_id=transport, participant_id=ben.participant_id)
    scene.do(ana, type="action.convene", group_id=transport)
    assert scene.state.action_groups[transport].convener == ana.participant_id
    scene.do(FACILITATOR, type="action.convene", group_id=transport, participant_id=ben.participant_id)
    assert scene.state.action_groups[transport].convener == ben.participant_id
    scene.do(ben, type="action.leave", group_id=transport)  # a convener who leaves leaves it open
    assert scene.state.action_groups[transport].convener is None
    with pytest.raises(Forbidden):
        scene.do(ORGANISER, type="action.convene", group_id=transport, participant_id=ana.participant_id)


def test_an_email_is_shared_only_by_opting_in_and_only_with_the_group() -> None:
    scene, ana, ben, cai, (transport, housing) = grouped()
    with pytest.raises(Conflict) as err:
        set_contact(scene.state, ana, True, scene.now)
    assert err.value.code == "no_action_group"
    for who, group in ((ana, transport), (ben, transport), (cai, housing)):
        scene.do(who, type="action.join", group_id=group)
    outcome = scene.run(set_contact(scene.state, ana, True, scene.now))
    (entry,) = outcome.entries
    assert entry.payload == {"group_id": transport, "participant_id": ana.participant_id, "shared": True}
    check_entry(entry)
    assert contact_holders(scene.state, ben.participant_id or "") == [ana.participant_id]
    assert contact_holders(scene.state, cai.participant_id or "") == []  # another group
    assert contact_holders(scene.state, ana.participant_id or "") == [ana.participant_id]
    assert not wall_sees(scene.state, entry)
    assert reach(scene.state, entry).participants == {ana.participant_id, ben.participant_id}
    mine = phone(scene, ben)["my_action"]
    assert [(m["name"], m["contact"]) for m in mine["members"]] == [("Ana", True), ("Ben", False)]
    assert "my_action" in phone(scene, cai) and phone(scene, cai)["my_action"]["members"][0]["name"] == "Cai"
    wall_groups = snapshot(scene.state, WALL)["action_groups"]
    assert wall_groups == [
        {"id": transport, "title": "Transport", "count": 2, "has_convener": False},
        {"id": housing, "title": "Housing", "count": 1, "has_convener": False},
    ]
    scene.do(ana, type="action.join", group_id=housing)  # moving on ends the sharing with the old group
    assert contact_holders(scene.state, ben.participant_id or "") == []
    assert contact_holders(scene.state, cai.participant_id or "") == []
    imported = dict(entry.payload, email="ana@example.org")
    with pytest.raises(Invalid):  # an entry never carries the address
        check_entry(entry.__class__(entry.event_id, entry.seq, entry.at, entry.kind, entry.actor, imported))


def test_a_removed_or_erased_member_stops_sharing() -> None:
    scene, ana, ben, _cai, (transport, _housing) = grouped()
    scene.do(ana, type="action.join", group_id=transport)
    scene.do(ben, type="action.join", group_id=transport)
    scene.run(set_contact(scene.state, ana, True, scene.now))
    scene.do(FACILITATOR, type="participant.remove", participant_id=ana.participant_id, ideas="keep")
    assert contact_holders(scene.state, ben.participant_id or "") == []
    assert scene.state.action_groups[transport].members == [ben.participant_id]


def test_the_fold_of_the_transcript_gives_the_same_groups() -> None:
    scene, ana, ben, _cai, (transport, _housing) = grouped()
    scene.do(ana, type="action.join", group_id=transport)
    scene.do(ana, type="action.convene", group_id=transport)
    scene.run(set_contact(scene.state, ana, True, scene.now))
    for entry in scene.entries:
        check_entry(entry)
    again = fold("ev1", scene.entries)
    assert again.action_groups == scene.state.action_groups
    assert again.action_of == scene.state.action_of


# --- follow-up round ------------------------------------------------------------------------------


def closed_event() -> tuple[Scene, Actor]:
    scene = Scene()
    ana = scene.join("1", "Ana")
    scene.do(FACILITATOR, type="event.close")
    return scene, ana


def test_the_organiser_opens_a_follow_up_round_that_phones_answer_and_closes_it() -> None:
    scene, ana = closed_event()
    scene.now += 30 * 86_400_000  # a month later
    opened = scene.do(ORGANISER, type="followup.open", question="What has happened since?")
    step_id = opened.result["step_id"]
    assert scene.state.closed_at is None and scene.state.followup is not None
    assert [e.kind for e in opened.entries] == ["followup.opened", "step.pushed"]
    assert [e.actor for e in opened.entries] == ["organiser", "organiser"]
    for entry in opened.entries:
        check_entry(entry)
    mine = phone(scene, ana)
    assert mine["step"]["id"] == step_id and mine["step"]["kind"] == "followup"
    assert mine["event"]["followup"]["question"] == "What has happened since?"
    scene.idea(ana, "We met the council twice")
    assert scene.state.ideas[next(iter(scene.state.ideas))].visibility == "private"
    with pytest.raises(Conflict) as err:
        join(scene.state, "Newcomer", "1", scene.now)
    assert err.value.code == "event_closed"
    scene.do(ORGANISER, type="followup.close")
    assert scene.state.closed_at == scene.now and scene.state.followup is None
    assert scene.state.steps[step_id].status.value == "ended"
    staff = harvest(scene.state, scene.now, audience="staff")
    (round_,) = staff.follow_through.followups
    assert (round_.question, round_.answers, [a.text for a in round_.quoted]) == (
        "What has happened since?",
        1,
        ["We met the council twice"],
    )
    assert harvest(scene.state, scene.now, audience="shared").follow_through.followups[0].quoted == []


def test_a_follow_up_round_needs_a_closed_event_and_staff() -> None:
    scene = Scene()
    ana = scene.join("1", "Ana")
    with pytest.raises(Conflict) as err:
        scene.do(ORGANISER, type="followup.open")
    assert err.value.code == "event_open"
    scene.do(FACILITATOR, type="event.close")
    with pytest.raises(Forbidden):
        scene.do(ana, type="followup.open")
    with pytest.raises(Conflict) as none:
        scene.do(ORGANISER, type="followup.close")
    assert none.value.code == "no_followup"
    scene.do(FACILITATOR, type="followup.open", privacy="shared")
    with pytest.raises(Conflict) as twice:
        scene.do(ORGANISER, type="followup.open")
    assert twice.value.code == "followup_open"


def test_groups_form_around_the_themes_the_room_may_see_under_their_curated_names() -> None:
    scene = Scene(tables=2)
    ana, bo = scene.join("1", "Ana"), scene.join("2", "Bo")
    scene.push("What matters?")
    ids = [scene.idea(p, t, client_id=f"c{n}").result["idea_id"] for n, (p, t) in enumerate(
        [(ana, "Night buses"), (bo, "Buses after dark"), (ana, "Plant trees")])]  # fmt: skip
    themes = {
        "themes": [
            {"id": "t-a", "label": "buses · night", "idea_ids": ids[:2], "keywords": ["buses"]},
            {"id": "t-b", "label": "trees", "idea_ids": ids[2:], "keywords": ["trees"]},
        ]
    }
    with pytest.raises(Conflict) as none_yet:
        scene.do(FACILITATOR, type="actions.form", source="themes")
    assert none_yet.value.code == "no_themes"
    scene.do(FACILITATOR, type="theme.rename", theme_id="t-a", label="Getting home")
    command = parse_command({"type": "actions.form", "source": "themes"})
    scene.run(decide(scene.state, FACILITATOR, command, scene.now, themes))
    groups = [(g.title, g.source, g.convener) for g in scene.state.action_groups.values()]
    assert groups == [("Getting home", "theme:t-a", None), ("trees", "theme:t-b", None)]
    with pytest.raises(Conflict) as again:  # the same themes: nothing new to form
        decide(scene.state, FACILITATOR, command, scene.now, themes)
    assert again.value.code == "nothing_to_form"


def test_a_commit_step_in_a_script_makes_its_capture_from_its_privacy() -> None:
    head = "id: c\ntitle: C\nmethod: {name: M, origin: O}\nsteps:\n"
    script = load_script(head + "  - {id: next, kind: commit, privacy: shared, max_items: 2}\n")
    capture = script.steps[0].capture
    assert capture is not None and (capture.visibility, capture.max_items, capture.shape) == ("room", 2, "commitment")
    assert load_script(head + "  - {id: next, kind: commit}\n").steps[0].capture.visibility == "private"  # type: ignore[union-attr]
    with pytest.raises(ScriptError) as err:
        load_script(head + "  - {id: next, kind: commit, capture: {visibility: room}}\n")
    assert "follows from its privacy" in str(err.value.problems)
    with pytest.raises(ScriptError):
        load_script(head + "  - {id: next, kind: commit, privacy: public}\n")
