"""Schemathesis against ``/openapi.json`` of a real server, with each role's token: no 5xx, and every
response (status, content type, body) as the schema documents it.

CI runs a short pass (a few examples per route and role). The long run is the same test with more
examples: ``WHOLEROOM_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/web/test_openapi_fuzz.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from server.settings import Settings
from server.web.app import create_app
from server.web.matrix import Column
from tests.browser.conftest import ADMIN_SECRET, ServerProcess, http
from tests.conftest import ADMIN

EXAMPLES = int(os.environ.get("WHOLEROOM_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Api:
    url: str
    event_id: str
    tokens: dict[Column, str | None]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A real server (SQLite): an event, a phone at table 1, one at table 2, a removed one; another event."""
    server = ServerProcess(
        Path(tmp_path_factory.mktemp("fuzz")), env={"BROKER_URL": "memory://", "WHOLEROOM_THEMES": "false"}
    )
    server.start()
    try:
        admin = {"token": ADMIN_SECRET}
        _, event = http("POST", f"{server.url}/api/events", {"title": "Fuzzed", "tables": 3}, **admin)
        _, other = http("POST", f"{server.url}/api/events", {"title": "Elsewhere", "tables": 2}, **admin)
        phones = [
            http("POST", f"{server.url}/api/join", {"code": event["join_code"], "table_id": t})[1]
            for t in ("1", "2", "1")
        ]
        remove = {"type": "participant.remove", "participant_id": phones[2]["participant_id"], "ideas": "keep"}
        facilitator = event["tokens"]["facilitator"]
        assert http("POST", f"{server.url}/api/events/{event['event_id']}/commands", remove, facilitator)[0] == 200
        tokens = {
            Column.ANONYMOUS: None,
            Column.PARTICIPANT: phones[0]["token"],
            Column.OTHER_TABLE: phones[1]["token"],
            Column.WALL: event["tokens"]["wall"],
            Column.FACILITATOR: event["tokens"]["facilitator"],
            Column.ORGANISER: event["tokens"]["organiser"],
            Column.ADMIN: ADMIN_SECRET,
            Column.OTHER_EVENT: other["tokens"]["facilitator"],
            Column.REMOVED: phones[2]["token"],
        }
        yield Api(server.url, event["event_id"], tokens)
    finally:
        server.stop()


# the document the server serves at /openapi.json, made by the same code (no server needed to collect)
schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://", admin_secret="x")).openapi())


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,  # CI's short pass is the same every run
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_route_answers_as_documented(case: Any, api: Api) -> None:
    """Each generated request, sent with every column's token to (mostly) the real event: no 5xx,
    and the status, content type and body the schema documents."""
    if "event_id" in (case.path_parameters or {}):
        case.path_parameters["event_id"] = api.event_id
    for name in [h for h in case.headers or {} if h.lower() == "authorization"]:
        del case.headers[name]  # the token is the column's (a made-up one is the anonymous column's)
    for token in api.tokens.values():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(base_url=api.url, headers=headers)
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/api/join", b"\xff", 400, "bad_json"),  # not even text: the framework could not read it
        ("POST", "/api/events", b"{not json", 400, "bad_json"),  # was 422 "1: JSON decode error", field "1"
        ("GET", "/api/no-such-route", None, 404, "not_found"),
        ("DELETE", "/api/scripts", None, 405, "method_not_allowed"),
    ],
)
def test_the_frameworks_own_refusals_have_the_api_error_shape(
    client: TestClient, method: str, path: str, body: bytes | None, status: int, code: str
) -> None:
    """A body FastAPI cannot parse, an unknown route or method: ``{"error": {"code", "message"}}`` too."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN}"}
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
