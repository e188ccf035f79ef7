"""Themes in the live room, with the real embedding model (about a second to load)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.settings import Settings
from server.web.app import create_app
from tests.conftest import ADMIN, Room
from tests.web.test_sessions_live import until
from tests.web.test_ws import hello

TRANSPORT = ["More buses at night", "Better public transport after dark", "Night trams to the suburbs"]
GREEN = ["Plant trees along the high street", "More parks and green space", "Trees and flowers in every square"]


@pytest.fixture
def themed(tmp_path: Path) -> Iterator[TestClient]:
    pytest.importorskip("tokenizers")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=True, themes_every_s=1)
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
