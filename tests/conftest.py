from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.settings import Settings
from server.web.app import create_app
from tests.backends import REDIS, postgres_database, redis_prefix, require_servers

ADMIN = "test-admin-secret"


@pytest.fixture(params=["sqlite", "postgres+redis"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Every API and websocket test runs on both configurations (tests/backends.py)."""
    # themes load a 200 MB model: off here, on in the tests about themes (tests/web/test_themes_live.py)
    common = {"admin_secret": ADMIN, "public_url": "http://testserver", "themes": False}
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path}/test.db", **common)
        return
    require_servers()
    with postgres_database() as url:
        yield Settings(database_url=url, broker_url=REDIS, broker_prefix=redis_prefix(), **common)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


class Room:
    """An event made through the API, with helpers to join phones and open sockets."""

    def __init__(self, client: TestClient, tables: int | list[str] = 3, **settings: Any) -> None:
        self.client = client
        r = client.post(
            "/api/events",
            json={"title": "Our town", "tables": tables, **settings},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert r.status_code == 201, r.text
        self.data: dict[str, Any] = r.json()
        self.id: str = self.data["event_id"]
        self.code: str = self.data["join_code"]
        self.facilitator: str = self.data["tokens"]["facilitator"]
        self.organiser: str = self.data["tokens"]["organiser"]
        self.wall: str = self.data["tokens"]["wall"]

    def join(self, table_id: str = "1", name: str | None = None) -> dict[str, Any]:
        r = self.client.post("/api/join", json={"code": self.code, "table_id": table_id, "name": name})
        assert r.status_code == 201, r.text
        return r.json()

    def command(self, token: str, **command: Any) -> Any:
        return self.client.post(
            f"/api/events/{self.id}/commands", json=command, headers={"Authorization": f"Bearer {token}"}
        )


@pytest.fixture
def room(client: TestClient) -> Room:
    return Room(client)
