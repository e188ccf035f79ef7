"""A load-generating process: it holds a share of the phones and does what the orchestrator says.

Commands arrive over a multiprocessing pipe as tuples; every timestamp is ``time.perf_counter_ns()``
(CLOCK_MONOTONIC on Linux), which all processes on the machine share, so the orchestrator can
subtract a send time taken here from a receive time taken elsewhere.

Receiving is kept cheap on purpose: a phone only parses the messages the benchmark measures
(acks, errors, ``step.pushed``), so that the load generator, not the server, is the smaller cost.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from .httpc import Http
from .server import raise_nofile

PUSH_PREFIX = "bench push "
PUSH_MARK = f'"text":"{PUSH_PREFIX}'
IDEA_PAD = " - more night buses, a bigger library, benches in the shade and a market on Saturdays"


def idea_text(client_id: str) -> str:
    return f"idea {client_id}{IDEA_PAD}"


class Phone:
    __slots__ = ("index", "kind", "participant_id", "token", "table_id", "ws", "seq", "task", "close_code")

    def __init__(self, index: int, kind: str, table_id: str) -> None:
        self.index, self.kind, self.table_id = index, kind, table_id
        self.participant_id = ""
        self.token = ""
        self.ws: ClientConnection | SansIOSocket | None = None
        self.seq = 0
        self.task: asyncio.Task[None] | None = None
        self.close_code: int | None = None


async def open_socket(ws_url: str, token: str, after: int = 0) -> tuple[ClientConnection, dict[str, Any]]:
    """Connect, say hello and wait for ``welcome``."""
    ws = await connect(ws_url, compression=None, ping_interval=None, max_size=2**22, open_timeout=60, close_timeout=2)
    await ws.send(json.dumps({"type": "hello", "token": token, "after": after}))
    first = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if first.get("type") != "welcome":
        await ws.close()
        raise RuntimeError(f"expected welcome, got {first}")
    return ws, first


class SansIOSocket(asyncio.Protocol):
    """A phone on the websockets library's sans-I/O protocol: each message is handled inside
    ``data_received``, with no task, queue or future per message (measured: ~25-30 us of load CPU
    per push delivery against ~35-45 us with the asyncio client)."""

    def __init__(self, uri: str, on_text: Any) -> None:
        self.proto = ClientProtocol(parse_uri(uri), max_size=2**22)  # no extensions: no compression
        self.on_text = on_text
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first: asyncio.Future[str] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's TCPTransport is not a subclass
        self.proto.send_request(self.proto.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    text = bytes(event.data).decode()
                    if not self.first.done():
                        self.first.set_result(text)
                    else:
                        self.on_text(text)
                elif event.opcode is Opcode.CLOSE and self.proto.close_rcvd is not None:
                    self.close_code = self.proto.close_rcvd.code
            elif isinstance(event, Response) and not self.opened.done():
                if self.proto.handshake_exc is not None:
                    self.opened.set_exception(self.proto.handshake_exc)
                else:
                    self.opened.set_result(None)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = 1006
        for future in (self.opened, self.first):
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.proto.data_to_send():
            if chunk:
                self.transport.write(chunk)

    async def send(self, text: str) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("closed")
        self.proto.send_text(text.encode())
        self._flush()

    async def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if self.proto.state is State.OPEN:  # (the server may be closing it already)
                self.proto.send_close(1000)
            self._flush()
            self.transport.close()


class Refused(RuntimeError):
    """The server answered a hello with something else than a welcome (``message``: what it sent)."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"expected welcome, got {message}")
        self.message = message


async def open_sansio(host: str, port: int, token: str, on_text: Any) -> tuple[SansIOSocket, dict[str, Any]]:
    loop = asyncio.get_running_loop()
    _transport, sock = await loop.create_connection(lambda: SansIOSocket(f"ws://{host}:{port}/ws", on_text), host, port)
    await asyncio.wait_for(sock.opened, 60)
    await sock.send(json.dumps({"type": "hello", "token": token, "after": 0}))
    first = json.loads(await asyncio.wait_for(sock.first, 60))
    if first.get("type") != "welcome":
        await sock.close()
        raise Refused(first)
    return sock, first


class Worker:
    def __init__(self, wid: int, conn: Connection, host: str, port: int, client: str = "asyncio") -> None:
        self.wid, self.conn, self.host, self.port, self.client = wid, conn, host, port, client
        self.ws_url = f"ws://{host}:{port}/ws"
        self.phones: dict[int, Phone] = {}
        self.push_recv: dict[int, list[int]] = defaultdict(list)
        self.push_counted: dict[int, int] = defaultdict(int)
        self.measured_phones = 0  # phones ("phone" kind) that must receive every push
        self.sent: dict[str, int] = {}
        self.acks: dict[str, tuple[int, int, bool]] = {}
        self.errors: dict[str, str] = {}
        self.expected = 0
        self.ideas_done = asyncio.Event()
        self.ack_counts: dict[str, int] = defaultdict(int)
        self.other_errors: list[str] = []
        self.progress = 0

    # --- control ------------------------------------------------------------------------------

    def reply(self, *message: Any) -> None:
        self.conn.send(message)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, self.conn.recv)
            name, args = command[0], command[1:]
            if name == "close":
                await self.close_all()
                self.reply("closed", self.cpu())
                return
            handler = getattr(self, f"cmd_{name}")
            self.reply(name, await handler(*args))

    @staticmethod
    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    # --- joining ------------------------------------------------------------------------------

    async def cmd_join(self, items: list[tuple[int, str, str]], in_flight: int, code: str) -> dict[str, Any]:
        """Join each ``(index, kind, table_id)``: POST /api/join, then websocket hello -> welcome."""
        timings: list[tuple[int, int, int]] = []  # (http ns, websocket ns, total ns)
        failures: list[str] = []
        work: Iterator[tuple[int, str, str]] = iter(items)
        self.progress = 0

        async def runner() -> None:
            http = Http(self.host, self.port)
            try:
                for index, kind, table_id in work:
                    phone = Phone(index, kind, table_id)
                    t0 = time.perf_counter_ns()
                    try:
                        joined = await http.json("POST", "/api/join", {"code": code, "table_id": table_id}, expect=201)
                        t1 = time.perf_counter_ns()
                        phone.participant_id, phone.token = joined["participant_id"], joined["token"]
                        if self.client == "sansio":
                            phone.ws, welcome = await open_sansio(
                                self.host, self.port, phone.token, lambda text, p=phone: self.on_message(p, text)
                            )
                        else:
                            phone.ws, welcome = await open_socket(self.ws_url, phone.token)
                        t2 = time.perf_counter_ns()
                    except Exception as exc:  # counted and reported; the run goes on
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    finally:
                        self.progress += 1
                    phone.seq = welcome["seq"]
                    self.phones[index] = phone
                    if kind == "phone":
                        self.measured_phones += 1
                    if isinstance(phone.ws, ClientConnection):
                        phone.task = asyncio.create_task(self.read(phone))
                    timings.append((t1 - t0, t2 - t1, t2 - t0))
            finally:
                await http.close()

        async def ticker() -> None:
            while True:
                await asyncio.sleep(0.1)
                self.reply("progress", self.wid, self.progress)

        tick = asyncio.create_task(ticker())
        try:
            await asyncio.gather(*(runner() for _ in range(max(1, in_flight))))
        finally:
            tick.cancel()
        self.reply("progress", self.wid, self.progress)
        gc.collect()
        gc.freeze()  # the phones live to the end: keep full collections from walking them
        return {"timings": timings, "failures": failures}

    # --- receiving ----------------------------------------------------------------------------

    async def read(self, phone: Phone) -> None:
        ws = phone.ws
        assert isinstance(ws, ClientConnection)
        try:
            async for message in ws:
                assert isinstance(message, str)
                self.on_message(phone, message)
        except ConnectionClosed as exc:
            phone.close_code = exc.rcvd.code if exc.rcvd else 1006

    def on_message(self, phone: Phone, message: str) -> None:
        now = time.perf_counter_ns()
        if message.startswith('{"type":"entry"'):
            if '"kind":"step.pushed"' in message:
                self.on_push(phone, now, message)
        elif message.startswith('{"type":"ack"'):
            self.on_ack(now, json.loads(message))
        elif message.startswith('{"type":"error"'):
            self.on_error(json.loads(message))

    def on_push(self, phone: Phone, now: int, message: str) -> None:
        at = message.find(PUSH_MARK)  # cheaper than json.loads for every phone
        if phone.kind != "phone" or at < 0:
            return
        start = at + len(PUSH_MARK)
        number = int(message[start : message.index('"', start)])
        self.push_recv[number].append(now)
        self.push_counted[number] += 1
        if self.push_counted[number] == self.measured_phones:
            self.reply("pushed", self.wid, number)

    def on_ack(self, now: int, ack: dict[str, Any]) -> None:
        ref = ack.get("ref")
        if not isinstance(ref, str) or ref not in self.sent:
            return
        self.ack_counts[ref] += 1
        if ref not in self.acks and ref not in self.errors:
            self.acks[ref] = (now, ack["seq"], bool(ack.get("duplicate")))
            self.check_done()

    def on_error(self, error: dict[str, Any]) -> None:
        ref = error.get("ref")
        if isinstance(ref, str) and ref in self.sent:
            if ref not in self.acks and ref not in self.errors:
                self.errors[ref] = error.get("code", "?")
                self.check_done()
        else:
            self.other_errors.append(str(error)[:200])

    def check_done(self) -> None:
        if len(self.acks) + len(self.errors) >= self.expected:
            self.ideas_done.set()

    # --- sending ideas ------------------------------------------------------------------------

    async def cmd_ideas(self, schedule: list[tuple[int, str, int]], t_base: int, timeout_s: float) -> dict[str, Any]:
        """Send ``(phone index, client_id, offset ns)`` at ``t_base + offset`` (open loop), await every ack."""
        self.sent, self.acks, self.errors = {}, {}, {}
        self.ack_counts = defaultdict(int)
        self.expected = len(schedule)
        self.ideas_done = asyncio.Event()
        send_failures: list[str] = []
        if not schedule:
            self.ideas_done.set()
        for index, client_id, offset in sorted(schedule, key=lambda s: s[2]):
            delay = (t_base + offset - time.perf_counter_ns()) / 1e9
            if delay > 0.0005:
                await asyncio.sleep(delay)
            phone = self.phones.get(index)
            if phone is None or phone.ws is None:
                send_failures.append(f"phone {index} not connected")
                self.expected -= 1
                continue
            message = json.dumps(
                {"type": "idea.submit", "ref": client_id, "client_id": client_id, "text": idea_text(client_id)}
            )
            self.sent[client_id] = time.perf_counter_ns()
            try:
                await phone.ws.send(message)
            except (ConnectionClosed, ConnectionError) as exc:
                send_failures.append(f"phone {index}: {exc}")
        self.check_done()
        try:
            await asyncio.wait_for(self.ideas_done.wait(), timeout_s)
        except TimeoutError:
            pass
        return {
            "sent": self.sent,
            "acks": self.acks,
            "errors": self.errors,
            "ack_counts": dict(self.ack_counts),
            "send_failures": send_failures,
        }

    # --- reports ------------------------------------------------------------------------------

    async def cmd_pushes(self) -> dict[str, Any]:
        for p in self.phones.values():
            if isinstance(p.ws, SansIOSocket) and p.ws.close_code is not None:
                p.close_code = p.ws.close_code
        closed = [p.close_code for p in self.phones.values() if p.close_code is not None]
        return {
            "recv": dict(self.push_recv),
            "phones": self.measured_phones,
            "closed": closed,
            "other_errors": self.other_errors[:20],
            "cpu": self.cpu(),
        }

    async def cmd_cpu(self) -> float:
        return self.cpu()

    async def close_all(self) -> None:
        phones = list(self.phones.values())
        for start in range(0, len(phones), 500):
            batch = [p.ws.close() for p in phones[start : start + 500] if p.ws is not None]
            await asyncio.gather(*batch, return_exceptions=True)
        for p in phones:
            if p.task is not None:
                p.task.cancel()


def worker_main(wid: int, conn: Connection, host: str, port: int, cpu: int | None, client: str = "asyncio") -> None:
    """Entry point of a worker process."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    raise_nofile()
    gc.disable()  # short-lived process: no collector pauses while measuring
    try:
        import uvloop

        uvloop.run(Worker(wid, conn, host, port, client).serve())
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        asyncio.run(Worker(wid, conn, host, port, client).serve())
