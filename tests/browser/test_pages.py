"""End-to-end: facilitator console, projector wall and phones on a real server in real Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_SECRET, LAPTOP, PHONE, LiveEvent, ServerProcess, http

pytestmark = pytest.mark.browser


def idea_on_wall(wall: Any, table_id: str, text: str) -> Any:
    return wall.locator(f'#tables section[data-table-id="{table_id}"] li', has_text=text)


def idea_on_console(console: Any, table_id: str, text: str) -> Any:
    return console.locator(f'#stream section[data-table-id="{table_id}"] li', has_text=text)


def send_idea(phone: Any, text: str) -> None:
    expect(phone.locator("#idea-text")).to_be_enabled()
    phone.fill("#idea-text", text)
    phone.locator("#idea-text").press("Enter")


def test_step_pushed_to_one_table_reaches_only_that_table(live_event: LiveEvent) -> None:
    """A step the console pushes to table 1 only shows on table 1's phone; table 2 keeps its own step."""
    console = live_event.staff("console")
    assert "#token" not in console.url and console.url.endswith("/console")  # the token left the address bar
    one = live_event.phone("1", "Ana")
    two = live_event.phone("2", "Bo")

    console.fill("#step-text", "Warm-up: introduce yourselves")
    console.click("#push-button")
    expect(one.locator("#step-text")).to_have_text("Warm-up: introduce yourselves")
    expect(two.locator("#step-text")).to_have_text("Warm-up: introduce yourselves")

    console.fill("#step-text", "Table 1 only: what should the harbour keep?")
    console.fill("#step-minutes", "5")
    console.check("input[name=audience][value=chosen]")
    console.check("#table-checks input[value='1']")
    console.click("#push-button")
    expect(console.locator("#composer-message")).to_contain_text("Pushed to \u2068Table 1\u2069")  # (its name isolated)

    expect(one.locator("#step-text")).to_have_text("Table 1 only: what should the harbour keep?")
    expect(one.locator("#step-clock")).to_have_text(re.compile(r"^[45]:\d\d$"))
    expect(console.locator("#steps li")).to_have_count(2)
    expect(console.locator('#tables li[data-table-id="2"] .current')).to_have_text(
        "\u2068Warm-up: introduce yourselves\u2069"
    )
    two.wait_for_timeout(300)  # table 2 never receives the step: give it a moment to prove it
    expect(two.locator("#step-text")).to_have_text("Warm-up: introduce yourselves")
    expect(two.locator("#step-clock")).to_have_text("No time limit")

    console.reload()  # the token is kept for this tab, so a reload still works
    expect(console.locator(".badge")).to_have_attribute("data-state", "live")
    expect(console.locator("#steps li")).to_have_count(2)


def test_ideas_reach_wall_grouped_by_table_and_console(live_event: LiveEvent) -> None:
    """Ideas typed on two phones appear on the wall under their own tables and in the console's stream."""
    live_event.command(type="step.push", text="What do you want to keep about this town?", duration_s=600)
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    one = live_event.phone("1", "Ana")
    two = live_event.phone("2")

    send_idea(one, "More buses at night")
    send_idea(two, "The Saturday market")
    send_idea(one, "Quiet streets after ten")

    expect(wall.locator("#question")).to_have_text("What do you want to keep about this town?")
    expect(wall.locator("#clock")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
    expect(idea_on_wall(wall, "1", "More buses at night")).to_have_count(1)
    expect(idea_on_wall(wall, "1", "Quiet streets after ten")).to_have_count(1)
    expect(idea_on_wall(wall, "2", "The Saturday market")).to_have_count(1)
    expect(idea_on_wall(wall, "2", "More buses")).to_have_count(0)
    # newest first within a table
    newest_first = ["Quiet streets after ten", "More buses at night"]
    expect(wall.locator('#tables section[data-table-id="1"] li')).to_have_text(newest_first)
    expect(wall.locator('#tables section[data-table-id="1"] .here')).to_contain_text("1 here")

    expect(idea_on_console(console, "1", "More buses at night")).to_contain_text("Ana")
    expect(idea_on_console(console, "2", "The Saturday market")).to_have_count(1)
    expect(console.locator("#stream li")).to_have_count(3)

    # each phone sees its own table's ideas only, its own marked
    expect(one.locator("#ideas li.mine")).to_have_count(2)
    expect(one.locator("#ideas li", has_text="The Saturday market")).to_have_count(0)
    expect(two.locator("#ideas li")).to_have_text([re.compile("The Saturday market")])


def test_hidden_idea_vanishes_from_wall_and_phone(live_event: LiveEvent) -> None:
    """A hidden idea leaves the wall and its table's phones at once, and stays struck through on the console."""
    live_event.command(type="step.push", text="What would you change?")
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    one = live_event.phone("1")
    neighbour = live_event.phone("1")

    send_idea(one, "Name and shame my neighbour")
    send_idea(one, "A library open on Sundays")
    expect(idea_on_wall(wall, "1", "Name and shame")).to_have_count(1)
    expect(neighbour.locator("#ideas li", has_text="Name and shame")).to_have_count(1)

    idea_on_console(console, "1", "Name and shame").get_by_role("button", name=re.compile("^Hide")).click()

    expect(idea_on_wall(wall, "1", "Name and shame")).to_have_count(0)
    expect(one.locator("#ideas li", has_text="Name and shame")).to_have_count(0)
    expect(neighbour.locator("#ideas li", has_text="Name and shame")).to_have_count(0)
    expect(idea_on_wall(wall, "1", "A library open on Sundays")).to_have_count(1)
    expect(one.locator("#ideas li", has_text="A library open on Sundays")).to_have_count(1)
    hidden = idea_on_console(console, "1", "Name and shame")
    expect(hidden).to_have_class(re.compile(r"\bhidden-idea\b"))
    expect(hidden.locator(".idea-text")).to_have_css("text-decoration-line", "line-through")
    expect(hidden.get_by_role("button", name=re.compile("^Restore"))).to_be_visible()

    wall.reload()  # and a fresh wall snapshot never carries it either
    expect(idea_on_wall(wall, "1", "A library open on Sundays")).to_have_count(1)
    expect(wall.locator("#tables")).not_to_contain_text("Name and shame")


def test_idea_typed_offline_is_sent_once_when_back_online(live_event: LiveEvent) -> None:
    """A phone that goes offline queues its idea, shows it waiting, and sends it exactly once when back online."""
    live_event.command(type="step.push", text="One wish for the town?")
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    phone = live_event.phone("2", "Cy")
    expect(phone.locator("#step-text")).to_have_text("One wish for the town?")

    phone.context.set_offline(True)
    expect(phone.locator(".badge")).to_have_attribute("data-state", "offline")
    expect(phone.locator(".badge")).to_have_text("Offline")
    send_idea(phone, "A swimming pool by the river")
    queued = phone.locator("#ideas li.queued", has_text="A swimming pool by the river")
    expect(queued).to_contain_text("Waiting to send")
    outbox = phone.evaluate(f"localStorage.getItem('wholeroom:{live_event.id}:outbox')")
    assert outbox and json.loads(outbox)[0]["text"] == "A swimming pool by the river"
    phone.wait_for_timeout(800)  # a few reconnection attempts fail meanwhile
    expect(idea_on_wall(wall, "2", "A swimming pool")).to_have_count(0)

    phone.context.set_offline(False)
    expect(phone.locator(".badge")).to_have_attribute("data-state", "live")
    expect(idea_on_wall(wall, "2", "A swimming pool by the river")).to_have_count(1)
    expect(idea_on_console(console, "2", "A swimming pool by the river")).to_have_count(1)
    expect(phone.locator("#ideas li", has_text="A swimming pool by the river")).to_have_count(1)
    expect(phone.locator("#ideas li.queued")).to_have_count(0)
    assert phone.evaluate(f"localStorage.getItem('wholeroom:{live_event.id}:outbox')") is None
    phone.reload()  # sending it again (the reload re-reads everything) must not duplicate it
    expect(phone.locator(".badge")).to_have_attribute("data-state", "live")
    expect(phone.locator("#ideas li", has_text="A swimming pool by the river")).to_have_count(1)
    expect(wall.locator("#tables li", has_text="A swimming pool by the river")).to_have_count(1)
    expect(console.locator("#stream li", has_text="A swimming pool by the river")).to_have_count(1)
    assert len([i for i in live_event.snapshot()["ideas"] if i["text"] == "A swimming pool by the river"]) == 1


def test_queued_idea_survives_a_reload(live_event: LiveEvent) -> None:
    """An idea still waiting in the outbox when the page reloads is sent, once, after the reload."""
    live_event.command(type="step.push", text="One wish for the town?")
    console = live_event.staff("console")
    phone = live_event.phone("3")
    # the server becomes unreachable for this page: its websocket opens but nobody answers
    phone.route_web_socket(re.compile(r"/ws$"), lambda ws: None)
    phone.context.set_offline(True)
    expect(phone.locator(".badge")).to_have_attribute("data-state", "offline")
    send_idea(phone, "Benches in the shade")
    expect(phone.locator("#ideas li.queued", has_text="Benches in the shade")).to_have_count(1)
    phone.context.set_offline(False)
    expect(phone.locator(".badge")).to_have_attribute("data-state", re.compile("connecting|reconnecting"))
    phone.wait_for_timeout(300)
    expect(console.locator("#stream li", has_text="Benches in the shade")).to_have_count(0)

    phone.unroute_all()
    fresh = live_event.page(phone.context, f"{live_event.base}/e/{live_event.id}/phone")
    phone.close()
    expect(fresh.locator(".badge")).to_have_attribute("data-state", "live")
    expect(console.locator("#stream li", has_text="Benches in the shade")).to_have_count(1)
    expect(fresh.locator("#ideas li", has_text="Benches in the shade")).to_have_count(1)
    expect(fresh.locator("#ideas li.queued")).to_have_count(0)


def test_join_from_a_table_qr_code_in_one_screen(live_event: LiveEvent) -> None:
    """The per-table QR URL fills in code and table; one tap on Join lands on that table's phone page."""
    ctx = live_event.context(**PHONE)
    page = live_event.page(ctx, f"{live_event.base}/join?code={live_event.code.lower()}&table=3")
    expect(page.locator("#code")).to_have_value(live_event.code.lower())
    expect(page.locator("#event-title")).to_contain_text("Our town in 2035")
    expect(page.locator("#table")).to_have_value("3")
    expect(page.locator("#table")).to_be_disabled()
    expect(page.locator("#table-locked")).to_contain_text("Table 3")
    page.fill("#name", "Dana")
    page.get_by_role("button", name="Join").click()

    page.wait_for_url(f"**/e/{live_event.id}/phone")
    expect(page.locator(".badge")).to_have_attribute("data-state", "live")
    expect(page.locator("#whereami")).to_have_text("You are at Table 3 as Dana")
    stored = json.loads(page.evaluate(f"localStorage.getItem('wholeroom:{live_event.id}')"))
    assert stored["event_id"] == live_event.id and stored["token"] and stored["participant_id"]
    people = live_event.snapshot()["participants"]
    assert [(p["name"], p["table_id"]) for p in people] == [("Dana", "3")]

    # back on the join page, the phone is offered to continue as before
    page.goto(f"{live_event.base}/join?code={live_event.code}")
    expect(page.locator("#continue")).to_be_visible()
    expect(page.locator("#continue-text")).to_contain_text("as Dana at Table 3")


def test_join_page_explains_a_wrong_code_and_table(live_event: LiveEvent) -> None:
    """A wrong code or an unknown table is explained next to its field, in the server's words."""
    ctx = live_event.context(**PHONE)
    page = live_event.page(ctx, f"{live_event.base}/join?table=9")
    page.fill("#code", "AAA-AAA")
    expect(page.locator("#code-error")).to_contain_text("no event has the join code")
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    page.fill("#code", live_event.code.lower())
    expect(page.locator("#code-error")).to_be_empty()
    expect(page.locator("#table-error")).to_contain_text('no table "9"')
    expect(page.locator("#table")).to_be_enabled()
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#table-error")).to_have_text("Choose your table.")
    assert page.url.startswith(f"{live_event.base}/join")


def test_idea_with_markup_is_shown_as_text_not_run(live_event: LiveEvent) -> None:
    """An idea carrying an <img onerror> payload is displayed literally on phone, wall and console, and never runs."""
    live_event.command(type="step.push", text="Anything else?")
    wall = live_event.staff("wall")
    console = live_event.staff("console")
    phone = live_event.phone("1", '<b onmouseover="window.__xss=2">Eve</b>')
    attack = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=3</script>'
    send_idea(phone, attack)

    for page, where in ((wall, "#tables li"), (console, "#stream li .idea-text"), (phone, "#ideas li .idea-text")):
        item = page.locator(where, has_text="onerror")
        expect(item).to_have_count(1)
        expect(item).to_have_text(attack)
        assert page.locator("#tables img, #stream img, #ideas img").count() == 0
        assert page.evaluate("window.__xss") is None
    expect(console.locator("#stream li .who")).to_have_text('<b onmouseover="window.__xss=2">Eve</b>')
    expect(phone.locator("#whereami")).to_contain_text('<b onmouseover="window.__xss=2">Eve</b>')
    # no alert() dialog opened anywhere: the fixture fails the test on any dialog or page error


def test_idea_refused_for_good_keeps_its_text(live_event: LiveEvent) -> None:
    """An offline idea whose step ended meanwhile is shown as not sent, with its text kept to copy or send again."""
    live_event.command(type="step.push", text="First round")
    phone = live_event.phone("1")
    step_id = live_event.snapshot()["steps"][0]["id"]
    phone.context.set_offline(True)
    expect(phone.locator(".badge")).to_have_attribute("data-state", "offline")
    send_idea(phone, "Late but important")
    live_event.command(type="step.end", step_id=step_id)
    phone.context.set_offline(False)

    failed = phone.locator("#ideas li.failed")
    expect(failed).to_contain_text("Not sent")
    expect(failed).to_contain_text("that step has ended")
    expect(failed.locator(".idea-text")).to_have_text("Late but important")
    expect(phone.locator("#idea-text")).to_be_disabled()
    expect(phone.locator("#step-status")).to_contain_text("ended")
    failed.get_by_role("button", name="Put back in the box").click()
    expect(phone.locator("#ideas li.failed")).to_have_count(0)
    expect(phone.locator("#idea-text")).to_have_value("Late but important")

    second = live_event.command(type="step.push", text="Second round")["step_id"]
    expect(phone.locator("#idea-text")).to_be_enabled()
    phone.locator("#idea-text").press("Enter")
    # committed (the queued copy, shown while it is sent, is "li.queued.mine")
    expect(phone.locator("#ideas li.mine:not(.queued)", has_text="Late but important")).to_have_count(1)
    assert [(i["text"], i["step_id"]) for i in live_event.snapshot()["ideas"]] == [("Late but important", second)]


def test_changing_table_redraws_the_phone(live_event: LiveEvent) -> None:
    """Moving (by the phone itself, then by the facilitator) redraws the phone with the new table's step and ideas."""
    live_event.command(type="step.push", text="Harbour question", audience={"tables": ["1"], "role": None})
    live_event.command(type="step.push", text="Hill question", audience={"tables": ["2"], "role": None})
    console = live_event.staff("console")
    here = live_event.phone("1", "Fay")
    there = live_event.phone("2")
    send_idea(there, "An idea from table 2")
    send_idea(here, "An idea from table 1")
    expect(here.locator("#ideas li")).to_have_count(1)

    here.locator("#move summary").click()
    here.select_option("#move-table", "2")
    here.get_by_role("button", name="Move to this table").click()
    expect(here.locator("#whereami")).to_have_text("You are at Table 2 as Fay")
    expect(here.locator("#step-text")).to_have_text("Hill question")
    expect(here.locator("#ideas li")).to_have_text([re.compile("An idea from table 2")])
    row = console.locator("#people tr", has_text="Fay")
    expect(row.locator("select.table-select")).to_have_value("2")

    row.locator("select.table-select").select_option("1")  # the facilitator seats Fay back at table 1
    expect(here.locator("#whereami")).to_have_text("You are at Table 1 as Fay")
    expect(here.locator("#step-text")).to_have_text("Harbour question")
    expect(here.locator("#ideas li")).to_have_text([re.compile("An idea from table 1")])
    expect(console.locator('#tables li[data-table-id="1"] .joined')).to_have_text("1")
    # the move is confirmed beside the list, with an undo that seats her back
    moved = console.locator("#people-message")
    expect(moved).to_contain_text("Moved Fay from Table 2 to Table 1.")
    moved.get_by_role("button", name="Undo: move Fay back to Table 2").click()
    expect(moved).to_have_text("Fay is back at Table 2.")
    expect(here.locator("#whereami")).to_have_text("You are at Table 2 as Fay")


def test_pages_reconnect_and_resume_after_a_server_restart(own_server: ServerProcess, browser: Any) -> None:
    """When the server restarts, phone and wall reconnect by themselves; the idea typed meanwhile arrives once."""
    event = LiveEvent(own_server.url, browser, 2)
    try:
        event.command(type="step.push", text="Keep talking")
        wall = event.staff("wall")
        phone = event.phone("1")
        send_idea(phone, "Before the restart")
        expect(idea_on_wall(wall, "1", "Before the restart")).to_have_count(1)

        own_server.stop()
        expect(phone.locator(".badge")).to_have_attribute("data-state", "reconnecting")
        expect(wall.locator(".badge")).to_have_text("Reconnecting…")
        send_idea(phone, "During the restart")
        expect(phone.locator("#ideas li.queued")).to_contain_text("During the restart")
        own_server.start()

        expect(phone.locator(".badge")).to_have_attribute("data-state", "live", timeout=15_000)
        expect(wall.locator(".badge")).to_have_attribute("data-state", "live", timeout=15_000)
        expect(idea_on_wall(wall, "1", "During the restart")).to_have_count(1)
        expect(wall.locator("#tables li")).to_have_count(2)
        expect(phone.locator("#ideas li")).to_have_count(2)
        expect(phone.locator("#ideas li.queued")).to_have_count(0)
    finally:
        event.close()
    assert not event.errors, event.errors


def test_admin_creates_an_event_whose_links_work(server_url: str, browser: Any) -> None:
    """The admin page creates an event and shows its links; the organiser's transcript updates live and downloads."""
    event = LiveEvent(server_url, browser, 1)  # only for its page helpers and error checks
    try:
        ctx = event.context(**LAPTOP)
        admin = event.page(ctx, f"{server_url}/admin")
        admin.fill("#secret", ADMIN_SECRET)
        admin.fill("#title", "Neighbourhood <summer> plan")
        admin.fill("#tables", "Harbour, Hill")
        admin.get_by_role("button", name="Create the event").click()
        expect(admin.locator("#result-title")).to_have_text("Neighbourhood <summer> plan")
        code = admin.locator("#result-code").inner_text()
        assert re.fullmatch(r"[ACDEFGHJKMNPQRTWXY34679]{6}", code)
        expect(admin.locator("#events tr", has_text=code)).to_have_count(1)
        organiser_url = admin.locator("#result-links a", has_text="open the transcript").get_attribute("href")
        cards_url = admin.locator("#result-links a", has_text="open the table cards").get_attribute("href")

        cards = event.page(ctx, cards_url)
        expect(cards.locator(".card h2")).to_have_text(["Harbour", "Hill"])
        qr = cards.locator('.card[data-table-id="2"] img')
        expect(qr).to_have_attribute("src", re.compile(r"qr\.svg\?table=2$|^blob:"))
        expect(cards.locator(".card .join-code").first).to_have_text(code)

        organiser = event.page(ctx, organiser_url)
        expect(organiser.locator(".badge")).to_have_attribute("data-state", "live")
        organiser.get_by_role("tab", name="Transcript").click()  # the page opens on the harvest
        expect(organiser.locator("#rows tr")).to_have_count(1)
        expect(organiser.locator("#rows tr td.kind")).to_have_text(["event.created"])
        event_id = organiser.url.split("/e/")[1].split("/")[0]
        token = admin.locator("#result-links a", has_text="open the console").get_attribute("href").split("#token=")[1]
        status, _ = http(
            "POST",
            f"{server_url}/api/events/{event_id}/commands",
            {"type": "step.push", "text": "Plan the street party"},
            token,
        )
        assert status == 200
        expect(organiser.locator("#rows tr").first).to_contain_text("Plan the street party")
        with organiser.expect_download() as download:
            organiser.get_by_role("button", name="Download JSON Lines").click()
        header, *lines = [json.loads(line) for line in Path(download.value.path()).read_text().splitlines()]
        lines = [e for e in lines if "kind" in e]  # entries (the ideas' vectors may follow)
        assert header["format"] == "wholeroom-transcript" and header["entries"] == 2
        assert [(e["seq"], e["kind"]) for e in lines] == [(1, "event.created"), (2, "step.pushed")]
    finally:
        event.close()
    assert not event.errors, event.errors


def test_a_participant_downloads_their_own_contributions(live_event: LiveEvent) -> None:
    """The phone saves the person's own ideas, and nobody else's, as a page to read and as a JSON file."""
    live_event.command(type="step.push", text="What matters?", duration_s=600)
    ana = live_event.phone("1", "Ana")
    bo = live_event.phone("1", "Bo")
    send_idea(ana, "Trees on Main Street")
    send_idea(bo, "Night buses")
    expect(ana.locator("#ideas li")).to_have_count(2)
    with ana.expect_download() as saved:
        ana.locator("#mine-download").click()
    page = Path(saved.value.path()).read_text()
    assert '<li><p dir="auto">Trees on Main Street</p>' in page and "Night buses" not in page
    expect(ana.locator("#mine-message")).to_have_text("Saved: 1 idea.")
    with ana.expect_download() as saved:
        ana.locator("#mine-data").click()
    data = json.loads(Path(saved.value.path()).read_text())
    assert [i["text"] for i in data["ideas"]] == ["Trees on Main Street"] and data["name"] == "Ana"
