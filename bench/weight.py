"""What a phone downloads: the phone page's bytes on the wire, at the first visit and the next.

    python -m bench.weight [--json] [--locale es]

Starts a real server (``wholeroom serve`` on its own SQLite file, themes off), creates an event,
joins a phone through the API and opens its page in headless Chromium (/usr/bin/chromium, through
Playwright), as a phone that scanned a table card does. When the page is live it reads the page's
own Resource Timing entries: for the document and every file it loaded, the bytes on the wire
(``transferSize``: headers and body as sent, 0 when served from the cache), the body as sent
(``encodedBodySize``: compressed, if it was) and the body once decoded (``decodedBodySize``). Then
the same phone opens the page again in a new tab (the second visit: a reload after the phone
slept, or the next event) and the same entries are read. No byte is estimated: Chromium counts them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.server import CHROMIUM, CHROMIUM_ARGS, ServerProcess

ADMIN_SECRET = "bench-weight-admin-secret"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

READ_ENTRIES = """() => [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
  .map((e) => ({ url: e.name, wire: e.transferSize, sent: e.encodedBodySize, body: e.decodedBodySize }))"""


def _post(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def _visit(context: Any, url: str) -> list[dict[str, Any]]:
    page = context.new_page()
    page.goto(url)
    page.locator(".badge[data-state=live]").wait_for(timeout=30_000)
    entries: list[dict[str, Any]] = page.evaluate(READ_ENTRIES)
    page.close()
    return [e for e in entries if "/api/" not in e["url"]]  # the page and its files, not its data


def _totals(entries: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "files": len(entries),
        "wire_bytes": sum(e["wire"] for e in entries),
        "sent_body_bytes": sum(e["sent"] for e in entries),
        "decoded_body_bytes": sum(e["body"] for e in entries),
    }


def measure(locale: str | None = None) -> dict[str, Any]:
    """``locale``: the browser's language (its Accept-Language), e.g. "es": the phone page in Spanish,
    with its catalogue for the modules (one more file, kept a year like them)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="wholeroom-weight-") as tmp:
        server = ServerProcess(
            Path(tmp) / "db.sqlite", ADMIN_SECRET, Path(tmp) / "server.log", env={"WHOLEROOM_THEMES": "false"}
        )
        server.start()
        try:
            created = _post(f"{server.url}/api/events", {"title": "Weight", "tables": 3}, ADMIN_SECRET)
            joined = _post(f"{server.url}/api/join", {"code": created["join_code"], "table_id": "1"})
            session = {**joined, "join_code": created["join_code"], "name": None}
            url = f"{server.url}/e/{created['event_id']}/phone"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(**PHONE, **({"locale": locale} if locale else {}))
                key = json.dumps(f"wholeroom:{created['event_id']}")
                context.add_init_script(f"localStorage.setItem({key}, {json.dumps(json.dumps(session))});")
                first, second = _visit(context, url), _visit(context, url)
                browser.close()
        finally:
            server.stop()
    return {
        "first_visit": _totals(first),
        "second_visit": _totals(second),
        "files": sorted(first, key=lambda e: -int(e["body"])),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--locale", default=None, help="The browser's language, e.g. es (default: Chromium's).")
    args = parser.parse_args(argv)
    result = measure(args.locale)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    print(f"{'file':40s} {'on the wire':>12s} {'body sent':>10s} {'decoded':>9s}")
    for e in result["files"]:
        name = e["url"].split("/", 3)[-1][:40]
        print(f"{name:40s} {e['wire']:>12,d} {e['sent']:>10,d} {e['body']:>9,d}")
    for visit in ("first_visit", "second_visit"):
        t = result[visit]
        print(
            f"{visit.replace('_', ' ')}: {t['files']} files, {t['wire_bytes']:,} bytes on the wire "
            f"({t['sent_body_bytes']:,} bytes of bodies sent, {t['decoded_body_bytes']:,} decoded)"
        )


if __name__ == "__main__":
    main()
