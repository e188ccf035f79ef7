"""Each route declares who may call it: ``dependencies=[allow(rule)]`` on its decorator.

The dependency both enforces the rule and is how the route's rule is found again
(:func:`route_rule`), for the authorisation tests and the table in docs/security.md.
Routes that are not ours (the OpenAPI documents, static files) are declared in ``FRAMEWORK``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute, APIWebSocketRoute

from ..domain.access import PUBLIC, Caller, Rule, caller_of
from ..domain.errors import Unauthorized
from ..domain.model import Actor
from ..security import hash_token, same_secret
from .deps import BearerDep, ServicesDep, principal_for, require_admin


class Declared:
    """A route's declared rule. This one lets anyone in (and reads no header); :class:`Guarded` checks."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(self) -> None:
        return


class Guarded(Declared):
    """A rule that needs a token: the admin secret, or a token of the route's event with an allowed role."""

    async def __call__(self, request: Request, services: ServicesDep, token: BearerDep) -> None:  # type: ignore[override]
        rule = self.rule
        event_id = request.path_params.get("event_id")
        if event_id is None:  # not about an event: only the admin secret opens it (guesses are throttled)
            if Caller.ADMIN not in rule.callers:
                raise Unauthorized("bad_admin_secret", "the admin secret is missing or wrong")
            require_admin(request, services, token)
            return
        if Caller.ADMIN in rule.callers and token and same_secret(hash_token(token), services.admin_secret_hash):
            return
        principal = await principal_for(event_id, services, token)
        caller = caller_of(Actor(principal.role, principal.participant_id))
        if not rule.allows(caller):
            raise rule.refusal(caller)


def allow(rule: Rule) -> Any:
    """``dependencies=[allow(STAFF)]``: only callers ``rule`` allows reach the handler."""
    return Depends(Declared(rule) if rule.allows(Caller.ANYONE) else Guarded(rule))


def allow_socket(rule: Rule) -> Any:
    """A websocket's rule: its token arrives in ``hello``, where the endpoint checks it."""
    return Depends(Declared(rule))


FRAMEWORK: dict[str, Rule] = {
    "/openapi.json": PUBLIC,
    "/api/docs": PUBLIC,
    "/docs/oauth2-redirect": PUBLIC,
    "/static": PUBLIC,
}


def route_rule(route: Any) -> Rule | None:
    """The rule ``route`` declares, or None when it declares none (a test fails on that)."""
    if isinstance(route, APIRoute | APIWebSocketRoute):
        found = [d.call.rule for d in route.dependant.dependencies if isinstance(d.call, Declared)]
        return found[0] if len(found) == 1 else None
    return FRAMEWORK.get(getattr(route, "path", ""))
