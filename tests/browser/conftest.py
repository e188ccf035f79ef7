"""Browser tests: a real Wholeroom server in a subprocess, driven by headless Debian Chromium.

Chromium comes from the system (/usr/bin/chromium, apt); Playwright never downloads a browser here.
Without it these tests are skipped loudly, except under CI=true where that is a failure.

Every test runs against two configurations of the server (the ids show which):

- ``sqlite``: the default, one process with an SQLite file and the in-process broker;
- ``pg-redis-2w``: the scale-out path, ``wholeroom serve --workers 2`` on a throwaway PostgreSQL
  database and Redis (tests/backends.py). Both workers accept on one port, so a phone and the wall
  may be served by different processes and every entry between them crosses through Redis.

Without PostgreSQL or Redis the second configuration is skipped loudly (a failure under CI=true).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.backends import REDIS, postgres_database, redis_prefix, require_servers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_SECRET = "browser-test-admin-secret"
REPO = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
CONFIGS = ["sqlite", "pg-redis-2w"]  # the server configurations every browser test runs against


def _unavailable(reason: str) -> None:
    message = f"!!! BROWSER TESTS NOT RUN: {reason} !!!"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """A tiny JSON client on the standard library (no extra test dependency, no warnings)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        status = err.code
        err.close()
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


class ServerProcess:
    """``wholeroom serve`` on a port; can be stopped and started again on the same database.

    By default one process on an SQLite file in ``tmp``; ``database_url`` and ``workers`` choose
    another database and more worker processes (see :func:`serving`). ``env`` adds to (or
    overrides) the server's environment, e.g. ``{"WHOLEROOM_THEMES_EVERY_S": "1"}``.
    """

    def __init__(
        self,
        tmp: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
        workers: int = 1,
    ) -> None:
        self.tmp = tmp
        self.env = dict(env or {})
        self.database_url = database_url or f"sqlite:///{tmp}/db.sqlite"
        self.workers = workers
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = tmp / "server.log"

    def start(self) -> None:
        env = {**os.environ, "WHOLEROOM_ADMIN_SECRET": ADMIN_SECRET, "PYTHONUNBUFFERED": "1", **self.env}
        env.pop("WHOLEROOM_PUBLIC_URL", None)
        command = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(self.port),
            "--database-url",
            self.database_url,
            "--workers",
            str(self.workers),
        ]
        log_from = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()}")
            if self._ready(log_from):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start in 30 s: {self.log_path.read_text()}")
            time.sleep(0.05)

    def _ready(self, log_from: int) -> bool:
        """Every worker has started (so none is still loading while the first takes all the
        connections) and the port answers /healthz."""
        with open(self.log_path, "rb") as log:
            log.seek(log_from)
            started = log.read().count(b"Application startup complete.")
        if started < self.workers:
            return False
        try:
            return http("GET", f"{self.url}/healthz")[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextmanager
def serving(config: str, tmp: Path, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """A started server in configuration ``config`` (one of CONFIGS); stopped afterwards, then its
    PostgreSQL database dropped. A test may stop and start it meanwhile: it keeps its database."""
    env = dict(env or {})
    with ExitStack() as cleanup:
        if config == "sqlite":
            server = ServerProcess(tmp, env={"BROKER_URL": "memory://", **env})
        elif config == "pg-redis-2w":
            require_servers()  # skipped loudly without PostgreSQL and Redis; a failure under CI=true
            database_url = cleanup.enter_context(postgres_database())
            env = {"BROKER_URL": REDIS, "WHOLEROOM_BROKER_PREFIX": redis_prefix(), **env}
            server = ServerProcess(tmp, env=env, database_url=database_url, workers=2)
        else:
            raise ValueError(f"unknown server configuration {config!r}")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="package", params=CONFIGS)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server (``wholeroom serve``) on a free port with a fresh database, in each configuration."""
    with serving(request.param, tmp_path_factory.mktemp(f"wholeroom-{request.param}")) as server:
        yield server.url


@pytest.fixture(params=CONFIGS)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, in each configuration, which the test may stop and start again
    (on the same SQLite file or PostgreSQL database)."""
    with serving(request.param, tmp_path) as server:
        yield server


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Chromium for this package only: Playwright's sync API keeps an asyncio loop marked as
    running in this thread while it is open, which would break later tests that call asyncio.run()."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed in this environment")
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)  # generous for busy CI machines; passing runs never wait this long
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveEvent:
    """An event created through the API, with helpers to open its screens in the browser."""

    def __init__(self, base: str, browser: Any, tables: int | list[str], **settings: Any) -> None:
        """``settings``: more of the event's settings (``language``...)."""
        self.base = base
        self.browser = browser
        body = {"title": "Our town in 2035", "tables": tables, **settings}
        status, data = http("POST", f"{base}/api/events", body, ADMIN_SECRET)
        assert status == 201, data
        self.data: dict[str, Any] = data
        self.id: str = data["event_id"]
        self.code: str = data["join_code"]
        self.tokens: dict[str, str] = data["tokens"]
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def url(self, screen: str, role: str | None = None) -> str:
        """A staff page's URL as it is handed out: the token rides in the fragment."""
        return f"{self.base}/e/{self.id}/{screen}#token={self.tokens[role or screen_role(screen)]}"

    def command(self, **command: Any) -> dict[str, Any]:
        status, data = http("POST", f"{self.base}/api/events/{self.id}/commands", command, self.tokens["facilitator"])
        assert status == 200, data
        result: dict[str, Any] = data
        return result

    def snapshot(self) -> dict[str, Any]:
        status, data = http("GET", f"{self.base}/api/events/{self.id}/snapshot", token=self.tokens["facilitator"])
        assert status == 200, data
        result: dict[str, Any] = data
        return result

    def context(self, **options: Any) -> Any:
        ctx = self.browser.new_context(**options)
        ctx.set_default_timeout(20_000)
        # the server's Content-Security-Policy refuses inline script and style attributes: Chromium
        # reports each refusal as a console error, and any is a bug in a page
        ctx.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and "Content Security Policy" in msg.text
                and self.errors.append(f"CSP violation on {msg.location.get('url')}: {msg.text}")
            ),
        )
        self.contexts.append(ctx)
        return ctx

    def page(self, ctx: Any, url: str) -> Any:
        page = ctx.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{url}: {exc}"))
        # live.js catches a failing page listener and logs it with this prefix: that is a bug too
        page.on(
            "console",
            lambda msg: msg.type == "error" and "wholeroom:" in msg.text and self.errors.append(f"{url}: {msg.text}"),
        )
        page.on(
            "dialog",
            lambda dialog: (self.errors.append(f"{url}: unexpected dialog {dialog.message!r}"), dialog.dismiss()),
        )
        page.goto(url)
        return page

    def staff(self, screen: str, **options: Any) -> Any:
        """Open the console, wall or organiser page and wait until it is live."""
        size = PROJECTOR if screen == "wall" else LAPTOP
        page = self.page(self.context(**{**size, **options}), self.url(screen))
        page.locator(".badge[data-state=live]").wait_for()
        return page

    def phone(self, table_id: str, name: str | None = None, **options: Any) -> Any:
        """A phone already joined (through the API) at ``table_id``, on its phone page, live
        (``options`` for the browser context, e.g. another ``viewport``)."""
        status, joined = http(
            "POST",
            f"{self.base}/api/join",
            {"code": self.code, "table_id": table_id, **({"name": name} if name else {})},
        )
        assert status == 201, joined
        session = {**joined, "join_code": self.code, "name": name}
        ctx = self.context(**{**PHONE, **options})
        key = f"wholeroom:{self.id}"
        k, v = json.dumps(key), json.dumps(json.dumps(session))
        ctx.add_init_script(f"if (!localStorage.getItem({k})) localStorage.setItem({k}, {v});")
        page = self.page(ctx, f"{self.base}/e/{self.id}/phone")
        page.locator(".badge[data-state=live]").wait_for()
        page.participant_id = joined["participant_id"]
        return page

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


def screen_role(screen: str) -> str:
    paper = {"cards": "facilitator", "seating": "facilitator", "invitations": "organiser"}  # printable pages
    return {"console": "facilitator", "wall": "wall", "organiser": "organiser", **paper}[screen]


@pytest.fixture
def live_event(server_url: str, browser: Any) -> Iterator[LiveEvent]:
    """A fresh event with three tables; every page opened through it must end without a script error."""
    event = LiveEvent(server_url, browser, 3)
    try:
        yield event
    finally:
        event.close()
    assert not event.errors, event.errors
