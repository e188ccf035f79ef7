"""What the API answers besides its JSON results, written into /openapi.json (and /api/docs):
the error body every refusal shares, and the routes that answer SVG, JSON Lines or files."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """Every refusal: ``{"error": {"code", "message", "field"?, "details"?}}`` (docs/protocol.md#errors)."""

    error: ErrorDetail


_ERROR_STATUSES = {
    400: "malformed, or over a documented limit",
    401: "no valid token (missing, unknown, expired), or the admin secret is wrong",
    403: "this token may not do this (docs/security.md), or belongs to another event",
    404: "no such event, table, step, idea, script...",
    409: "the event's state does not allow it now",
    413: "the body is over the 64 KiB limit",
    422: "a body or query that does not match its schema",
    429: "too many requests; wait and retry",
    503: "nothing was saved (storage away, or a conflict to retry): send it again",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": what} for status, what in _ERROR_STATUSES.items()
}


def media(*types: str) -> dict[int | str, dict[str, Any]]:
    """A 200 answered in one of ``types`` (not JSON)."""
    return {200: {"content": {t: {"schema": dict(type="string")} for t in types}}}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k not in ("$defs", "discriminator")}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body itself (so its shape still reaches the docs)."""
    inlined = _inline(schema, schema.get("$defs", {}))
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": inlined}},
        }
    }


class Result(BaseModel):
    model_config = ConfigDict(extra="allow")  # a field added later is kept, and shows in the docs once named


class EventCreated(Result):
    event_id: str
    title: str
    join_code: str
    tokens: dict[str, str] = Field(description="role -> token, shown only this once")
    urls: dict[str, str] = Field(description="join, console, organiser and wall links (tokens in the fragment)")


class EventSummary(Result):
    event_id: str
    title: str
    join_code: str
    created_at: int


class TableRef(Result):
    id: str
    name: str


class JoinLookup(Result):
    event_id: str
    title: str
    join_code: str
    tables: list[TableRef]
    parts: list[TableRef]  # the parts of the system declared (id and name), to tick when joining


class Joined(Result):
    event_id: str
    participant_id: str
    table_id: str
    token: str = Field(description="the phone's token: keep it, it is shown only once")
    expires_at: int | None
    phone_url: str
    returning: bool = Field(
        default=False, description="a personal link that had already joined: the same participant came back"
    )


class Links(Result):
    wall: str
    organiser: str


class CommandAck(Result):
    """``ok`` and the command's own result (the same as the websocket's ``ack``)."""

    ok: bool
