"""Every page runs under the server's strict Content-Security-Policy (no inline script, no style
attributes) without a single violation, and no page can be framed by another site."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, PHONE, LiveEvent

pytestmark = pytest.mark.browser


def test_every_page_works_under_the_csp(live_event: LiveEvent) -> None:
    """Each screen loads, draws and goes live with no CSP refusal (the fixture fails on any)."""
    live_event.command(type="step.push", text="What would you change?")
    phone = live_event.phone("1", "Ann")
    phone.fill("#idea-text", "A library open on Sundays")
    phone.locator("#idea-text").press("Enter")
    for screen in ("console", "wall", "organiser"):
        live_event.staff(screen)
    ctx = live_event.context(**LAPTOP)
    cards = live_event.page(ctx, live_event.url("cards"))
    expect(cards.locator(".card h2").first).to_be_visible()
    for path in ("/", "/admin", f"/join?code={live_event.code}"):
        page = live_event.page(ctx, f"{live_event.base}{path}")
        expect(page.locator("main")).to_be_visible()
    join = live_event.page(live_event.context(**PHONE), f"{live_event.base}/join?code={live_event.code}")
    expect(join.locator("main")).to_be_visible()


def test_a_csp_violation_is_caught(live_event: LiveEvent) -> None:
    """The check itself: an inline script slipped into a page is refused and reported."""
    page = live_event.staff("console")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                              document.body.append(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.x") is None
    caught = [e for e in live_event.errors if "CSP violation" in e]
    assert caught, live_event.errors
    live_event.errors.clear()  # expected here


def test_the_phone_page_cannot_be_framed(live_event: LiveEvent, browser: Any) -> None:
    ctx = browser.new_context()  # not the event's: the refusal is the point here
    try:
        page = ctx.new_page()
        page.set_content(f'<iframe id="f" src="{live_event.base}/e/{live_event.id}/phone"></iframe>')
        page.wait_for_timeout(1000)
        frame = page.frame_locator("#f")
        expect(frame.locator("main")).to_have_count(0)
    finally:
        ctx.close()


STATIC_ENTRIES = """() => performance.getEntriesByType("resource")
  .filter((e) => new URL(e.name).pathname.startsWith("/static/"))
  .map((e) => ({ path: new URL(e.name).pathname, wire: e.transferSize, sent: e.encodedBodySize,
                 body: e.decodedBodySize }))"""
ICON_FETCHED = "() => performance.getEntriesByType('resource').some((e) => e.name.includes('/static/icon.'))"


def test_the_phone_loads_its_modules_by_hashed_name_compressed_then_from_the_cache(live_event: LiveEvent) -> None:
    """The phone page goes live (its modules ran) with every file under a content-hashed name,
    compressed on the way; a second visit takes them all from the cache without asking the server."""
    phone = live_event.phone("1", "Ann")
    # the browser fetches the page's icon when it gets to it, sometimes after the page is live
    phone.wait_for_function(ICON_FETCHED)
    files = phone.evaluate(STATIC_ENTRIES)
    paths = {f["path"] for f in files}
    for name in ("phone", "live", "ui", "words", "style"):
        assert any(p.startswith(f"/static/{name}.") for p in paths), (name, paths)
    assert all(re.fullmatch(r"/static/[\w-]+\.[0-9a-f]{12}\.(js|css|svg)", p) for p in paths), paths
    for f in files:
        if f["path"].endswith((".js", ".css")) and f["body"] > 2000:
            assert 0 < f["sent"] < f["body"] / 2, f  # gzip, decoded by the browser
    again = live_event.page(phone.context, f"{live_event.base}/e/{live_event.id}/phone")
    again.locator(".badge[data-state=live]").wait_for()
    again.wait_for_function(ICON_FETCHED)
    repeat = again.evaluate(STATIC_ENTRIES)
    assert {f["path"] for f in repeat} == paths
    assert all(f["wire"] == 0 for f in repeat), repeat  # not even a revalidation
