"""One client fold (client/static/model.js): after a scripted event, what each page folded from its
snapshot and the entries it was sent is what the server's snapshot for that screen says.

Facilitator, wall and four phones follow a short event: steps pushed to everyone and to one table,
ideas written on the phones and over HTTP, one idea hidden and another hidden and restored, two
moves (one chosen, one by the facilitator), a premoderated step with one idea let through and one
left waiting, a reaction step with reactions, then the end. Each page's fold, read through
``window.__wholeroomState()``, must then match ``GET /api/events/{id}/snapshot`` with that page's
token: the same ideas with the same visibility, the same steps, seating and counts. A fold that
drops an entry, or applies one twice, fails here (idea counts per table count every idea once)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http

pytestmark = pytest.mark.browser

SETTLE_S = 20  # generous: the pages converge as soon as their entries arrive; this only bounds a failure


def as_phone(event: LiveEvent, token: str, **command: Any) -> dict[str, Any]:
    status, data = http("POST", f"{event.base}/api/events/{event.id}/commands", command, token)
    assert status == 200, (command, data)
    result: dict[str, Any] = data
    return result


def snapshot(event: LiveEvent, token: str) -> dict[str, Any]:
    status, data = http("GET", f"{event.base}/api/events/{event.id}/snapshot", token=token)
    assert status == 200, data
    result: dict[str, Any] = data
    return result


def token_of(event: LiveEvent, phone: Any) -> str:
    token: str = phone.evaluate("key => JSON.parse(localStorage.getItem(key)).token", f"wholeroom:{event.id}")
    return token


def write(phone: Any, text: str) -> None:
    """An idea typed on the phone and sent with Enter."""
    expect(phone.locator("#idea-text")).to_be_enabled()
    phone.fill("#idea-text", text)
    phone.locator("#idea-text").press("Enter")
    expect(phone.locator("#ideas li .idea-text", has_text=text)).to_have_count(1)


def counts(table: dict[str, int]) -> dict[str, int]:
    return {t: n for t, n in table.items() if n}


def staff_view(s: dict[str, Any], *, wall: bool) -> dict[str, Any]:
    """The parts of a staff snapshot (the server's, or a page's fold state in the same terms) compared."""
    ground = s.get("common_ground", s.get("ground"))
    moderator = {
        # every idea per table, and the people: the wall is sent neither held ideas nor the list of people
        # (its fold keeps who it saw join, and counts the ideas it is sent)
        "idea_counts": counts(s["idea_counts"]),
        "participants": sorted((p["id"], p["table_id"], p["role"]) for p in s.get("participants", [])),
    }
    return {
        **({} if wall else moderator),
        "event": (s["event"].get("closed_at"), bool(s["event"].get("themes_revealed"))),
        "steps": sorted((x["id"], x["status"], x["deadline"]) for x in s["steps"]),
        "current": {t: slots for t, slots in s["current"].items() if slots},
        "joined": counts(s["joined"]),
        # the wall is sent no hidden idea (its fold keeps one it saw, marked hidden)
        "ideas": sorted(
            (i["id"], i["text"], i["table_id"], i["step_id"], bool(i["hidden"]), bool(i.get("pending")))
            for i in s["ideas"]
            if not (wall and i["hidden"])
        ),
        "topics": sorted((t["id"], t["count"]) for t in s["topics"]),
        "sessions": sorted((x["id"], x["status"], x["index"]) for x in s["sessions"]),
        "ground": ground and (ground["reactions"], ground["participants"]),
    }


def phone_view(s: dict[str, Any]) -> dict[str, Any]:
    """The parts of a phone snapshot (or a phone's fold state) compared."""
    step = s["step"]
    return {
        "event": (s["event"].get("closed_at"), bool(s["event"].get("themes_revealed"))),
        "me": (s["me"]["id"], s["me"]["table_id"], s["me"]["role"]),
        "step": step and (step["id"], step["status"], step["deadline"]),
        # a phone shows its table's ideas that are not hidden (its own held ones too)
        "ideas": sorted(
            (i["id"], i["text"], i["table_id"], i["step_id"], bool(i.get("pending")))
            for i in s["ideas"]
            if i["text"] is not None and not i.get("hidden")
        ),
    }


def agrees(page: Any, server: Any, view: Any) -> tuple[Any, Any]:
    """Wait until the page's fold says what the server's snapshot says; (page's, server's) views."""
    give_up = time.monotonic() + SETTLE_S
    while True:
        want = view(server())
        have = view(page.evaluate("window.__wholeroomState()"))
        if have == want or time.monotonic() > give_up:
            return have, want
        page.wait_for_timeout(100)


def test_every_page_folds_the_event_into_the_servers_snapshot(live_event: LiveEvent) -> None:
    event = live_event
    console = event.staff("console")
    wall = event.staff("wall")
    ana, bo, cy, di = (event.phone(t, name) for t, name in (("1", "Ana"), ("1", "Bo"), ("2", "Cy"), ("3", "Di")))
    phones = {"ana": ana, "bo": bo, "cy": cy, "di": di}
    tokens = {name: token_of(event, page) for name, page in phones.items()}

    # a question for the room: ideas from every phone, typed and over HTTP
    first = event.command(type="step.push", text="What would make our town better?")["step_id"]
    for name, page in phones.items():
        write(page, f"{name} typed this")
    sent = {
        name: as_phone(
            event, tokens[name], type="idea.submit", text=f"{name} sent this", step_id=first, client_id=f"c-{name}"
        )["idea_id"]
        for name in phones
    }
    event.command(type="idea.hide", idea_id=sent["ana"])
    event.command(type="idea.hide", idea_id=sent["cy"])
    event.command(type="idea.restore", idea_id=sent["cy"])

    # a question for one table only
    second = event.command(
        type="step.push",
        text="Table 2: what about the harbour?",
        audience={"tables": ["2"], "role": None},
        duration_s=600,
    )["step_id"]
    expect(cy.locator("#step-text")).to_contain_text("harbour")
    as_phone(event, tokens["cy"], type="idea.submit", text="A ferry", step_id=second, client_id="c-ferry")

    # moves: Bo moves himself, the facilitator seats Di
    as_phone(event, tokens["bo"], type="participant.seat", table_id="3")
    event.command(type="participant.seat", participant_id=di.participant_id, table_id="1")
    expect(bo.locator("#my-table")).to_have_text("Table 3")

    # a premoderated step: one idea let through, one left waiting
    held = event.command(type="step.push", text="One wish, seen once let through", premoderate=True)["step_id"]
    waiting = {
        name: as_phone(
            event, tokens[name], type="idea.submit", text=f"{name} wishes", step_id=held, client_id=f"w-{name}"
        )["idea_id"]
        for name in ("ana", "di")
    }
    event.command(type="idea.approve", idea_id=waiting["ana"])

    # reactions to ideas from across the room
    event.command(type="step.push", text="Agree or disagree?", react=True)
    public = [i["id"] for i in event.snapshot()["ideas"] if not i["hidden"] and not i.get("pending")]
    for n, name in enumerate(phones):
        for idea_id in public[n : n + 3]:
            as_phone(event, tokens[name], type="reaction.cast", idea_id=idea_id, value="agree" if n % 2 else "disagree")

    cast = sum(len(public[n : n + 3]) for n in range(len(phones)))
    give_up = time.monotonic() + SETTLE_S  # the analysis follows the reactions (at most every 3 s)
    while (event.snapshot()["common_ground"] or {}).get("reactions") != cast and time.monotonic() < give_up:
        console.wait_for_timeout(200)
    assert event.snapshot()["common_ground"]["reactions"] == cast

    event.command(type="event.close")

    # every page, against the server's snapshot for its own token
    for page, token, wall_view in ((console, event.tokens["facilitator"], False), (wall, event.tokens["wall"], True)):
        have, want = agrees(
            page, lambda token=token: snapshot(event, token), lambda s, w=wall_view: staff_view(s, wall=w)
        )
        assert have == want, "wall" if wall_view else "console"
    assert console.evaluate("window.__wholeroomState().seq") == event.snapshot()["seq"]  # it saw every entry
    for name, page in phones.items():
        have, want = agrees(page, lambda name=name: snapshot(event, tokens[name]), phone_view)
        assert have == want, name

    # the scripted event did what it says: the comparison covered hidden, restored, held and moved
    staff = staff_view(event.snapshot(), wall=False)
    hidden = {i[0] for i in staff["ideas"] if i[4]}
    assert hidden == {sent["ana"]}
    assert {i[0] for i in staff["ideas"] if i[5]} == {waiting["di"]}
    assert staff["idea_counts"] == {"1": 6, "2": 3, "3": 2}  # Di wrote two at table 3, then one at table 1
    assert (bo.participant_id, "3", "participant") in staff["participants"]
    wall_ideas = {i[0] for i in staff_view(snapshot(event, event.tokens["wall"]), wall=True)["ideas"]}
    assert sent["cy"] in wall_ideas and sent["ana"] not in wall_ideas and waiting["di"] not in wall_ideas
    assert event.errors == []
