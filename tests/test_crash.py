"""Crash test: SIGKILL a real server while phones stream ideas, restart it, and check nothing acked was lost."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.httpc import Http
from bench.server import ServerProcess
from bench.worker import open_socket

ADMIN = "crash-test-admin-secret"
PHONES = 20
IDEAS_PER_PHONE = 10  # under the limit of 12 per participant per minute
SEND_INTERVAL_S = 0.05  # staggered per phone: one idea every 2.5 ms across the room
KILL_AFTER_ACKS = 40  # SIGKILL once this many ideas are acked, while the phones are still sending


@dataclass
class Phone:
    index: int
    token: str
    participant_id: str
    last_seq: int = 0
    seqs: list[int] = field(default_factory=list)  # every entry seq received, over every connection
    sent: list[str] = field(default_factory=list)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    again: dict[str, dict[str, Any]] = field(default_factory=dict)  # acks of ideas re-sent after their ack
    errors: list[dict[str, Any]] = field(default_factory=list)
    welcomes: list[dict[str, Any]] = field(default_factory=list)
    ws: ClientConnection | None = None

    async def read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                data = json.loads(message)
                if data["type"] == "entry":
                    self.seqs.append(data["seq"])
                    self.last_seq = max(self.last_seq, data["seq"])
                elif data["type"] == "ack" and data.get("ref") in self.sent:
                    self.acks.setdefault(data["ref"], data)
                elif data["type"] == "ack" and str(data.get("ref")).startswith("again:"):
                    self.again[data["ref"].removeprefix("again:")] = data
                elif data["type"] == "error":
                    self.errors.append(data)
        except ConnectionClosed:
            pass

    async def connect(self, url: str) -> None:
        self.ws, welcome = await open_socket(url, self.token, after=self.last_seq)
        self.welcomes.append(welcome)
        if welcome["snapshot"] is not None:  # a fresh view: entries up to its seq are in it
            self.last_seq = welcome["seq"]

    async def submit(self, client_id: str, ref: str | None = None) -> None:
        assert self.ws is not None
        await self.ws.send(
            json.dumps(
                {"type": "idea.submit", "ref": ref or client_id, "client_id": client_id, "text": f"idea {client_id}"}
            )
        )

    async def stream(self) -> None:
        """Submit ideas without waiting for acks, until the server dies or the phone is done."""
        await asyncio.sleep(SEND_INTERVAL_S * self.index / PHONES)
        for n in range(IDEAS_PER_PHONE):
            client_id = f"c{self.index}-{n}"
            self.sent.append(client_id)
            try:
                await self.submit(client_id)
            except ConnectionClosed:
                return
            await asyncio.sleep(SEND_INTERVAL_S)


async def transcript(http: Http, event_id: str, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        status, headers, body = await http.request(
            "GET", f"/api/events/{event_id}/transcript?after={after}&limit=50", token=token
        )
        assert status == 200, body
        if not body:
            return entries
        entries += [json.loads(line) for line in body.decode().splitlines()]
        after = int(headers["x-next-after"])


async def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def crash_and_resume(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "crash.db", ADMIN, tmp_path / "server.log")
    server.start()
    url = f"ws://127.0.0.1:{server.port}/ws"
    http = Http("127.0.0.1", server.port)
    try:
        created = await http.json("POST", "/api/events", {"title": "Crash", "tables": 4}, token=ADMIN, expect=201)
        event_id, tokens = created["event_id"], created["tokens"]

        async def join(i: int) -> Phone:
            one = Http("127.0.0.1", server.port)
            joined = await one.json(
                "POST", "/api/join", {"code": created["join_code"], "table_id": str(i % 4 + 1)}, expect=201
            )
            await one.close()
            return Phone(i, joined["token"], joined["participant_id"])

        phones = list(await asyncio.gather(*(join(i) for i in range(PHONES))))
        await asyncio.gather(*(p.connect(url) for p in phones))
        readers = [asyncio.create_task(p.read(p.ws)) for p in phones if p.ws]
        pushed = await http.json(
            "POST",
            f"/api/events/{event_id}/commands",
            {"type": "step.push", "text": "What should stay?"},
            token=tokens["facilitator"],
        )
        step_seq = int(pushed["step_id"].removeprefix("s"))
        await wait_for(lambda: all(p.last_seq >= step_seq for p in phones), 5)

        streams = [asyncio.create_task(p.stream()) for p in phones]
        await wait_for(lambda: sum(len(p.acks) for p in phones) >= KILL_AFTER_ACKS, 10)
        server.kill()
        await asyncio.gather(*streams, *readers)
        acked_before_kill = {c: a for p in phones for c, a in p.acks.items()}
        assert 0 < len(acked_before_kill) < sum(len(p.sent) for p in phones), "the kill did not land mid-stream"
        seen_before = {p.index: p.last_seq for p in phones}

        server.start()
        await http.close()
        await asyncio.gather(*(p.connect(url) for p in phones))
        readers = [asyncio.create_task(p.read(p.ws)) for p in phones if p.ws]
        for p in phones:  # re-send every idea not acknowledged, with its original client_id
            for client_id in p.sent:
                if client_id not in p.acks:
                    await p.submit(client_id)
        lost_acks = {p.index: next(c for c in p.sent if c in p.acks) for p in phones if p.acks}
        for index, client_id in lost_acks.items():  # as if the phone had missed this ack
            await phones[index].submit(client_id, ref=f"again:{client_id}")
        await wait_for(lambda: all(len(p.acks) + len(p.errors) >= len(p.sent) for p in phones), 10)
        await wait_for(lambda: all(c in phones[i].again for i, c in lost_acks.items()), 10)
        await wait_for(lambda: all(p.last_seq >= max(a["seq"] for a in p.acks.values()) for p in phones), 5)

        entries = await transcript(http, event_id, tokens["organiser"])
        snapshot = await http.json("GET", f"/api/events/{event_id}/snapshot", token=tokens["facilitator"])
        for p in phones:
            assert p.ws is not None
            await p.ws.close()
        for reader in readers:
            await reader
    finally:
        await http.close()
        server.stop()

    ideas = [e for e in entries if e["kind"] == "idea.submitted"]
    by_client = Counter((e["payload"]["participant_id"], e["payload"]["client_id"]) for e in ideas)
    assert all(n == 1 for n in by_client.values()), "an idea is in the transcript twice"
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    by_id = {e["payload"]["idea_id"]: e for e in ideas}
    owner = {c: p for p in phones for c in p.sent}
    for client_id, ack in acked_before_kill.items():
        entry = by_id.get(ack["idea_id"])
        assert entry is not None, f"idea {client_id} was acked before the kill but is not in the transcript"
        assert entry["payload"]["client_id"] == client_id and entry["seq"] == ack["seq"]
        assert entry["payload"]["participant_id"] == owner[client_id].participant_id
    assert lost_acks
    for index, client_id in lost_acks.items():
        again, first = phones[index].again[client_id], phones[index].acks[client_id]
        assert again["duplicate"] and (again["idea_id"], again["seq"]) == (first["idea_id"], first["seq"])
    snapshot_ids = Counter(i["id"] for i in snapshot["ideas"])
    assert all(snapshot_ids[a["idea_id"]] == 1 for a in acked_before_kill.values())
    assert all(n == 1 for n in snapshot_ids.values())

    for p in phones:
        assert not p.errors, p.errors
        assert set(p.acks) == set(p.sent), "every idea is acked in the end (new or as a duplicate)"
        assert all(by_client[(p.participant_id, c)] == 1 for c in p.sent)
        assert all(not p.acks[c]["duplicate"] for c in p.sent if c in acked_before_kill)
        resumed = p.welcomes[-1]
        assert resumed["resumed_from"] == seen_before[p.index] and resumed["snapshot"] is None
        assert p.seqs == sorted(set(p.seqs)), "a phone received an entry twice or out of order"


@pytest.mark.slow
def test_acked_ideas_survive_sigkill_and_phones_resume(tmp_path: Path) -> None:
    """Ideas acked before a SIGKILL are in the transcript and snapshot exactly once; every phone resumes by seq."""
    asyncio.run(crash_and_resume(tmp_path))


def _children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if stat[0] != "Z" and int(stat[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_themes_workers_end_with_a_killed_server(tmp_path: Path) -> None:
    """A server killed outright runs no shutdown: its embedding and clustering workers (a model each)
    must not live on. They notice their parent has gone and exit."""
    pytest.importorskip("tokenizers")
    server = ServerProcess(tmp_path / "w.db", ADMIN, tmp_path / "server.log", env={"WHOLEROOM_THEMES": "true"})
    server.start()
    try:
        deadline = time.monotonic() + 60
        while not (workers := _children(server.pid)):  # the model loads at start-up, in a worker
            assert time.monotonic() < deadline, "no worker process started"
            time.sleep(0.1)
    finally:
        server.kill()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers still running after their server was killed: {workers}"
        time.sleep(0.1)


def test_the_workers_of_a_supervisor_killed_outright_stop(tmp_path: Path) -> None:
    """``wholeroom serve --workers 2`` killed outright runs no shutdown: its workers must not live on
    (still answering on the port they inherited, beside the server started next). They notice their
    supervisor has gone and stop."""
    from tests.browser.conftest import serving

    with serving("pg-redis-2w", tmp_path, env={"WHOLEROOM_THEMES": "false"}) as server:
        assert server.proc is not None
        supervisor = server.proc
        workers = _children(supervisor.pid)
        assert len(workers) >= 2, workers
        supervisor.kill()
        supervisor.wait()
        server.proc = None  # nothing left for the fixture to stop
        deadline = time.monotonic() + 60
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers still running after their supervisor was killed: {workers}"
            time.sleep(0.1)
