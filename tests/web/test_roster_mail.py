"""E-mailing invitations, against a real SMTP server on localhost (aiosmtpd): each person with an
e-mail gets one message with their own personal link; a recipient the server refuses is reported
by name while the others go; nothing is sent twice unless asked; a login is used when configured."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner
from fastapi.testclient import TestClient

from server.cli import main
from server.settings import Settings
from server.web.app import create_app
from tests.conftest import ADMIN

LIST = (
    "name,email,parts\n"
    "Ana Silva,ana@example.org,Residents\n"
    "Bo Chen,bo@refused.example,GPs\n"
    "Cy Okafor,,Residents\n"
    "Di Park,di@example.org,GPs\n"
)


class Inbox:
    """An SMTP server's handler: keeps every message; refuses any address at refused.example."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope, address: str, options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 Message accepted"


def check_login(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"events", b"s3cret")
    return AuthResult(success=ok, handled=False)  # (handled=True would leave the refusal unsaid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=check_login, auth_require_tls=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def app(tmp_path: Path, **mail: Any) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/test.db",
        admin_secret=ADMIN,
        public_url="http://testserver",
        themes=False,
        **mail,
    )
    return TestClient(create_app(settings))


def event_with_list(client: TestClient, language: str = "en") -> tuple[str, str]:
    parts = [{"name": "Residents"}, {"name": "GPs"}]
    made = client.post(
        "/api/events",
        json={"title": "Our town", "tables": 3, "parts": parts, "language": language},
        headers={"Authorization": f"Bearer {ADMIN}"},
    ).json()
    organiser = made["tokens"]["organiser"]
    r = client.post(
        f"/api/events/{made['event_id']}/people/import",
        json={"csv": LIST},
        headers={"Authorization": f"Bearer {organiser}"},
    )
    assert r.status_code == 200, r.text
    return made["event_id"], organiser


def send(client: TestClient, event_id: str, organiser: str, **body: Any) -> Any:
    return client.post(
        f"/api/events/{event_id}/invitations/send", json=body, headers={"Authorization": f"Bearer {organiser}"}
    )


def test_each_person_gets_their_own_link_and_a_refusal_is_named(inbox: tuple[Inbox, int], tmp_path: Path) -> None:
    handler, port = inbox
    mail = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "Our town <events@example.org>",
    }
    mail |= {"smtp_user": "events", "smtp_password": "s3cret"}
    with app(tmp_path, **mail) as client:
        event_id, organiser = event_with_list(client)
        listing = client.get(f"/api/events/{event_id}/people", headers={"Authorization": f"Bearer {organiser}"}).json()
        assert listing["mail"] is True
        done = send(client, event_id, organiser).json()
        assert done["sent"] == 2 and done["skipped"] == {"no_email": 1, "no_link": 0, "already_sent": 0}
        assert [(f["name"], f["reason"][:3]) for f in done["failed"]] == [("Bo Chen", "550")]

        by_to = {m["To"]: m for m in handler.messages}
        assert sorted(by_to) == ["ana@example.org", "di@example.org"]
        ana = by_to["ana@example.org"]
        assert ana["Subject"] == "Invitation: Our town" and ana["From"] == "Our town <events@example.org>"
        body = ana.get_payload(decode=True).decode()  # type: ignore[union-attr]
        cards = client.get(f"/api/events/{event_id}/invitations", headers={"Authorization": f"Bearer {organiser}"})
        link = next(c["link"] for c in cards.json()["cards"] if c["name"] == "Ana Silva")
        assert "Dear Ana Silva" in body and link in body and "Di Park" not in body  # her own link only

        people = client.get(f"/api/events/{event_id}/people", headers={"Authorization": f"Bearer {organiser}"}).json()
        sent = {p["name"]: p["invited_at"] is not None for p in people["people"]}
        assert sent == {"Ana Silva": True, "Bo Chen": False, "Cy Okafor": False, "Di Park": True}

        again = send(client, event_id, organiser).json()  # nobody twice: only Bo, refused again
        assert (again["sent"], again["skipped"]["already_sent"], len(again["failed"])) == (0, 2, 1)
        assert len(handler.messages) == 2
        ana_id = next(p["id"] for p in people["people"] if p["name"] == "Ana Silva")
        assert send(client, event_id, organiser, person_ids=[ana_id]).json()["sent"] == 1  # named: sent again
        assert len(handler.messages) == 3


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("es", "Invitación: Our town", ["Hola, Ana Silva:", "Te invitamos a Our town.", "no lo compartas"]),
        ("ar", "دعوة: Our town", ["مرحبًا Ana Silva،", "يسعدنا أن ندعوك إلى Our town.", "رابطك الشخصي:"]),
    ],
)
def test_the_invitation_is_in_the_events_language(
    inbox: tuple[Inbox, int], tmp_path: Path, language: str, subject: str, words: list[str]
) -> None:
    """A Spanish or Arabic event's invitation e-mail reads in that language, placeholders filled:
    the person's name, the event, their own link and the join code."""
    handler, port = inbox
    mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_from": "events@example.org"}
    with app(tmp_path, **mail) as client:
        event_id, organiser = event_with_list(client, language)
        assert send(client, event_id, organiser).json()["sent"] == 2
        ana = next(m for m in handler.messages if m["To"] == "ana@example.org")
        assert str(make_header(decode_header(ana["Subject"]))) == subject
        body = ana.get_payload(decode=True).decode()  # type: ignore[union-attr]
        cards = client.get(f"/api/events/{event_id}/invitations", headers={"Authorization": f"Bearer {organiser}"})
        data = cards.json()
        link = next(c["link"] for c in data["cards"] if c["name"] == "Ana Silva")
        assert all(w in body for w in words), body
        assert link in body and data["join_code"] in body and "{" not in body
        assert "Dear" not in body and "invited" not in body


def test_without_a_mail_server_or_with_a_wrong_one_nothing_is_sent(inbox: tuple[Inbox, int], tmp_path: Path) -> None:
    _handler, port = inbox
    with app(tmp_path / "off") as client:
        event_id, organiser = event_with_list(client)
        r = send(client, event_id, organiser)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "mail_off")
    closed = free_port()
    (tmp_path / "down").mkdir()
    down = {"smtp_host": "127.0.0.1", "smtp_port": closed, "smtp_security": "none", "smtp_from": "events@example.org"}
    with app(tmp_path / "down", **down) as client:
        event_id, organiser = event_with_list(client)
        r = send(client, event_id, organiser)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "mail_failed")
        assert f"127.0.0.1:{closed}" in r.json()["error"]["message"]
    (tmp_path / "login").mkdir()
    wrong = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_from": "events@example.org"}
    with app(tmp_path / "login", **wrong, smtp_user="events", smtp_password="wrong") as client:
        event_id, organiser = event_with_list(client)
        r = send(client, event_id, organiser)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "mail_failed")
        people = client.get(f"/api/events/{event_id}/people", headers={"Authorization": f"Bearer {organiser}"}).json()
        assert all(p["invited_at"] is None for p in people["people"])


def test_only_the_organiser_sends(inbox: tuple[Inbox, int], tmp_path: Path) -> None:
    handler, port = inbox
    mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_from": "events@example.org"}
    with app(tmp_path, **mail) as client:
        parts = [{"name": "Residents"}]
        made = client.post(
            "/api/events",
            json={"title": "T", "tables": 2, "parts": parts},
            headers={"Authorization": f"Bearer {ADMIN}"},
        ).json()
        for role in ("facilitator", "wall"):
            r = send(client, made["event_id"], made["tokens"][role])
            assert r.status_code == 403
        assert handler.messages == []


def test_the_command_line_sends_in_the_events_language(inbox: tuple[Inbox, int], tmp_path: Path) -> None:
    """`wholeroom participants invite` words the e-mail in the event's language too (Polish here)."""
    handler, port = inbox
    db = f"sqlite:///{tmp_path}/cli.db"
    env = {"WHOLEROOM_SMTP_HOST": "127.0.0.1", "WHOLEROOM_SMTP_PORT": str(port)}
    env |= {"WHOLEROOM_SMTP_SECURITY": "none", "WHOLEROOM_SMTP_FROM": "events@example.org"}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, [*args, "--database-url", db], env=env)
        return result.exit_code, result.output

    code, out = run("event", "create", "--title", "Nasze miasto", "--tables", "2", "--language", "pl", "--json")
    assert code == 0, out
    event_id = json.loads(out)["event_id"]
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAna Silva,ana@example.org\n")
    assert run("participants", "import", event_id, str(people))[0] == 0
    code, out = run("participants", "invite", event_id, "--base-url", "https://town.example")
    assert code == 0 and out.startswith("Sent 1 invitation(s)"), out
    (sent,) = handler.messages
    assert str(make_header(decode_header(sent["Subject"]))) == "Zaproszenie: Nasze miasto"
    body = sent.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Dzień dobry, Ana Silva," in body and "Twój osobisty link:\r\nhttps://town.example/join?code=" in body
