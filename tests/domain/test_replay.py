from __future__ import annotations

import pytest

from server.domain.digest import state_digest
from server.domain.errors import NotFound
from server.domain.fold import fold
from server.domain.model import Actor, Role
from server.domain.replay import Replay, room
from server.domain.view import Viewer, snapshot

from .helpers import FACILITATOR, Scene
from .test_capture import started


def busy_scene() -> Scene:
    scene = Scene(tables=3)
    phones = [scene.join(str(1 + i % 3)) for i in range(9)]
    for round_ in range(4):
        scene.now += 60_000
        scene.push(f"Round {round_}")
        for n, phone in enumerate(phones):
            scene.now += 1000
            scene.idea(phone, f"idea {round_}-{n}", client_id=f"c{round_}-{n}")
    scene.do(FACILITATOR, type="idea.hide", idea_id="i20")
    return scene


def test_seeking_gives_the_fold_up_to_that_entry() -> None:
    """Every seek, on and around checkpoints, equals folding the transcript up to there."""
    scene = busy_scene()
    replay = Replay("ev1", every=7)
    replay.extend(scene.entries[:20])
    replay.extend(scene.entries[20:])  # indexes grow as the event goes on
    for seq in range(len(scene.entries) + 1):
        assert state_digest(replay.state_at(seq)) == state_digest(fold("ev1", scene.entries[:seq]))


def test_a_seek_has_the_reaction_matrix_as_it_stood_unless_told_it_is_not_needed() -> None:
    """Before and after the first reaction, the matrix of a seek is the fold's; a seek without it
    (cheaper) still shows the screens everything."""
    scene = busy_scene()
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    before = len(scene.entries)
    shown = [i.id for i in scene.state.ideas.values() if not i.hidden]
    for person, idea in zip(list(scene.state.participants)[:4], shown, strict=False):
        scene.do(Actor(Role.PARTICIPANT, person), type="reaction.cast", idea_id=idea, value="agree")
    assert len(scene.state.reacted) == 4
    scene.push("After the reactions")
    replay = Replay("ev1", every=7)
    replay.extend(scene.entries)
    for seq in (before - 1, before + 2, len(scene.entries)):
        got, want = (
            replay.state_at(seq).reaction_log.snapshot(),
            fold("ev1", scene.entries[:seq]).reaction_log.snapshot(),
        )
        assert (got.participants, got.ideas) == (want.participants, want.ideas)
        assert (got.values == want.values).all() and (got.seen == want.seen).all()
    light, whole = replay.state_at(len(scene.entries), reactions=False), replay.state_at(len(scene.entries))
    organiser = Viewer(Role.ORGANISER)
    assert snapshot(light, organiser) == snapshot(whole, organiser)  # what screens show is whole
    assert room(light, step_ideas={}) == room(whole, step_ideas={})


def test_seek_by_time_lands_on_the_last_entry_before() -> None:
    """A moment between two entries shows the earlier one."""
    scene = busy_scene()
    replay = Replay("ev1", every=10)
    replay.extend(scene.entries)
    tenth = scene.entries[9]
    assert replay.seq_at(tenth.at) >= 10 and replay.seq_at(scene.entries[0].at - 1) == 0


def test_a_seek_returns_a_copy() -> None:
    """Changing a returned state does not change later seeks."""
    scene = busy_scene()
    replay = Replay("ev1", every=5)
    replay.extend(scene.entries)
    replay.state_at(12).ideas.clear()
    assert replay.state_at(12).ideas


def test_a_seek_from_the_last_one_gives_the_fold_up_to_that_entry() -> None:
    """Seeking forward and back, each time from the previous seek's state, shows what folding up to
    there shows (the organiser's snapshot, the room)."""
    scene = busy_scene()
    replay = Replay("ev1", every=7)
    replay.extend(scene.entries)
    organiser = Viewer(Role.ORGANISER)
    near = None
    for seq in [3, 5, 6, 13, 14, 30, 12, 2, 0, len(scene.entries), 40, 41]:
        near = replay.state_from(near, seq)
        folded = fold("ev1", scene.entries[:seq])
        assert near.seq == seq
        assert snapshot(near, organiser) == snapshot(folded, organiser)
        assert room(near, step_ideas={}) == room(folded, step_ideas={})


def test_ideas_per_step_are_counted_up_to_the_instant() -> None:
    """Each round drew nine ideas; half-way through round two, round two has the ideas written so far."""
    scene = busy_scene()
    replay = Replay("ev1", every=10)
    replay.extend(scene.entries)
    rounds = [s.id for s in scene.state.steps.values()]
    assert replay.step_ideas(len(scene.entries)) == dict.fromkeys(rounds, 9)
    fifth = next(e.seq for e in scene.entries if e.payload.get("text") == "idea 1-4")
    assert replay.step_ideas(fifth) == {rounds[0]: 9, rounds[1]: 5}
    assert replay.step_ideas(0) == {}


def test_the_room_answer_has_numbers_for_every_table_and_one_page_of_ideas() -> None:
    """The room: people and ideas per table, the step each table saw, and only the latest ideas, newest first."""
    scene = busy_scene()
    replay = Replay("ev1", every=10)
    replay.extend(scene.entries)
    state = replay.state_at(replay.last_seq)
    view = room(state, step_ideas=replay.step_ideas(state.seq), ideas=5)
    assert view["joined"] == {"1": 3, "2": 3, "3": 3}
    assert view["idea_counts"] == {"1": 12, "2": 12, "3": 12}
    assert view["ideas_total"] == 36
    assert [i["text"] for i in view["ideas"]] == [f"idea 3-{n}" for n in (8, 7, 6, 5, 4)]
    last_round = list(state.steps)[-1]
    assert view["current"] == {t: {"*": last_round} for t in ("1", "2", "3")}
    assert [s["id"] for s in view["steps"]] == [last_round]  # only the steps it names
    assert set(view["names"]) <= {i["participant_id"] for i in view["ideas"]}

    table = state.ideas["i20"].table_id  # the hidden one's
    one = room(state, step_ideas=replay.step_ideas(state.seq), table=table, ideas=100)
    assert {i["table_id"] for i in one["ideas"]} == {table} and one["ideas_total"] == len(one["ideas"]) == 12
    assert sum(one["step_ideas"].values()) == 12 and list(one["current"]) == [table]
    hidden = [i for i in one["ideas"] if i["id"] == "i20"]
    assert hidden[0]["hidden"] and hidden[0]["text"]  # the organiser sees hidden ideas, marked

    with pytest.raises(NotFound) as err:
        room(state, step_ideas={}, table="9")
    assert err.value.code == "unknown_table" and err.value.field == "table"


def test_the_room_answer_never_names_an_anonymous_writer() -> None:
    """An anonymous idea comes without its writer's id, and their name is not among the names."""
    scene = Scene(tables=1)
    ana = scene.join("1", name="Ana")
    started(scene, "{who: each, attribution: anonymous}")
    scene.idea(ana, "Say it without my name")
    replay = Replay("ev1")
    replay.extend(scene.entries)
    state = replay.state_at(replay.last_seq)
    view = room(state, step_ideas=replay.step_ideas(state.seq))
    assert view["ideas"][0]["participant_id"] is None and view["ideas"][0]["anonymous"]
    assert "Ana" not in view["names"].values()
