"""The websocket endpoint: hello, then the connection's own task reads its frames and feeds the room.

Messages to the screen are written by the room as they come (``hub/connection.py``); no task waits
on a connection that keeps up. When the connection is over (cut off as too slow, its link revoked,
the person removed, a failed send), the endpoint's wait for the next frame is interrupted.

Close codes: 1008 bad or missing token / no hello; 1011 server error; 1013 hellos too frequent on this
token (reconnect after the error's ``retry_after_ms``); 4008 too far behind (resume);
4009 the token has too many sockets open (this one, the oldest, was closed); 4403 the participant was
removed from the event (do not reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

from ..domain.access import EVENT_TOKENS
from ..domain.errors import DomainError, Forbidden, Invalid, RateLimited, Unauthorized
from ..domain.membership import REMOVED_MESSAGE
from ..domain.model import Actor
from ..domain.view import Viewer
from ..hub.connection import CLOSE_REMOVED, Conn
from ..hub.room import Room
from ..security import hash_token
from . import dispatch
from .headers import origin_of
from .route_access import allow_socket
from .services import Services

log = logging.getLogger("wholeroom.ws")

PATH = "/ws"
HELLO_TIMEOUT_S = 10.0
STAFF_QUEUE_FACTOR = 8


def error_message(exc: DomainError, ref: Any = None) -> str:
    return dispatch.Reply.refusal(exc, ref).text()


def add_to(app: FastAPI) -> None:
    """``/ws`` is declared as a route of the app itself (its access rule; the app hands its
    connections straight to :func:`websocket_endpoint`, ``web/app.py``, ``Wholeroom``)."""
    app.add_api_websocket_route(PATH, websocket_endpoint, dependencies=[allow_socket(EVENT_TOKENS)])


async def websocket_endpoint(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    await ws.accept()
    origin = ws.headers.get("origin")
    if origin is not None and services.origins and origin_of(origin) not in services.origins:
        # a page on another site must not drive a visitor's token (browsers always send Origin)
        refused = Forbidden(
            "bad_origin",
            f"pages at {origin[:100]} may not connect to this server (its operator can allow them with "
            "WHOLEROOM_ALLOWED_ORIGINS)",
        )
        await ws.send_text(error_message(refused))
        await ws.close(status.WS_1008_POLICY_VIOLATION, "bad_origin")
        return
    try:
        first = await asyncio.wait_for(ws.receive(), HELLO_TIMEOUT_S)
        if first["type"] == "websocket.disconnect":
            return
        hello = dispatch.message_of(dispatch.read(first.get("text")))
        if hello["type"] != "hello":
            raise Invalid("hello_first", "the first message must be {'type': 'hello', 'token': ...}", field="type")
        after = hello.get("after")
        if after is not None and (not isinstance(after, int) or isinstance(after, bool) or after < 0):
            raise Invalid("bad_after", "after is the last seq you saw: a whole number >= 0", field="after")
        token = hello.get("token")
        if token is not None and not isinstance(token, str):
            raise Invalid("bad_token_type", "token is a string: the one your link or join gave you", field="token")
        services.check_hello(token)  # a client reconnecting in a loop costs a lookup and a snapshot each time
        principal = await services.principal(token)
        room = await services.rooms.get(principal.event_id)
        if principal.participant_id is not None and principal.participant_id not in room.state.participants:
            # joined through another worker a moment ago (only then: phones that come back cost no query)
            room = await services.current_room(principal.event_id)
        if principal.participant_id is not None and principal.participant_id in room.state.removed:
            raise Unauthorized("removed", REMOVED_MESSAGE)  # (the database said so too, unless just now)
    except (TimeoutError, WebSocketDisconnect):
        with contextlib.suppress(Exception):
            await ws.close(status.WS_1008_POLICY_VIOLATION, "no hello")
        return
    except DomainError as exc:
        await ws.send_text(error_message(exc))
        if exc.code == "removed":
            code = CLOSE_REMOVED
        elif isinstance(exc, RateLimited):  # come back later (the error says when): not a refusal of the link
            code = status.WS_1013_TRY_AGAIN_LATER
        else:
            code = status.WS_1008_POLICY_VIOLATION
        await ws.close(code, exc.code)
        return

    viewer = Viewer(principal.role, principal.participant_id)
    # staff screens receive every entry of the room: they get a deeper queue than a phone
    factor = STAFF_QUEUE_FACTOR if viewer.is_staff else 1
    settings = services.settings
    conn = Conn(ws.send_text, viewer, None, settings.send_queue_max * factor, settings.send_queue_max_bytes * factor)
    conn.name = principal.name
    token_key = hash_token(hello["token"])
    try:
        await room.attach(conn, after)
    except BaseException:  # e.g. the database read for a resume failed: never leave it registered
        room.detach(conn)
        with contextlib.suppress(Exception):
            await ws.close(status.WS_1011_INTERNAL_ERROR, "could not resume; reconnect")
        raise
    services.rooms.connected()
    services.sockets.add(token_key, conn)  # over the limit, the token's oldest socket is closed
    actor = Actor(principal.role, principal.participant_id, principal.name)
    over = _Interrupt()
    try:
        conn.open(over)  # (may be over at once: cut off, or ended, before it was open)
        await _receive(ws, room, conn, actor)
    except asyncio.CancelledError:
        if not over.interrupted or over.task.uncancel() > 0:  # cancelled from elsewhere too
            raise
    finally:
        over.disarm()
        room.detach(conn)
        services.sockets.remove(token_key, conn)
        services.rooms.disconnected()
        sender = conn.stop()  # a send still waiting for a stalled phone is abandoned
        if sender is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
        # too slow (4008), too many sockets on the token (4009), removed (4403): the phone may be
        # stalled, so do not wait long for it to take the close frame
        if conn.closing is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(*conn.closing), 5)


class _Interrupt:
    """Called once the connection is over: cancels the endpoint's task, which is then waiting for
    the next frame or for a command to be committed (or, called from within it, at its next wait).
    The endpoint tells this cancellation from any other (a server shutting down) as
    ``asyncio.timeout`` does."""

    __slots__ = ("task", "interrupted", "_armed")

    def __init__(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self.interrupted = False
        self._armed = True

    def __call__(self) -> None:
        if self._armed and not self.interrupted:
            self.interrupted = True
            self.task.cancel()

    def disarm(self) -> None:
        """The endpoint is past its reading: nothing cancels it from now on."""
        self._armed = False


async def _receive(ws: WebSocket, room: Room, conn: Conn, actor: Actor) -> None:
    """Each frame goes the one command path (dispatch.py); its reply, and what follows it, go out."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        reply = await dispatch.handle(room, actor, message.get("text"))
        conn.send(reply.text())
        for more in reply.then:
            conn.send(more.text())
        if pause := dispatch.pause_ms(reply):
            # read nothing more from this socket for a moment: a client sending faster than it
            # may is then held back by TCP, instead of costing a refusal per message
            await asyncio.sleep(pause / 1000)
