"""The delivery rules the hub asks about, as plain calls: who may resume and who starts again from a
snapshot, which counts and results an entry changes, what each staff screen is sent of them."""

from __future__ import annotations

from server.domain.delivery import (
    PRESENCE_KINDS,
    Reseat,
    reanalyse,
    reseat,
    results_changed,
    results_seen,
    resumes,
    spoils_replay,
    themes_seen,
)
from server.domain.model import Entry, Role
from server.domain.view import Viewer

from .helpers import FACILITATOR, T0, Scene
from .test_view import WALL_VOTE

WALL, ORGANISER = Viewer(Role.WALL), Viewer(Role.ORGANISER)

HOSTED = """
id: hosted
title: Hosted tables
method: {name: Test, origin: Us}
roles: {table_host: {per: table, count: 1, assign: volunteer}}
steps:
  - {id: worries, kind: ideas, question: "What worries you?"}
"""


def test_a_screen_resumes_only_when_memory_holds_all_it_missed() -> None:
    """Entries after ``after`` are sent instead of a snapshot when the room remembers them all and
    the person was not seated again since; otherwise (or for a first visit) a snapshot."""
    assert resumes(after=10, delivered=12, oldest=5, seated_seq=3)
    assert resumes(after=12, delivered=12, oldest=5, seated_seq=None)  # nothing missed
    assert not resumes(after=None, delivered=12, oldest=5, seated_seq=None)  # a first visit
    assert not resumes(after=0, delivered=12, oldest=1, seated_seq=None)
    assert not resumes(after=13, delivered=12, oldest=5, seated_seq=None)  # ahead of this worker
    assert not resumes(after=3, delivered=12, oldest=5, seated_seq=None)  # seq 4 is forgotten
    assert resumes(after=4, delivered=12, oldest=5, seated_seq=None)
    assert not resumes(after=10, delivered=12, oldest=None, seated_seq=None)  # remembers nothing
    assert not resumes(after=10, delivered=12, oldest=5, seated_seq=11)  # seated again since


def test_an_erasure_among_the_missed_entries_means_a_snapshot() -> None:
    erased = Entry("ev1", 7, T0, "participant.erased", "facilitator", {"participant_id": "p1"})
    pushed = Entry("ev1", 6, T0, "step.pushed", "facilitator", {"step_id": "s1"})
    assert spoils_replay([pushed, erased]) and not spoils_replay([pushed]) and not spoils_replay([])


def test_phones_start_again_when_roles_open_or_cards_are_dealt() -> None:
    """Loading a session with roles to volunteer for sends every phone a snapshot; a pass-and-score
    step sends one to the phones it reaches (each is dealt its own cards); other entries none."""
    scene = Scene()
    scene.join("1")
    scene.do(FACILITATOR, type="session.load", script=HOSTED)
    assert scene.entries[-1].kind == "session.loaded"
    assert reseat(scene.state, scene.entries[-1]) is Reseat.EVERY_PHONE
    plain = Scene()
    plain.do(FACILITATOR, type="session.load", script=WALL_VOTE)
    assert reseat(plain.state, plain.entries[-1]) is Reseat.NONE  # no role to volunteer for
    dealt = Entry("ev1", 9, T0, "step.pushed", "facilitator", {"step_id": "s9", "spec": {"method": "pass_and_score"}})
    assert reseat(scene.state, dealt) is Reseat.REACHED_TABLES
    scene.push()
    assert reseat(scene.state, scene.entries[-1]) is Reseat.NONE


def test_a_vote_s_results_and_turnout_change_with_ballots_and_seating() -> None:
    """A ballot changes its vote's results; a person joining changes how many a sealed vote asks."""
    scene = Scene()
    ana = scene.join("1")
    session = scene.do(FACILITATOR, type="session.load", script=WALL_VOTE).result["session_id"]
    step_id = scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"]
    assert results_changed(scene.state, scene.entries[-1]) == {step_id}  # its turnout starts at 0
    options = [o["id"] for o in scene.state.steps[step_id].options or []]
    scene.do(ana, type="vote.cast", step_id=step_id, ballot={options[0]: 1})
    assert results_changed(scene.state, scene.entries[-1]) == {step_id}
    scene.join("2")
    assert scene.entries[-1].kind == "participant.joined"
    assert results_changed(scene.state, scene.entries[-1]) == {step_id}
    assert "participant.joined" in PRESENCE_KINDS and "idea.submitted" not in PRESENCE_KINDS
    scene.do(FACILITATOR, type="wall.show", slide="join")
    assert results_changed(scene.state, scene.entries[-1]) == set()


def test_common_ground_is_analysed_again_only_once_there_are_reactions() -> None:
    scene = Scene()
    ana, bo = scene.join("1"), scene.join("1")
    scene.push()
    idea_id = scene.idea(ana, "Night buses").result["idea_id"]
    hidden = Entry("ev1", 99, T0, "idea.hidden", "facilitator", {"idea_id": idea_id})
    assert not reanalyse(scene.state, hidden)  # nobody has reacted yet: nothing to analyse
    scene.do(FACILITATOR, type="step.push", text="React", react=True)
    scene.do(bo, type="reaction.cast", idea_id=idea_id, value="agree")
    assert reanalyse(scene.state, scene.entries[-1]) and reanalyse(scene.state, hidden)
    joined = scene.entries[2]
    assert joined.kind == "participant.joined" and not reanalyse(scene.state, joined)


def test_the_wall_learns_how_many_voted_and_moderators_see_suggestions() -> None:
    """While results are sealed the wall gets the turnout, moderators the results; once revealed,
    everyone the results. Themes: the wall only when the picture changed, never the suggestions."""
    assert results_seen(WALL, revealed=False) == "turnout"
    assert results_seen(ORGANISER, revealed=False) == "results"
    assert results_seen(WALL, revealed=True) == "results"
    assert themes_seen(WALL, picture_changed=True, suggestions_changed=False) == "plain"
    assert themes_seen(WALL, picture_changed=False, suggestions_changed=True) is None
    assert themes_seen(ORGANISER, picture_changed=False, suggestions_changed=True) == "full"
    assert themes_seen(Viewer(Role.FACILITATOR), picture_changed=False, suggestions_changed=False) is None
