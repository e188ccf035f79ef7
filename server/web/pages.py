"""Server-rendered pages. Each renders a template; data arrives over the websocket and the API.

Pages and probes need no token (a page holds no data until its token is given to the API).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..client_paths import TEMPLATES_DIR
from ..domain.access import PUBLIC
from ..hub import metrics
from .assets import ASSETS
from .deps import ServicesDep
from .route_access import allow

router = APIRouter()
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static_url"] = ASSETS.url  # {{ static_url("phone.js") }}: the file's hashed URL


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"version": __version__, **context})


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
async def event_page(request: Request, event_id: str, screen: str) -> HTMLResponse:
    if screen not in SCREENS:
        return _page(request, "not_found.html", what=f"page {screen}")
    return _page(request, SCREENS[screen], event_id=event_id)


SCREENS = {
    "phone": "phone.html",
    "console": "console.html",
    "wall": "wall.html",
    "organiser": "organiser.html",
    "cards": "cards.html",
    "seating": "seating.html",
    "invitations": "invitations.html",
}
