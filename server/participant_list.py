"""The participant list as the web routes and the CLI use it: import a CSV, personal links, RSVP,
check-in, coverage before the event, erasure. Synchronous (runs in a worker thread); the rows live
in their own table (``invitee``), never in the transcript (docs/participants.md).

A personal link carries a token made from a key kept in the database (``invite_link_key``), the
event, the person and the link's generation; only its SHA-256 hash is stored, so the printable cards
can show the link again while a stolen copy of the ``invitee`` table alone opens nothing. Revoking
forgets the hash; a new link is the next generation, so an old card stops working.
"""

from __future__ import annotations

import base64
import gettext
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from . import mail
from .domain import roster, seating
from .domain.errors import Conflict, NotFound
from .domain.model import PREFER_NOT_TO_SAY, EventState
from .security import hash_token
from .settings import Settings
from .storage.store import Store
from .storage.tables import InviteeRow

LINK_KEY_SETTING = "invite_link_key"
RSVP = ("yes", "no")


def link_key(store: Store) -> bytes:
    """The key personal links are made with: made once per database, at first need."""
    found = store.setting(LINK_KEY_SETTING)
    if found is None:
        try:
            store.set_setting(LINK_KEY_SETTING, secrets.token_hex(32))
        except IntegrityError:
            pass  # another process made it first: use theirs
        found = store.setting(LINK_KEY_SETTING)
    assert found is not None
    return bytes.fromhex(found)


def link_token(key: bytes, event_id: str, invitee_id: str, gen: int) -> str:
    digest = hmac.new(key, f"invite:{event_id}:{invitee_id}:{gen}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def personal_link(base: str, join_code: str, token: str) -> str:
    """The join page with the event's code, the person's token in the fragment (never sent in a
    request line, so never in a server's access log)."""
    return f"{base}/join?code={join_code}#invite={token}"


def parts_of(row: InviteeRow) -> tuple[str, ...]:
    return tuple(json.loads(row.parts))


def listed(rows: Iterable[InviteeRow]) -> list[roster.Listed]:
    return [roster.Listed(r.id, r.name, r.email, parts_of(r), r.access_needs, r.table_id) for r in rows]


def import_csv(store: Store, state: EventState, text: str, now: int, *, dry_run: bool = False) -> dict[str, Any]:
    """Check ``text`` whole, then add and update its people in one transaction (or, with
    ``dry_run``, only say what would change). Raises ``Invalid("bad_roster")`` with every problem."""
    rows = roster.read_csv(text, state.parts, {t: table.name for t, table in state.tables.items()})
    existing = store.invitees(state.id)
    planned = roster.plan(rows, listed(existing))
    if not dry_run:
        key = link_key(store)
        added = []
        first = max((r.position for r in existing), default=0) + 1
        for position, row in enumerate(planned.add, start=first):
            invitee_id = f"i{secrets.token_hex(4)}"
            added.append(
                InviteeRow(
                    event_id=state.id,
                    id=invitee_id,
                    position=position,
                    **_values(row),
                    link_hash=hash_token(link_token(key, state.id, invitee_id, 0)),
                    created_at=now,
                    updated_at=now,
                )
            )
        updated = [{"event_id": state.id, "id": iid, **_values(row), "updated_at": now} for iid, row in planned.update]
        store.save_invitees(added, updated)
    return {**planned.summary(), "dry_run": dry_run, "listed": len(existing) + len(planned.add)}


def _values(row: roster.Row) -> dict[str, Any]:
    return {
        "name": row.name,
        "email": row.email,
        "parts": json.dumps(list(row.parts)),
        "access_needs": row.access_needs,
        "table_id": row.table,
    }


def find(store: Store, event_id: str, invitee_id: str) -> InviteeRow:
    row = store.invitee(event_id, invitee_id)
    if row is not None:
        return row
    raise NotFound("unknown_person", f"the participant list has nobody {invitee_id[:40]!r}", field="person_id")


def new_link(store: Store, row: InviteeRow, now: int) -> InviteeRow:
    """A fresh personal link for ``row`` (the one before stops working)."""
    gen = row.link_gen + 1
    link_hash = hash_token(link_token(link_key(store), row.event_id, row.id, gen))
    store.update_invitee(row.event_id, row.id, link_gen=gen, link_hash=link_hash, updated_at=now)
    row.link_gen, row.link_hash = gen, link_hash
    return row


def revoke_link(store: Store, row: InviteeRow, now: int) -> InviteeRow:
    if row.link_hash is None:
        raise Conflict("already_revoked", f"{row.name}'s personal link was revoked already", field="person_id")
    store.update_invitee(row.event_id, row.id, link_hash=None, updated_at=now)
    row.link_hash = None
    return row


def token_of(store: Store, row: InviteeRow, key: bytes | None = None) -> str | None:
    """The person's working link token (None when revoked); ``key``: the link key, when known."""
    if row.link_hash is None:
        return None
    token = link_token(key or link_key(store), row.event_id, row.id, row.link_gen)
    return token if hash_token(token) == row.link_hash else None


def cards(store: Store, state: EventState, base: str) -> list[dict[str, Any]]:
    """Each listed person with a working link: id, name and link (the invitation cards)."""
    key = link_key(store)
    out = []
    for row in store.invitees(state.id):
        token = token_of(store, row, key)
        if token is not None:
            out.append({"id": row.id, "name": row.name, "link": personal_link(base, state.join_code, token)})
    return out


Checkins = Mapping[str, Sequence[str]]  # invitee id -> the participant ids they joined as


def joined_as(state: EventState, checkins: Checkins, row: InviteeRow) -> str | None:
    """The participant a listed person is in the room as (the latest of their joins still there)."""
    here = [pid for pid in checkins.get(row.id, ()) if pid in state.participants]
    return here[-1] if here else None


def arrived(state: EventState, checkins: Checkins, row: InviteeRow) -> bool:
    return joined_as(state, checkins, row) is not None


def person(state: EventState, checkins: Checkins, row: InviteeRow) -> dict[str, Any]:
    """One person as the organiser sees them (all of it: the organiser holds the list)."""
    participant_id = joined_as(state, checkins, row)
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "parts": list(parts_of(row)),
        "access_needs": row.access_needs,
        "table_id": row.table_id,
        "table": state.tables[row.table_id].name if row.table_id in state.tables else None,
        "rsvp": row.rsvp,
        "arrived": participant_id is not None,
        "participant_id": participant_id,
        "link": row.link_hash is not None,
        "invited_at": row.invited_at,
    }


def coverage(state: EventState, checkins: Checkins, rows: Sequence[InviteeRow]) -> dict[str, Any]:
    """Per declared part, before and during the event: how many are invited, said they are coming
    (and have not arrived yet), are here (everyone present who said that part, invited or not), and
    how many are still missing against the target counting those coming. Counts only."""
    invited = dict.fromkeys(state.parts, 0)
    coming = dict.fromkeys(state.parts, 0)
    here = dict.fromkeys(state.parts, 0)
    for row in rows:
        for pid in parts_of(row):
            if pid in invited:
                invited[pid] += 1
                if row.rsvp == "yes" and not arrived(state, checkins, row):
                    coming[pid] += 1
    for p in state.participants.values():
        for pid in p.parts:
            if pid in here:
                here[pid] += 1
    out = []
    for part in state.parts.values():
        expected = here[part.id] + coming[part.id]
        missing = max(part.target - expected, 0) if part.target is not None else None
        out.append(
            {
                **part.to_dict(),
                "invited": invited[part.id],
                "coming": coming[part.id],
                "here": here[part.id],
                "missing": missing,
            }
        )
    answers = [r.rsvp for r in rows]
    return {
        "parts": out,
        "missing": [r["id"] for r in out if r["here"] + r["coming"] == 0 or (r["missing"] or 0) > 0],
        "invited": len(rows),
        "coming": answers.count("yes"),
        "not_coming": answers.count("no"),
        "no_answer": answers.count(None),
        "arrived": sum(1 for r in rows if arrived(state, checkins, r)),
    }


def suggested_table(state: EventState, parts: Sequence[str]) -> str | None:
    """Where someone with ``parts`` arriving now helps the mix most (seating.late_arrival), once
    people are seated; None before anyone is (any table will do) or when every table is full."""
    if not state.participants or not state.tables:
        return None
    people = {pid: tuple(x for x in p.parts if x != PREFER_NOT_TO_SAY) for pid, p in state.participants.items()}
    seats = {pid: p.table_id for pid, p in state.participants.items() if p.table_id in state.tables}
    try:
        return seating.late_arrival(parts, people, seats, list(state.tables))
    except seating.SeatingError:
        return None


def email_invitations(
    store: Store,
    settings: Settings,
    state: EventState,
    base: str,
    now: int,
    *,
    person_ids: Sequence[str] | None = None,
    again: bool = False,
    translations: gettext.NullTranslations | None = None,
) -> dict[str, Any]:
    """E-mail the invitations (server/mail.py, in the language of ``translations``): to everyone on
    the list with an e-mail and a working link who has not been sent one yet (``again``: to them
    too), or to ``person_ids`` only. Marks each one sent; says who was skipped and why, and who the
    mail server refused."""
    if not mail.configured(settings):
        raise Conflict("mail_off", "no mail server is configured (WHOLEROOM_SMTP_HOST and WHOLEROOM_SMTP_FROM)")
    rows = store.invitees(state.id)
    if person_ids is not None:
        known = {r.id for r in rows}
        unknown = [p for p in person_ids if p not in known]
        if unknown:
            raise NotFound("unknown_person", f"the participant list has nobody {unknown[0][:40]!r}", field="person_ids")
        rows = [r for r in rows if r.id in set(person_ids)]
    invitations, skipped = [], {"no_email": 0, "no_link": 0, "already_sent": 0}
    key = link_key(store)
    for row in rows:
        token = token_of(store, row, key)
        if not row.email:
            skipped["no_email"] += 1
        elif token is None:
            skipped["no_link"] += 1
        elif row.invited_at is not None and not again and person_ids is None:
            skipped["already_sent"] += 1
        else:
            invitations.append(
                mail.Invitation(row.id, row.name, row.email, personal_link(base, state.join_code, token))
            )
    done = (
        mail.send(settings, state.title, state.join_code, f"{base}/join", invitations, translations)
        if invitations
        else mail.Sent()
    )
    for person_id in done.sent:
        store.update_invitee(state.id, person_id, invited_at=now)
    return {"sent": len(done.sent), "failed": done.failed, "skipped": skipped}
