"""Security headers on every response, links that never come from the Host header, and the
websocket refused to pages from other origins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.cli import main
from server.settings import Settings
from server.web.app import create_app
from tests.conftest import ADMIN, Room

TEMPLATES = Path(__file__).resolve().parents[2] / "client" / "templates"


def test_every_response_carries_the_security_headers(room: Room) -> None:
    phone = room.join("1")
    responses = [
        room.client.get("/"),
        room.client.get(f"/e/{room.id}/phone"),
        room.client.get("/static/live.js"),
        room.client.get(f"/api/events/{room.id}/snapshot", headers={"Authorization": f"Bearer {phone['token']}"}),
        room.client.get("/api/join/NOPE42"),  # an error
        room.client.get("/healthz"),
    ]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"


def test_no_template_has_inline_script_handlers_or_style_attributes() -> None:
    """What a strict CSP would refuse. (report.html is a standalone download, with its own <style>.)"""
    for template in TEMPLATES.glob("*.html"):
        if template.name == "report.html":
            continue
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template.name
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        assert not re.search(r"\sstyle\s*=", html), template.name


def test_links_and_qr_codes_never_come_from_the_host_header(tmp_path: Path) -> None:
    """Unset public URL (a server run on loopback): links are the loopback address, whatever Host says."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=False)
    with TestClient(create_app(settings)) as client:
        forged = {"Host": "evil.example", "Authorization": f"Bearer {ADMIN}"}
        created = client.post("/api/events", json={"title": "Our town", "tables": 2}, headers=forged).json()
        assert all(url.startswith("http://127.0.0.1:8000/") for url in created["urls"].values()), created["urls"]
        qr = client.get(f"/api/events/{created['event_id']}/qr.svg", headers={"Host": "evil.example"}).text
        assert "evil" not in qr and "http://127.0.0.1:8000/join?code=" in qr
        staff = {"Host": "evil.example", "Authorization": f"Bearer {created['tokens']['facilitator']}"}
        links = client.post(f"/api/events/{created['event_id']}/links", headers=staff).json()
        assert all(url.startswith("http://127.0.0.1:8000/") for url in links.values())


def test_the_websocket_refuses_pages_from_other_origins(room: Room) -> None:
    with room.client.websocket_connect("/ws", headers={"Origin": "https://evil.example"}) as ws:
        error = ws.receive_json()
        assert (error["type"], error["code"]) == ("error", "bad_origin")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert (closed.value.code, closed.value.reason) == (1008, "bad_origin")
    with room.client.websocket_connect("/ws", headers={"Origin": "http://testserver"}) as ws:
        ws.send_json({"type": "hello", "token": room.wall})
        assert ws.receive_json()["type"] == "welcome"


def test_more_origins_can_be_allowed(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/t.db",
        admin_secret=ADMIN,
        themes=False,
        public_url="https://room.example.org",
        allowed_origins="https://backup.example.org:8443, http://a.test",
    )
    with TestClient(create_app(settings)) as client:
        room = Room(client)
        for origin, ok in (
            ("https://backup.example.org:8443", True),
            ("https://room.example.org", True),
            ("https://backup.example.org", False),
            ("http://127.0.0.1:8000", False),
        ):
            with client.websocket_connect("/ws", headers={"Origin": origin}) as ws:
                ws.send_json({"type": "hello", "token": room.wall})
                assert (ws.receive_json()["type"] == "welcome") == ok, origin


def test_a_loopback_server_accepts_its_other_loopback_names(tmp_path: Path) -> None:
    """Served on 127.0.0.1, a browser at http://localhost:<port> is the same machine."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=False, public_url="http://127.0.0.1:8123"
    )
    with TestClient(create_app(settings)) as client:
        room = Room(client)
        for origin, ok in (("http://localhost:8123", True), ("http://[::1]:8123", True), ("http://localhost:9", False)):
            with client.websocket_connect("/ws", headers={"Origin": origin}) as ws:
                ws.send_json({"type": "hello", "token": room.wall})
                assert (ws.receive_json()["type"] == "welcome") == ok, origin


def test_serving_beyond_loopback_needs_the_public_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHOLEROOM_PUBLIC_URL", raising=False)
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--database-url", f"sqlite:///{tmp_path}/t.db"])
    assert result.exit_code == 2
    assert "needs WHOLEROOM_PUBLIC_URL" in result.output and "http://" in result.output


def test_a_public_url_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="must look like http"):
        Settings(public_url="wholeroom.example.org")
