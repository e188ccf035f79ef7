"""GET /api/events/{id}/common-ground on a real server: two camps react to the room's ideas, and the
moderators get every idea's consensus, each group's representative ideas and who is where on the
map; the numbers are the domain analysis's; the wall and phones get no participant id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.domain.common_ground import Memory, ReactionMatrix, analyse
from server.settings import Settings
from server.web.app import create_app
from tests.backends import REDIS, postgres_database, redis_prefix, require_servers
from tests.conftest import ADMIN, Room

from .test_ws import hello

CAMPS = (10, 8)  # two camps of unequal size, so the larger is group A however the analysis runs
SECRET = """
id: secret
title: A private note
method: {name: Test, origin: Us}
steps:
  - {id: s, kind: ideas, duration: 5m, capture: {who: each, visibility: private}}
"""


def get(room: Room, token: str, query: str = "") -> Any:
    return room.client.get(f"/api/events/{room.id}/common-ground{query}", headers={"Authorization": f"Bearer {token}"})


class Reacted:
    """A room where two camps answered every public idea: camp 0 agrees with ideas 0-3 and disagrees
    with 4-7, camp 1 the opposite, and everyone agrees with idea 8. Idea 7 is hidden afterwards;
    one person also wrote a private note nobody reacts to."""

    def __init__(self, room: Room) -> None:
        self.people = [room.join(str(1 + n % 3)) for n in range(sum(CAMPS))]
        self.camp = {p["participant_id"]: int(n >= CAMPS[0]) for n, p in enumerate(self.people)}
        room.command(room.facilitator, type="step.push", text="Ideas")
        self.ideas = [
            room.command(p["token"], type="idea.submit", client_id=f"c{n}", text=f"Idea {n}").json()["idea_id"]
            for n, p in enumerate(self.people[:9])
        ]
        session = room.command(room.facilitator, type="session.load", script=SECRET).json()["session_id"]
        room.command(room.facilitator, type="session.next", session_id=session)
        note = room.command(self.people[0]["token"], type="idea.submit", client_id="secret", text="Secret note")
        assert note.status_code == 200, note.text
        room.command(room.facilitator, type="step.push", text="React", react=True)
        self.reactions: list[tuple[str, str, int]] = []
        for person in self.people:
            pid = person["participant_id"]
            for j, idea in enumerate(self.ideas):
                agree = j == 8 or (j < 4) == (self.camp[pid] == 0)
                value = "agree" if agree else "disagree"
                r = room.command(person["token"], type="reaction.cast", idea_id=idea, value=value)
                assert r.status_code == 200, r.text
                self.reactions.append((pid, idea, 1 if agree else -1))
        self.hidden = self.ideas[7]
        room.command(room.facilitator, type="idea.hide", idea_id=self.hidden)
        self.tables = {p["participant_id"]: p["table_id"] for p in self.people}

    def analysis(self) -> Any:
        """The domain analysis of the same reactions, as the server computes it afresh."""
        matrix = ReactionMatrix.from_reactions(self.reactions, ideas=self.ideas)
        partitions = {"tables": self.tables, "roles": dict.fromkeys(self.tables, "participant")}
        return analyse(matrix, hidden={self.hidden}, partitions=partitions, shares=True)


@pytest.fixture
def reacted(room: Room) -> Reacted:
    return Reacted(room)


def test_the_moderators_get_consensus_representatives_and_people(room: Room, reacted: Reacted) -> None:
    """After the last entry, the facilitator's answer has the domain's numbers: each quotable
    idea's consensus and its factors, each group's representative ideas, each person's point."""
    now = get(room, room.facilitator).json()
    body = get(room, room.organiser, f"?seq={now['seq']}").json()
    assert body["seq"] == now["seq"] and body["live"] is False and isinstance(body["at"], int)
    ours, expected = body["analysis"], reacted.analysis()
    assert ours["level"] == expected.level.value == "groups"
    assert expected.opinion is not None and expected.map is not None
    opinion = ours["opinion"]
    assert [p["label"] for p in opinion["parts"]] == [p.label for p in expected.opinion.parts] == ["A", "B"]
    # every quotable idea, highest consensus first: idea 8 (everyone agrees) leads; hidden idea 7 is absent
    assert [c["idea_id"] for c in opinion["consensus"]][0] == reacted.ideas[8]
    assert {c["idea_id"] for c in opinion["consensus"]} == set(reacted.ideas) - {reacted.hidden}
    for c in opinion["consensus"]:
        assert c["consensus"] == round(expected.opinion.consensus[c["idea_id"]], 6)
        assert c["p_agree"] == [round(s, 6) for s in expected.opinion.shares[c["idea_id"]]]
        assert c["text"] == f"Idea {reacted.ideas.index(c['idea_id'])}"
    for part, theirs in zip(opinion["parts"], expected.opinion.parts, strict=True):
        assert [(r["idea_id"], r["direction"], r["best_agree"]) for r in part["representative"]] == [
            (d.idea, d.direction.value, d.best_agree) for d in theirs.representative
        ]
        assert part["representative"][0]["best_agree"] is True
        for r, d in zip(part["representative"], theirs.representative, strict=True):
            assert (r["share"], r["repness"], r["repness_test"]) == (
                round(d.p_success, 6),
                round(d.repness, 6),
                round(d.repness_test, 6),
            )
            assert (r["count"], r["of"]) == (d.n_success, d.n_trials)
    # the map: each point is a person, with their id, and the camps are the groups
    points = {pid: (x, y, group) for x, y, group, pid in ours["map"]["points"]}
    assert points == {
        pid: (round(x, 4), round(y, 4), expected.map.groups.get(pid)) for pid, (x, y) in expected.map.points.items()
    }
    assert {pid: "AB"[camp] for pid, camp in reacted.camp.items()} == {pid: p[2] for pid, p in points.items()}
    # tables get the same detail
    tables = ours["by"]["tables"]
    assert [c["idea_id"] for c in tables["consensus"]] and all(len(c["p_agree"]) == 3 for c in tables["consensus"])
    assert all(p["representative"] for p in tables["parts"])


def test_only_quotable_ideas_are_listed(room: Room, reacted: Reacted) -> None:
    """The hidden idea and the private note appear nowhere, neither their ids nor their texts."""
    text = get(room, room.facilitator).text
    assert "Secret note" not in text and "Idea 7" not in text
    assert f'"{reacted.hidden}"' not in text


def until_analysed(room: Room, token: str, reactions: int, within_s: float = 60.0) -> dict[str, Any]:
    """Poll the screen's snapshot (what its welcome carries) until the room's live analysis holds
    every reaction: the analysis runs in the background, at most every few seconds."""
    deadline = time.monotonic() + within_s
    while True:
        snap = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {token}"})
        assert snap.status_code == 200, snap.text
        analysis = snap.json().get("common_ground")
        if analysis and analysis["reactions"] == reactions:
            return dict(analysis)
        assert time.monotonic() < deadline, f"no analysis of {reactions} reactions after {within_s} s: {analysis}"
        time.sleep(0.1)


def test_the_wall_never_gets_participant_ids(room: Room, reacted: Reacted) -> None:
    """The wall's analysis has the map without ids, and the route refuses the wall and phones."""
    until_analysed(room, room.wall, len(reacted.reactions))
    with room.client.websocket_connect("/ws") as wall:
        welcome = hello(wall, room.wall)
    analysis = welcome["snapshot"]["common_ground"]
    assert analysis["reactions"] == len(reacted.reactions)
    assert analysis["map"]["points"] and all(len(point) == 3 for point in analysis["map"]["points"])
    received = json.dumps(analysis)
    assert not [pid for pid in reacted.camp if f'"{pid}"' in received]
    live = get(room, room.facilitator).json()
    assert live["live"] is True and live["analysis"]["map"]["sizes"] == analysis["map"]["sizes"]
    assert {point[3] for point in live["analysis"]["map"]["points"]} == set(reacted.camp)
    for token in (room.wall, reacted.people[0]["token"]):
        assert get(room, token).status_code == 403


def test_a_seq_after_the_last_entry_is_refused(room: Room) -> None:
    """A moment that has not happened yet is a clear 400 naming the field."""
    last = get(room, room.facilitator).json()["seq"]
    r = get(room, room.facilitator, f"?seq={last + 1}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "seq_ahead" and r.json()["error"]["field"] == "seq"


@pytest.fixture
def workers() -> Iterator[tuple[TestClient, TestClient]]:
    """Two workers on one database and one Redis prefix, as in production."""
    require_servers()
    prefix = redis_prefix()
    with postgres_database() as url:
        settings = Settings(database_url=url, broker_url=REDIS, broker_prefix=prefix, admin_secret=ADMIN, themes=False)
        with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
            yield one, two


def memory(client: TestClient, event_id: str) -> Memory | None:
    rooms = {room.event_id: room for room in client.app.state.services.rooms.loaded()}  # type: ignore[attr-defined]
    return rooms[event_id].memory if event_id in rooms else None


def test_every_worker_continues_from_the_live_analysis(workers: tuple[TestClient, TestClient]) -> None:
    """Whichever worker analyses, the other receives its memory, so its route shows the same letters."""
    one, two = workers
    room = Room(one)
    loaded = two.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"})
    assert loaded.is_success  # the second worker holds the room and listens before anything is analysed
    reacted = Reacted(room)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        first, second = memory(one, room.id), memory(two, room.id)
        if first is not None and len(first.clustered) == sum(CAMPS) and first == second:
            break
        time.sleep(0.1)
    assert first is not None and first == second and first.groups
    body = two.get(f"/api/events/{room.id}/common-ground", headers={"Authorization": f"Bearer {room.organiser}"})
    assert {pid: group for _x, _y, group, pid in body.json()["analysis"]["map"]["points"]} == dict(first.groups)
    assert set(first.groups) == set(reacted.camp)
