"""Live themes in Chromium: from an idea typed on a phone to the themes drawn on the console and the wall.

    python -m bench.themes_live [--phones 4] [--ideas 24] [--gap-ms 700] [--runs 2] [--set NAME] [--quick] [--json]

Starts a real server (``wholeroom serve`` on its own SQLite file, themes on, the default encoder),
creates an event, pushes a question, and opens in headless Chromium (/usr/bin/chromium, through
Playwright) the facilitator's console (1366x900), the wall (1920x1080, themes shown with T) and
``--phones`` phones (390x844). The ideas are typed on the phones in turn, one every ``--gap-ms``, and
sent with Enter, as people do: 32 short ideas on four subjects, or with ``--set`` the first
``--ideas`` of a realistic set of bench/data/themes (``growing-older``: 469 ideas about one
question; a phone sends at most 12 ideas a minute, so use enough phones). Measured, per run:

- **first themes**: from the Enter of the fifth idea to the frame in which the first theme is drawn
  on the console and on the wall (negative: drawn before the fifth idea);
- **settled**: from the Enter of the last idea to the last frame in which the themes picture changed
  (read after ``--quiet-s`` seconds without a change);
- **messages**: ``themes`` messages the console received, how many repeated the one before (same
  content but for ``seq``), and the same for ``idea_themes`` on the first phone.

"Drawn" is read in the page: an observer compares the themes' markup after every DOM change and, on
a change, waits for the next animation frame and the task after it (style, layout and paint done).
Times on different pages are compared on the wall clock (``performance.timeOrigin + now()``).
Run 1 starts as soon as the server answers; later runs use the same server (the model loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.server import CHROMIUM, CHROMIUM_ARGS, ServerProcess
from bench.stats import summary

ADMIN_SECRET = "bench-themes-live-admin-secret"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}

# Ideas on four subjects, in an order that mixes them as a room does (our own words).
TOPICS = {
    "transport": [
        "More buses at night so people can get home safely",
        "Night trams out to the suburbs",
        "Cheaper bus fares for teenagers",
        "A bus stop closer to the health centre",
        "Safe cycle lanes separated from traffic",
        "Trains that run later at weekends",
        "Bike parking at every station",
        "Better public transport after dark",
    ],
    "green": [
        "Plant trees along the high street",
        "More parks and green space",
        "Trees and flowers in every square",
        "A community garden on the empty lot",
        "Benches and shade in the parks",
        "Turn the old car park into a meadow",
        "Wildflowers on the roundabouts",
        "Allotments for people without gardens",
    ],
    "youth": [
        "A youth club open in the evenings",
        "Somewhere for teenagers to go that is free",
        "Skate park by the river",
        "Music rooms where young people can rehearse",
        "Free sports sessions for young people",
        "A place for teenagers to meet after school",
        "Holiday clubs that families can afford",
        "Mentoring for young people leaving school",
    ],
    "housing": [
        "Affordable homes for young families",
        "Stop empty flats staying empty",
        "Repair damp council housing",
        "Rents people on low pay can afford",
        "Homes for older people near the shops",
        "Fewer holiday lets and more homes for locals",
        "Help first-time buyers with deposits",
        "Insulate old houses to cut heating bills",
    ],
}


SETS = Path(__file__).resolve().parent / "data" / "themes"


def realistic(name: str, n: int) -> tuple[str, list[str]]:
    """The question and the first ``n`` ideas of a realistic set (bench/data/themes/sets.json)."""
    chosen = next((s for s in json.loads((SETS / "sets.json").read_text()) if s["name"] == name), None)
    if chosen is None:
        raise SystemExit(f"no set {name!r} in {SETS / 'sets.json'}")
    lines = (SETS / chosen["file"]).read_text(encoding="utf-8").splitlines()
    return chosen["topic"], [json.loads(line)["text"] for line in lines if line.strip()][:n]


def ideas_in_order(n: int) -> list[str]:
    lists = list(TOPICS.values())
    out: list[str] = []
    for i in range(max(len(x) for x in lists)):
        for topic in lists:
            if i < len(topic):
                out.append(topic[i])
    return out[:n]


# Set up in every page before its own scripts: Enter in the idea box, and the themes as drawn.
INSTRUMENT = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const b = (window.__bench = { inputs: [], draws: [] });
  addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target && e.target.id === "idea-text" && e.target.value.trim()) {
      b.inputs.push({ t: performance.timeOrigin + e.timeStamp, text: e.target.value.trim() });
    }
  }, true);
  window.__benchWatch = (selectors, countSelector) => {
    let last = null;
    const record = () => {
      const html = selectors.map((s) => (document.querySelector(s) || {}).innerHTML || "").join("|");
      if (html === last) return;
      last = html;
      const n = document.querySelectorAll(countSelector).length;
      const drawn = now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();  // the task after the frame: it has been rendered
        channel.port1.onmessage = () => b.draws.push({ n, drawn, painted: now() });
        channel.port2.postMessage(null);
      });
    };
    const all = { childList: true, subtree: true, characterData: true, attributes: true };
    new MutationObserver(record).observe(document.body, all);
    record();
  };
})();
"""
CONSOLE_WATCH = (["#theme-cards", "#unthemed"], "#theme-cards > .th-card")
WALL_WATCH = (["#feature-body"], ".th-list > .th-theme")


def http(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode())


class Frames:
    """The messages a page's websocket received, by type, and how many repeated the one before."""

    def __init__(self, page: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: Any) -> None:
        try:
            self.messages.append(json.loads(payload))
        except (TypeError, ValueError):
            pass

    def count(self, kind: str, since: int = 0) -> tuple[int, int]:
        """(messages of ``kind``, of which the same as the one before but for seq) after index ``since``."""
        n = repeats = 0
        previous = None
        for m in self.messages[since:]:
            if m.get("type") != kind:
                continue
            body = json.dumps({k: v for k, v in m.items() if k != "seq"}, sort_keys=True)
            n += 1
            repeats += body == previous
            previous = body
        return n, repeats


def _draws(page: Any) -> list[dict[str, float]]:
    draws: list[dict[str, float]] = page.evaluate("() => window.__bench.draws")
    return draws


QUESTION = "What would make this town better to live in?"


def one_run(
    browser: Any, base: str, phones: int, ideas: list[str], gap_ms: int, quiet_s: float, question: str = QUESTION
) -> dict[str, Any]:
    event = http("POST", f"{base}/api/events", {"title": "Our town in 2035", "tables": max(2, phones)}, ADMIN_SECRET)
    event_id, code, tokens = event["event_id"], event["join_code"], event["tokens"]
    push = {"type": "step.push", "text": question}
    http("POST", f"{base}/api/events/{event_id}/commands", push, tokens["facilitator"])
    contexts = []

    def open_page(size: dict[str, Any], url: str, init: str | None = None) -> Any:
        ctx = browser.new_context(**size)
        ctx.add_init_script(INSTRUMENT)
        if init:
            ctx.add_init_script(init)
        contexts.append(ctx)
        page = ctx.new_page()
        frames = Frames(page)
        page.goto(url)
        page.locator(".badge[data-state=live]").wait_for(timeout=30_000)
        page.frames_seen = frames
        return page

    try:
        console = open_page(LAPTOP, f"{base}/e/{event_id}/console#token={tokens['facilitator']}")
        wall = open_page(PROJECTOR, f"{base}/e/{event_id}/wall#token={tokens['wall']}")
        wall.keyboard.press("t")  # the themes view, during an ideas step
        wall.locator("#feature[data-type=themes]").wait_for(timeout=10_000)
        console.evaluate("([s, c]) => window.__benchWatch(s, c)", list(CONSOLE_WATCH))
        wall.evaluate("([s, c]) => window.__benchWatch(s, c)", list(WALL_WATCH))
        pages = []
        for n in range(phones):
            joined = http("POST", f"{base}/api/join", {"code": code, "table_id": str(n % max(2, phones) + 1)})
            session = {**joined, "join_code": code, "name": None}
            k, v = json.dumps(f"wholeroom:{event_id}"), json.dumps(json.dumps(session))
            init = f"if (!localStorage.getItem({k})) localStorage.setItem({k}, {v});"
            phone = open_page(PHONE, f"{base}/e/{event_id}/phone", init)
            phone.locator("#idea-text:not([disabled])").wait_for(timeout=10_000)
            pages.append(phone)
        since = {id(p): len(p.frames_seen.messages) for p in (console, pages[0])}
        console_draws, wall_draws = len(_draws(console)), len(_draws(wall))
        sent: list[float] = []
        for i, text in enumerate(ideas):
            phone = pages[i % phones]
            started = time.monotonic()
            phone.fill("#idea-text", text)
            phone.press("#idea-text", "Enter")
            sent.append(float(phone.evaluate("() => window.__bench.inputs.at(-1).t")))
            rest = gap_ms / 1000 - (time.monotonic() - started)
            if rest > 0 and i < len(ideas) - 1:
                time.sleep(rest)
        # wait until neither screen has changed its themes for quiet_s
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            latest = max(
                [d["painted"] for d in _draws(console)[console_draws:] + _draws(wall)[wall_draws:]] or [sent[-1]]
            )
            now = float(console.evaluate("() => performance.timeOrigin + performance.now()"))
            if now - max(latest, sent[-1]) >= quiet_s * 1000:
                break
            time.sleep(0.25)
        acked = sum(p.locator("#ideas li.mine").count() for p in pages)
        out: dict[str, Any] = {"ideas": len(ideas), "acked": acked}
        fifth, last = sent[min(4, len(sent) - 1)], sent[-1]
        for name, page, before in (("console", console, console_draws), ("wall", wall, wall_draws)):
            draws = _draws(page)[before:]
            first = next((d["painted"] for d in draws if d["n"] > 0), None)
            out[name] = {
                "first_themes_ms": round(first - fifth) if first is not None else None,
                "settled_ms": round(max(d["painted"] for d in draws) - last) if draws else None,
                "redraws": len(draws),
                "themes_at_end": draws[-1]["n"] if draws else 0,
            }
        out["console"]["themes_messages"], out["console"]["repeated"] = console.frames_seen.count(
            "themes", since[id(console)]
        )
        out["phone"] = dict(
            zip(
                ("idea_themes_messages", "repeated"),
                pages[0].frames_seen.count("idea_themes", since[id(pages[0])]),
                strict=True,
            )
        )
        return out
    finally:
        for ctx in contexts:
            ctx.close()


def model_ready_s(log_path: Path, started: float) -> float | None:
    """Seconds from the server's start to the log line saying the model is loaded (if it says so)."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    found = re.search(r"themes: encoder \S+ loaded in the embedding worker in ([0-9.]+) s", text)
    return float(found.group(1)) if found else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Live themes, input to picture in Chromium")
    parser.add_argument("--phones", type=int, default=4)
    parser.add_argument("--ideas", type=int, default=24)
    parser.add_argument("--gap-ms", type=int, default=700, help="between two ideas (any phone)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quiet-s", type=float, default=15.0, help="no change for this long: settled")
    parser.add_argument("--set", dest="set_name", help="a realistic set of bench/data/themes (e.g. growing-older)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    parser.add_argument("--quick", action="store_true", help="two phones, eight ideas, one run (CI smoke)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.phones, args.ideas, args.runs, args.gap_ms, args.quiet_s = 2, 8, 1, 500, 6.0
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    question, ideas = realistic(args.set_name, args.ideas) if args.set_name else (QUESTION, ideas_in_order(args.ideas))
    result: dict[str, Any] = {"runs": []}
    with tempfile.TemporaryDirectory(prefix="wholeroom-themes-live-") as tmp, sync_playwright() as p:
        workdir = Path(tmp)
        env = {"WHOLEROOM_THEMES": "true", **dict(e.split("=", 1) for e in args.env)}
        server = ServerProcess(workdir / "db.sqlite", ADMIN_SECRET, workdir / "server.log", env=env)
        t0 = time.monotonic()
        server.start(timeout=60)
        result["server_answers_s"] = round(time.monotonic() - t0, 2)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(args.runs):
                run = one_run(browser, server.url, args.phones, ideas, args.gap_ms, args.quiet_s, question)
                result["runs"].append(run)
        finally:
            browser.close()
            server.stop()
        result["model_loaded_s"] = model_ready_s(workdir / "server.log", t0)
    result["load_average"] = round(os.getloadavg()[0], 2)
    runs = result["runs"]
    for screen in ("console", "wall"):
        for key in ("first_themes_ms", "settled_ms"):
            values = [r[screen][key] for r in runs if r[screen][key] is not None]
            result[f"{screen}_{key}"] = summary(values, (50,)) if values else None
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"live themes in Chromium: {args.phones} phones, {len(ideas)} ideas"
        + (f" of {args.set_name}" if args.set_name else "")
        + f" one every {args.gap_ms} ms, "
        f"{args.runs} run(s); server answered in {result['server_answers_s']} s"
        + (f", model loaded {result['model_loaded_s']} s after start" if result["model_loaded_s"] else "")
        + f"; load average {result['load_average']}"
    )
    for i, r in enumerate(runs, start=1):
        c, w, ph = r["console"], r["wall"], r["phone"]
        print(
            f"  run {i}: first themes after the 5th idea: console {c['first_themes_ms']} ms, wall "
            f"{w['first_themes_ms']} ms; settled after the last idea: console {c['settled_ms']} ms, wall "
            f"{w['settled_ms']} ms; themes at the end {c['themes_at_end']}; ideas acknowledged "
            f"{r['acked']}/{r['ideas']}"
        )
        print(
            f"         themes messages to the console {c['themes_messages']} ({c['repeated']} repeated the one "
            f"before), idea_themes to a phone {ph['idea_themes_messages']} ({ph['repeated']} repeated)"
        )


if __name__ == "__main__":
    main()
