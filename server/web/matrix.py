"""The authorisation matrix: every role against every route and command, from their declarations.

``python -m server.web.matrix`` prints the tables that docs/security.md publishes; the tests in
tests/web/test_authorization.py call every cell on a real server and expect what this module says.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute
from starlette.routing import Mount

from ..domain.access import COMMANDS, EVENT_TOKENS, Caller, Reach, Rule
from .route_access import route_rule


class Column(StrEnum):
    """Who tries: a role, or a token that must not reach this event."""

    ANONYMOUS = "anonymous"
    PARTICIPANT = "participant"
    OTHER_TABLE = "participant at another table"
    WALL = "wall"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"
    ADMIN = "admin"
    OTHER_EVENT = "another event's token"
    REMOVED = "removed participant"


_AS_CALLER = {
    Column.PARTICIPANT: Caller.PARTICIPANT,
    Column.OTHER_TABLE: Caller.PARTICIPANT,
    Column.WALL: Caller.WALL,
    Column.FACILITATOR: Caller.FACILITATOR,
    Column.ORGANISER: Caller.ORGANISER,
    Column.ADMIN: Caller.ADMIN,
}


def allowed(column: Column, rule: Rule) -> bool:
    """Whether ``rule`` lets ``column`` in. A participant at another table aims at the first table's
    things, which ``Reach.OWN`` keeps to that table's own people."""
    if rule.allows(Caller.ANYONE):
        return True
    caller = _AS_CALLER.get(column)
    if caller is None or not rule.allows(caller):
        return False
    return not (column is Column.OTHER_TABLE and rule.reach is Reach.OWN)


def walk(routes: list[Any]) -> Iterator[Any]:
    """Every route of the app, included routers opened."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from walk(included.routes) if included is not None else [route]


def route_name(route: Any) -> str:
    if isinstance(route, APIWebSocketRoute):
        return f"WS {route.path}"
    if isinstance(route, Mount):
        return f"GET {route.path}/..."
    methods = sorted(route.methods - {"HEAD"})
    return f"{'|'.join(methods)} {route.path}"


def routes(app: FastAPI) -> list[tuple[str, Any, Rule | None]]:
    """(name, route, declared rule or None) for each route, in the order the app matches them."""
    return [(route_name(r), r, route_rule(r)) for r in walk(app.routes)]


def commands() -> dict[str, Rule]:
    return dict(COMMANDS)


def _row(name: str, rule: Rule, through: Rule | None = None) -> str:
    cells = ["yes" if allowed(c, rule) and (through is None or allowed(c, through)) else "no" for c in Column]
    note = " (own table, themselves)" if rule.reach is Reach.OWN else ""
    return f"| `{name}`{note} | " + " | ".join(cells) + " |"


def markdown(app: FastAPI) -> str:
    """The two tables of docs/security.md."""
    header = "| | " + " | ".join(c.value for c in Column) + " |\n|---|" + "---|" * len(Column)
    lines = ["### HTTP routes and the websocket", "", header]
    for name, _route, rule in routes(app):
        lines.append(_row(name, rule) if rule else f"| `{name}` | undeclared |")
    lines += ["", "### Websocket commands (also `POST /api/events/{event_id}/commands`)", "", header]
    for name, rule in commands().items():
        lines.append(_row(name, rule, EVENT_TOKENS))
    return "\n".join(lines) + "\n"


def main() -> None:
    from ..settings import Settings
    from .app import create_app

    print(markdown(create_app(Settings(database_url="sqlite://", admin_secret="unused"))), end="")


if __name__ == "__main__":
    main()
