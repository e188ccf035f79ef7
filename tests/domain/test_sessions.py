from __future__ import annotations

from pathlib import Path

import pytest

from server.domain.commands import decide, parse_command
from server.domain.errors import Conflict, Forbidden, Invalid
from server.domain.model import SessionStatus, StepStatus

from .helpers import FACILITATOR, Scene

ONE_TWO_FOUR = """
id: one-two-four-all
title: 1-2-4-All
method: {name: 1-2-4-All, origin: "Liberating Structures"}
fit: {table_size: [4, 8], minutes: 12}
params: {question: "What could we do?"}
steps:
  - {id: one, kind: ideas, duration: 1m, text: "{question} On your own.", capture: {who: each, visibility: private}}
  - {id: two, kind: discuss, audience: group, groups: {size: 2, remainder: trio}, duration: 2m,
     capture: {who: any, visibility: group}}
  - {id: four, kind: discuss, audience: group, groups: {merge: 2}, duration: 4m, capture: {who: any}}
  - {id: all, kind: harvest, duration: 5m, sources: [four]}
"""

CAFE = """
id: cafe
title: Café
method: {name: World Café, origin: "Brown & Isaacs"}
roles: {table_host: {per: table, count: 1, assign: random}}
steps:
  - {id: r1, kind: discuss, duration: 20m, capture: {who: each}}
  - {id: move1, kind: rotate, mode: host_stays, stay: table_host, duration: 2m}
  - {id: r2, kind: discuss, duration: 20m, capture: {who: each}}
  - {id: dots, kind: vote, method: dots, dots: 3, max_per_option: 2, options: {from: r1}, duration: 5m, reveal: live}
"""


def loaded(scene: Scene, script: str = ONE_TWO_FOUR, **params: str) -> str:
    return str(scene.do(FACILITATOR, type="session.load", script=script, params=params).result["session_id"])


def test_running_one_two_four_all_groups_pairs_then_fours() -> None:
    """Each table splits into pairs, then pairs merge into fours, then the whole room harvests."""
    scene = Scene(tables=2)
    people = [scene.join("1") for _ in range(8)] + [scene.join("2") for _ in range(5)]
    session = loaded(scene, question="How do we welcome newcomers?")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    step = scene.state.step_for("1", "participant")
    assert step is not None and step.text == "How do we welcome newcomers? On your own." and step.collect_ideas
    scene.do(FACILITATOR, type="session.next", session_id=session)
    sizes = sorted(len(g.members) for g in scene.state.groups.values())
    assert sizes == [2, 2, 2, 2, 2, 3]  # table 2's odd person makes a trio
    assert {m for g in scene.state.groups.values() for m in g.members} == {p.participant_id for p in people}
    scene.do(FACILITATOR, type="session.next", session_id=session)
    sizes = sorted(len(g.members) for g in scene.state.groups.values())
    assert sizes == [4, 4, 5]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    assert scene.state.step_for("2", "participant").kind == "harvest"  # type: ignore[union-attr]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    assert scene.state.sessions[session].status is SessionStatus.FINISHED
    assert all(s.status is StepStatus.ENDED for s in scene.state.steps.values())


def test_back_skip_goto_and_the_run_sheet() -> None:
    """Back re-runs the previous step, skip passes over the next, and the run sheet records it all."""
    scene = Scene()
    session = loaded(scene)
    for command in ("session.next", "session.next", "session.back", "session.skip"):
        scene.do(FACILITATOR, type=command, session_id=session)
    state = scene.state.sessions[session]
    assert state.index == 2
    assert [(r.index, r.skipped) for r in state.runs] == [(0, False), (1, False), (0, False), (1, True), (2, False)]
    with pytest.raises(Invalid):
        scene.do(FACILITATOR, type="session.goto", session_id=session, index=9)
    scene.do(FACILITATOR, type="session.goto", session_id=session, index=3)
    assert state.index == 3


def test_pause_freezes_the_timer_and_resume_restarts_it() -> None:
    """Pausing keeps the time left; resuming sets a new deadline that long from now."""
    scene = Scene()
    session = loaded(scene)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    step = scene.state.step_for("1", "participant")
    assert step is not None and step.deadline == scene.now + 60_000
    scene.now += 20_000
    scene.do(FACILITATOR, type="session.pause", session_id=session)
    assert step.deadline is None and step.paused_remaining == 40_000
    with pytest.raises(Conflict):
        scene.do(FACILITATOR, type="session.pause", session_id=session)
    scene.now += 300_000
    scene.do(FACILITATOR, type="session.resume", session_id=session)
    assert step.deadline == scene.now + 40_000


def test_a_bad_script_lists_every_problem_and_loads_nothing() -> None:
    """An uploaded script with mistakes is refused with each one located, and nothing changes."""
    scene = Scene()
    bad = ONE_TWO_FOUR.replace("duration: 1m", "duration: 1 minute").replace("kind: harvest", "kind: harvst")
    with pytest.raises(Invalid) as err:
        loaded(scene, bad)
    assert err.value.code == "bad_script" and len(err.value.details or []) == 2
    assert err.value.details[0]["line"] == 8 and "1 minute" in err.value.details[0]["message"]  # type: ignore[index]
    assert scene.state.sessions == {} and scene.state.seq == 1


def test_world_cafe_hosts_stay_and_travellers_move() -> None:
    """A host_stays rotation keeps each table's host and moves everyone else to a new table."""
    scene = Scene(tables=4)
    for table in "1234":
        for _ in range(4):
            scene.join(table)
    session = loaded(scene, CAFE)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    hosts = {p.id: p.table_id for p in scene.state.participants.values() if p.role == "table_host"}
    assert len(hosts) == 4 and sorted(hosts.values()) == ["1", "2", "3", "4"]
    before = {p.id: p.table_id for p in scene.state.participants.values()}
    scene.do(FACILITATOR, type="session.next", session_id=session)
    after = {p.id: p.table_id for p in scene.state.participants.values()}
    assert all(after[h] == t for h, t in hosts.items())
    assert all(after[p] != before[p] for p in before if p not in hosts)
    assert sorted(list(after.values()).count(t) for t in "1234") == [4, 4, 4, 4]


def test_dots_vote_checks_ballots_and_tallies() -> None:
    """Dots are limited in all and per option; the tally counts what the room placed."""
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("1")
    session = loaded(scene, CAFE)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Night buses", client_id="a")
    scene.idea(bo, "Trees", client_id="b")
    for _ in range(3):
        scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = scene.state.step_for("1", "participant")
    assert vote is not None and [o["text"] for o in vote.options or []] == ["Night buses", "Trees"]
    first, second = (o["id"] for o in vote.options or [])
    with pytest.raises(Invalid) as err:
        scene.do(ana, type="vote.cast", step_id=vote.id, ballot={first: 3})
    assert err.value.code == "too_many_dots"
    with pytest.raises(Invalid):
        scene.do(ana, type="vote.cast", step_id=vote.id, ballot={"i999": 1})
    scene.do(ana, type="vote.cast", step_id=vote.id, ballot={first: 2, second: 1})
    scene.do(bo, type="vote.cast", step_id=vote.id, ballot={first: 1})
    scene.do(bo, type="vote.cast", step_id=vote.id, ballot={second: 2})  # a new ballot replaces the old
    from server.domain.votes import tally

    rows = {r["text"]: r for r in tally(vote, scene.state.votes[vote.id])["options"]}
    assert (rows["Night buses"]["dots"], rows["Trees"]["dots"]) == (2, 3)
    with pytest.raises(Forbidden):
        scene.do(FACILITATOR, type="vote.cast", step_id=vote.id, ballot={first: 1})


OPEN_SPACE = """
id: os
title: Open Space
method: {name: Open Space, origin: Harrison Owen}
steps:
  - {id: market, kind: signup, slots: ["10:00", "11:30"], spaces: [Hall, Garden], duration: 30m}
"""


def test_marketplace_one_topic_per_cell_and_one_place_per_slot() -> None:
    """A cell holds one topic; joining another topic in the same slot leaves the first."""
    scene = Scene()
    ana, bo = scene.join("1"), scene.join("2")
    session = loaded(scene, OPEN_SPACE)
    step_id = scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"]
    hall = scene.do(ana, type="topic.post", step_id=step_id, title="Youth spaces", slot="10:00", space="Hall")
    with pytest.raises(Conflict) as err:
        scene.do(bo, type="topic.post", step_id=step_id, title="Parks", slot="10:00", space="Hall")
    assert err.value.code == "cell_taken"
    garden = scene.do(bo, type="topic.post", step_id=step_id, title="Parks", slot="10:00", space="Garden")
    scene.do(ana, type="topic.join", topic_id=hall.result["topic_id"])
    left = scene.do(ana, type="topic.join", topic_id=garden.result["topic_id"]).result["left"]
    assert left == [hall.result["topic_id"]]
    assert scene.state.topics[garden.result["topic_id"]].members == [bo.participant_id, ana.participant_id]


def test_every_library_script_validates() -> None:
    """Each script shipped in facilitation_scripts/ loads without a problem."""
    from server.domain.scripts.loader import load_script

    folder = Path(__file__).resolve().parents[2] / "facilitation_scripts"
    for path in sorted(folder.glob("*.yaml")):
        load_script(path.read_text(), path.name, tables=15)


def test_extending_a_paused_step_adds_to_the_time_left() -> None:
    """Time added while paused is still there after resuming."""
    scene = Scene()
    session = loaded(scene)
    step_id = scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"]
    scene.do(FACILITATOR, type="session.pause", session_id=session)
    scene.do(FACILITATOR, type="step.extend", step_id=step_id, seconds=120)
    scene.now += 50_000
    scene.do(FACILITATOR, type="session.resume", session_id=session)
    assert scene.state.steps[step_id].deadline == scene.now + 60_000 + 120_000


def test_a_step_for_tables_ends_the_groups_and_tells_their_members() -> None:
    """When groups end, the entry reaches their former members so phones stop showing them."""
    from server.domain.view import reach

    scene = Scene(tables=1)
    people = [scene.join("1") for _ in range(4)]
    session = loaded(scene)
    for _ in range(4):  # alone, pairs, fours, then the harvest for everyone
        scene.do(FACILITATOR, type="session.next", session_id=session)
    ended = [e for e in scene.entries if e.kind == "groups.formed"][-1]
    assert ended.payload["groups"] == [] and scene.state.groups == {}
    assert reach(scene.state, ended).participants == {p.participant_id for p in people}


def test_the_wall_sees_vote_results_only_once_revealed() -> None:
    """A vote revealed at the end shows its tally to the facilitator, not yet to the wall."""
    from server.domain.model import Role
    from server.domain.view import Viewer, snapshot

    scene = Scene(tables=2)
    ana = scene.join("1")
    session = loaded(scene, CAFE.replace(", reveal: live", ""))
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Night buses")
    for _ in range(3):
        scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = scene.state.step_for("1", "participant")
    assert vote is not None
    scene.do(ana, type="vote.cast", step_id=vote.id, ballot={vote.options[0]["id"]: 1})  # type: ignore[index]
    assert snapshot(scene.state, Viewer(Role.WALL))["results"] == []
    assert snapshot(scene.state, Viewer(Role.FACILITATOR))["results"][0]["voters"] == 1
    scene.do(FACILITATOR, type="step.end", step_id=vote.id)
    assert snapshot(scene.state, Viewer(Role.WALL))["results"][0]["voters"] == 1


VOTE_ON_THEMES = """
id: themes-vote
title: Vote on the themes
method: {name: Test, origin: Us}
steps:
  - {id: ideas, kind: ideas, duration: 5m, capture: {who: each, visibility: room}}
  - {id: vote, kind: vote, method: dots, dots: 2, options: themes, duration: 3m}
"""


def test_a_vote_on_the_themes_offers_them_as_curated_when_it_starts() -> None:
    """`options: themes`: one option per theme the room may see, named as the facilitator named it
    (a rename counts before the next re-clustering), fixed in the step's entry; a theme whose ideas
    the room may not quote is not offered; with no themes the step does not start and nothing changes."""
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    session = loaded(scene, VOTE_ON_THEMES)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    ids = [
        scene.idea(p, t, client_id=f"c{n}").result["idea_id"]
        for n, (p, t) in enumerate(
            [(ana, "Night buses"), (bo, "Buses after dark"), (ana, "Plant trees"), (bo, "Shout at the mayor")]
        )
    ]
    scene.do(FACILITATOR, type="idea.hide", idea_id=ids[3])
    themes = {
        "themes": [
            {"id": "t-a", "label": "buses · night", "idea_ids": ids[:2], "keywords": ["buses", "night"]},
            {"id": "t-b", "label": "trees", "idea_ids": ids[2:3], "keywords": ["trees"]},
            {"id": "t-c", "label": "shout · mayor", "idea_ids": ids[3:], "keywords": ["shout", "mayor"]},
        ],
        "unthemed": [],
        "positions": {},
    }
    seq = scene.state.seq
    with pytest.raises(Conflict) as none_yet:
        scene.do(FACILITATOR, type="session.next", session_id=session)
    assert none_yet.value.code == "no_themes" and scene.state.seq == seq
    scene.do(FACILITATOR, type="theme.rename", theme_id="t-a", label="Getting home")
    outcome = scene.run(
        decide(
            scene.state, FACILITATOR, parse_command({"type": "session.next", "session_id": session}), scene.now, themes
        )
    )
    vote = scene.state.steps[outcome.result["step_id"]]
    assert vote.options == [{"id": "t-a", "text": "Getting home"}, {"id": "t-b", "text": "trees"}]
    pushed = next(e for e in outcome.entries if e.kind == "step.pushed")
    assert pushed.payload["options"] == vote.options  # in the transcript: a replay shows the same vote
    scene.do(ana, type="vote.cast", step_id=vote.id, ballot={"t-a": 1, "t-b": 1})


def _offered(visibility: str) -> list[str]:
    """The options a vote offers from a step whose ideas were written with ``visibility``."""
    script = f"""
id: offered
title: Offered
method: {{name: Test, origin: Us}}
steps:
  - {{id: write, kind: ideas, capture: {{who: each, visibility: {visibility}}}}}
  - {{id: pick, kind: vote, method: dots, dots: 1, options: {{from: write}}}}
"""
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    session = loaded(scene, script)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Night buses", client_id="a")
    scene.idea(bo, "Trees", client_id="b")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = scene.state.step_for("1", "participant")
    assert vote is not None and vote.kind == "vote"
    return [o["text"] for o in vote.options or []]


@pytest.mark.parametrize(("visibility", "offered"), [("room", 2), ("table", 2), ("facilitator", 0), ("private", 0)])
def test_a_vote_offers_only_ideas_every_screen_may_read(visibility: str, offered: int) -> None:
    """An option's text reaches every phone: a note written for the facilitator only (or kept
    private) is never copied into a vote."""
    assert len(_offered(visibility)) == offered


def test_cards_dealt_in_a_later_vote_are_written_knowing_it() -> None:
    """25/10: cards written for the facilitator are passed on to be scored, so the writing step tells
    phones so (``capture.passed_on``) and the vote deals them; a step no vote deals is unchanged."""
    scene = Scene(tables=2)
    for _ in range(6):
        scene.join("1")
    script = (Path(__file__).parents[2] / "facilitation_scripts" / "twenty-five-ten.yaml").read_text()
    session = loaded(scene, script)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    invitation = scene.state.step_for("1", "participant")
    assert invitation is not None and invitation.spec["capture"] is None
    scene.do(FACILITATOR, type="session.next", session_id=session)
    cards = scene.state.step_for("1", "participant")
    assert cards is not None and cards.spec["capture"]["visibility"] == "facilitator"
    assert cards.spec["capture"]["passed_on"] is True
