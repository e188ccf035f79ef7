"""A participant's own contributions (GET /mine, the phone's end screen and saved page)."""

from __future__ import annotations

from server.domain.mine import contributions

from .helpers import FACILITATOR, Scene

SCRIPT = """\
id: mine
title: Mine
method: {name: Test, origin: Us}
steps:
  - {id: wish, kind: ideas, question: "One wish?", capture: {who: each}}
  - id: rank
    kind: vote
    method: rank
    title: Put them in order
    options: {items: ["Buses at night", "A market on Sundays", "Trees"]}
"""


def test_contributions_name_the_options_and_keep_other_people_s_hidden_ideas_out() -> None:
    """Ballots come with the options' texts (a ranking best first); another person's idea hidden since
    it was answered loses its text; nobody else's ideas are listed."""
    scene = Scene()
    ana, bo = scene.join("1", "Ana"), scene.join("2", "Bo")
    session = scene.do(FACILITATOR, type="session.load", script=SCRIPT).result["session_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "A lido", client_id="a1")
    bo_idea = scene.idea(bo, "Rude words", client_id="b1").result["idea_id"]
    scene.do(FACILITATOR, type="session.next", session_id=session)
    rank = next(s for s in scene.state.steps.values() if s.kind == "vote")
    scene.do(ana, type="vote.cast", step_id=rank.id, ballot=["o3", "o1"])
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    scene.do(ana, type="reaction.cast", idea_id=bo_idea, value="disagree")
    scene.do(FACILITATOR, type="idea.hide", idea_id=bo_idea)

    mine = contributions(scene.state, ana.participant_id or "")
    assert [i["text"] for i in mine["ideas"]] == ["A lido"] and mine["name"] == "Ana"
    assert mine["ballots"][0]["title"] == "Put them in order"
    assert mine["ballots"][0]["choices"] == [{"option": "Trees", "value": 1}, {"option": "Buses at night", "value": 2}]
    assert mine["reactions"] == [{"idea": None, "value": "disagree"}]
