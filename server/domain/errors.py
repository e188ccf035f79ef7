"""Errors raised by the domain when a command cannot be carried out.

Every error carries a stable machine-readable ``code``, a sentence for people, and the
``field`` it is about when there is one. Transports map the class to a status::

    DomainError
     ├── Invalid       400  the command is malformed or breaks a documented limit
     ├── Unauthorized  401  no valid token (unknown, expired, wrong event)
     ├── Forbidden     403  the actor's role may not do this
     ├── NotFound      404  the event, table, step or idea does not exist
     ├── Conflict      409  the current state does not allow it (the step has ended, ...)
     │    └── Stale     409  a flow command named a version of the room that has moved on
     ├── RateLimited   429  too many requests too quickly (``retry_after_ms`` says when to retry)
     └── Internal      500  a bug: this one command was refused and logged; nothing changed
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(
        self, code: str, message: str, *, field: str | None = None, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details  # e.g. every problem of a refused script

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.details:
            out["details"] = self.details
        return out


class Invalid(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Stale(Conflict):
    """A flow command was sent from a view of the room that is out of date: ``flow`` is the room's
    latest change of flow (who made it, when, what), so the sender can show what happened."""

    def __init__(self, message: str, *, flow: dict[str, Any] | None) -> None:
        super().__init__("stale_flow", message, field="expect_flow_seq")
        self.flow = flow

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "flow": self.flow}


class RateLimited(DomainError):
    status = 429

    def __init__(self, code: str, message: str, *, retry_after_ms: int, field: str | None = None) -> None:
        super().__init__(code, message, field=field)
        self.retry_after_ms = retry_after_ms

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retry_after_ms": self.retry_after_ms}


class Internal(DomainError):
    status = 500
