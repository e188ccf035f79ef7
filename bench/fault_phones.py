"""Phones that behave like the real client when their server goes away: a load process of the fault bench.

Each phone keeps the last ``seq`` it received, and when its socket drops it reconnects with the
client's own backoff (``client/static/live.js``: first wait 0.25-0.5 s, doubling, at most 10 s),
says ``hello`` with ``after`` = that seq, and sends again every idea that was not acknowledged,
with the same ``client_id`` (the server answers a repeat with the first idea's ack). Everything a
phone sees is timed with ``time.perf_counter_ns()`` (CLOCK_MONOTONIC, shared by every process).

The phones use the websockets library's sans-I/O protocol (:class:`bench.worker.SansIOSocket`), so
that the load generator spends less CPU per message than the server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from .httpc import Http
from .server import raise_nofile
from .worker import PUSH_MARK, SansIOSocket, idea_text

BACKOFF_FIRST_S = 0.5  # as the real client (live.js)
BACKOFF_MAX_S = 10.0
RETRYABLE = {"storage_unavailable", "conflict_retry"}


@dataclass(slots=True)
class Idea:
    client_id: str
    due_ns: int  # when the person pressed send
    sends: int = 0
    acked_ns: int = 0
    acks: int = 0
    duplicate_acks: int = 0
    error: str = ""


@dataclass(slots=True)
class Phone:
    index: int
    table_id: str
    token: str = ""
    seq: int = 0
    sock: PhoneSocket | None = None
    live: bool = False
    backoff: float = BACKOFF_FIRST_S
    lost_ns: int = 0  # when the socket dropped (0: not reconnecting)
    reconnects: list[tuple[int, int]] = field(default_factory=list)  # (dropped at, welcomed at)
    snapshots: list[tuple[int, int]] = field(default_factory=list)  # resumed from a snapshot: (its seq, at)
    pushes: dict[int, int] = field(default_factory=dict)  # push number -> first received at
    out_of_order: int = 0  # entries received with a seq not above the last one
    unacked: dict[str, Idea] = field(default_factory=dict)  # sent on this socket, not yet acked
    left: bool = False  # went away for good (the soak's churn): never reconnects


class PhoneSocket(SansIOSocket):
    """A phone's socket that says when it drops."""

    def __init__(self, uri: str, on_text: Any, on_lost: Any) -> None:
        super().__init__(uri, on_text)
        self.on_lost = on_lost

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        for future in (self.opened, self.first):  # whoever waited has been told; nobody else will ask
            if future.done() and not future.cancelled():
                future.exception()
        self.on_lost(self)

    def abort(self) -> None:
        """Drop the connection at once, whatever state the handshake is in."""
        if self.transport is not None:
            self.transport.abort()


class FaultPhones:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.phones: list[Phone] = []
        self.ideas: dict[str, Idea] = {}
        self.waiting: dict[int, list[Idea]] = {}  # phone index -> ideas to send once it is live again
        self.other_errors: list[str] = []
        self.failed_reconnects = 0
        self.closing = False
        self.rng = random.Random(os.getpid())

    # --- joining ------------------------------------------------------------------------------

    async def cmd_join(self, items: list[tuple[int, str]], code: str, in_flight: int) -> dict[str, Any]:
        work: Iterator[tuple[int, str]] = iter(items)
        failures: list[str] = []

        async def runner() -> None:
            http = Http(self.host, self.port)
            try:
                for index, table_id in work:
                    phone = Phone(index, table_id)
                    try:
                        joined = await http.json("POST", "/api/join", {"code": code, "table_id": table_id}, expect=201)
                        phone.token = joined["token"]
                        await self.connect(phone)
                    except Exception as exc:  # counted and reported
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    self.phones.append(phone)
            finally:
                await http.close()

        await asyncio.gather(*(runner() for _ in range(in_flight)))
        gc.collect()
        gc.freeze()
        return {"joined": len(self.phones), "failures": failures}

    # --- one phone's socket -------------------------------------------------------------------

    async def connect(self, phone: Phone) -> None:
        """Open a socket, say hello with the last seq seen, and take the welcome."""
        loop = asyncio.get_running_loop()
        _transport, sock = await loop.create_connection(
            lambda: PhoneSocket(
                f"ws://{self.host}:{self.port}/ws",
                lambda text: self.on_text(phone, text),
                lambda s: self.on_lost(phone, s),
            ),
            self.host,
            self.port,
        )
        phone.sock = sock
        await asyncio.wait_for(sock.opened, 30)
        hello: dict[str, Any] = {"type": "hello", "token": phone.token}
        if phone.seq:
            hello["after"] = phone.seq
        await sock.send(json.dumps(hello))
        welcome = json.loads(await asyncio.wait_for(sock.first, 30))
        if welcome.get("type") != "welcome":
            await sock.close()
            raise RuntimeError(f"expected welcome, got {str(welcome)[:200]}")
        now = time.perf_counter_ns()
        snapshot = welcome.get("snapshot")
        if snapshot is not None:
            seq = int(snapshot.get("seq", welcome["seq"]))
            if phone.seq:
                phone.snapshots.append((seq, now))
            phone.seq = seq
        phone.live, phone.backoff = True, BACKOFF_FIRST_S
        if phone.lost_ns:
            phone.reconnects.append((phone.lost_ns, now))
            phone.lost_ns = 0
        for idea in self.waiting.pop(phone.index, []):
            await self.send_idea(phone, idea)

    def on_lost(self, phone: Phone, sock: SansIOSocket) -> None:
        if phone.sock is not sock or self.closing or phone.left:
            return
        was_live, phone.live, phone.sock = phone.live, False, None
        # ideas sent but not acknowledged go out again on the next socket, with the same client_id
        if phone.unacked:
            self.waiting.setdefault(phone.index, []).extend(phone.unacked.values())
            phone.unacked.clear()
        if was_live:  # (a socket that drops while reconnecting is the reconnect loop's business)
            phone.lost_ns = time.perf_counter_ns()
            asyncio.get_running_loop().create_task(self.reconnect(phone))

    async def reconnect(self, phone: Phone) -> None:
        while not self.closing and not phone.live:
            base = phone.backoff
            phone.backoff = min(base * 2, BACKOFF_MAX_S)
            await asyncio.sleep(base / 2 + self.rng.random() * base / 2)
            try:
                await self.connect(phone)
                return
            except Exception:  # refused, reset or no welcome in time: wait longer and try again
                self.failed_reconnects += 1
                if phone.sock is not None:
                    sock, phone.sock = phone.sock, None
                    sock.abort()

    def on_text(self, phone: Phone, text: str) -> None:
        now = time.perf_counter_ns()
        if text.startswith('{"type":"entry"'):
            at = text.index('"seq":') + 6
            seq = int(text[at : text.index(",", at)])
            if seq <= phone.seq:
                phone.out_of_order += 1
                return
            phone.seq = seq
            if '"kind":"step.pushed"' in text and (mark := text.find(PUSH_MARK)) >= 0:
                start = mark + len(PUSH_MARK)
                phone.pushes.setdefault(int(text[start : text.index('"', start)]), now)
        elif text.startswith('{"type":"ack"'):
            ack = json.loads(text)
            idea = phone.unacked.pop(ack.get("ref"), None) or self.ideas.get(ack.get("ref"))
            if idea is not None:
                idea.acks += 1
                idea.duplicate_acks += bool(ack.get("duplicate"))
                if not idea.acked_ns:
                    idea.acked_ns = now
        elif text.startswith('{"type":"error"'):
            error = json.loads(text)
            idea = phone.unacked.pop(error.get("ref"), None)
            if idea is None:
                self.other_errors.append(text[:200])
            elif error.get("code") in RETRYABLE:  # nothing was saved: send it again a moment later
                asyncio.get_running_loop().call_later(1.0, self._retry, phone, idea)
            elif error.get("code") == "rate_limited":  # as the page does: again when the server says
                asyncio.get_running_loop().call_later(error["retry_after_ms"] / 1000, self._retry, phone, idea)
            else:
                idea.error = str(error.get("code"))
        elif text.startswith('{"type":"welcome"'):  # reseated: a snapshot of the new table
            welcome = json.loads(text)
            if welcome.get("snapshot") is not None:
                phone.seq = max(phone.seq, int(welcome["snapshot"].get("seq", welcome["seq"])))

    def _retry(self, phone: Phone, idea: Idea) -> None:
        asyncio.get_running_loop().create_task(self.send_idea(phone, idea))

    async def send_idea(self, phone: Phone, idea: Idea) -> None:
        if not phone.live or phone.sock is None:
            self.waiting.setdefault(phone.index, []).append(idea)
            return
        idea.sends += 1
        phone.unacked[idea.client_id] = idea
        message = {
            "type": "idea.submit",
            "ref": idea.client_id,
            "client_id": idea.client_id,
            "text": idea_text(idea.client_id),
        }
        try:
            await phone.sock.send(json.dumps(message))
        except ConnectionError:
            pass  # on_lost puts it back in the queue

    # --- the run ------------------------------------------------------------------------------

    async def cmd_ideas(self, schedule: list[tuple[int, str, int]]) -> int:
        """Send each ``(phone position, client_id, due ns)`` when it is due (open loop), in the background."""
        for _position, client_id, due in schedule:
            self.ideas[client_id] = Idea(client_id, due)

        async def run() -> None:
            for position, client_id, due in sorted(schedule, key=lambda s: s[2]):
                delay = (due - time.perf_counter_ns()) / 1e9
                if delay > 0.0005:
                    await asyncio.sleep(delay)
                await self.send_idea(self.phones[position], self.ideas[client_id])

        asyncio.get_running_loop().create_task(run())
        return len(schedule)

    async def cmd_send_ideas(self, client_ids: list[str]) -> int:
        """Each idea now, from a phone picked at random among those still in the event."""
        present = [p for p in self.phones if not p.left]
        for client_id in client_ids:
            idea = self.ideas[client_id] = Idea(client_id, time.perf_counter_ns())
            await self.send_idea(self.rng.choice(present), idea)
        return len(client_ids)

    async def cmd_churn(self, drops: int, reseats: int, leaves: int, tables: list[str]) -> dict[str, int]:
        """Phones that lose their connection (they come back and resume by seq), that move to
        another table themselves, and that leave for good (only phones with no idea in flight)."""
        live = [p for p in self.phones if p.live and not p.left]
        self.rng.shuffle(live)
        done = {"drops": 0, "reseats": 0, "leaves": 0}
        for phone in live[:drops]:
            if phone.sock is not None:
                phone.sock.abort()
                done["drops"] += 1
        for phone in live[drops : drops + reseats]:
            if phone.sock is not None:
                table = self.rng.choice([t for t in tables if t != phone.table_id])
                phone.table_id = table
                with contextlib.suppress(ConnectionError):
                    await phone.sock.send(json.dumps({"type": "participant.seat", "table_id": table}))
                done["reseats"] += 1
        for phone in live[drops + reseats :]:
            if done["leaves"] >= leaves:
                break
            if phone.unacked or self.waiting.get(phone.index) or phone.sock is None:
                continue
            phone.left, phone.live = True, False
            sock, phone.sock = phone.sock, None
            await sock.close()
            done["leaves"] += 1
        return done

    async def cmd_status(self) -> dict[str, Any]:
        return {
            "live": sum(p.live for p in self.phones),
            "present": sum(not p.left for p in self.phones),
            "pushes": self._push_counts(),
            "unacked": sum(1 for i in self.ideas.values() if not i.acked_ns and not i.error),
            "cpu": cpu(),
        }

    def _push_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for phone in self.phones:
            for number in phone.pushes:
                counts[number] = counts.get(number, 0) + 1
        return counts

    async def cmd_report(self, push_seqs: dict[int, int]) -> dict[str, Any]:
        """Every phone's receipt time per push (a snapshot that covers a push counts as receiving it)."""
        receipts: dict[int, list[int]] = {n: [] for n in push_seqs}
        missing = 0
        for phone in self.phones:
            for number, seq in push_seqs.items():
                at = phone.pushes.get(number)
                if at is None:
                    at = min((t for s, t in phone.snapshots if s >= seq), default=None)
                if at is None:
                    missing += 1
                else:
                    receipts[number].append(at)
        return {
            "receipts": receipts,
            "missing_pushes": missing,
            "phones": len(self.phones),
            "out_of_order": sum(p.out_of_order for p in self.phones),
            "reconnects": [r for p in self.phones for r in p.reconnects],
            "snapshot_resumes": sum(len(p.snapshots) for p in self.phones),
            "failed_reconnects": self.failed_reconnects,
            "still_down": sum(not p.live and not p.left for p in self.phones),
            "ideas": {
                c: (i.due_ns, i.acked_ns, i.acks, i.duplicate_acks, i.sends, i.error) for c, i in self.ideas.items()
            },
            "other_errors": self.other_errors[:10],
            "cpu": cpu(),
        }

    async def cmd_cpu(self) -> float:
        return cpu()

    async def close_all(self) -> None:
        self.closing = True
        for start in range(0, len(self.phones), 500):
            await asyncio.gather(
                *(p.sock.close() for p in self.phones[start : start + 500] if p.sock is not None),
                return_exceptions=True,
            )


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def serve(conn: Connection, host: str, port: int) -> None:
    phones = FaultPhones(host, port)
    loop = asyncio.get_running_loop()
    while True:
        name, *args = await loop.run_in_executor(None, conn.recv)
        if name == "close":
            await phones.close_all()
            conn.send(("close", cpu()))
            return
        conn.send((name, await getattr(phones, f"cmd_{name}")(*args)))


def main(conn: Connection, host: str, port: int) -> None:
    """Entry point of a load process."""
    raise_nofile()
    gc.disable()
    try:
        import uvloop

        uvloop.run(serve(conn, host, port))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        asyncio.run(serve(conn, host, port))
