"""The HTML harvest report in Chromium: styled whether opened from disk or served under its own
policy, readable on a phone, and printed to A4 with a sane number of pages and no table row cut
across a page break (checked in the PDF's text, and shown to fail without the print rule)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bench.report import build, report
from server import exports
from server.domain.harvest import harvest
from server.web.headers import CSP as SITE_CSP
from tests.domain.helpers import Scene

pytestmark = pytest.mark.browser

STEPS = 40  # the arc's rows open on screen (exports.LIMITS["LIMIT_STEPS"])
FILLER = "so that everyone can get there safely in the evening and at weekends, near the station " * 3


@pytest.fixture(scope="module")
def small() -> str:
    """A scripted event of 60 people at 6 tables (about 180 ideas): its details start open."""
    return exports.html(report(build(60, 6, 180)))


@pytest.fixture(scope="module")
def larger() -> str:
    """400 people at 40 tables, about 1,600 ideas: its details start collapsed."""
    return exports.html(report(build(400, 40, 1600)))


def long_steps() -> str:
    """A report whose arc has 40 steps of several lines each, marked at both ends."""
    scene = Scene(tables=2)
    for k in range(STEPS):
        scene.now += 60_000
        scene.push(f"Qbegin{k:02d} What would make our town better {FILLER} Qend{k:02d}")
    return exports.html(harvest(scene.state, scene.now))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    ctx.on("console", lambda m: m.type == "error" and errors.append(m.text))
    p = ctx.new_page()
    p.errors = errors
    yield p
    ctx.close()


def open_file(page: Any, tmp_path: Path, text: str) -> None:
    path = tmp_path / "report.html"
    path.write_text(text, encoding="utf-8")
    page.goto(path.as_uri())


def styled(page: Any) -> bool:
    """Whether the report's stylesheet applies (the figures' numbers are bold, the body narrow)."""
    return bool(
        page.evaluate("""() => getComputedStyle(document.querySelector('.figures dd')).fontWeight === '700'
                                  && getComputedStyle(document.body).maxWidth !== 'none'""")
    )


def pdf_pages(page: Any) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages]


def cut_rows(pages: list[str]) -> list[int]:
    """The arc's rows whose first and last words are printed on different pages."""

    def where(word: str) -> list[int]:
        return [n for n, text in enumerate(pages) if word in text]

    found = [(k, where(f"Qbegin{k:02d}"), where(f"Qend{k:02d}")) for k in range(STEPS)]
    assert all(first and last for _, first, last in found), found  # every row printed
    return [k for k, first, last in found if first != last]


def test_the_report_opened_from_disk_is_styled_and_runs_under_its_own_policy(
    page: Any, small: str, tmp_path: Path
) -> None:
    open_file(page, tmp_path, small)
    assert styled(page)
    assert page.locator("svg[role=img]").count() == 3  # the theme map, the opinion map, participation
    assert not page.errors, page.errors  # its <meta> policy refused nothing


@contextmanager
def serve(body: str, policy: str) -> Iterator[str]:
    """``body`` over HTTP on a free loopback port, with ``policy`` as its Content-Security-Policy."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/harvest.html"
    finally:
        server.shutdown()
        server.server_close()


def test_served_with_its_policy_it_is_styled_and_under_the_site_policy_it_would_not_be(page: Any, small: str) -> None:
    """The export route sends the report's own policy (exports.REPORT_CSP), which allows its one
    <style> by hash; the pages' policy would refuse it, so the check can fail."""
    for policy, expect_styled in ((exports.REPORT_CSP, True), (SITE_CSP, False)):
        page.errors.clear()
        with serve(small, policy) as url:
            page.goto(url)
            assert styled(page) is expect_styled
        refused = [e for e in page.errors if "Content Security Policy" in e]
        assert bool(refused) is not expect_styled, page.errors


def test_on_a_phone_nothing_overflows_sideways(browser: Any, small: str, tmp_path: Path) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = ctx.new_page()
        open_file(page, tmp_path, small)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        ctx.close()


def test_a_small_event_prints_everything_on_a_sane_number_of_a4_pages(page: Any, small: str, tmp_path: Path) -> None:
    open_file(page, tmp_path, small)
    pages = pdf_pages(page)
    assert 4 <= len(pages) <= 30, len(pages)
    text = "\n".join(pages)
    assert "Each table's journey" in text and "All ideas by theme" in text
    assert "collapsed on screen" not in text  # small: the details were open, so they printed
    last = page.locator("details li").last.inner_text()  # "... (talk 178)": each idea's text is unique
    tag = re.search(r"\((\w+ \d+)\)$", last)
    assert tag is not None and tag.group(1) in re.sub(r"\s+", " ", text)


def test_a_larger_event_prints_its_summaries_and_says_what_was_left_collapsed(
    page: Any, larger: str, tmp_path: Path
) -> None:
    open_file(page, tmp_path, larger)
    pages = pdf_pages(page)
    assert 3 <= len(pages) <= 15, len(pages)
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "Each table's journey (40 tables) (collapsed on screen, so not printed)" in text
    assert "Small numbers in every table" in text and "Table 39," not in text  # 40 tables counted, not listed


def test_no_table_row_is_cut_across_a_page_and_the_header_repeats(page: Any, tmp_path: Path) -> None:
    open_file(page, tmp_path, long_steps())
    pages = pdf_pages(page)
    assert len(pages) >= 3, len(pages)  # the arc runs over several pages
    assert cut_rows(pages) == []
    assert all("Planned" in text for text in pages if "Qbegin" in text)  # <thead> on every page


def test_without_the_print_rule_rows_are_cut(page: Any, tmp_path: Path) -> None:
    """The check above can fail: remove ``tr`` from the rule that keeps blocks whole, and Chromium
    splits rows across pages (the <meta> policy goes too, as it allows only the original CSS)."""
    text = long_steps()
    assert "tr, li, figure" in text
    text = text.replace("tr, li, figure", "li, figure")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    open_file(page, tmp_path, text)
    assert cut_rows(pdf_pages(page)) != []
