"""Request bodies are counted as they arrive, and refused at the limit (413 ``too_large``).

Checking ``Content-Length`` is not enough: a chunked body has none, and a route that reads its body
(FastAPI does, before any dependency runs) would hold all of it in memory first. This middleware
wraps ``receive``: past the limit the application is told the client went away, and the client gets
the 413 instead of whatever the application would have answered.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DISCONNECT: Message = dict(type="http.disconnect")  # (not a message to clients: see tests/test_docs.py)


def too_large(limit: int) -> str:
    """The one message for a websocket message or HTTP body over the limit (both transports say it)."""
    return f"a message or body is limited to {limit} bytes"


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).getlist("content-length")
        if declared:
            if len(declared) > 1 or not declared[0].strip().isdigit():
                refusal = _refusal(400, "bad_content_length", "Content-Length must be one whole number of bytes")
                await refusal(scope, receive, send)
                return
            if int(declared[0]) > self.limit:
                await _refusal(413, "too_large", too_large(self.limit))(scope, receive, send)
                return
        received = 0
        over = False
        answered = False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return _DISCONNECT
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True  # stop reading: the application sees a client that went away
                    return _DISCONNECT
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if over:
                return  # the application's answer to a body it never got whole is replaced below
            answered = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
            # a route reading the body itself meets a client that went away (ClientDisconnect)
        if over and not answered:
            await _refusal(413, "too_large", too_large(self.limit))(scope, receive, send)
