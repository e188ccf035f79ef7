"""The harvest model: what each audience may read, themes as curated, common ground with its
caveats, votes and reactions (server/domain/harvest.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from server import exports
from server.domain.common_ground.publish import analyse_inputs, inputs
from server.domain.harvest import AUDIENCES, Audience, Harvest, harvest, harvest_dict, quotable
from server.domain.model import Actor, Role

from .helpers import FACILITATOR, Scene
from .test_sessions import loaded

ORGANISER = Actor(Role.ORGANISER)
VISIBILITIES = ("private", "group", "facilitator", "table", "room")
ATTRIBUTIONS = ("named", "anonymous", "erased", "hidden")
ANON_NAME = "Nia Quietly"  # gave a name, then wrote anonymously: never next to her idea

WALK = """
id: walk
title: Every visibility
method: {name: Test, origin: Us}
steps:
"""


def marker(visibility: str, attribution: str) -> str:
    return f"MK{visibility.upper()}x{attribution.upper()}Q"


def walk_scene() -> Scene:
    """One table of four; for each visibility a step where Ana writes a named idea and one the
    facilitator hides, Eve one she later has erased, and Nia one anonymously."""
    steps = []
    for v in VISIBILITIES:
        for attribution in ("person", "anonymous"):
            capture = f"{{who: each, visibility: {v}, attribution: {attribution}}}"
            steps.append(
                f"  - {{id: {v}-{attribution}, kind: ideas, duration: 1m, groups: {{size: 2}}, capture: {capture}}}"
            )
    scene = Scene(tables=1)
    ana, nia, eve = scene.join("1", "Ana Named"), scene.join("1", ANON_NAME), scene.join("1", "Eve Gone")
    bo = scene.join("1", "Bo")
    session = loaded(scene, WALK + "\n".join(steps) + "\n")
    hide = []
    for v in VISIBILITIES:
        scene.do(FACILITATOR, type="session.next", session_id=session)
        scene.idea(ana, marker(v, "named"), client_id=f"{v}-n")
        hide.append(scene.idea(ana, marker(v, "hidden"), client_id=f"{v}-h").result["idea_id"])
        scene.idea(eve, marker(v, "erased"), client_id=f"{v}-e")
        scene.do(FACILITATOR, type="session.next", session_id=session)
        scene.idea(nia, marker(v, "anonymous"), client_id=f"{v}-a")
    for idea_id in hide:
        scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id)
    scene.do(ORGANISER, type="participant.erase", participant_id=eve.participant_id)
    scene.push("React", react=True, collect_ideas=False)
    for idea in list(scene.state.ideas.values()):
        if idea.visibility in ("table", "room") and not idea.hidden:
            scene.do(bo, type="reaction.cast", idea_id=idea.id, value="agree")
    return scene


def allowed(audience: Audience, visibility: str, attribution: str) -> bool:
    if attribution == "erased":
        return False
    if audience == "staff":
        return True
    return visibility in ("table", "room") and attribution in ("named", "anonymous")


def json_objects(value: Any) -> list[dict[str, Any]]:
    """Every dict in a JSON value (to check what sits next to a quoted text)."""
    found = []
    if isinstance(value, dict):
        found.append(value)
        for v in value.values():
            found += json_objects(v)
    elif isinstance(value, list):
        for v in value:
            found += json_objects(v)
    return found


def check_json(h: Harvest, audience: Audience, nia_id: str) -> None:
    data = harvest_dict(h)
    text = json.dumps(data)
    for v in VISIBILITIES:
        for a in ATTRIBUTIONS:
            assert (marker(v, a) in text) == allowed(audience, v, a), (audience, v, a)
    for obj in json_objects(data):
        direct = " ".join(str(x) for x in obj.values() if not isinstance(x, dict | list))
        if "xANONYMOUSQ" in direct:
            assert ANON_NAME not in direct and nia_id not in direct, obj


def csv_units(h: Harvest) -> list[str]:
    """The ideas CSV, one string per row."""
    text = "".join(exports.ideas_csv(h)).lstrip("\ufeff")
    return [" | ".join(row) for row in csv.reader(io.StringIO(text))]


def reactions_units(h: Harvest) -> list[str]:
    text = "".join(exports.reactions_csv(h)).lstrip("\ufeff")
    return [" | ".join(row) for row in csv.reader(io.StringIO(text))]


def xlsx_units(h: Harvest) -> list[str]:
    """Every row of every sheet of the workbook, read back with openpyxl."""
    book = load_workbook(io.BytesIO(exports.xlsx(h)), read_only=True)
    return [
        " | ".join(str(v) for v in row if v is not None)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
    ]


def lines(text: str) -> list[str]:
    return text.splitlines()


RENDERINGS: dict[str, Callable[[Harvest], list[str]]] = {
    "md": lambda h: lines(exports.markdown(h)),
    "html": lambda h: lines(exports.html(h)),
    "csv": csv_units,
    "reactions csv": reactions_units,
    "xlsx": xlsx_units,
}


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_visibility_and_attribution_is_quoted_only_where_its_audience_may_read_it(audience: Audience) -> None:
    """5 visibilities x 4 attributions x every output: each idea's marker appears exactly where its
    audience may read it, and never on the same line, row or object as its anonymous writer's name."""
    scene = walk_scene()
    nia_id = next(p.id for p in scene.state.participants.values() if p.name == ANON_NAME)
    h = harvest(scene.state, scene.now, audience=audience)
    assert h.notice.startswith("For staff only" if audience == "staff" else "For people who took part")
    check_json(h, audience, nia_id)
    for name, render in RENDERINGS.items():
        if name == "reactions csv" and audience != "staff":
            continue
        units = render(h)
        text = "\n".join(units)
        for v in VISIBILITIES:
            for a in ATTRIBUTIONS:
                expected = allowed(audience, v, a)
                if name == "reactions csv":  # Bo reacted to what the room saw
                    expected = v in ("table", "room") and a in ("named", "anonymous")
                assert (marker(v, a) in text) == expected, (name, audience, v, a)
        for unit in units:
            if "xANONYMOUSQ" in unit:
                assert ANON_NAME not in unit and nia_id not in unit, (name, unit)
    if audience == "staff":
        assert exports.markdown(h).startswith("**For staff only")
        assert "For staff only" in exports.html(h).split("<h1>")[0]
    assert {row.split(" | ")[-1] for row in csv_units(h)[1:]} == {audience}


def test_what_is_not_quoted_is_counted_by_reason() -> None:
    h = harvest(walk_scene().state, 0)
    assert (h.unquoted.private, h.unquoted.group, h.unquoted.facilitator) == (2, 2, 2)
    assert (h.unquoted.hidden, h.unquoted.erased) == (5, 5)  # each idea once, for its first reason
    assert h.unquoted.total == 16 and len(h.quoted) == 4
    staff = harvest(walk_scene().state, 0, audience="staff")
    assert staff.unquoted.total == 5 and len(staff.quoted) == 15
    assert {i.author for i in staff.quoted if i.anonymous} == {"(anonymous)"}
    assert {i.author for i in h.quoted} == {None}


def test_quotable_is_the_one_rule() -> None:
    scene = walk_scene()
    for idea in scene.state.ideas.values():
        visibility, attribution = (
            idea.text.removeprefix("MK").removesuffix("Q").split("x") if "x" in idea.text else ("", "")
        )
        if idea.text == "(erased)":
            assert not quotable(scene.state, idea, "staff")
            continue
        for audience in AUDIENCES:
            assert quotable(scene.state, idea, audience) == allowed(audience, visibility.lower(), attribution.lower())


# --- the arc, tables, reactions -------------------------------------------------------------------


def reacting_scene(people_per_table: int = 7, tables: int = 3) -> tuple[Scene, list[Actor], list[str]]:
    scene = Scene(tables=tables)
    people = [scene.join(str(t), f"P{t}-{n}") for t in range(1, tables + 1) for n in range(people_per_table)]
    scene.push("What would help?")
    ideas = []
    for n, person in enumerate(people[::people_per_table] * 2):  # the first at each table writes two
        ideas.append(str(scene.idea(person, f"Idea number {n}", client_id=f"c{n}").result["idea_id"]))
    scene.push("React", react=True, collect_ideas=False)
    for p, person in enumerate(people):
        for j, idea_id in enumerate(ideas):
            if scene.state.ideas[idea_id].participant_id == person.participant_id:
                continue
            value = "agree" if j < 2 or (p + j) % 3 else ("disagree" if p % 2 else "pass")
            scene.do(person, type="reaction.cast", idea_id=idea_id, value=value)
    return scene, people, ideas


def test_tallies_come_from_reactions_and_match_the_analysis() -> None:
    scene, _, ideas = reacting_scene()
    analysis = analyse_inputs(*inputs(scene.state), None)
    h = harvest(scene.state, scene.now, ground=analysis)
    by_id = h.idea_map()
    for idea_id, support in analysis.tallies.items():
        got = by_id[idea_id]
        assert (got.agree, got.disagree, got.passed) == (support.agree, support.disagree, support.passed)
    assert h.reactions_total == analysis.n_reactions and h.reactions == []  # rows are for staff only
    staff = harvest(scene.state, scene.now, audience="staff")
    assert len(staff.reactions) == analysis.n_reactions
    assert {r.kind for r in staff.reactions} == {"reaction"}


def test_common_ground_across_tables_with_caveats_in_plain_words() -> None:
    scene, _, _ = reacting_scene()
    h = harvest(scene.state, scene.now, ground=analyse_inputs(*inputs(scene.state), None))
    assert h.ground is not None and h.ground.level in ("undivided", "groups")
    tables = next(p for p in h.ground.partitions if p.name == "tables")
    assert [p.name for p in tables.parts] == ["Table 1", "Table 2", "Table 3"]
    assert tables.parts[0].caveat == "only 7 people in this table: read as a hint, not a finding"
    assert tables.common_ground and all(g.idea.text.startswith("Idea number") for g in tables.common_ground)
    assert [s.part for s in tables.common_ground[0].support] == ["Table 1", "Table 2", "Table 3"]
    assert "read their results as hints" in tables.note


def test_without_reactions_the_harvest_says_there_is_no_common_ground() -> None:
    scene = Scene(tables=1)
    scene.push()
    h = harvest(scene.state, scene.now)
    assert h.ground is None and h.ground_note.startswith("Nobody reacted")
    assert h.themes == [] and h.themes_note == "Themes were not computed for this harvest."


def test_the_arc_counts_planned_actual_reached_and_ideas() -> None:
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    first_id = scene.push("First", duration_s=300)
    scene.idea(ana, "one")
    scene.idea(bo, "two", client_id="c2")
    scene.now += 120_000
    scene.do(FACILITATOR, type="step.end", step_id=first_id)
    scene.push("Second", audience={"tables": ["2"]})
    h = harvest(scene.state, scene.now)
    first, second = h.steps
    assert (first.planned_s, first.actual_s, first.people_reached, first.ideas, first.writers) == (300, 120, 2, 2, 2)
    assert (second.tables, second.people_reached, second.actual_s) == ("Table 2", 1, None)
    journeys = {t.name: [(s.step, len(s.idea_ids)) for s in t.journey] for t in h.tables}
    assert journeys == {"Table 1": [("First", 1)], "Table 2": [("First", 1), ("Second", 0)]}


# --- themes ---------------------------------------------------------------------------------------


def test_a_theme_label_drawn_from_an_unquotable_idea_is_drawn_again_from_the_quotable_ones() -> None:
    """A stale picture (an idea hidden since) must not let its words name the theme or show as example."""
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    scene.push()
    a = scene.idea(ana, "Night buses to the villages").result["idea_id"]
    b = scene.idea(bo, "More night buses please", client_id="c2").result["idea_id"]
    c = scene.idea(bo, "Secretword secretword buses", client_id="c3").result["idea_id"]
    scene.do(FACILITATOR, type="idea.hide", idea_id=c)
    summary = {
        "themes": [
            {
                "id": "th1",
                "label": "secretword · buses",
                "idea_ids": [a, b, c],
                "keywords": ["secretword", "buses"],
                "example_idea_id": c,
                "pinned": False,
                "curated": False,
            },
        ]
    }
    (theme,) = harvest(scene.state, scene.now, themes=summary).themes
    assert "secretword" not in json.dumps([theme.label, theme.keywords, theme.example]).lower()
    assert (theme.idea_ids, theme.unquoted, theme.breadth) == ([a, b], 1, 2)
    assert theme.label == "Night buses"


def test_a_facilitators_label_is_kept_and_the_ideas_carry_it() -> None:
    scene = Scene(tables=1)
    ana = scene.join("1")
    scene.push()
    a = scene.idea(ana, "Trees").result["idea_id"]
    b = scene.idea(ana, "Parks", client_id="c2").result["idea_id"]
    scene.do(FACILITATOR, type="theme.rename", theme_id="th1", label="Green town")
    summary = {"themes": [{"id": "th1", "label": "Green town", "idea_ids": [a, b], "keywords": ["trees"]}]}
    h = harvest(scene.state, scene.now, themes=summary)
    assert h.themes[0].named_by_facilitator and h.themes[0].label == "Green town"
    assert {i.theme for i in h.quoted} == {"Green town"}


# --- votes ----------------------------------------------------------------------------------------


CAFE_VOTE = """
id: vote
title: Vote
method: {name: Test, origin: Us}
steps:
  - {id: r1, kind: ideas, duration: 5m, capture: {who: each, visibility: group}, groups: {size: 2}}
  - {id: r2, kind: ideas, duration: 5m, capture: {who: each}}
  - {id: dots, kind: vote, method: dots, dots: 2, options: {from: REPLACE}, duration: 5m}
"""


@pytest.mark.parametrize("source", ["r1", "r2"])
def test_votes_show_measures_per_option_after_the_reveal_and_never_an_unshared_ideas_words(source: str) -> None:
    scene = Scene(tables=1)
    ana, bo = scene.join("1"), scene.join("1")
    session = loaded(scene, CAFE_VOTE.replace("REPLACE", source))
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Group words")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Room words", client_id="c2")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = scene.state.step_for("1", "participant")
    assert vote is not None
    if source == "r1":  # words written for a group are never copied into a vote every phone sees
        assert vote.options == []
        assert "Group words" not in json.dumps(harvest_dict(harvest(scene.state, scene.now)))
        return
    assert vote.options
    scene.do(bo, type="vote.cast", step_id=vote.id, ballot={vote.options[0]["id"]: 2})
    open_vote = harvest(scene.state, scene.now).votes[0]
    assert not open_vote.revealed and open_vote.options[0].measures == {}  # the room had not seen it
    assert harvest(scene.state, scene.now, audience="staff").votes[0].options[0].measures == {"dots": 2, "voters": 1}
    scene.do(FACILITATOR, type="session.next", session_id=session)
    (shown,) = harvest(scene.state, scene.now).votes
    assert shown.revealed and shown.options[0].measures == {"dots": 2, "voters": 1}
    assert shown.options[0].text == "Room words"
    assert "Group words" not in json.dumps(harvest_dict(harvest(scene.state, scene.now)))


def test_the_preview_keeps_a_few_ideas_per_list_and_every_count_whole() -> None:
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    scene.push()
    ids = [scene.idea(p, f"Idea {n}", client_id=f"c{n}").result["idea_id"] for n, p in enumerate([ana, bo] * 5)]
    h = harvest(scene.state, scene.now, themes={"themes": [{"id": "th1", "label": "All", "idea_ids": ids}]})
    whole, preview = harvest_dict(h), harvest_dict(h, cap=2)
    assert (whole["quoted_total"], len(whole["quoted"]), whole["capped"]) == (10, 10, None)
    assert (preview["quoted_total"], preview["capped"], preview["themes"][0]["size"]) == (10, 2, 10)
    assert preview["themes"][0]["idea_ids"] == ids[:2]
    assert [s["quoted"] for t in preview["tables"] for s in t["journey"]] == [5, 5]
    assert [(t["quoted"], t["steps_with_ideas"]) for t in preview["tables"]] == [(5, 1), (5, 1)]
    named = set(ids[:2]) | {i for t in preview["tables"] for s in t["journey"] for i in s["idea_ids"]}
    assert {i["id"] for i in preview["quoted"]} == named and len(named) == 4


def test_a_marketplace_shows_topics_and_counts_and_names_conveners_only_to_staff() -> None:
    from .test_sessions import OPEN_SPACE

    scene = Scene(tables=2)
    ana, bo, cy = scene.join("1", "Ana"), scene.join("2", "Bo"), scene.join("2")
    session = loaded(scene, OPEN_SPACE)
    step_id = scene.do(FACILITATOR, type="session.next", session_id=session).result["step_id"]
    scene.do(ana, type="topic.post", step_id=step_id, title="Youth spaces", slot="10:00", space="Hall")
    parks = scene.do(bo, type="topic.post", step_id=step_id, title="Parks", slot="10:00", space="Garden")
    scene.do(FACILITATOR, type="topic.post", step_id=step_id, title="Welcome", slot="11:30", space="Hall")
    scene.do(cy, type="topic.join", topic_id=parks.result["topic_id"])
    scene.do(ORGANISER, type="participant.erase", participant_id=bo.participant_id)
    (shared,) = harvest(scene.state, scene.now).markets
    assert (shared.slots, shared.spaces) == (["10:00", "11:30"], ["Hall", "Garden"])
    assert [(t.title, t.convener, t.members) for t in shared.topics] == [
        ("Youth spaces", None, 1),
        (None, None, 2),  # Bo asked to be erased: his topic's title is gone, its people counted
        ("Welcome", "the facilitator", 0),
    ]
    (staff,) = harvest(scene.state, scene.now, audience="staff").markets
    assert [t.convener for t in staff.topics] == ["Ana", None, "the facilitator"]
