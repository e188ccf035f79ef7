"""Dependencies shared by the routes: the services, the caller's token, body limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ..domain import limits
from ..domain.errors import Forbidden, Invalid, Unauthorized
from ..domain.text import parse_json
from ..events import Principal
from ..hub.room import steady_ms
from ..security import hash_token, same_secret
from .bodies import too_large
from .services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("bad_authorization", "send 'Authorization: Bearer <token>'")
    return token.strip()


BearerDep = Annotated[str | None, Depends(bearer)]


async def principal_for(event_id: str, services: ServicesDep, token: BearerDep) -> Principal:
    principal = await services.principal(token)
    if principal.event_id != event_id:
        raise Forbidden("other_event", "this token belongs to another event")
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_for)]


def client_address(request: Request) -> str:
    """The caller's address: the socket's peer, or what a trusted proxy said in X-Forwarded-For
    (uvicorn's --forwarded-allow-ips, WHOLEROOM_FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client is not None else "unknown"


def require_admin(request: Request, services: ServicesDep, token: BearerDep) -> None:
    """The admin secret, or ``bad_admin_secret``. After a few wrong ones from one address, that
    address waits longer and longer (``rate_limited``), whatever it sends."""
    client, admin = client_address(request), services.clients.admin
    services.clients.check_admin(client, steady_ms())
    if not token or not same_secret(hash_token(token), services.admin_secret_hash):
        admin.failed(client, steady_ms())
        raise Unauthorized("bad_admin_secret", "the admin secret is missing or wrong")
    admin.succeeded(client)


def limit_lookups(request: Request, services: ServicesDep) -> None:
    clients = services.clients
    clients.lookups.check(client_address(request), clients.rate, steady_ms(), "looking up join codes from one address")


def limit_joins(request: Request, services: ServicesDep) -> None:
    clients = services.clients
    clients.joins.check(client_address(request), clients.rate, steady_ms(), "joining from one address")


async def limited_body(request: Request) -> None:
    """A JSON body within the depth and text limits (its size is bounded as it arrives: bodies.py)."""
    body = await request.body()
    if len(body) > limits.MESSAGE_MAX_BYTES:  # (the middleware refuses it first when it is installed)
        raise Invalid("too_large", too_large(limits.MESSAGE_MAX_BYTES))
    if body:
        parse_json(body)


def base_url(services: Services) -> str:
    """Where phones reach this server: the configured public URL, never the request's Host header."""
    return services.settings.public_base()
