"""Smoke test of `wholeroom bench --quick --json`: every measurement is there and sane (no timing thresholds)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from bench.server import wholeroom_command


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value) and value > 0


@pytest.mark.slow
def test_quick_bench_reports_every_measurement(tmp_path: Path) -> None:
    """A quick bench run prints JSON with join, push, idea, ingest, CPU and memory numbers, all ideas acked once."""
    done = subprocess.run(
        [*wholeroom_command(), "bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout)

    assert r["join"]["joined"] == r["join"]["phones"] > 0 and r["join"]["failures"] == 0
    for key in ("total_s", "per_s"):
        assert _positive(r["join"][key])
    for dist in ("per_phone_ms", "http_join_ms", "ws_welcome_ms"):
        assert all(_positive(r["join"][dist][q]) for q in ("p50", "p99"))

    push = r["push"]
    assert push["all_received"] and push["deliveries"] == push["phones"] * push["pushes"]
    assert all(_positive(push[d][q]) for d in ("last_ms", "median_phone_ms") for q in ("p50", "p95", "p99", "max"))
    assert push["last_ms"]["p50"] >= push["median_phone_ms"]["p50"]

    for phase in (r["ideas"], r["ingest"]):
        assert phase["sent"] > 0 and phase["exactly_once"]
        assert phase["acked"] == phase["on_wall"] == phase["in_transcript"] == phase["sent"]
        assert all(_positive(phase[d][q]) for d in ("wall_ms", "ack_ms") for q in ("p50", "p99"))
    assert _positive(r["ingest"]["achieved_per_s"]) and r["ingest"]["participants"] > 0

    server = r["server"]
    assert _positive(server["cpu_s"]) and _positive(server["rss_peak_mb"])
    assert server["rss_peak_mb"] >= server["rss_at_start_mb"] > 0
    assert {p["name"] for p in server["phases"]} >= {"join", "push", "ideas", "ingest"}
    assert isinstance(r["targets"], list)


def test_the_bare_reference_hub_takes_the_same_phones() -> None:
    """`python -m bench.load --quick --reference-only --json` runs the bench's own phones against the bare
    reference hub: every push reaches every phone, every idea is acked and on the wall once, and its
    CPU and memory are reported (a few seconds: the hub has no database)."""
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--quick", "--reference-only", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout)
    assert r["side"] == "reference" and r["join"]["joined"] == r["join"]["phones"] > 0
    push = r["push"]
    assert push["all_received"] and push["deliveries"] == push["phones"] * push["pushes"]
    assert all(_positive(push[d][q]) for d in ("last_ms", "first_phone_ms") for q in ("p50", "p99"))
    assert r["ideas"]["exactly_once"] and r["ideas"]["on_wall"] == r["ideas"]["sent"] > 0
    assert r["ingest"] is None  # the hub keeps nothing to ingest into
    assert _positive(r["server"]["rss_peak_mb"]) and _positive(r["server"]["rss_after_join_mb"])


def test_side_by_side_ratios_divide_by_the_mean_of_the_hub_runs() -> None:
    """The table's ratio is Wholeroom's number over the mean of the hub's runs before and after it."""
    from bench.load import reference_ratios

    ours = {"push": {"last_ms": {"p50": 30.0}, "server_cpu_us_per_delivery": 24.0}}
    hubs = [
        {"push": {"last_ms": {"p50": 10.0}, "server_cpu_us_per_delivery": 15.0}},
        {"push": {"last_ms": {"p50": 20.0}, "server_cpu_us_per_delivery": 17.0}},
    ]
    ratios = reference_ratios(ours, hubs)
    assert ratios["push to all, last phone p50 ms"] == {"wholeroom": 30.0, "hub": [10.0, 20.0], "ratio": 2.0}
    assert ratios["server CPU per delivery (push) us"]["ratio"] == 1.5
    assert math.isnan(ratios["idea to wall p99 ms"]["ratio"])  # not measured: no ratio


@pytest.mark.slow
def test_replay_browser_bench_measures_input_to_picture() -> None:
    """`python -m bench.replay_browser --quick --json` imports a small event into a real server, opens
    the organiser page in Chromium and reports input-to-picture for every seek and the opening."""
    import os
    import sys

    if not os.path.exists("/usr/bin/chromium"):
        message = "!!! REPLAY BROWSER BENCH NOT RUN: /usr/bin/chromium is missing !!!"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [sys.executable, "-m", "bench.replay_browser", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout)
    seeks = r["seeks"]
    assert seeks["all_ms"]["n"] >= 4 and all(_positive(seeks["all_ms"][q]) for q in ("p50", "p95", "max"))
    assert seeks["keys_ms"]["n"] > 0 and seeks["step_jumps_ms"]["n"] > 0 and seeks["held_key_ms"]["n"] > 0
    assert all(_positive(r["open"][k]) for k in ("harvest_ms", "replay_cold_ms", "replay_ms"))
    assert r["open"]["transcript_pages_first_3s"] == 0  # the transcript is read only when its tab is opened
    assert set(seeks["phases_p50_ms"]) == {"wait", "server", "transfer", "script", "render"}
