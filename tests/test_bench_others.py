"""A small smoke of each analysis benchmark: they run and print their measures (no thresholds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("module", "args", "expect"),
    [
        ("bench.rotation", ["--trials", "2"], "distinct people met"),
        ("bench.seating", ["--people", "300", "--tables", "40", "--polish", "3"], "planner / long search ratio"),
        ("bench.replay", ["--quick"], "seek + snapshot"),
        ("bench.common_ground", ["--quick"], "full recomputation"),
        ("bench.themes", ["--quick"], "NMI"),
        ("bench.themes_real", ["--quick"], "curation to NMI"),
        ("bench.report", ["--quick"], "html report"),
        ("bench.transcript", ["--quick"], "bytes per idea"),
        ("bench.harvest", ["--quick"], "xlsx (staff)"),
    ],
)
def test_benchmark_runs(module: str, args: list[str], expect: str) -> None:
    """Each benchmark finishes and prints its headline measure."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expect in done.stdout


def test_fault_benchmark_smoke() -> None:
    """The fault bench (a worker killed, then Redis restarted, under load) runs small and finds nothing
    acknowledged lost or repeated; it exits non-zero when it does."""
    from tests.backends import require_servers

    require_servers()
    done = subprocess.run(
        [sys.executable, "-m", "bench.fault", "--quick", "--json"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    r = json.loads(done.stdout)
    integrity = r["integrity"]
    assert integrity["ideas_acked"] == integrity["ideas_scheduled"] > 0
    assert integrity["acked_lost"] == integrity["stored_twice"] == integrity["phone_pushes_missing"] == 0
    assert r["worker_kill"]["phones_reconnected"] > 0 and r["worker_kill"]["reconnect_ms"]["p99"] > 0
    assert set(r["phases"]) == {"steady", "worker killed", "recovered", "Redis restarted", "after"}
    assert all(phase["push_last_phone_ms"]["p99"] > 0 for phase in r["phases"].values())


def test_soak_benchmark_smoke() -> None:
    """The soak bench (phones joining, leaving, reconnecting and moving, with ideas) runs for 30 s and
    finds every acknowledged idea once in the transcript; it exits non-zero when it does not."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--quick", "--json"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    r = json.loads(done.stdout)
    assert r["churn"]["drops"] > 0 and r["churn"]["reseats"] > 0 and r["churn"]["leaves"] == r["churn"]["joins"] > 0
    assert r["integrity"]["ideas_acked"] == r["integrity"]["ideas_sent"] > 0
    assert r["integrity"]["acked_lost"] == r["integrity"]["stored_twice"] == 0
    assert len(r["rss_mb"]["samples"]) > 5


def test_flood_benchmark_smoke() -> None:
    """The flood bench runs small: one phone flooding beside 100 others is refused (rate_limited)
    while every phone gets every push, and a hostile client's sockets and seat churn are measured."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.flood", "--quick", "--json"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    r = json.loads(done.stdout)
    flooding = r["flood"]["one phone flooding"]
    assert flooding["flooder"]["replies"].get("rate_limited", 0) > 0
    assert r["flood"]["quiet"]["missing"] == flooding["missing"] == 0
    assert r["flood"]["quiet"]["every_phone_ms"]["p99"] > 0 and flooding["every_phone_ms"]["p99"] > 0
    assert r["hostile"]["own_refusals"].get("rate_limited", 0) > 0 and len(r["hostile"]["rss_mb"]["samples"]) > 3


def test_live_themes_browser_bench_smoke() -> None:
    """bench.themes_live runs small: two phones in Chromium type ideas, the console and the wall draw
    the themes (first themes and settling are measured), every idea is acknowledged, the model was
    loaded at start-up, and no themes or idea_themes message repeats the one before it."""
    if not os.path.exists("/usr/bin/chromium"):
        message = "!!! LIVE THEMES BENCH NOT RUN: /usr/bin/chromium is missing !!!"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [sys.executable, "-m", "bench.themes_live", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout)
    (run,) = r["runs"]
    assert run["acked"] == run["ideas"] > 0 and r["model_loaded_s"] is not None
    for screen in ("console", "wall"):
        assert run[screen]["first_themes_ms"] is not None and run[screen]["settled_ms"] is not None
        assert run[screen]["themes_at_end"] > 0
    assert run["console"]["themes_messages"] > 0 and run["console"]["repeated"] == 0
    assert run["phone"]["repeated"] == 0


def test_page_weight_bench_smoke() -> None:
    """bench.weight opens the phone page in Chromium twice: the first visit downloads the page and
    its files compressed, the second takes the files from the cache."""
    if not os.path.exists("/usr/bin/chromium"):
        message = "!!! PAGE WEIGHT BENCH NOT RUN: /usr/bin/chromium is missing !!!"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [sys.executable, "-m", "bench.weight", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout)
    first, second = r["first_visit"], r["second_visit"]
    assert first["files"] >= 8 and 0 < first["sent_body_bytes"] < first["decoded_body_bytes"] / 2
    assert second["files"] == first["files"] and second["wire_bytes"] < first["wire_bytes"] / 10


BENCH_PARENT = """
import subprocess, sys, time
from bench.server import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=die_with_parent)
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_benchmarks_server_dies_with_the_benchmark() -> None:
    """A benchmark killed outright (no clean-up of its own runs) takes the processes it started with
    it: none is left holding a port and a core for the next run."""
    parent = subprocess.Popen([sys.executable, "-c", BENCH_PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.kill()
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:
            with open(f"/proc/{child}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":  # dead, waiting for init to reap it
                    return
        except FileNotFoundError:  # reaped meanwhile
            return
        time.sleep(0.05)
    os.kill(child, 9)
    raise AssertionError(f"process {child} outlived the benchmark that started it")
