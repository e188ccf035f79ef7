"""The documents are a contract: everything the code offers is written down."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute, APIWebSocketRoute

from server.domain.commands import COMMAND_TYPES
from server.domain.fold import ENTRY_KINDS
from server.settings import Settings
from server.web.app import create_app
from server.web.pages import SCREENS

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
SERVER_CODE = "\n".join(p.read_text() for p in (ROOT / "server").rglob("*.py"))


def test_every_client_message_type_is_documented() -> None:
    """Each command the server accepts has a row in protocol.md."""
    for message_type in (*COMMAND_TYPES, "hello", "ping"):
        assert f"| `{message_type}` |" in PROTOCOL, message_type


def test_every_server_message_type_is_documented() -> None:
    """Each message type the server sends has a row in protocol.md."""
    transport = "\n".join(p.read_text() for d in ("hub", "web") for p in (ROOT / "server" / d).rglob("*.py"))
    sent = set(re.findall(r'\{\s*"type":\s*"([a-z.]+)"', transport))
    assert {"welcome", "entry", "ack", "error", "pong", "presence"} <= sent
    for message_type in sent:
        assert f"| `{message_type}` |" in PROTOCOL, message_type


def test_every_entry_kind_is_documented() -> None:
    """Each transcript entry kind has its payload written down."""
    for kind in ENTRY_KINDS:
        assert f"| `{kind}` |" in PROTOCOL, kind


def test_every_error_code_is_documented() -> None:
    """Each error code the server can raise appears in the error table."""
    errors = r"(?:Invalid|Unauthorized|Forbidden|NotFound|Conflict|RateLimited|Unavailable)"
    codes = set(re.findall(errors + r'\(\s*"([a-z_]+)"', SERVER_CODE))
    for pair in re.findall(r'code = "([a-z_]+)" if .* else "([a-z_]+)"', SERVER_CODE):
        codes |= set(pair)
    assert len(codes) > 25
    for code in codes:
        assert f"`{code}`" in PROTOCOL, code


def _routes(routes: list[Any]) -> list[Any]:
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)
        found.extend(_routes(included.routes) if included is not None else [route])
    return found


def test_every_route_is_documented() -> None:
    """Each HTTP route (each page screen too) and the websocket appear in protocol.md with their method."""
    app = create_app(Settings(database_url="sqlite://", admin_secret="x"))
    routes = _routes(app.routes)
    assert len(routes) > 10
    for route in routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            paths = [route.path.replace("{screen}", s) for s in SCREENS] if "{screen}" in route.path else [route.path]
            for method, path in itertools.product(route.methods - {"HEAD"}, paths):
                assert f"`{method} {path}" in PROTOCOL, f"{method} {path}"
        elif isinstance(route, APIWebSocketRoute):
            assert f"Websocket: `{route.path}`" in PROTOCOL


def test_every_setting_is_documented() -> None:
    """Each setting appears in docs/operations.md under its environment variable."""
    operations = (ROOT / "docs" / "operations.md").read_text()
    for name, field in Settings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None) or [f"WHOLEROOM_{name.upper()}"]
        assert any(f"`{alias}`" in operations for alias in aliases), name
