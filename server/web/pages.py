"""Server-rendered pages. Each renders a template; data arrives over the websocket and the API.

Pages and probes need no token (a page holds no data until its token is given to the API).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..client_paths import TEMPLATES_DIR
from ..domain.access import PUBLIC
from ..hub import metrics
from ..languages import DEFAULT as DEFAULT_LANGUAGE
from . import i18n
from .assets import ASSETS
from .deps import ServicesDep
from .route_access import allow

router = APIRouter()
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static_url"] = ASSETS.url  # {{ static_url("phone.js") }}: the file's hashed URL
i18n.install(templates.env)
# The pages people read in their language; the others are in English (their `lang` is "en")
PERSONAL = {"join.html", "phone.html"}  # the person's language: chosen on the phone, else the browser's
EVENT_LANGUAGE = {"wall.html", "console.html", "cards.html", "invitations.html", "seating.html"}  # the event's language


def _page(request: Request, name: str, lang: str = DEFAULT_LANGUAGE, **context: Any) -> HTMLResponse:
    if name in PERSONAL:
        lang = i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language", ""))
    response = templates.TemplateResponse(
        request, name, {"version": __version__, **i18n.page_language(lang), "switch": name in PERSONAL, **context}
    )
    if name in PERSONAL:
        response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@router.get("/healthz", response_class=PlainTextResponse, dependencies=[allow(PUBLIC)])
async def healthz(services: ServicesDep) -> str:
    return "ok"


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[allow(PUBLIC)])
async def read_metrics(services: ServicesDep) -> Response:
    """Prometheus metrics of this worker (docs/operations.md lists them)."""
    metrics.watch(lambda: services.rooms)
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/", response_class=HTMLResponse, dependencies=[allow(PUBLIC)])
async def home(request: Request) -> HTMLResponse:
    return _page(request, "home.html")


@router.get("/join", response_class=HTMLResponse, dependencies=[allow(PUBLIC)])
async def join_page(request: Request, code: str = "", table: str = "") -> HTMLResponse:
    return _page(request, "join.html", code=code[:20], table=table[:16])


@router.get("/admin", response_class=HTMLResponse, dependencies=[allow(PUBLIC)])
async def admin_page(request: Request) -> HTMLResponse:
    return _page(request, "admin.html")


@router.get("/e/{event_id}/{screen}", response_class=HTMLResponse, dependencies=[allow(PUBLIC)])
async def event_page(request: Request, event_id: str, screen: str, services: ServicesDep) -> HTMLResponse:
    if screen not in SCREENS:
        return _page(request, "not_found.html", what=f"page {screen}")
    lang: str | None = DEFAULT_LANGUAGE
    if SCREENS[screen] in EVENT_LANGUAGE:
        lang = await asyncio.to_thread(services.store.event_language, event_id[:32])
    return _page(request, SCREENS[screen], lang=lang or DEFAULT_LANGUAGE, event_id=event_id)


SCREENS = {
    "phone": "phone.html",
    "console": "console.html",
    "wall": "wall.html",
    "organiser": "organiser.html",
    "cards": "cards.html",
    "seating": "seating.html",
    "invitations": "invitations.html",
}
