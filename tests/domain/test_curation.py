from __future__ import annotations

import pytest

from server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from server.domain.model import Role
from server.domain.themes import edit_from_entry
from server.domain.view import Viewer, reach, snapshot

from .helpers import FACILITATOR, Scene


def with_ideas() -> tuple[Scene, list]:  # type: ignore[type-arg]
    scene = Scene(tables=2)
    people = [scene.join("1"), scene.join("2")]
    scene.push()
    for n, person in enumerate(people):
        scene.idea(person, f"idea {n}", client_id=f"c{n}")
    return scene, people


def test_curation_edits_are_entries_the_themes_core_reads_back() -> None:
    """A rename and a move become transcript entries that turn back into the same edits."""
    scene, _ = with_ideas()
    scene.do(FACILITATOR, type="theme.rename", theme_id="t-i5", label="  Getting home  ")
    scene.do(FACILITATOR, type="theme.move_idea", idea_id="i6", theme_id=None)
    kinds = [kind for kind, _ in scene.state.theme_edits]
    assert kinds == ["theme.rename", "theme.move_idea"]
    rename = edit_from_entry(*scene.state.theme_edits[0])
    assert rename.label == "Getting home"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ({"type": "theme.merge", "theme_id": "t-a", "merged_theme_ids": ["t-a"], "idea_ids": ["i5"]}, Invalid),
        (
            {
                "type": "theme.split",
                "theme_id": "t-a",
                "new_theme_id": "t-b",
                "idea_ids": ["i5"],
                "remaining_ids": ["i5"],
            },
            Invalid,
        ),
        ({"type": "theme.pin", "theme_id": "t-a", "idea_ids": ["i99"], "label": "x"}, NotFound),
        ({"type": "theme.rename", "theme_id": "t-a", "label": "   "}, Invalid),
    ],
)
def test_bad_edits_are_refused(command: dict[str, object], error: type[Exception]) -> None:
    """Merging into itself, an idea both leaving and staying, unknown ideas and empty labels are refused."""
    scene, _ = with_ideas()
    with pytest.raises(error):
        scene.do(FACILITATOR, **command)
    assert scene.state.theme_edits == []


def test_a_split_cannot_reuse_the_id_of_a_curated_theme() -> None:
    """Splitting into an id that an earlier edit named (or the theme's own) is refused: it would
    silently replace that theme's curation."""
    scene, _ = with_ideas()
    scene.do(FACILITATOR, type="theme.pin", theme_id="t-kept", idea_ids=["i5"], label="Kept")
    split = {"type": "theme.split", "theme_id": "t-a", "idea_ids": ["i5"], "remaining_ids": ["i6"]}
    for taken in ("t-kept", "t-a"):
        with pytest.raises(Conflict) as refused:
            scene.do(FACILITATOR, **split, new_theme_id=taken)
        assert refused.value.code == "theme_exists" and refused.value.field == "new_theme_id"
    assert len(scene.state.theme_edits) == 1
    scene.do(FACILITATOR, **split, new_theme_id="t-s-i5")
    assert [kind for kind, _ in scene.state.theme_edits] == ["theme.pin", "theme.split"]


def test_participants_flag_once_the_themes_are_revealed() -> None:
    """Before the facilitator reveals the themes a phone cannot flag, whatever idea it names (so the
    answer says nothing about which ideas exist); revealing twice, or hiding what is hidden, is
    refused; the reveal reaches every phone and is in every snapshot."""
    scene, people = with_ideas()
    for idea_id in ("i6", "i999"):
        with pytest.raises(Conflict) as early:
            scene.do(people[0], type="theme.flag", idea_id=idea_id)
        assert early.value.code == "themes_not_revealed"
    with pytest.raises(Forbidden):
        scene.do(people[0], type="theme.reveal")
    with pytest.raises(Conflict) as hidden:
        scene.do(FACILITATOR, type="theme.reveal", shown=False)
    assert hidden.value.code == "not_revealed"
    revealed = scene.do(FACILITATOR, type="theme.reveal")
    assert revealed.entries[0].kind == "theme.revealed" and reach(scene.state, revealed.entries[0]).tables is None
    assert snapshot(scene.state, Viewer(Role.PARTICIPANT, people[0].participant_id))["event"]["themes_revealed"]
    with pytest.raises(Conflict) as twice:
        scene.do(FACILITATOR, type="theme.reveal")
    assert twice.value.code == "already_revealed"
    scene.do(people[0], type="theme.flag", idea_id="i6")
    scene.do(FACILITATOR, type="theme.reveal", shown=False)
    assert not scene.state.themes_revealed
    with pytest.raises(Conflict):
        scene.do(people[1], type="theme.flag", idea_id="i6")


def test_participants_flag_and_the_facilitator_decides() -> None:
    """A participant flags an idea once; the facilitator resolves the flag once; others cannot."""
    scene, people = with_ideas()
    scene.do(FACILITATOR, type="theme.reveal")
    flag_id = scene.do(people[0], type="theme.flag", idea_id="i6", theme_id="t-i5", reason="about parks").result[
        "flag_id"
    ]
    with pytest.raises(Conflict):
        scene.do(people[0], type="theme.flag", idea_id="i6")
    with pytest.raises(Forbidden):
        scene.do(people[1], type="theme.flag_resolve", flag_id=flag_id, outcome="kept")
    scene.do(FACILITATOR, type="theme.flag_resolve", flag_id=flag_id, outcome="moved")
    assert scene.state.flags[flag_id].outcome == "moved"
    with pytest.raises(Conflict):
        scene.do(FACILITATOR, type="theme.flag_resolve", flag_id=flag_id, outcome="kept")
    with pytest.raises(Forbidden):
        scene.do(FACILITATOR, type="theme.flag", idea_id="i6")


def test_a_rename_may_carry_the_themes_ideas_and_they_must_exist() -> None:
    """The ideas named with a rename are recorded with it; an unknown one refuses the rename."""
    scene = Scene(tables=1)
    ana = scene.join("1")
    scene.push()
    a = scene.idea(ana, "Benches").result["idea_id"]
    b = scene.idea(ana, "Shade", client_id="c2").result["idea_id"]
    scene.do(FACILITATOR, type="theme.rename", theme_id="t-a", label="Places to rest", idea_ids=[a, b])
    assert scene.state.theme_edits[-1] == (
        "theme.rename",
        {"theme_id": "t-a", "label": "Places to rest", "idea_ids": [a, b]},
    )
    with pytest.raises(NotFound):
        scene.do(FACILITATOR, type="theme.rename", theme_id="t-a", label="Rest", idea_ids=[a, "nope"])


def test_a_dismissed_suggestion_is_recorded_once_for_the_facilitators_screens_only() -> None:
    """Dismissing a curation suggestion records its keys (a key already dismissed is left out, and
    dismissing only those records nothing); the entry reaches no phone and not the wall; a
    participant may not dismiss, and a key that names no suggestion is refused."""
    from pydantic import ValidationError

    from server.domain.fold import fold
    from server.domain.view import visible

    scene, people = with_ideas()
    done = scene.do(FACILITATOR, type="theme.dismiss", keys=["merge:t-a+t-b", "move:i6"])
    assert done.result == {"keys": ["merge:t-a+t-b", "move:i6"]}
    (entry,) = done.entries
    assert entry.kind == "theme.dismissed" and list(scene.state.theme_dismissed) == ["merge:t-a+t-b", "move:i6"]
    assert reach(scene.state, entry).tables == frozenset() and not reach(scene.state, entry).participants
    assert not visible(scene.state, entry, Viewer(Role.WALL))
    assert visible(scene.state, entry, Viewer(Role.FACILITATOR))
    again = scene.do(FACILITATOR, type="theme.dismiss", keys=["move:i6", "split:t-c"])
    assert again.result == {"keys": ["split:t-c"]}
    assert scene.do(FACILITATOR, type="theme.dismiss", keys=["move:i6"]).entries == []
    with pytest.raises(Forbidden):
        scene.do(people[0], type="theme.dismiss", keys=["move:i5"])
    for bad in (["rename:t-a"], ["merge:t-a"], []):
        with pytest.raises(ValidationError):  # the server answers 422 naming the field
            scene.do(FACILITATOR, type="theme.dismiss", keys=bad)
    assert list(scene.state.theme_dismissed) == ["merge:t-a+t-b", "move:i6", "split:t-c"]
    assert list(fold(scene.state.id, scene.entries).theme_dismissed) == list(scene.state.theme_dismissed)
