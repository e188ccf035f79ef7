from __future__ import annotations

from server.domain.digest import state_digest
from server.domain.fold import fold
from server.domain.replay import Replay

from .helpers import FACILITATOR, Scene


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
