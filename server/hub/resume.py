"""Resume: the entries a worker keeps for screens that come back, and what a (re)connecting screen is
sent first — a welcome, then what it missed, or a welcome holding a snapshot."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from ..domain.delivery import resumes, spoils_replay
from ..domain.model import Entry, EventState
from ..domain.privacy import erase_all
from ..domain.view import redact, visible
from ..storage.store import dumps
from .clock import now_ms
from .connection import Conn
from .feed import encode_entry

RESUME_MAX_ENTRIES = 2000  # a phone further behind than this gets a fresh snapshot instead


class Recent:
    """The entries up to the last one delivered, newest last: phones that come back resume from
    memory (a worker's phones all come back at once when another worker dies)."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: deque[Entry] = deque(entries, maxlen=RESUME_MAX_ENTRIES)

    def remember(self, entry: Entry) -> None:
        self._entries.append(entry)

    def oldest(self) -> int | None:
        return self._entries[0].seq if self._entries else None

    def since(self, after: int) -> list[Entry]:
        """The entries after ``after`` (which the memory must hold, see :func:`resumes`)."""
        return list(islice(self._entries, after + 1 - self._entries[0].seq, None))

    def erase(self, participant_id: str) -> None:
        """The entries kept lose an erased person's texts too."""
        changed = {e.seq: e for e in erase_all(list(self._entries), participant_id)}
        if changed:
            self._entries = deque((changed.get(e.seq, e) for e in self._entries), maxlen=RESUME_MAX_ENTRIES)


def welcome(event_id: str, seq: int, conn: Conn, snap: dict[str, Any] | None, resumed_from: int | None = None) -> str:
    """The first message a screen gets: with a snapshot, or (``snap`` None) before what it missed."""
    return dumps(
        {
            "type": "welcome",
            "event_id": event_id,
            "seq": seq,
            "now": now_ms(),
            "role": conn.viewer.role.value,
            "participant_id": conn.viewer.participant_id,
            "resumed_from": resumed_from,
            "snapshot": snap,
        }
    )


def opening(
    state: EventState,
    delivered: int,
    recent: Recent,
    conn: Conn,
    after: int | None,
    fresh: Callable[[Conn], str],
    resumed: Callable[[Conn, int], str],
    latest: Callable[[Conn], list[str]],
) -> tuple[int, list[str]]:
    """What ``conn`` starts from, and the seq it is at after them: what it missed after ``after``
    (a ``resumed`` welcome, the entries it may see, the ``latest`` derived views), or a ``fresh``
    welcome holding a snapshot."""
    person = state.participants.get(conn.viewer.participant_id or "")
    seated = person.seated_seq if person is not None else None
    missed = recent.since(after) if after is not None and resumes(after, delivered, recent.oldest(), seated) else None
    if missed is None or spoils_replay(missed):  # texts it holds may be gone
        return state.seq, [fresh(conn)]
    texts = [resumed(conn, after or 0)]
    texts += [encode_entry(redact(state, e, conn.viewer)) for e in missed if visible(state, e, conn.viewer)]
    return delivered, [*texts, *latest(conn)]
