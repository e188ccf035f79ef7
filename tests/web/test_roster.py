"""The participant list over HTTP: the organiser imports a CSV (all or nothing), sees coverage
counting answers and arrivals, prints invitation cards, renews, revokes and erases; a personal link
answers coming / not coming and checks its person in when they join; the emails and access needs
reach no transcript, export, replay or wall (docs/participants.md)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN, Room

LIST = (
    "name,email,parts,access needs\n"
    "Ana Silva,ana.silva@example.org,Residents,needs a hearing loop\n"
    "Bo Chen,bo.chen@example.org,GPs;Residents,uses a wheelchair\n"
    "Cy,,Police,\n"
)
SECRETS = ("ana.silva@example.org", "bo.chen@example.org", "needs a hearing loop", "uses a wheelchair")


class PartsRoom(Room):
    """An event with three parts of the system, made through the API."""

    def __init__(self, client: TestClient) -> None:
        parts = [{"name": "Residents", "target": 3}, {"name": "GPs", "target": 1}, {"name": "Police", "target": 1}]
        r = client.post(
            "/api/events",
            json={"title": "Our town", "tables": 3, "parts": parts},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert r.status_code == 201, r.text
        self.client = client
        self.data: dict[str, Any] = r.json()
        self.id, self.code = self.data["event_id"], self.data["join_code"]
        tokens = self.data["tokens"]
        self.facilitator, self.organiser, self.wall = tokens["facilitator"], tokens["organiser"], tokens["wall"]

    def people(self, method: str = "GET", path: str = "", token: str | None = None, **body: Any) -> Any:
        return self.client.request(
            method,
            f"/api/events/{self.id}/people{path}",
            json=body or None,
            headers={"Authorization": f"Bearer {token or self.organiser}"},
        )

    def imported(self, text: str = LIST) -> dict[str, Any]:
        r = self.people("POST", "/import", csv=text)
        assert r.status_code == 200, r.text
        done: dict[str, Any] = r.json()
        return done

    def cards(self) -> dict[str, Any]:
        r = self.client.get(f"/api/events/{self.id}/invitations", headers={"Authorization": f"Bearer {self.organiser}"})
        assert r.status_code == 200, r.text
        cards: dict[str, Any] = r.json()
        return cards


@pytest.fixture
def town(client: TestClient) -> PartsRoom:
    return PartsRoom(client)


def invite_of(card: dict[str, Any]) -> str:
    return str(card["link"].split("#invite=", 1)[1])


def by_name(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in listing["people"]}


def test_the_organiser_imports_the_list_and_importing_again_updates_it(town: PartsRoom) -> None:
    done = town.imported()
    assert (done["added"], done["updated"], done["unchanged"], done["listed"]) == (3, 0, 0, 3)
    ana = by_name(done)["Ana Silva"]
    assert (ana["email"], ana["parts"], ana["access_needs"], ana["rsvp"], ana["arrived"]) == (
        "ana.silva@example.org",
        ["residents"],
        "needs a hearing loop",
        None,
        False,
    )
    again = town.imported(
        "name,email,parts\nAna S.,ANA.SILVA@example.org,Residents\nCy,cy@example.org,Police\nDi,,Police\n"
    )
    assert (again["added"], again["updated"], again["unchanged"], again["listed"]) == (1, 2, 0, 4)
    people = by_name(town.people().json())
    assert people["Ana S."]["id"] == ana["id"] and people["Ana S."]["access_needs"] is None  # the file says so now
    assert people["Cy"]["email"] == "cy@example.org" and "Bo Chen" in people  # nobody dropped


def test_a_file_with_any_problem_changes_nothing(town: PartsRoom) -> None:
    town.imported()
    bad = "name,email,parts\nEd,ed@example.org,Residents\nFay,fay@,Residents\n,gus@example.org,Firefighters\n"
    r = town.people("POST", "/import", csv=bad)
    error = r.json()["error"]
    assert (r.status_code, error["code"], error["field"]) == (400, "bad_roster", "csv")
    assert [(d["line"], d["column"]) for d in error["details"]] == [(3, "email"), (4, "name"), (4, "parts")]
    assert sorted(by_name(town.people().json())) == ["Ana Silva", "Bo Chen", "Cy"]  # Ed was not added
    checked = town.people("POST", "/import", csv="name\nEd\n", dry_run=True).json()
    assert (checked["added"], checked["dry_run"], checked["listed"]) == (1, True, 4)
    assert len(town.people().json()["people"]) == 3


def test_only_the_organiser_reaches_the_list(town: PartsRoom) -> None:
    town.imported()
    person = town.people().json()["people"][0]["id"]
    phone = town.join("1", "Zed")["token"]
    calls = [
        ("GET", f"/api/events/{town.id}/people", None),
        ("POST", f"/api/events/{town.id}/people/import", {"csv": "name\nMallory\n"}),
        ("GET", f"/api/events/{town.id}/invitations", None),
        ("GET", f"/api/events/{town.id}/people/{person}/qr.svg", None),
        ("POST", f"/api/events/{town.id}/people/{person}/link", None),
        ("DELETE", f"/api/events/{town.id}/people/{person}/link", None),
        ("DELETE", f"/api/events/{town.id}/people/{person}", None),
        ("DELETE", f"/api/events/{town.id}/people", None),
    ]
    for method, url, body in calls:
        for token in (town.facilitator, town.wall, phone, None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = town.client.request(method, url, json=body, headers=headers)
            assert r.status_code in (401, 403), (method, url, r.status_code)
    assert len(town.people().json()["people"]) == 3  # nothing changed


def test_a_personal_link_answers_then_checks_its_person_in(town: PartsRoom) -> None:
    town.imported()
    cards = town.cards()
    assert (cards["title"], cards["join_code"]) == ("Our town", town.code)
    card = next(c for c in cards["cards"] if c["name"] == "Bo Chen")
    assert card["link"].startswith(f"http://testserver/join?code={town.code}#invite=")
    assert "example.org" not in json.dumps(cards)
    qr = town.client.get(
        f"/api/events/{town.id}/people/{card['id']}/qr.svg", headers={"Authorization": f"Bearer {town.organiser}"}
    )
    assert (qr.status_code, qr.headers["content-type"]) == (200, "image/svg+xml")
    assert qr.text.startswith("<svg") and "Bo Chen" not in qr.text
    invite = invite_of(card)
    mine = town.client.post("/api/invitation", json={"token": invite}).json()
    assert (mine["name"], mine["parts"], mine["rsvp"], mine["arrived"]) == (
        "Bo Chen",
        ["gps", "residents"],
        None,
        False,
    )
    assert "email" not in mine and "access_needs" not in mine
    assert town.client.post("/api/invitation/rsvp", json={"token": invite, "coming": True}).json() == {"rsvp": "yes"}
    ana = invite_of(next(c for c in cards["cards"] if c["name"] == "Ana Silva"))
    town.client.post("/api/invitation/rsvp", json={"token": ana, "coming": False})

    coverage = town.people().json()["coverage"]
    rows = {r["id"]: r for r in coverage["parts"]}
    assert (rows["residents"]["invited"], rows["residents"]["coming"], rows["residents"]["missing"]) == (2, 1, 2)
    assert (rows["gps"]["coming"], rows["gps"]["missing"]) == (1, 0)
    assert coverage["missing"] == ["residents", "police"]
    assert (coverage["coming"], coverage["not_coming"], coverage["no_answer"], coverage["arrived"]) == (1, 1, 1, 0)

    joined = town.client.post(
        "/api/join",
        json={"code": town.code, "table_id": "2", "name": "Bo Chen", "parts": ["gps", "residents"], "invite": invite},
    )
    assert joined.status_code == 201, joined.text
    bo = by_name(town.people().json())["Bo Chen"]
    assert (bo["arrived"], bo["participant_id"]) == (True, joined.json()["participant_id"])
    rows = {r["id"]: r for r in town.people().json()["coverage"]["parts"]}
    assert (rows["gps"]["coming"], rows["gps"]["here"], rows["gps"]["missing"]) == (
        0,
        1,
        0,
    )  # arrived, not counted twice
    assert town.client.post("/api/invitation", json={"token": invite}).json()["arrived"] is True


def test_a_personal_link_used_again_brings_back_the_same_person(town: PartsRoom) -> None:
    """A second phone, a cleared browser or the follow-up round weeks later: the link is one person,
    never two; and it reaches them after the event has closed, while a follow-up round is open."""
    town.imported()
    invite = invite_of(next(c for c in town.cards()["cards"] if c["name"] == "Bo Chen"))
    early = town.client.post("/api/invitation/return", json={"token": invite})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_joined_yet"

    first = town.client.post(
        "/api/join", json={"code": town.code, "table_id": "2", "name": "Bo Chen", "invite": invite}
    ).json()
    again = town.client.post("/api/join", json={"code": town.code, "table_id": "3", "name": "Bo", "invite": invite})
    assert again.status_code == 201, again.text
    assert (again.json()["participant_id"], again.json()["table_id"], again.json()["returning"]) == (
        first["participant_id"],
        "2",  # where he sits, not the table the form said
        True,
    )
    assert again.json()["token"] != first["token"]
    staff = {"Authorization": f"Bearer {town.facilitator}"}
    people = town.client.get(f"/api/events/{town.id}/snapshot", headers=staff).json()["participants"]
    assert [p["id"] for p in people] == [first["participant_id"]]  # one person, not two

    town.command(town.facilitator, type="event.close")
    town.command(town.organiser, type="followup.open", question="What has happened since?")
    back = town.client.post("/api/invitation/return", json={"token": invite})
    assert back.status_code == 200, back.text
    assert back.json()["participant_id"] == first["participant_id"]
    mine = town.client.get(
        f"/api/events/{town.id}/snapshot", headers={"Authorization": f"Bearer {back.json()['token']}"}
    ).json()
    assert mine["step"]["text"] == "What has happened since?"  # the new phone is in the follow-up round
    stranger = town.client.post("/api/join", json={"code": town.code, "table_id": "1", "name": "New"})
    assert stranger.status_code == 409 and stranger.json()["error"]["code"] == "event_closed"


def test_a_home_table_from_the_list_is_offered_on_the_personal_link(town: PartsRoom) -> None:
    town.imported("name,parts,table\nAna Silva,Residents,Table 2\nCy,Police,\n")
    people = by_name(town.people().json())
    assert (people["Ana Silva"]["table_id"], people["Ana Silva"]["table"]) == ("2", "Table 2")
    assert people["Cy"]["table"] is None
    cards = {c["name"]: invite_of(c) for c in town.cards()["cards"]}
    mine = town.client.post("/api/invitation", json={"token": cards["Ana Silva"]}).json()
    assert (mine["home_table"], mine["suggested_table"]) == ("2", "2")
    refused = town.people("POST", "/import", csv="name,table\nBo,Table 7\n")
    assert refused.status_code == 400 and refused.json()["error"]["details"][0]["column"] == "table"


def test_a_late_arrival_is_offered_the_table_the_mix_needs(town: PartsRoom) -> None:
    town.imported()
    for table in ("1", "2", "3"):  # every table has residents; table 3 already has the police
        town.client.post("/api/join", json={"code": town.code, "table_id": table, "parts": ["residents"]})
    town.client.post("/api/join", json={"code": town.code, "table_id": "3", "parts": ["police"]})
    town.client.post("/api/join", json={"code": town.code, "table_id": "1", "parts": ["gps"]})
    cy = invite_of(next(c for c in town.cards()["cards"] if c["name"] == "Cy"))  # police
    assert town.client.post("/api/invitation", json={"token": cy}).json()["suggested_table"] == "2"


def test_a_renewed_or_revoked_link_stops_working(town: PartsRoom) -> None:
    town.imported()
    card = town.cards()["cards"][0]
    old = invite_of(card)
    renewed = town.people("POST", f"/{card['id']}/link").json()
    assert renewed["link"] != card["link"]
    gone = town.client.post("/api/invitation", json={"token": old})
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "unknown_invitation")
    join = town.client.post("/api/join", json={"code": town.code, "table_id": "1", "invite": old})
    assert (join.status_code, join.json()["error"]["field"]) == (404, "invite")
    new = invite_of(renewed)
    assert town.client.post("/api/invitation", json={"token": new}).status_code == 200
    assert town.people("DELETE", f"/{card['id']}/link").json()["link"] is None
    assert town.client.post("/api/invitation", json={"token": new}).status_code == 404
    qr = town.client.get(
        f"/api/events/{town.id}/people/{card['id']}/qr.svg", headers={"Authorization": f"Bearer {town.organiser}"}
    )
    assert (qr.status_code, qr.json()["error"]["code"]) == (404, "unknown_invitation")
    assert town.people("DELETE", f"/{card['id']}/link").json()["error"]["code"] == "already_revoked"
    assert len(town.cards()["cards"]) == 2 and town.cards()["without_link"] == 1


def test_erasure_on_request(town: PartsRoom) -> None:
    town.imported()
    people = by_name(town.people().json())
    assert town.people("DELETE", f"/{people['Cy']['id']}").json() == {"erased": 1}
    assert town.people("DELETE", "/nobody").json()["error"]["code"] == "unknown_person"
    assert sorted(by_name(town.people().json())) == ["Ana Silva", "Bo Chen"]
    # erasing a participant in the event erases what the list holds about them too
    invite = invite_of(next(c for c in town.cards()["cards"] if c["name"] == "Ana Silva"))
    ana = town.client.post(
        "/api/join", json={"code": town.code, "table_id": "1", "name": "Ana Silva", "invite": invite}
    ).json()
    erased = town.command(town.organiser, type="participant.erase", participant_id=ana["participant_id"])
    assert erased.status_code == 200, erased.text
    assert sorted(by_name(town.people().json())) == ["Bo Chen"]
    assert town.people("DELETE").json() == {"erased": 1}
    assert town.people().json()["people"] == []


def test_emails_and_access_needs_reach_no_transcript_export_replay_or_wall(town: PartsRoom) -> None:
    town.imported()
    cards = town.cards()["cards"]
    for card in cards:  # everyone answers and joins with their personal link
        invite = invite_of(card)
        town.client.post("/api/invitation/rsvp", json={"token": invite, "coming": True})
        r = town.client.post(
            "/api/join", json={"code": town.code, "table_id": "1", "name": card["name"], "invite": invite}
        )
        assert r.status_code == 201, r.text
    step = town.command(town.facilitator, type="step.push", text="What would help?").json()["step_id"]
    phone = town.join("1", "Zed")["token"]
    town.command(phone, type="idea.submit", client_id="a", text="More trees", step_id=step)

    def read(path: str, token: str) -> bytes:
        r = town.client.get(f"/api/events/{town.id}{path}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, (path, r.text)
        return r.content

    outputs: dict[str, bytes] = {}
    last = json.loads(read("/transcript", town.organiser).decode().splitlines()[-1])["seq"]
    for audience in ("shared", "staff"):
        for fmt in ("jsonl", "csv", "md", "html"):
            outputs[f"{fmt}/{audience}"] = read(f"/export?format={fmt}&audience={audience}", town.organiser)
        workbook = zipfile.ZipFile(BytesIO(read(f"/export?format=xlsx&audience={audience}", town.organiser)))
        outputs[f"xlsx/{audience}"] = b"".join(workbook.read(n) for n in workbook.namelist())
        outputs[f"harvest/{audience}"] = read(f"/harvest?audience={audience}", town.organiser)
    outputs["transcript"] = read("/transcript", town.organiser)
    outputs["replay"] = read(f"/replay/state?seq={last}", town.organiser)
    for token in (town.wall, town.facilitator, town.organiser, phone):
        outputs[f"snapshot/{token[:4]}"] = read("/snapshot", token)
    assert b"Ana Silva" in outputs["transcript"]  # (the names are there: they joined with them)
    for name, body in outputs.items():
        for secret in SECRETS:
            assert secret.encode() not in body, (name, secret)
