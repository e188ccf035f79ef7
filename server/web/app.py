"""The application factory: ``create_app(settings)`` wires storage, broker, rooms and routes."""

from __future__ import annotations

import gc
import logging
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import Receive, Scope, Send

from ..domain import limits
from ..domain.errors import DomainError, RateLimited
from ..hub import theming
from ..hub.broker import create_broker
from ..hub.rooms import Rooms
from ..security import create_private, hash_token, open_private
from ..settings import Settings
from ..storage import schema_head
from ..storage.store import Store, make_engine
from . import api, contact_sharing, event_language, facilitators, ground, history, pages, participants, subthemes, ws
from .assets import ASSETS
from .bodies import BodyLimit
from .headers import SecurityHeaders, allowed_origins
from .services import Services
from .supervised import end_with_supervisor

log = logging.getLogger("wholeroom")
# pydantic names the branch of a union that failed ("tables.int", "tables.list[str]"): not a field
_UNION_BRANCH = re.compile(r"^(int|str|float|bool|none|[a-z_]+\[.*\])$")


def _field(loc: Sequence[int | str]) -> str:
    """ "body.title" -> "title", "body.tables.int" -> "tables": the field names the server's own errors use."""
    parts = list(loc[1:] if len(loc) > 1 and loc[0] in ("body", "query", "path") else loc)
    while len(parts) > 1 and isinstance(parts[-1], str) and _UNION_BRANCH.match(parts[-1]):
        parts.pop()
    return ".".join(str(part) for part in parts)


# Pages, API answers and exports are gzip-compressed for clients that take it (the static files come
# compressed already, once, from server/web/assets.py). Below this size a response goes as it is:
# it fits in one packet either way. Level 6: most of level 9's saving for a fraction of its CPU.
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
HTTP_ERROR_CODES = {400: "bad_json", 404: "not_found", 405: "method_not_allowed"}


def open_store(settings: Settings, *, prepare_apart: bool = False) -> Store:
    """The store, its database at the schema this server needs. An empty database gets the schema
    (Alembic, to the head); one made before migrations is stamped if its tables match; one behind
    or unknown is refused with what to do. That work (and Alembic) is only loaded when the database
    is not at the head already; with ``prepare_apart`` (``wholeroom serve``) it runs in a child
    process, so the serving process never holds Alembic (``storage/schema_head.py``)."""
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)  # people's words: readable by this user only
    store = Store(make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous))
    try:
        if not schema_head.at_head(store.engine):
            if prepare_apart:
                schema_head.prepare_apart(settings.database_url)
            else:
                from ..storage import schema_version

                schema_version.prepare(store.engine)
    except BaseException:
        store.engine.dispose()
        raise
    return store


def secret_file(settings: Settings) -> Path:
    """Where a generated admin secret is written when there is no terminal to show it on."""
    path = settings.sqlite_path()
    return (path.parent if path is not None else Path.cwd()) / "admin-secret"


def admin_secret_hash(settings: Settings, store: Store, terminal: TextIO | None = None) -> str:
    """The admin secret from settings, or one generated at first start: shown once on ``terminal``
    (an interactive one), or else written to a file only this user can read. Never logged."""
    if settings.admin_secret:
        return hash_token(settings.admin_secret)
    stored = store.setting("admin_secret_hash")
    if stored:
        return stored
    secret = secrets.token_urlsafe(18)
    store.set_setting("admin_secret_hash", hash_token(secret))
    if terminal is not None:
        terminal.write(
            f"\n  Admin secret (shown only once, keep it): {secret}\n  Use it on /admin to create events.\n\n"
        )
    else:
        path = secret_file(settings)
        with open_private(path) as handle:
            handle.write(secret + "\n")
        log.warning("generated an admin secret for /admin; it is in %s (readable by this user only)", path)
    return hash_token(secret)


class Wholeroom(FastAPI):
    """The app. A screen's websocket (``/ws``) is handed straight to its endpoint, past the HTTP
    middlewares and the router: a connection lasts as long as the screen is open, and each layer it
    passes stays on its stack all that time and wraps every message it is sent (for nothing: the
    middlewares act on HTTP responses, and the endpoint settles its own errors; server RSS per open
    phone went from 38.8 to 27.4 KB, docs/performance.md). The route stays declared (its access
    rule, the API's list of routes) and is what answers should the path ever come differently (a
    ``root_path`` the server was not told of)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == scope.get("root_path", "") + ws.PATH:
            scope["app"] = self
            await ws.websocket_endpoint(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        end_with_supervisor()  # a worker of --workers N does not outlive its supervisor
        store = open_store(settings)
        broker = create_broker(settings.broker_url, settings.broker_prefix)
        await broker.connect()
        rooms = Rooms(
            store,
            broker,
            settings.encoder if settings.themes else None,
            settings.themes_every_s,
            event_writes_per_s=settings.event_writes_per_s,
            commit_spacing_s=settings.commit_spacing_ms / 1000,
        )
        if settings.themes:
            theming.prepare(settings.encoder)  # the model loads now, not on the first idea
        services = Services(settings, store, broker, rooms, admin_secret_hash(settings, store))
        services.origins = allowed_origins(settings.public_base(), settings.extra_origins())
        app.state.services = services
        try:
            yield
        finally:
            await services.rooms.close()
            await broker.disconnect()
            store.engine.dispose()
            gc.unfreeze()

    app = Wholeroom(title="Wholeroom", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(-(-exc.retry_after_ms // 1000))} if isinstance(exc, RateLimited) else None
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":  # not a field's fault: the body is not JSON at all
            message = f"the body is not JSON: {first.get('ctx', {}).get('error', 'decode error')}"
            return JSONResponse({"error": {"code": "bad_json", "message": message}}, status_code=400)
        where = _field(first["loc"])
        # a field that takes one of several types fails once per type: say them together
        said = list(dict.fromkeys(e["msg"] for e in exc.errors() if _field(e["loc"]) == where))
        return JSONResponse(
            {"error": {"code": "invalid", "message": f"{where}: {' or '.join(said)}", "field": where}}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the framework's own refusals (a body it cannot parse, no such route) in the API's error shape
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, exc.status_code, exc.headers)

    app.add_middleware(BodyLimit, limit=limits.MESSAGE_MAX_BYTES)
    app.include_router(api.router)
    app.include_router(facilitators.router)
    app.include_router(event_language.router)
    app.include_router(participants.router)
    app.include_router(history.router)
    app.include_router(contact_sharing.router)
    app.include_router(ground.router)
    app.include_router(subthemes.router)
    ws.add_to(app)
    app.include_router(pages.router)
    app.mount("/static", ASSETS, name="static")
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=NOT_COMPRESSED,
    )
    app.add_middleware(SecurityHeaders)
    return app
