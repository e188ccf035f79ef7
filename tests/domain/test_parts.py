"""Parts of the system: declared by staff, said by people, counted for the room, never shown per person."""

from __future__ import annotations

import pytest

from server.domain.commands import create_event, join
from server.domain.digest import state_digest
from server.domain.entry_check import check_entry
from server.domain.errors import Conflict, Forbidden, Invalid
from server.domain.fold import fold
from server.domain.model import Actor, Role
from server.domain.parts import coverage, declare, parse_spec, part_id, parts_of, presence
from server.domain.view import Viewer, redact, snapshot, visible

from .helpers import FACILITATOR, T0, Scene

SYSTEM = [
    {"name": "Residents", "target": 40},
    {"name": "GPs", "target": 8},
    {"name": "Social care", "target": 6},
    {"name": "Young people"},
]


def declared(scene: Scene) -> Scene:
    scene.do(FACILITATOR, type="event.parts_set", parts=SYSTEM)
    return scene


def test_parts_declared_at_creation_get_ids_from_their_names() -> None:
    first = create_event("ev1", "Our town", ["A", "B"], "ACDEFG", T0, SYSTEM)
    state = fold("ev1", [first])
    assert [(p.id, p.name, p.target) for p in state.parts.values()] == [
        ("residents", "Residents", 40),
        ("gps", "GPs", 8),
        ("social_care", "Social care", 6),
        ("young_people", "Young people", None),
    ]
    check_entry(first)  # what the command writes, an import accepts


def test_an_event_without_parts_writes_and_digests_as_before() -> None:
    plain = create_event("ev1", "Our town", ["A"], "ACDEFG", T0)
    assert "parts" not in plain.payload
    assert "parts" not in join(fold("ev1", [plain]), "Ana", "1", T0).entries[0].payload


@pytest.mark.parametrize(
    ("parts", "field", "words"),
    [
        ([], "parts", "1 to 30"),
        ([{"name": f"Part {i}"} for i in range(31)], "parts", "1 to 30"),
        ([{"name": "GPs"}, {"name": "gps"}], "parts[1].name", "already a part"),
        ([{"name": "GPs", "id": "gp"}, {"name": "Doctors", "id": "gp"}], "parts[1].id", "already"),
        ([{"name": "x" * 61}], "parts[0].name", "limit is 60"),
        ([{"name": "  "}], "parts[0].name", "must not be empty"),
        ([{"name": "Police", "target": 10_001}], "parts[0].target", "0 to 10,000"),
        ([{"name": "Police", "target": -1}], "parts[0].target", "0 to 10,000"),
        ([{"name": "Police", "id": "Police!"}], "parts[0].id", "lower-case"),
        ([{"name": "Quiet", "id": "prefer_not_to_say"}], "parts[0].id", "kept for people's answers"),
    ],
)
def test_declaring_parts_is_checked_and_the_error_names_the_field(
    parts: list[dict[str, object]], field: str, words: str
) -> None:
    scene = Scene()
    with pytest.raises(Invalid) as err:
        scene.do(FACILITATOR, type="event.parts_set", parts=parts)
    assert err.value.field == field and words in err.value.message
    assert scene.state.parts == {} and len(scene.entries) == 1  # nothing changed


def test_ids_and_cli_specs() -> None:
    assert part_id("GPs & nurses", 0) == "gps_nurses"
    assert part_id("3rd sector", 0) == "p_3rd_sector"
    assert part_id("警察", 4) == "part_5"
    assert parse_spec("Residents=40", 0) == {"name": "Residents", "target": 40}
    assert parse_spec("Young people", 1) == {"name": "Young people"}
    with pytest.raises(Invalid, match="whole number"):
        parse_spec("GPs=many", 2)
    assert [p.id for p in declare([parse_spec("A = b=3", 0)])] == ["a_b"]


def test_only_staff_declare_parts_and_the_organiser_may() -> None:
    scene = Scene()
    ana = scene.join()
    with pytest.raises(Forbidden):
        scene.do(ana, type="event.parts_set", parts=SYSTEM)
    with pytest.raises(Forbidden):
        scene.do(Actor(Role.WALL), type="event.parts_set", parts=SYSTEM)
    scene.do(Actor(Role.ORGANISER), type="event.parts_set", parts=SYSTEM)
    assert list(scene.state.parts) == ["residents", "gps", "social_care", "young_people"]
    assert scene.entries[-1].kind == "event.parts_set" and scene.entries[-1].actor == "organiser"


def test_people_say_their_parts_when_they_join_and_change_them() -> None:
    scene = declared(Scene())
    outcome = scene.run(join(scene.state, "Ana", "1", scene.now, ["residents", "young_people"]))
    ana = Actor(Role.PARTICIPANT, outcome.result["participant_id"])
    bo = scene.join("2", "Bo")
    assert parts_of(scene.state) == {ana.participant_id: ("residents", "young_people"), bo.participant_id: ()}
    scene.do(bo, type="participant.parts_set", parts=["prefer_not_to_say"])
    scene.do(ana, type="participant.parts_set", parts=["gps"])
    assert parts_of(scene.state) == {ana.participant_id: ("gps",), bo.participant_id: ("prefer_not_to_say",)}
    # the facilitator may set anyone's; a participant only their own
    scene.do(FACILITATOR, type="participant.parts_set", participant_id=bo.participant_id, parts=["residents"])
    assert scene.state.participants[bo.participant_id or ""].parts == ("residents",)
    with pytest.raises(Forbidden):
        scene.do(ana, type="participant.parts_set", participant_id=bo.participant_id, parts=[])
    for entry in scene.entries:
        check_entry(entry)
    assert state_digest(fold("ev1", scene.entries)) == state_digest(scene.state)


@pytest.mark.parametrize(
    ("given", "code", "words"),
    [
        (["doctors"], "unknown_part", "no part 'doctors'"),
        (["gps", "gps"], "duplicate_part", "at most once"),
        (["gps", "prefer_not_to_say"], "bad_parts", "goes alone"),
    ],
)
def test_a_persons_parts_are_checked_against_the_declared_ones(given: list[str], code: str, words: str) -> None:
    scene = declared(Scene())
    with pytest.raises(Invalid) as err:
        join(scene.state, "Ana", "1", scene.now, given)
    assert err.value.code == code and words in err.value.message and err.value.field == "parts"
    ana = scene.join()
    with pytest.raises(Invalid):
        scene.do(ana, type="participant.parts_set", parts=given)
    assert scene.state.participants[ana.participant_id or ""].parts == ()


def test_a_part_someone_said_cannot_be_dropped() -> None:
    scene = declared(Scene())
    scene.run(join(scene.state, "Ana", "1", scene.now, ["gps"]))
    with pytest.raises(Conflict, match="'GPs'"):
        scene.do(FACILITATOR, type="event.parts_set", parts=[{"name": "Residents"}])
    scene.do(FACILITATOR, type="event.parts_set", parts=[{"name": "GPs", "target": 12}, {"name": "Police"}])
    assert scene.state.parts["gps"].target == 12


def test_coverage_counts_people_in_each_of_their_parts() -> None:
    scene = declared(Scene())
    for table, said in [("1", ["residents", "young_people"]), ("1", ["residents"]), ("2", ["prefer_not_to_say"])]:
        scene.run(join(scene.state, None, table, scene.now, said))
    scene.join("3")
    got = coverage(scene.state)
    rows = {r["id"]: (r["joined"], r["target"], r["missing"]) for r in got["parts"]}
    assert rows == {
        "residents": (2, 40, 38),
        "gps": (0, 8, 8),
        "social_care": (0, 6, 6),
        "young_people": (1, None, None),
    }
    assert got["missing"] == ["residents", "gps", "social_care"]
    assert (got["prefer_not_to_say"], got["not_said"], got["people"]) == (1, 1, 4)
    assert presence(scene.state) == {"residents": {"1": 2}, "gps": {}, "social_care": {}, "young_people": {"1": 1}}


def test_parts_never_reach_the_wall_or_other_phones() -> None:
    """Staff see who said which part; the wall gets counts only; a phone hears only its own."""
    scene = declared(Scene())
    ana = Actor(Role.PARTICIPANT, scene.run(join(scene.state, "Ana", "1", scene.now, ["gps"])).result["participant_id"])
    bo = scene.join("1", "Bo")
    scene.do(ana, type="participant.parts_set", parts=["gps", "residents"])
    scene.push()
    scene.idea(ana, "More appointments in the evening")
    joined, parts_set = scene.entries[2], scene.entries[4]
    wall, phone = Viewer(Role.WALL), Viewer(Role.PARTICIPANT, bo.participant_id)
    assert "parts" not in redact(scene.state, joined, wall).payload
    assert not visible(scene.state, parts_set, wall)
    assert not visible(scene.state, parts_set, phone)
    assert not visible(scene.state, joined, phone)
    assert visible(scene.state, parts_set, Viewer(Role.PARTICIPANT, ana.participant_id))

    wall_snap = snapshot(scene.state, wall)
    assert "participants" not in wall_snap and wall_snap["presence"]["gps"] == {"1": 1}
    bo_snap = snapshot(scene.state, phone)
    assert bo_snap["me"]["parts"] == [] and "presence" not in bo_snap
    for snap in (wall_snap, bo_snap):
        text = repr({k: v for k, v in snap.items() if k not in ("event", "presence")})
        assert "gps" not in text and "residents" not in text
    staff = snapshot(scene.state, Viewer(Role.FACILITATOR))
    assert {p["name"]: p["parts"] for p in staff["participants"]} == {"Ana": ["gps", "residents"], "Bo": []}
    assert staff["coverage"]["parts"][1]["joined"] == 1


def test_common_ground_across_parts_and_shared_outputs_never_label_an_idea_with_a_part() -> None:
    """Common ground gets a "parts" view (named parts, a person in each part they said); the shared
    harvest and its ideas file quote ideas with no part beside them, the staff harvest neither."""
    from server.domain.common_ground.publish import analysis_dict
    from server.domain.harvest import harvest
    from server.exports import ground_for, ideas_csv, markdown

    scene = Scene(tables=4)
    scene.do(FACILITATOR, type="event.parts_set", parts=[{"name": "Residents"}, {"name": "GPs"}, {"name": "Police"}])
    writers = [scene.join("1", "Wren"), scene.join("2", "Yan")]
    scene.push("What would help?")
    for n, text in enumerate(["Evening surgeries", "Safer crossings", "A youth club", "More benches"]):
        for w, writer in enumerate(writers):
            scene.idea(writer, f"{text} ({w})", client_id=f"c{n}{w}")
    people = []
    for k in range(18):
        said = [["residents"], ["residents", "gps"], ["police"]][k % 3] if k < 15 else ["prefer_not_to_say"]
        people.append(
            Actor(
                Role.PARTICIPANT,
                scene.run(join(scene.state, None, str(1 + k % 4), scene.now, said)).result["participant_id"],
            )
        )
    scene.push("Agree?", react=True)
    ideas = [i for i in scene.state.ideas]
    for k, person in enumerate(people):
        for j, idea_id in enumerate(ideas):
            value = "agree" if j < 2 or (j + k) % 3 else "disagree"
            scene.do(person, type="reaction.cast", idea_id=idea_id, value=value)
    analysis = ground_for(scene.state)
    assert analysis is not None and "parts" in analysis.partitions
    by_parts = analysis_dict(analysis, scene.state)["by"]["parts"]
    assert {p["name"]: p["size"] for p in by_parts["parts"]} == {"Residents": 10, "GPs": 5, "Police": 5}
    for audience in ("shared", "staff"):
        h = harvest(scene.state, scene.now, audience=audience, ground=analysis)
        text = "".join(ideas_csv(h))
        assert "Evening surgeries" in text
        assert not any(name in text for name in ("Residents", "GPs", "Police", "residents", "gps"))
        report = markdown(h)
        assert "Across parts of the system" in report
        for line in report.splitlines():
            if "Evening surgeries" in line or "Safer crossings" in line:
                assert "Residents" not in line and "GPs" not in line and "Police" not in line, line
