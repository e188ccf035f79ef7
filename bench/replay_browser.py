"""The replay viewer in Chromium: from a hand's input to the picture on screen.

    python -m bench.replay_browser [--entries 100000] [--people 2000] [--tables 200] [--seeks 60] [--quick] [--json]

Builds the synthetic event of ``bench.replay`` (2,000 people at 200 tables, a step every 400
entries, ideas, hides), writes it as a transcript file and imports it with ``wholeroom import
transcript`` into a real server (``wholeroom serve`` on its own SQLite file), then opens the
organiser page in headless Chromium (/usr/bin/chromium, through Playwright) and measures:

- opening: from the navigation to the first room drawn by the replay (and to the harvest preview
  when the page has one), and what the page fetched meanwhile;
- seeks: a key on the scrubber (arrows, Page Up/Down) or a click on Next/Previous step, one at a
  time as a hand does, from the input event to the frame in which the room at the new instant is
  drawn; and a held arrow key (key repeat every 35 ms), from the last press to its picture.

"Drawn" is read in the page, whatever the page's own code: an observer sees ``#replay-state`` take
the new ``data-at`` (the page sets it when it has drawn that instant), then waits for the next
animation frame and for the task after it, so the time includes style, layout and paint.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.replay import synthetic
from bench.server import CHROMIUM, CHROMIUM_ARGS, ServerProcess, wholeroom_command
from bench.stats import summary
from server import exports
from server.domain.fold import apply
from server.domain.model import EventState

ADMIN_SECRET = "bench-replay-browser-admin-secret"

# Set up in every page before its own scripts: inputs and drawn instants, on the page's clock.
INSTRUMENT = """
(() => {
  const b = (window.__bench = { inputs: [], draws: [] });
  const input = (e) => b.inputs.push({ t: e.timeStamp, type: e.type, key: e.key || null });
  addEventListener("keydown", input, true);
  addEventListener("click", input, true);
  const watch = () => {
    const el = document.getElementById("replay-state");
    if (!el) return;
    new MutationObserver(() => {
      const at = Number(el.dataset.at), seq = Number(el.dataset.seq), drawn = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();  // the task after the frame: it has been rendered
        channel.port1.onmessage = () => b.draws.push({ at, seq, drawn, painted: performance.now() });
        channel.port2.postMessage(null);
      });
    }).observe(el, { attributes: true, attributeFilter: ["data-at", "data-seq"] });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
"""


def build_event(workdir: Path, entries: int, people: int, tables: int) -> tuple[Path, str, str]:
    """The synthetic event, exported and imported into a fresh database: (database, event id, organiser token)."""
    made = synthetic(entries, people=people, tables=tables)
    state = EventState(id=made[0].event_id)
    for entry in made:
        apply(state, entry)
    path = workdir / "event.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for line in exports.transcript(state, made, int(time.time() * 1000)):
            out.write(line)
    database = workdir / "db.sqlite"
    done = subprocess.run(
        [*wholeroom_command(), "import", "transcript", str(path), "--database-url", f"sqlite:///{database}"],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stderr[-2000:]}")
    found = re.search(r"/e/([^/]+)/organiser#token=(\S+)", done.stdout)
    if not found:
        raise RuntimeError(f"no organiser link in: {done.stdout}")
    return database, found.group(1), found.group(2)


def _wait_drawn(page: Any, target: float, after_draws: int, timeout_ms: float = 30_000) -> dict[str, Any]:
    """The first draw of instant ``target`` among the draws after the first ``after_draws``."""
    handle = page.wait_for_function(
        """([target, n]) => window.__bench.draws.slice(n).find((d) => d.at === target) || null""",
        arg=[target, after_draws],
        timeout=timeout_ms,
        polling=5,
    )
    drawn: dict[str, Any] = handle.json_value()
    return drawn


def _scrubber(page: Any) -> float:
    return float(page.eval_on_selector("#replay-scrubber", "el => el.value"))


def _counts(page: Any) -> tuple[int, int]:
    n: list[int] = page.evaluate("() => [window.__bench.inputs.length, window.__bench.draws.length]")
    return n[0], n[1]


def _input_time(page: Any, index: int) -> float:
    t: float = page.evaluate("(i) => window.__bench.inputs[i].t", index)
    return t


PHASES = """([t0, drawn, painted, target]) => {
  const r = performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/replay/state?") && e.name.includes(`at=${target}`) && e.startTime >= t0 - 1)
    .pop();
  if (!r) return null;
  return { wait: r.requestStart - t0, server: r.responseStart - r.requestStart,
           transfer: r.responseEnd - r.responseStart,
           script: drawn - r.responseEnd, render: painted - drawn };
}"""
PHASES_NAMES = ("wait", "server", "transfer", "script", "render")
PROFILE: list[dict[str, float]] = []  # where each seek's time went (see PHASES)


def seek_once(page: Any, action: str) -> float | None:
    """One input; the ms from it to the frame that shows its instant (None when it did not move)."""
    before = _scrubber(page)
    inputs, draws = _counts(page)
    if action in ("next", "prev"):
        button = page.locator("#replay-next" if action == "next" else "#replay-prev")
        if button.is_disabled():
            return None
        button.click()
    else:
        page.focus("#replay-scrubber")
        page.keyboard.press(action)
    target = _scrubber(page)
    if target == before:
        return None
    drawn = _wait_drawn(page, target, draws)
    t0 = _input_time(page, inputs)
    phases = page.evaluate(PHASES, [t0, drawn["drawn"], drawn["painted"], target])
    if phases:
        PROFILE.append(phases)
    return float(drawn["painted"]) - t0


def hold_key(page: Any, key: str, presses: int, every_ms: int = 35) -> float | None:
    """A held key (auto-repeat): the ms from the last press to the picture of where it stopped."""
    page.focus("#replay-scrubber")
    before = _scrubber(page)
    inputs, draws = _counts(page)
    for i in range(presses):
        page.keyboard.press(key)
        if i < presses - 1:
            time.sleep(every_ms / 1000)
    target = _scrubber(page)
    if target == before:
        return None
    drawn = _wait_drawn(page, target, draws)
    return float(drawn["painted"]) - _input_time(page, inputs + presses - 1)


def measure(url: str, event_id: str, token: str, seeks: int, holds: int, seed: int = 11) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # 1. the page as it opens by default: what it fetches in its first seconds, the harvest preview
            ctx = browser.new_context(viewport={"width": 1366, "height": 900})
            ctx.add_init_script(INSTRUMENT)
            page = ctx.new_page()
            fetched: list[tuple[str, int]] = []
            page.on("requestfinished", lambda r: fetched.append((r.url, r.sizes()["responseBodySize"])))
            socket_bytes: list[int] = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: socket_bytes.append(len(frame))))
            page.goto(f"{url}/e/{event_id}/organiser#token={token}")
            opened: dict[str, Any] = {"harvest_ms": None}
            if page.locator("#harvest-preview").count():  # a page with a harvest preview
                page.wait_for_selector("#harvest-preview[data-ready=true]", timeout=120_000)
                mark = "() => performance.getEntriesByName('harvest-drawn').map((m) => m.startTime).pop()"
                opened["harvest_ms"] = round(page.evaluate(mark), 1)
            page.wait_for_timeout(3000)
            opened["requests_first_3s"] = len(fetched)
            opened["transcript_pages_first_3s"] = sum(1 for u, _ in fetched if "/transcript?" in u)
            opened["kb_first_3s"] = round(sum(n for _, n in fetched) / 1024, 1)
            opened["socket_kb_first_3s"] = round(sum(socket_bytes) / 1024, 1)
            ctx.close()

            # 2. straight to the replay, to the first room drawn: the first time (the server builds
            # its replay index of the event), then again
            for name in ("replay_cold_ms", "replay_ms"):
                if name == "replay_ms":
                    ctx.close()
                ctx = browser.new_context(viewport={"width": 1366, "height": 900})
                ctx.add_init_script(INSTRUMENT)
                page = ctx.new_page()
                page.goto(f"{url}/e/{event_id}/organiser#token={token}&replay")
                page.wait_for_function("() => window.__bench.draws.length > 0", timeout=120_000, polling=10)
                opened[name] = round(page.evaluate("() => window.__bench.draws[0].painted"), 1)
            page.wait_for_function("() => !document.querySelector('#replay-scrubber').disabled")
            page.wait_for_timeout(500)
            out["open"] = opened

            # 3. seeks as a hand makes them, one at a time
            keys, jumps = [], []
            state_bytes: list[int] = []
            page.on(
                "requestfinished",
                lambda r: "/replay/state" in r.url and state_bytes.append(r.sizes()["responseBodySize"]),
            )
            page.focus("#replay-scrubber")
            page.keyboard.press("Home")
            _wait_drawn(page, _scrubber(page), 0)
            forward = True
            for i in range(seeks):
                if i % 4 == 3:
                    action = "next" if forward else "prev"
                else:
                    action = rng.choice(
                        ["ArrowRight", "ArrowRight", "PageUp"] if forward else ["ArrowLeft", "PageDown"]
                    )
                took = seek_once(page, action)
                if took is None:  # at an end: turn round
                    forward = not forward
                    continue
                (jumps if action in ("next", "prev") else keys).append(took)
                page.wait_for_timeout(rng.randint(80, 250))  # a hand between two presses
            held = []
            for _ in range(holds):
                page.keyboard.press("End" if forward else "Home")
                page.wait_for_timeout(300)
                took = hold_key(page, "ArrowLeft" if forward else "ArrowRight", 10)
                if took is not None:
                    held.append(took)
                page.wait_for_timeout(200)
            everything = keys + jumps
            out["seeks"] = {
                "all_ms": summary(everything, (50, 95)),
                "keys_ms": summary(keys, (50, 95)),
                "step_jumps_ms": summary(jumps, (50, 95)),
                "held_key_ms": summary(held, (50, 95)),
                "state_answer_kb": summary([b / 1024 for b in state_bytes], (50, 95)),
                # the median of each phase: before the request leaves (debounce, queue), the server's
                # answer, its transfer, the page's script (parse and DOM) and rendering the frame
                "phases_p50_ms": {k: summary([p[k] for p in PROFILE], (50,))["p50"] for k in PHASES_NAMES},
                "phases_p95_ms": {k: summary([p[k] for p in PROFILE], (95,))["p95"] for k in PHASES_NAMES},
            }
            ctx.close()
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Replay input-to-picture in Chromium on a long transcript")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--seeks", type=int, default=60)
    parser.add_argument("--holds", type=int, default=5, help="held-arrow bursts")
    parser.add_argument(
        "--themes",
        action="store_true",
        help="leave themes on (the server then embeds every idea of the event while it is measured)",
    )
    parser.add_argument("--quick", action="store_true", help="a small event and a few seeks, for CI")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.people, args.tables, args.seeks, args.holds = 3000, 100, 10, 8, 1
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="wholeroom-replay-browser-") as tmp:
        workdir = Path(tmp)
        t0 = time.perf_counter()
        database, event_id, token = build_event(workdir, args.entries, args.people, args.tables)
        built = time.perf_counter() - t0
        env = {} if args.themes else {"WHOLEROOM_THEMES": "false"}
        server = ServerProcess(database, ADMIN_SECRET, workdir / "server.log", env=env)
        server.start()
        try:
            result = measure(server.url, event_id, token, args.seeks, args.holds)
        finally:
            server.stop()
    load = os.getloadavg()[0]
    result["event"] = {
        "entries": args.entries,
        "people": args.people,
        "tables": args.tables,
        "build_s": round(built, 1),
        "load_average": round(load, 2),
        "themes": args.themes,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    o, s = result["open"], result["seeks"]
    print(
        f"replay in Chromium: {args.entries:,} entries, {args.people:,} people at {args.tables} tables "
        f"(built and imported in {built:.1f} s; themes {'on' if args.themes else 'off'}; load average {load:.2f})"
    )
    harvest = f"{o['harvest_ms']:.0f} ms" if o["harvest_ms"] is not None else "no preview"
    print(
        f"  open: harvest preview drawn {harvest}; replay drawn {o['replay_cold_ms']:.0f} ms after navigation the "
        f"first time (the server indexes the event), {o['replay_ms']:.0f} ms the next"
    )
    print(
        f"  the default view's first 3 s: {o['requests_first_3s']} requests ({o['transcript_pages_first_3s']} "
        f"transcript pages), {o['kb_first_3s']:.0f} KB, and {o['socket_kb_first_3s']:.0f} KB over the live socket"
    )

    def line(name: str, d: dict[str, float]) -> str:
        return f"  {name}: n {d['n']:.0f}, p50 {d['p50']:.0f} ms, p95 {d['p95']:.0f} ms, max {d['max']:.0f} ms"

    print(line("input to picture, every seek (target p95 < 300 ms)", s["all_ms"]))
    print(line("  keys on the scrubber", s["keys_ms"]))
    print(line("  step jumps", s["step_jumps_ms"]))
    print(line("held arrow key, last press to picture", s["held_key_ms"]))
    p50, p95 = s["phases_p50_ms"], s["phases_p95_ms"]
    print(
        "  where a seek's time goes, p50 / p95 (ms): "
        + ", ".join(f"{k} {p50[k]:.0f} / {p95[k]:.0f}" for k in PHASES_NAMES)
    )
    kb = s["state_answer_kb"]
    print(f"  state answer size: p50 {kb['p50']:.0f} KB, max {kb['max']:.0f} KB")


if __name__ == "__main__":
    main()
