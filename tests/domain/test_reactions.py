from __future__ import annotations

import pytest

from server.domain.common_ground.analysis import Level, analyse
from server.domain.errors import Conflict, NotFound
from server.domain.reactions import next_for

from .helpers import FACILITATOR, Scene


def room_with_ideas(tables: int = 3, per_table: int = 2) -> tuple[Scene, list]:  # type: ignore[type-arg]
    scene = Scene(tables=tables)
    people = [scene.join(str(1 + i % tables)) for i in range(tables * per_table)]
    scene.push("What matters?")
    for n, person in enumerate(people):
        scene.idea(person, f"idea {n}", client_id=f"c{n}")
    return scene, people


def test_reactions_need_a_reaction_step_and_replace_each_other() -> None:
    """Outside a reaction step answers are refused; inside, a later answer replaces the earlier one."""
    scene, people = room_with_ideas()
    with pytest.raises(Conflict):
        scene.do(people[0], type="reaction.cast", idea_id="i9", value="agree")
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    scene.do(people[0], type="reaction.cast", idea_id="i9", value="agree")
    scene.do(people[0], type="reaction.cast", idea_id="i9", value="disagree")
    assert scene.state.reacted[people[0].participant_id or ""] == {"i9": "disagree"}
    matrix = scene.state.reaction_log.snapshot()
    assert matrix.shape == (1, 6)  # every idea the room may react to has a column, reacted to or not
    assert int(matrix.values[0, matrix.ideas.index("i9")]) == -1 and int(matrix.seen.sum()) == 1


def test_a_few_reactions_do_not_place_someone_while_most_ideas_are_unanswered() -> None:
    """Opinion groups count a person once they have reacted to 7 ideas, or to every idea if fewer
    exist: ideas nobody has reacted to yet still exist. (Bo answered the only three ideas anyone had
    answered so far, out of 18; he must not be placed in a group for it.)"""
    scene, people = room_with_ideas(tables=3, per_table=6)
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    bo, others = people[0], people[1:]
    ids = sorted(scene.state.ideas, key=lambda i: scene.state.ideas[i].seq)
    bo_answers = [i for i in ids if scene.state.ideas[i].participant_id != bo.participant_id][:3]
    for idea_id in bo_answers:
        scene.do(bo, type="reaction.cast", idea_id=idea_id, value="agree")
    for n, person in enumerate(others):
        mine = [i for i in ids if scene.state.ideas[i].participant_id != person.participant_id]
        for idea_id in mine[:7] if n % 2 else bo_answers:  # half answer 7 ideas, half only Bo's three
            scene.do(person, type="reaction.cast", idea_id=idea_id, value="agree" if n % 3 else "disagree")
    result = analyse(scene.state.reaction_log.snapshot())
    assert result.n_ideas == 18
    assert bo.participant_id not in result.memory.clustered
    assert result.n_clustered == sum(1 for n in range(len(others)) if n % 2)


def test_hidden_ideas_are_not_offered() -> None:
    """A hidden idea can be neither answered nor routed."""
    scene, people = room_with_ideas()
    scene.do(FACILITATOR, type="idea.hide", idea_id="i9")
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    with pytest.raises(NotFound):
        scene.do(people[1], type="reaction.cast", idea_id="i9", value="agree")
    person = scene.state.participants[people[1].participant_id or ""]
    seen = set()
    for _ in range(10):
        nxt = next_for(scene.state, person, {})
        if nxt["idea"] is None:
            break
        seen.add(nxt["idea"]["id"])
        scene.do(people[1], type="reaction.cast", idea_id=nxt["idea"]["id"], value="pass")
    assert "i9" not in seen and nxt["remaining"] == 0


def test_routing_offers_other_tables_first_then_runs_out() -> None:
    """A phone is shown ideas from other tables before its own table's, each once, never its own, then nothing."""
    scene, people = room_with_ideas(tables=3, per_table=2)
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    me = scene.state.participants[people[0].participant_id or ""]
    order = []
    while (nxt := next_for(scene.state, me, {}))["idea"] is not None:
        order.append(nxt["idea"]["table_id"])
        scene.do(people[0], type="reaction.cast", idea_id=nxt["idea"]["id"], value="agree")
    assert len(order) == 5 and order[-1] == me.table_id  # a tablemate's idea last, never my own
    assert me.table_id not in order[:4]


def test_reactions_feed_the_analysis() -> None:
    """The reaction log is the matrix the common-ground analysis reads; few reactions give tallies."""
    scene, people = room_with_ideas()
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    scene.do(people[0], type="reaction.cast", idea_id="i9", value="agree")
    result = analyse(scene.state.reaction_log.snapshot())
    assert result.level is Level.TALLIES and result.tallies["i9"].agree == 1
