"""The server under test: a ``wholeroom serve`` subprocess, and what /proc says about its cost."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")

# Debian's Chromium, as the browser tests use it (never a downloaded browser), and the flags the
# benchmarks that time pages in it launch it with
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent dies


def die_with_parent() -> None:
    """In a child, before it runs its program: ask Linux to send it SIGTERM when the benchmark that
    started it dies, however it dies (a SIGKILL or a closed terminal runs none of our clean-up), so
    no server is left holding its port and its core for the next run. Elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def raise_nofile() -> int:
    """Raise this process's open-file limit to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wholeroom_command() -> list[str]:
    """``wholeroom`` from the same environment as this Python (falls back to ``python -m``)."""
    exe = Path(sys.executable).with_name("wholeroom")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("wholeroom")
    return [found] if found else [sys.executable, "-m", "server.cli"]


@dataclass
class ProcStats:
    cpu_s: float  # user + system CPU seconds of the process (all its threads)
    rss_mb: float
    hwm_mb: float  # peak RSS


def proc_stats(pid: int) -> ProcStats:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15)
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return ProcStats(cpu, rss, hwm)


def machine_busy_s() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy (all cores) and stolen by the hypervisor, since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    return (sum(values[:8]) - idle - steal) / CLK_TCK, steal / CLK_TCK


# Every phone of a benchmark comes from 127.0.0.1, and joins far faster than people do: the
# per-address limits on joins and join-code lookups would hold them back.
BENCH_ENV = {"WHOLEROOM_JOINS_PER_CLIENT_PER_S": "1000000"}


class ServerProcess:
    """``wholeroom serve`` on a free port and its own SQLite file (or, with ``reference``, the bare
    reference hub on a free port), stopped with :meth:`stop`."""

    def __init__(
        self,
        database: Path,
        admin_secret: str,
        log_path: Path,
        port: int | None = None,
        cpu: int | None = None,
        env: dict[str, str] | None = None,
        reference: bool = False,
    ) -> None:
        self.database, self.admin_secret, self.log_path = database, admin_secret, log_path
        self.reference = reference  # the bare reference hub (bench/reference_hub.py) instead of Wholeroom
        self.env = {**BENCH_ENV, **(env or {})}
        self.port = port or free_port()
        self.cpu = cpu
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> None:
        raise_nofile()
        env = {**os.environ, **self.env, "WHOLEROOM_ADMIN_SECRET": self.admin_secret, "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL", None)
        cmd = [*wholeroom_command(), "serve", "--port", str(self.port), "--database-url", f"sqlite:///{self.database}"]
        if self.reference:  # from this checkout, wherever the bench was started
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
            cmd = [
                sys.executable,
                "-m",
                "bench.reference_hub",
                "--port",
                str(self.port),
                "--admin-secret",
                self.admin_secret,
            ]
        cpu = self.cpu

        def pin() -> None:
            die_with_parent()
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})

        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=pin, stdin=subprocess.DEVNULL
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer /healthz within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the process dies."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class RedisServer:
    """A ``redis-server`` of our own on a spare port (nothing kept on disk), to kill and start again:
    the Redis a fault test or benchmark may take down without touching anyone else's."""

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (Debian: apt install redis-server)")
        self.binary, self.log_path = binary, log_path
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, timeout: float = 10.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}; see {self.log_path}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: Redis vanishes with every subscription and connection, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
