"""A link opened on more screens than allowed: the oldest screen says so and stays quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, serving

pytestmark = pytest.mark.browser


def test_the_oldest_tab_of_a_link_opened_once_too_often_says_where_it_went(browser: Any, tmp_path: Path) -> None:
    """With one socket per token, the phone opened again in a second tab closes the first, which
    tells the person and does not reconnect (it would close the second in turn)."""
    with serving("sqlite", tmp_path, env={"WHOLEROOM_SOCKETS_PER_TOKEN": "1"}) as server:
        event = LiveEvent(server.url, browser, 2)
        try:
            first = event.phone("1", "Ana")
            second = first.context.new_page()  # same browser profile: the same stored session
            second.goto(first.url)
            second.locator(".badge[data-state=live]").wait_for()
            expect(first.get_by_role("alert")).to_contain_text("open in another tab or window")
            first.wait_for_timeout(1500)  # a tab that reconnected would have closed the second one
            expect(second.locator(".badge[data-state=live]")).to_have_count(1)
            expect(first.locator(".badge[data-state=live]")).to_have_count(0)
            assert not event.errors, event.errors
        finally:
            event.close()
