"""Creating events and resolving tokens: the glue that the web app and the CLI share."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from .domain.commands import create_event
from .domain.errors import Unauthorized
from .domain.membership import REMOVED_MESSAGE
from .domain.model import Role
from .security import hash_token, new_event_id, new_join_code, new_token
from .storage.store import Store
from .storage.tables import TokenRow

STAFF_TOKEN_ROLES = (Role.FACILITATOR, Role.ORGANISER, Role.WALL)
REVOKED_MESSAGE = "The organiser revoked this link; ask them for a new one."


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    event_id: str
    title: str
    join_code: str
    tokens: dict[str, str]  # role -> plain token, shown once

    def urls(self, base: str) -> dict[str, str]:
        base = base.rstrip("/")
        e = self.event_id
        return {
            "join": f"{base}/join?code={self.join_code}",
            "console": f"{base}/e/{e}/console#token={self.tokens['facilitator']}",
            "organiser": f"{base}/e/{e}/organiser#token={self.tokens['organiser']}",
            "wall": f"{base}/e/{e}/wall#token={self.tokens['wall']}",
        }

    def to_dict(self, base: str) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "title": self.title,
            "join_code": self.join_code,
            "tokens": self.tokens,
            "urls": self.urls(base),
        }


def new_event(
    store: Store,
    title: str,
    tables: list[str],
    parts: Sequence[Mapping[str, Any]] = (),
    language: str = "en",
    themes_encoder: str = "default",
) -> CreatedEvent:
    """Validate, then write the event, its first entry and its staff tokens in one transaction.
    ``tables``: their names (``web.i18n.numbered_tables`` names a count of them in a language);
    ``language`` is the interface language of its wall and console (a code of LANGUAGES);
    ``themes_encoder``: ``default`` or ``multilingual`` (the themes' encoder, docs/themes.md)."""
    now = time.time_ns() // 1_000_000
    for _attempt in range(5):
        event_id, code = new_event_id(), new_join_code()
        first = create_event(event_id, title, tables, code, now, parts, themes_encoder, language)
        tokens = {role.value: new_token() for role in STAFF_TOKEN_ROLES}
        rows = [TokenRow(hash=hash_token(t), event_id=event_id, role=r, created_at=now) for r, t in tokens.items()]
        try:
            store.create_event(first, rows)
        except IntegrityError:  # a join code or id already taken: draw again
            continue
        return CreatedEvent(event_id, first.payload["title"], code, tokens)
    raise RuntimeError("could not draw a free join code")


def new_event_id_and_code(store: Store) -> tuple[str, str]:
    """An event id and join code not used in ``store`` yet (for imports, which bring their own entries)."""
    for _attempt in range(20):
        event_id, code = new_event_id(), new_join_code()
        if store.last_seq(event_id) is None and store.event_by_code(code) is None:
            return event_id, code
    raise RuntimeError("could not draw a free join code")


@dataclass(frozen=True, slots=True)
class Principal:
    event_id: str
    role: Role
    participant_id: str | None
    expires_at: int | None = None  # tokens issued before links expired with their event had a fixed end
    revoked_at: int | None = None  # the participant was removed (or the organiser revoked the link)
    closed_at: int | None = None  # the event was closed
    name: str | None = None  # a named facilitator link's name

    @property
    def expires_with_event(self) -> bool:
        """Phones and the wall lose access a set time after the event closes; the facilitator and
        organiser keep theirs (replay, exports and the report are read after the event)."""
        return self.participant_id is not None or self.role is Role.WALL

    def check(self, now: int, ttl_ms: int) -> None:
        if self.revoked_at is not None and self.participant_id is None:
            raise Unauthorized("link_revoked", REVOKED_MESSAGE)
        if self.revoked_at is not None:
            raise Unauthorized("removed", REMOVED_MESSAGE)
        if self.expires_at is not None and self.expires_at <= now:
            raise Unauthorized("token_expired", "this token has expired; join again")
        if self.expires_with_event and self.closed_at is not None and self.closed_at + ttl_ms <= now:
            raise Unauthorized("token_expired", "this event has ended and its links have expired")
