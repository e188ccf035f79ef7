"""What a phone downloads: compressed responses, and static files under content-hashed names that
browsers keep for a year (server/web/assets.py, docs/performance.md#what-a-phone-downloads)."""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.settings import Settings
from server.web.app import create_app
from server.web.assets import IMMUTABLE, Assets
from tests.conftest import ADMIN, Room

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
HASHED_STATIC = re.compile(r"^/static/[\w/-]+\.[0-9a-f]{12}\.\w+$")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", admin_secret=ADMIN, themes=False)
    with TestClient(create_app(settings)) as c:
        yield c


def on_the_wire(client: TestClient, url: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The response's headers and its body exactly as sent (not decoded)."""
    with client.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200, url
        return dict(r.headers), b"".join(r.iter_raw())


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


@pytest.mark.parametrize("path", ["/e/abc123/phone", "/static/phone.js"])
def test_a_page_and_a_script_are_gzipped_for_clients_that_take_it(client: TestClient, path: str) -> None:
    headers, packed = on_the_wire(client, path, GZIP)
    as_is, plain = on_the_wire(client, path, IDENTITY)
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert "content-encoding" not in as_is
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 2, (len(packed), len(plain))
    assert int(headers["content-length"]) == len(packed)


def test_small_answers_go_uncompressed(client: TestClient) -> None:
    headers, body = on_the_wire(client, "/healthz", GZIP)
    assert "content-encoding" not in headers and body == b"ok"


def test_every_page_names_its_files_by_hash_and_they_are_kept_a_year(client: TestClient) -> None:
    """Every script, stylesheet and icon of every page is a hashed URL served `immutable`, and every
    module those scripts import (followed to the end) is one too: no plain name is ever fetched."""
    room = Room(client)
    pages = ["/", "/admin", f"/join?code={room.code}"] + [
        f"/e/{room.id}/{screen}"
        for screen in ("phone", "console", "wall", "organiser", "cards", "seating", "invitations")
    ]
    todo = [url for page in pages for url in static_urls(client.get(page).text)]
    assert any(u.startswith("/static/phone.") for u in todo) and any(u.startswith("/static/style.") for u in todo)
    seen: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        assert HASHED_STATIC.match(url), url
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE, url
        if url.endswith(".js"):
            imported = re.findall(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\./[^"']+)["']""", r.text)
            todo += [f"/static/{spec[2:]}" for spec in imported]
    assert len([u for u in seen if u.endswith(".js")]) >= 20


def test_plain_and_outdated_names_still_load_but_are_not_kept(client: TestClient) -> None:
    """Pages rendered before a change ask for plain names, or hashes that are no longer current."""
    hashed = static_urls(client.get("/e/abc123/phone").text)
    phone = next(u for u in hashed if u.startswith("/static/phone."))
    current = client.get(phone)
    plain = client.get("/static/phone.js")
    assert plain.text == current.text and plain.headers["cache-control"] == "public, max-age=60"
    outdated = client.get("/static/phone.0123456789ab.js")
    assert outdated.text == current.text and outdated.headers["cache-control"] == "no-cache"
    assert client.get("/static/nothing.0123456789ab.js").status_code == 404
    assert client.get("/static/../server/settings.py").status_code == 404
    again = client.get(phone, headers={"If-None-Match": current.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.post(phone).status_code == 405


def test_a_hash_follows_the_content_of_the_file_and_of_what_it_imports(tmp_path: Path) -> None:
    (tmp_path / "ui.js").write_text('export const h = "one";\n')
    (tmp_path / "phone.js").write_text('import { h } from "./ui.js";\nconsole.log(h);\n')
    (tmp_path / "style.css").write_text("body { margin: 0 }\n")
    assets = Assets(tmp_path, recheck_s=0)
    before = {name: assets.url(name) for name in ("ui.js", "phone.js", "style.css")}
    served = assets.find(before["phone.js"].removeprefix("/static/"))
    assert served is not None and served[1] == IMMUTABLE
    ui_name = before["ui.js"].rsplit("/", 1)[1]
    assert f'from "./{ui_name}"' in served[0].body.decode()

    (tmp_path / "ui.js").write_text('export const h = "two, changed";\n')
    os.utime(tmp_path / "ui.js", ns=(1, 1))  # a new stamp even on a coarse clock
    after = {name: assets.url(name) for name in ("ui.js", "phone.js", "style.css")}
    assert after["ui.js"] != before["ui.js"]
    assert after["phone.js"] != before["phone.js"]  # its import now names the new ui.js
    assert after["style.css"] == before["style.css"]
    now = assets.find(after["phone.js"].removeprefix("/static/"))
    assert now is not None and after["ui.js"].rsplit("/", 1)[1] in now[0].body.decode()
    with pytest.raises(LookupError, match="no static file 'missing.js'"):
        assets.url("missing.js")


def test_a_streamed_export_is_compressed_and_arrives_whole(client: TestClient) -> None:
    room = Room(client)
    phone = room.join("1", "Ann")
    room.command(room.facilitator, type="step.push", text="What matters?")
    for n in range(10):  # a phone may send 12 ideas a minute
        r = room.command(phone["token"], type="idea.submit", client_id=f"c{n}", text=f"Idea {n} about the harbour")
        assert r.status_code == 200, r.text
    url = f"/api/events/{room.id}/export?format=jsonl"
    auth = {"Authorization": f"Bearer {room.organiser}"}
    headers, packed = on_the_wire(client, url, {**auth, **GZIP})
    _, plain = on_the_wire(client, url, {**auth, **IDENTITY})
    assert headers["content-encoding"] == "gzip" and len(packed) < len(plain)
    lines = [json.loads(line) for line in gzip.decompress(packed).decode().splitlines()]
    assert sum(1 for line in lines if line.get("kind") == "idea.submitted") == 10
