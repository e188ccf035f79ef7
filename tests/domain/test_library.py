"""The script library: every script validates, and each one runs end to end against the domain.

The run is a whole room: 120 participants at 15 tables (8 each) follow the script from its first
step to the end, as phones would. They write ideas where a step collects them, vote where a step
votes, convene and join topics on a marketplace, and after each step the test checks what the
room looks like: who the step reached, the groups it made, where everyone sits.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from server.domain.commands import decide, parse_command
from server.domain.model import Actor, Entry, SessionStatus, Step, StepStatus
from server.domain.runsheet import runsheet
from server.domain.scripts.format import STEP_KINDS, Script
from server.domain.scripts.loader import load_script
from server.domain.votes import my_options, tally

from .helpers import FACILITATOR, Scene

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "facilitation_scripts"
LIBRARY = sorted(LIBRARY_DIR.glob("*.yaml"))
REQUIRED = {
    "whole-system-event",
    "world-cafe",
    "open-space",
    "future-search",
    "one-two-four-all",
    "twenty-five-ten",
    "what-so-what-now-what",
    "troika-consulting",
    "appreciative-inquiry",
    "partnership-typology",
}
TABLES, PER_TABLE = 15, 8
PEOPLE = TABLES * PER_TABLE
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_-]*\}")


@cache
def _script(path: Path) -> Script:
    return load_script(path.read_text(encoding="utf-8"), path.name, tables=TABLES)


def _ids(path: Path) -> str:
    return path.stem


def test_the_library_has_every_method_the_issue_asks_for() -> None:
    """Each required method has its script file in facilitation_scripts/."""
    assert REQUIRED <= {p.stem for p in LIBRARY}


@pytest.mark.parametrize("path", LIBRARY, ids=_ids)
def test_script_validates_and_is_attributed(path: Path) -> None:
    """The script loads for a 15-table event, credits its method with sources, and its timings add up."""
    script = _script(path)
    assert script.id == path.stem
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "Source:" in text.split("\nid:")[0]  # the comment header
    assert script.method.name and script.method.origin and script.method.refs
    assert all("." in ref and " " not in ref for ref in script.method.refs)
    assert script.params, "every library script lets the facilitator fill in its main question"
    total = sum(step.duration or 0 for step in script.steps)
    assert script.fit.minutes is not None and abs(total - script.fit.minutes * 60) <= script.fit.minutes * 6
    used = " ".join(f"{s.text} {s.question}" for s in script.steps)
    assert all(f"{{{name}}}" in used for name in script.params), "a declared parameter is never used"


# --- the simulated room ------------------------------------------------------------------------


def expected_sizes(people: int, size: int, remainder: str) -> list[int]:
    """Group sizes at one table, written out from the remainder rule (not from the engine's code)."""
    full, rest = divmod(people, size)
    if rest == 0 or full == 0:
        return [size] * full + ([rest] if rest else [])
    if remainder == "alone":
        return [size] * full + [rest]
    if remainder == "join" and rest > 1:
        return [size] * (full - 1) + [size + rest]
    sizes = [size] * full  # "trio" (or a single leftover): spread the leftovers one per group
    for k in range(rest):
        sizes[k % full] += 1
    return sizes


class Room:
    """One event of 120 participants running one script, with the checks made after each step."""

    def __init__(self, script_text: str, source: str) -> None:
        self.scene = Scene(tables=TABLES)
        self.rng = random.Random(source)
        self.people: dict[str, Actor] = {}
        for i in range(PEOPLE):
            actor = self.scene.join(str(1 + i % TABLES), name=f"P{i + 1}")
            self.people[actor.participant_id or ""] = actor
        self.home = {pid: p.table_id for pid, p in self.state.participants.items()}
        self.params = {name: f"<{name} for this test>" for name in _params(script_text)}
        loaded = self.scene.do(FACILITATOR, type="session.load", script=script_text, params=self.params, source=source)
        self.session_id = str(loaded.result["session_id"])
        self.spec = self.state.sessions[self.session_id].script
        self.ideas_expected = 0
        self.texts: list[str] = []

    @property
    def state(self) -> Any:
        return self.scene.state

    def seating(self) -> dict[str, str]:
        return {pid: p.table_id for pid, p in self.state.participants.items()}

    def by_table(self) -> dict[str, list[str]]:
        tables: dict[str, list[str]] = defaultdict(list)
        for pid, person in self.state.participants.items():
            tables[person.table_id].append(pid)
        return tables

    # -- roles -------------------------------------------------------------------------------

    def volunteer(self) -> None:
        """Per-table roles taken by volunteering or given by the facilitator, as the script asks."""
        for role, spec in self.spec.get("roles", {}).items():
            if spec["per"] != "table" or spec["assign"] not in ("volunteer", "facilitator"):
                continue
            for members in self.by_table().values():
                free = [m for m in members if self.state.participants[m].role == "participant"]
                for pid in free[: spec["count"]]:
                    if spec["assign"] == "volunteer":
                        self.scene.do(self.people[pid], type="role.volunteer", role=role)
                    else:
                        self.scene.do(FACILITATOR, type="participant.role", participant_id=pid, role=role)

    def holders(self, role: str) -> dict[str, str]:
        return {pid: p.table_id for pid, p in self.state.participants.items() if p.role == role}

    # -- one step ----------------------------------------------------------------------------

    def themes(self) -> dict[str, Any]:
        """The room's themes as the live room would have them: here, the public ideas four by four."""
        ideas = [i.id for i in self.state.ideas.values() if not i.hidden and i.visibility in ("table", "room")]
        chunks = [ideas[k : k + 4] for k in range(0, len(ideas), 4)]
        themes = [{"id": f"t-{c[0]}", "label": f"theme {n}", "idea_ids": c} for n, c in enumerate(chunks)]
        return {"themes": themes, "unthemed": [], "positions": {}}

    def next(self) -> tuple[Step | None, list[Entry]]:
        before = len(self.scene.entries)
        command = parse_command({"type": "session.next", "session_id": self.session_id})
        outcome = self.scene.run(decide(self.state, FACILITATOR, command, self.scene.now, self.themes()))
        step_id = outcome.result.get("step_id")
        return (self.state.steps[step_id] if step_id else None), self.scene.entries[before:]

    def reaches(self, step: Step, pid: str) -> bool:
        person = self.state.participants[pid]
        return step.audience.includes_table(person.table_id) and step.audience.role in (None, person.role)

    def check_audience(self, step: Step, spec: dict[str, Any]) -> list[str]:
        """The step's audience is the one the script names, and exactly those phones show the step."""
        audience = spec["audience"]
        if audience == "facilitator":
            assert step.audience.tables == () and step.audience.role is None
        elif audience.startswith("role:"):
            assert step.audience.tables is None and step.audience.role == audience.removeprefix("role:")
        else:
            assert step.audience.tables is None and step.audience.role is None
        reached = [pid for pid in self.state.participants if self.reaches(step, pid)]
        for pid, person in self.state.participants.items():
            shown = self.state.step_for(person.table_id, person.role)
            assert (shown is not None and shown.id == step.id) == (pid in reached), (spec["id"], pid)
        if audience in ("all", "table", "group"):
            assert len(reached) == PEOPLE
        return reached

    def check_seating(
        self, spec: dict[str, Any], before: dict[str, str], visited: dict[str, list[str]], entries: list[Entry]
    ) -> None:
        """Everyone is still seated at exactly one real table; rotations moved people as their mode says."""
        after = self.seating()
        assert set(after) == set(before) and len(after) == PEOPLE
        assert set(after.values()) <= set(self.state.tables)
        assert sum(len(m) for m in self.by_table().values()) == PEOPLE
        if spec["kind"] != "rotate":
            assert after == before
            return
        moved = [e for e in entries if e.kind == "participants.moved"]
        assert len(moved) == 1
        moves = moved[0].payload["moves"]
        movers = [m["participant_id"] for m in moves]
        assert len(movers) == len(set(movers)), "someone was moved twice in one rotation"
        assert all(before[m["participant_id"]] == m["from"] != m["to"] for m in moves)
        assert all(after[p] == before[p] for p in before if p not in movers)
        counts = Counter(after.values())
        mode = spec["mode"]
        if mode in ("host_stays", "shuffle", "mixed"):
            assert max(counts.values()) <= math.ceil(PEOPLE / TABLES) and len(counts) == TABLES
            assert movers, "a rotation that moves nobody"
        if mode == "host_stays":
            hosts = self.holders(spec["stay"])
            assert len(hosts) == TABLES, "every table has its host"
            assert all(after[h] == before[h] for h in hosts), "a host moved"
            assert set(movers) == set(before) - set(hosts), "a traveller stayed"
            if spec["avoid_repeat"]:
                assert all(after[p] not in visited[p] for p in movers), "a traveller went back to a table"
        if mode == "mixed":
            for members in self.by_table().values():  # max-mix: no two people from one home table
                assert max(Counter(self.home[m] for m in members).values()) == 1
        if mode in ("stakeholder", "back_home"):
            assert after == self.home
        if mode == "self_select":
            assert moves == []

    def check_groups(self, spec: dict[str, Any], entries: list[Entry], previous: dict[str, list[list[str]]]) -> None:
        """New groups partition each table with the sizes the script asks for; a merge joins whole groups."""
        formed = [e for e in entries if e.kind == "groups.formed"]
        groups = spec.get("groups") or {}
        if not (groups.get("size") or groups.get("merge") or groups.get("from")):
            # a step for tables or the room may only end the small groups, never make new ones
            assert all(e.payload["groups"] == [] for e in formed)
            assert not formed or spec["audience"] != "group"
            return
        assert len(formed) == 1
        made = formed[0].payload["groups"]
        members = [m for g in made for m in g["members"]]
        if groups.get("from"):
            # one session per topic of the slot: its convener and those who signed up, nobody twice
            topics = [t for t in self.state.topics.values() if t.slot == groups["slot"]]
            assert {g["id"] for g in made} == {t.id for t in topics}
            assert all(g["members"] == self.state.topics[g["id"]].members for g in made)
            assert len(members) == len(set(members))
            return
        assert sorted(members) == sorted(self.state.participants), "someone is in no group, or in two"
        tables = self.by_table()
        for table_id, seated in tables.items():
            here = [g["members"] for g in made if g["table_id"] == table_id]
            assert sorted(m for g in here for m in g) == sorted(seated)
            if groups.get("size"):
                want = expected_sizes(len(seated), groups["size"], groups["remainder"])
                assert sorted(len(g) for g in here) == sorted(want), (spec["id"], table_id)
            else:
                old = previous[table_id]
                factor = groups["merge"]
                want = [sum(len(g) for g in old[i : i + factor]) for i in range(0, len(old), factor)]
                assert [len(g) for g in here] == want
                assert all(any(set(o) <= set(g) for g in here) for o in old), "a merge split a group"
                if all(len(o) == 2 for o in old):
                    assert all(len(g) == 2 * factor for g in here)  # pairs become fours

    # -- what people do ----------------------------------------------------------------------

    def writers(self, step: Step, spec: dict[str, Any], reached: list[str]) -> list[str]:
        """Who writes on this step, as its capture.who says: everyone, one per group or table, a role."""
        who = spec["capture"]["who"]
        if who == "each":
            return reached
        if who.startswith("role:"):
            role = who.removeprefix("role:")
            return [pid for pid in reached if self.state.participants[pid].role == role]
        one_each: dict[str, str] = {}
        for pid in reached:
            made = spec.get("groups") or {}
            grouped = spec["audience"] == "group" or made.get("size") or made.get("from")
            key = self.state.group_of.get(pid) if grouped else self.state.participants[pid].table_id
            one_each.setdefault(key or pid, pid)
        return list(one_each.values())

    def write_ideas(self, step: Step, spec: dict[str, Any], reached: list[str]) -> None:
        writers = self.writers(step, spec, reached)
        for pid in writers:
            self.scene.idea(self.people[pid], f"{spec['id']}: thought of {pid}", client_id=f"{step.id}-{pid}")
        self.ideas_expected += len(writers)
        assert sum(1 for i in self.state.ideas.values() if i.step_id == step.id) == len(writers)

    def ballot(self, spec: dict[str, Any], options: list[dict[str, Any]], pid: str) -> Any:
        ids = [o["id"] for o in options]
        method = spec["method"]
        if method == "dots":
            per = spec.get("max_per_option") or spec["dots"]
            ballot: dict[str, int] = {}
            for option in self.rng.sample(ids, len(ids)):
                left = spec["dots"] - sum(ballot.values())
                if left == 0:
                    break
                ballot[option] = min(per, left)
            return ballot
        if method == "rank":
            return self.rng.sample(ids, len(ids))
        if method == "agree_disagree_pass":
            return {o: self.rng.choice(("agree", "disagree", "pass")) for o in ids}
        low, high = spec["scale"]
        if method == "pass_and_score":  # five cards, one per round, never one's own
            own = {i.id for i in self.state.ideas.values() if i.participant_id == pid}
            cards = [o for o in ids if o not in own]
            return {o: self.rng.randint(low, high) for o in self.rng.sample(cards, min(5, len(cards)))}
        if method == "score":
            return {o: self.rng.randint(low, high) for o in ids}
        assert method == "place"
        table = self.state.participants[pid].table_id
        ours = [o for o in ids if o not in self.state.ideas or self.state.ideas[o].table_id == table]
        return {o: [round(self.rng.uniform(-1, 1), 2), round(self.rng.uniform(-1, 1), 2)] for o in ours}

    def vote(self, step: Step, spec: dict[str, Any], reached: list[str]) -> None:
        options = step.options or []
        assert options, f"vote {spec['id']} has nothing to vote on"
        if "from" in spec["options"] and spec["options"]["from"]:
            assert all(o["id"] in self.state.ideas for o in options)
        cast = 0
        for pid in reached:
            mine = my_options(self.state, step, self.state.participants[pid])
            if spec["method"] == "pass_and_score":  # dealt cards: never your own, as many as asked
                assert len(mine) == min(spec.get("cards") or 5, len(options))
                assert all(self.state.ideas[o["id"]].participant_id != pid for o in mine if o["id"] in self.state.ideas)
            ballot = self.ballot(spec, mine, pid)
            if ballot:
                self.scene.do(self.people[pid], type="vote.cast", step_id=step.id, ballot=ballot)
                cast += 1
        result = tally(step, self.state.votes.get(step.id, {}))
        assert result["voters"] == cast == len(reached)
        if spec["method"] == "dots":
            assert sum(r["dots"] for r in result["options"]) == spec["dots"] * cast

    def sign_up(self, step: Step, spec: dict[str, Any], reached: list[str]) -> None:
        cells = [(slot, space) for slot in spec["slots"] for space in spec["spaces"]]
        conveners = reached[: max(1, len(cells) * 3 // 4)]
        for n, (pid, (slot, space)) in enumerate(zip(conveners, cells, strict=False), start=1):
            actor = self.people[pid] if spec["convene"] == "anyone" else FACILITATOR
            title = f"{spec['id']} topic {n}"
            self.scene.do(actor, type="topic.post", step_id=step.id, title=title, slot=slot, space=space)
        topics = [t for t in self.state.topics.values() if t.step_id == step.id]
        assert len(topics) == len(conveners)
        by_slot = defaultdict(list)
        for topic in topics:
            by_slot[topic.slot].append(topic.id)
        for pid in reached:
            for ids in by_slot.values():
                self.scene.do(self.people[pid], type="topic.join", topic_id=self.rng.choice(ids))
        for slot, ids in by_slot.items():  # one place per slot: everyone once, no one twice
            joined = [m for t in ids for m in self.state.topics[t].members]
            assert sorted(joined) == sorted(reached), slot

    def act(self, entries: list[Entry], spec: dict[str, Any], reached: list[str]) -> None:
        """Action groups formed around the topics (their conveners convene them); everyone joins one."""
        (formed,) = [e for e in entries if e.kind == "actions.formed"]
        groups = [self.state.action_groups[g["id"]] for g in formed.payload["groups"]]
        if spec["from"] == "topics":
            topics = {t.id: t for t in self.state.topics.values()}
            assert {g.source for g in groups} == {f"topic:{t}" for t in topics}
            assert all(g.title == topics[(g.source or "")[6:]].title for g in groups)
            assert all(g.convener in g.members for g in groups if g.convener)
        for pid in reached:
            if pid not in self.state.action_of:
                self.scene.do(self.people[pid], type="action.join", group_id=self.rng.choice(groups).id)
        assert set(self.state.action_of) >= set(reached)
        for group in groups:
            if group.members and group.convener is None:
                self.scene.do(self.people[group.members[0]], type="action.convene", group_id=group.id)
        assert all(g.convener for g in groups if g.members)

    # -- the whole run -----------------------------------------------------------------------

    def run(self) -> None:
        self.volunteer()
        steps = self.spec["steps"]
        for index, spec in enumerate(steps):
            before = self.seating()
            visited = {pid: list(tables) for pid, tables in self.state.visited.items()}
            previous: dict[str, list[list[str]]] = defaultdict(list)
            for group in self.state.groups.values():
                previous[group.table_id].append(group.members)
            step, entries = self.next()
            assert step is not None and step.index == index and step.kind == spec["kind"], spec["id"]
            assert step.status is StepStatus.ACTIVE
            assert step.deadline == self.scene.now + spec["duration"] * 1000
            assert not PLACEHOLDER.search(step.text), f"unfilled placeholder in {spec['id']}: {step.text}"
            self.texts.append(step.text)
            self.check_seating(spec, before, visited, entries)
            self.check_groups(spec, entries, previous)
            reached = self.check_audience(step, spec)
            if step.collect_ideas:
                self.write_ideas(step, spec, reached)
            if spec["kind"] == "vote":
                self.vote(step, spec, reached)
            if spec["kind"] == "signup":
                self.sign_up(step, spec, reached)
            if spec["kind"] == "actions":
                self.act(entries, spec, reached)
            self.scene.now += spec["duration"] * 1000
        finished, _ = self.next()
        assert finished is None


def _params(script_text: str) -> list[str]:
    return list(load_script(script_text).params)


@pytest.mark.parametrize("path", LIBRARY, ids=_ids)
def test_script_runs_end_to_end_with_120_people_at_15_tables(path: Path) -> None:
    """Every step is reached with the right audience, groups and seats, and the session finishes."""
    room = Room(path.read_text(encoding="utf-8"), path.name)
    room.run()
    session = room.state.sessions[room.session_id]
    steps = room.spec["steps"]
    assert session.status is SessionStatus.FINISHED
    assert [(r.index, r.skipped) for r in session.runs] == [(i, False) for i in range(len(steps))]
    assert all(s.status is StepStatus.ENDED for s in room.state.steps.values())
    sheet = runsheet(session)
    assert [row["id"] for row in sheet] == [s["id"] for s in steps]
    assert all(row["step_id"] and row["started_at"] and row["ended_at"] for row in sheet)
    planned = [row["planned_offset_s"] for row in sheet]
    assert planned == sorted(planned) and planned[-1] + steps[-1]["duration"] == sum(s["duration"] for s in steps)
    assert len(room.state.ideas) == room.ideas_expected
    assert len(room.state.participants) == PEOPLE
    for value in room.params.values():  # the facilitator's parameters reach the phones
        assert any(value in text for text in room.texts)


def _role_cases() -> list[Any]:
    cases = []
    for path in LIBRARY:
        if not _script(path).roles:
            continue
        cases.append(pytest.param(path, id=path.stem))
    return cases


@pytest.mark.parametrize("path", _role_cases())
def test_every_role_a_step_names_is_held_where_that_step_runs(path: Path) -> None:
    """When a step is for a role (audience or capture), each table or group it runs at has that role."""
    room = Room(path.read_text(encoding="utf-8"), path.name)
    room.volunteer()
    roles = room.spec["roles"]
    for spec in room.spec["steps"]:
        step, _ = room.next()
        if step is not None and step.collect_ideas:  # (a later vote may be on the themes of these ideas)
            room.write_ideas(step, spec, room.check_audience(step, spec))
        named = [spec["audience"], (spec.get("capture") or {}).get("who", "")]
        for role in {n.removeprefix("role:") for n in named if n.startswith("role:")}:
            holders = room.holders(role)
            if roles[role]["per"] == "table":
                assert Counter(holders.values()) == dict.fromkeys(room.state.tables, roles[role]["count"])
            elif roles[role]["per"] == "group":
                for group in room.state.groups.values():
                    assert sum(1 for m in group.members if m in holders) == roles[role]["count"], group.id
        room.scene.now += spec["duration"] * 1000


# --- docs/scripts.md describes this format ------------------------------------------------------

DOC = (Path(__file__).resolve().parents[2] / "docs" / "scripts.md").read_text(encoding="utf-8")


def test_docs_name_every_field_kind_and_mode_of_the_format() -> None:
    """Every field of every part of a script, every step kind, vote method and rotation mode is in docs/scripts.md."""
    from typing import get_args

    from server.domain.scripts import format as fmt

    parts = [fmt.Script, fmt.Method, fmt.Fit, fmt.Param, fmt.RoleSpec, fmt.Groups, fmt.Capture]
    parts += [fmt.Turns, fmt.Options, fmt.ClusterInput, *get_args(get_args(fmt.Step)[0])]
    for part in parts:
        for name, field in part.model_fields.items():
            assert f"`{field.alias or name}`" in DOC, f"{part.__name__}.{field.alias or name}"
    words = [*fmt.STEP_KINDS, *get_args(fmt.VoteStep.model_fields["method"].annotation)]
    words += get_args(fmt.RotateStep.model_fields["mode"].annotation)
    for word in words:
        assert f"`{word}`" in DOC, word


def test_docs_examples_are_valid() -> None:
    """The first script in docs/scripts.md loads, and each step example there validates."""
    import yaml

    from server.domain.scripts.format import STEP_ADAPTER

    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.S)
    assert load_script(blocks[0], "docs/scripts.md", tables=TABLES).id == "one-two-four-all"
    steps = [step for block in blocks[1:] if isinstance(data := yaml.safe_load(block), list) for step in data]
    assert {STEP_ADAPTER.validate_python(step).kind for step in steps} == set(STEP_KINDS)
