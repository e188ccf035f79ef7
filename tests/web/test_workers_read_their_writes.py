"""Two workers on one PostgreSQL database: a client that writes through one and reads through the
other sees its own write, even before the broker has brought it across.

The two apps below get different Redis prefixes, so they never hear each other: whatever the
second knows of the first's writes, it read from the database. (In production the broker brings
them a moment later; a read arriving in that moment used to be stale, or fail with a 500 for a
participant who had just joined. The browser suite's pg-redis-2w runs hit it now and then.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.settings import Settings
from server.web.app import create_app
from tests.backends import REDIS, postgres_database, redis_prefix, require_servers

ADMIN = "test-admin-secret"


@pytest.fixture
def workers() -> Iterator[tuple[TestClient, TestClient]]:
    require_servers()
    with postgres_database() as url:
        settings = [
            Settings(database_url=url, broker_url=REDIS, broker_prefix=redis_prefix(), admin_secret=ADMIN, themes=False)
            for _ in range(2)
        ]
        with TestClient(create_app(settings[0])) as one, TestClient(create_app(settings[1])) as two:
            yield one, two


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_write_through_one_worker_is_read_through_the_other(workers: tuple[TestClient, TestClient]) -> None:
    one, two = workers
    event = one.post("/api/events", json={"title": "Our town", "tables": 2}, headers=bearer(ADMIN)).json()
    eid, facilitator = event["event_id"], event["tokens"]["facilitator"]
    assert two.get(f"/api/events/{eid}/snapshot", headers=bearer(facilitator)).json()["steps"] == []  # loaded there

    # the facilitator's own command, then its snapshot
    r = one.post(
        f"/api/events/{eid}/commands", json={"type": "step.push", "text": "What matters?"}, headers=bearer(facilitator)
    )
    assert r.status_code == 200, r.text
    snap = two.get(f"/api/events/{eid}/snapshot", headers=bearer(facilitator)).json()
    assert [s["text"] for s in snap["steps"]] == ["What matters?"]

    # a participant joins and writes through one worker, then reads and connects through the other
    def join(table_id: str, name: str) -> dict[str, str]:
        r = one.post("/api/join", json={"code": event["join_code"], "table_id": table_id, "name": name})
        assert r.status_code == 201, r.text
        joined: dict[str, str] = r.json()
        return joined

    ana = join("1", "Ana")
    r = one.post(
        f"/api/events/{eid}/commands",
        json={"type": "idea.submit", "client_id": "c1", "text": "Night buses"},
        headers=bearer(ana["token"]),
    )
    assert r.status_code == 200, r.text
    mine = two.get(f"/api/events/{eid}/mine", headers=bearer(ana["token"]))
    assert mine.status_code == 200, mine.text
    assert [i["text"] for i in mine.json()["ideas"]] == ["Night buses"] and mine.json()["name"] == "Ana"

    bo = join("2", "Bo")
    r = two.get(f"/api/events/{eid}/snapshot", headers=bearer(bo["token"]))
    assert r.status_code == 200, r.text

    cy = join("2", "Cy")
    with two.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": cy["token"]})
        welcome = ws.receive_json()
    assert welcome["type"] == "welcome", welcome
    assert welcome["participant_id"] == cy["participant_id"]
