"""Follow-through on the real server: commitments keep their promise, action groups share an email
with their members only, the export is the organiser's, and a follow-up round reopens the links."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from server.settings import Settings
from server.web.app import create_app
from tests.conftest import Room

EMAIL = "ana.walker@example.org"
PRIVATE = "I will ring the housing office on Monday"
SHARED = "I will start a walking group"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def get(room: Room, path: str, token: str) -> Any:
    return room.client.get(f"/api/events/{room.id}{path}", headers=auth(token))


def put_email(room: Room, token: str, email: str | None) -> Any:
    return room.client.put(f"/api/events/{room.id}/action-contact", json={"email": email}, headers=auth(token))


def everything_readable(room: Room, tokens: dict[str, str]) -> dict[str, str]:
    """Every output each token may read, as text: snapshots, transcript, harvests, exports, replay."""
    out: dict[str, str] = {}
    for who, token in tokens.items():
        out[f"{who} snapshot"] = get(room, "/snapshot", token).text
    staff = tokens["organiser"]
    out["transcript"] = get(room, "/transcript", staff).text
    for audience in ("shared", "staff"):
        out[f"harvest {audience}"] = get(room, f"/harvest?audience={audience}&full=true", staff).text
        for fmt in ("md", "html", "csv"):
            out[f"{fmt} {audience}"] = get(room, f"/export?format={fmt}&audience={audience}", staff).text
        follow = f"/export?format=csv&csv_table=follow_through&audience={audience}"
        out[f"follow csv {audience}"] = get(room, follow, staff).text
    out["jsonl"] = get(room, "/export?format=jsonl", staff).text
    last = ok(get(room, "/replay", staff))["last_seq"]
    out["replay"] = get(room, f"/replay/state?seq={last}", staff).text
    return out


@pytest.fixture
def room(client: TestClient) -> Room:
    return Room(client, 2)


def test_a_private_commitment_reaches_its_writer_and_the_staff_and_no_shared_output(room: Room) -> None:
    ana, ben = room.join("1", "Ana"), room.join("1", "Ben")
    ok(room.command(room.facilitator, type="step.push", text="What will I do next?", commit="private"))
    ok(room.command(ana["token"], type="idea.submit", client_id="c1", text=PRIVATE))
    mine = ok(get(room, "/snapshot", ana["token"]))
    assert mine["step"]["spec"]["privacy"] == "private" and [i["text"] for i in mine["ideas"]] == [PRIVATE]
    ok(room.command(room.facilitator, type="step.push", text="And together?", commit="shared"))
    ok(room.command(ana["token"], type="idea.submit", client_id="c2", text=SHARED))
    seen = everything_readable(room, {"ben": ben["token"], "wall": room.wall, "organiser": room.organiser})
    for name in ("ben snapshot", "wall snapshot", "harvest shared", "md shared", "html shared", "csv shared",
                 "follow csv shared"):  # fmt: skip
        assert PRIVATE not in seen[name], name
        assert SHARED in seen[name], name
    for name in ("organiser snapshot", "transcript", "harvest staff", "md staff", "csv staff", "follow csv staff",
                 "replay"):  # fmt: skip
        assert PRIVATE in seen[name], name
    rows = list(csv.DictReader(io.StringIO(seen["follow csv staff"].lstrip("\ufeff"))))
    assert [(r["kind"], r["text"], r["privacy"], r["author"]) for r in rows] == [
        ("commitment", PRIVATE, "private", "Ana"),
        ("commitment", SHARED, "room", "Ana"),
    ]
    shared_rows = list(csv.DictReader(io.StringIO(seen["follow csv shared"].lstrip("\ufeff"))))
    assert [(r["kind"], r["text"], r["author"]) for r in shared_rows] == [
        ("commitment", SHARED, ""),
        ("private commitments not in this file", "", ""),
    ]


def test_action_groups_a_convener_and_an_email_only_the_group_reads(room: Room, settings: Settings) -> None:
    ana, ben, cai = room.join("1", "Ana"), room.join("1", "Ben"), room.join("2", "Cai")
    formed = ok(room.command(room.facilitator, type="actions.form", source="hand", titles=["Buses", "Parks"]))
    buses, parks = formed["group_ids"]
    ok(room.command(ana["token"], type="action.join", group_id=buses))
    ok(room.command(ben["token"], type="action.join", group_id=buses))
    ok(room.command(cai["token"], type="action.join", group_id=parks))
    ok(room.command(ana["token"], type="action.convene", group_id=buses))
    assert room.command(ben["token"], type="action.convene", group_id=buses).json()["error"]["code"] == (
        "convener_taken"
    )
    assert put_email(room, ana["token"], "not an email").json()["error"]["code"] == "bad_email"
    assert ok(put_email(room, ana["token"], f"  {EMAIL} "))["shared"] is True
    assert ok(get(room, "/action-contacts", ben["token"]))["contacts"] == [
        {"participant_id": ana["participant_id"], "name": "Ana", "email": EMAIL}
    ]
    assert ok(get(room, "/action-contacts", cai["token"]))["contacts"] == []  # another group
    mine = ok(get(room, "/snapshot", ben["token"]))["my_action"]
    assert (mine["title"], mine["convener"]) == ("Buses", ana["participant_id"])
    assert [(m["name"], m["convener"], m["contact"]) for m in mine["members"]] == [
        ("Ana", True, True),
        ("Ben", False, False),
    ]
    seen = everything_readable(
        room, {"ana": ana["token"], "cai": cai["token"], "wall": room.wall, "organiser": room.organiser}
    )
    for name, body in seen.items():
        assert EMAIL not in body, name  # the address is in no snapshot, transcript, harvest or export
    staff = ok(get(room, "/snapshot", room.organiser))["action_groups"]
    assert staff[0]["contacts"] == [ana["participant_id"]] and staff[0]["convener"] == ana["participant_id"]
    ok(room.command(ana["token"], type="action.join", group_id=parks))  # moving on: the address goes
    assert ok(get(room, "/action-contacts", ben["token"]))["contacts"] == []
    assert ok(get(room, "/action-contacts", cai["token"]))["contacts"] == []
    ok(put_email(room, ana["token"], EMAIL))  # shared again, with her new group
    assert [c["email"] for c in ok(get(room, "/action-contacts", cai["token"]))["contacts"]] == [EMAIL]
    ok(room.command(room.organiser, type="participant.erase", participant_id=ana["participant_id"]))
    assert ok(get(room, "/action-contacts", cai["token"]))["contacts"] == []  # erased: the address is gone
    if settings.database_url.startswith("sqlite"):
        with create_engine(settings.database_url).connect() as conn:
            assert conn.execute(text("select count(*) from action_contact")).scalar_one() == 0
    assert put_email(room, room.join("2")["token"], EMAIL).json()["error"]["code"] == "no_action_group"


def test_only_participants_share_and_read_contacts(room: Room) -> None:
    for token in (room.facilitator, room.organiser, room.wall):
        assert put_email(room, token, EMAIL).status_code == 403
        assert get(room, "/action-contacts", token).status_code == 403
    assert room.client.get(f"/api/events/{room.id}/action-contacts").status_code == 401
    ana = room.join("1", "Ana")
    assert ok(room.command(room.facilitator, type="actions.form", source="hand", titles=["Buses"]))
    for token in (room.organiser, room.wall, ana["token"]):
        assert room.command(token, type="actions.form", source="hand", titles=["Parks"]).status_code == 403
    assert room.command(ana["token"], type="followup.open").status_code == 403
    assert room.command(room.wall, type="followup.open").status_code == 403


@pytest.fixture
def expiring(tmp_path: Path, settings: Settings) -> Iterator[Room]:
    """Links that expire as soon as the event closes (a follow-up round weeks later, without waiting)."""
    with TestClient(create_app(settings.model_copy(update={"token_ttl_days": 0}))) as client:
        yield Room(client, 2)


def test_the_organiser_reopens_the_event_for_a_follow_up_the_same_links_answer(expiring: Room) -> None:
    room = expiring
    ana = room.join("1", "Ana")
    ok(room.command(room.facilitator, type="event.close"))
    assert get(room, "/snapshot", ana["token"]).json()["error"]["code"] == "token_expired"
    opened = ok(room.command(room.organiser, type="followup.open", question="What has happened since?"))
    phone = ok(get(room, "/snapshot", ana["token"]))  # the same link works again
    assert phone["step"]["id"] == opened["step_id"] and phone["step"]["kind"] == "followup"
    assert phone["event"]["followup"]["question"] == "What has happened since?"
    ok(room.command(ana["token"], type="idea.submit", client_id="f1", text="We met the council twice"))
    joined = room.client.post("/api/join", json={"code": room.code, "table_id": "1", "name": "New"})
    assert joined.status_code == 409 and joined.json()["error"]["code"] == "event_closed"
    ok(room.command(room.organiser, type="followup.close"))
    assert get(room, "/snapshot", ana["token"]).json()["error"]["code"] == "token_expired"
    harvest = ok(get(room, "/harvest?audience=staff", room.organiser))
    (round_,) = harvest["follow_through"]["followups"]
    assert round_["answers"] == 1 and [a["text"] for a in round_["quoted"]] == ["We met the council twice"]
    assert "We met the council twice" not in get(room, "/export?format=md", room.organiser).text  # private
    timeline = ok(get(room, "/replay", room.organiser))
    assert any(m.get("step_kind") == "followup" for m in timeline["marks"])


def test_every_phone_sees_the_action_groups_counts_change_but_never_who(room: Room) -> None:
    """Ben joins a group and convenes it: Ana, in no group, is not sent those entries (they are
    Ben's business) but her list follows: an `action_groups` message with the new count and the
    convener flag, and no one's id in it; and again when Ben is removed from the event."""
    from tests.web.test_messages import MESSAGES, Screen

    ana, ben = room.join("1", "Ana"), room.join("2", "Ben")
    buses, _parks = ok(room.command(room.facilitator, type="actions.form", source="hand", titles=["Buses", "Parks"]))[
        "group_ids"
    ]
    with room.client.websocket_connect("/ws") as ws:
        phone = Screen(ws, "ana", ana["token"])
        assert [g["count"] for g in phone.welcome["snapshot"]["action_groups"]] == [0, 0]
        ok(room.command(ben["token"], type="action.join", group_id=buses))
        ok(room.command(ben["token"], type="action.convene", group_id=buses))
        counts = phone.until("action_groups", lambda m: m["groups"][0]["has_convener"])
        MESSAGES.validate_python(counts)
        assert [(g["title"], g["count"], g["has_convener"]) for g in counts["groups"]] == [
            ("Buses", 1, True),
            ("Parks", 0, False),
        ]
        assert ben["participant_id"] not in str(phone.got)  # neither his entries nor his id
        # Ben is removed from the event: he leaves his group, and Ana's list says so
        ok(
            room.command(
                room.facilitator, type="participant.remove", participant_id=ben["participant_id"], ideas="keep"
            )
        )
        counts = phone.until("action_groups", lambda m: m["groups"][0]["count"] == 0)
        assert counts["groups"][0]["has_convener"] is False
