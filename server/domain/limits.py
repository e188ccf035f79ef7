"""Documented limits (docs/protocol.md lists them). Chosen for a phone typing in a busy room."""

from __future__ import annotations

from dataclasses import dataclass

TITLE_MAX = 200
TABLES_MAX = 500
TABLE_NAME_MAX = 60
NAME_MAX = 40
IDEA_MAX = 500
STEP_TEXT_MAX = 2000
STEP_DURATION_MAX_S = 24 * 3600
CLIENT_ID_MAX = 64

# A participant may submit at most IDEAS_PER_WINDOW ideas in any IDEA_WINDOW_MS.
IDEAS_PER_WINDOW = 12
IDEA_WINDOW_MS = 60_000

# Largest websocket or HTTP command body accepted, in bytes.
MESSAGE_MAX_BYTES = 64 * 1024  # room for an uploaded script; ideas are far smaller


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` at once, then ``per_s`` a second on average (a token bucket: server/domain/throttle.py)."""

    per_s: float
    burst: int

    def describe(self) -> str:
        if self.per_s >= 1:
            return f"{self.per_s:g} a second"
        return f"one every {1 / self.per_s:g} s"


# What one participant may send, per message type (over all their sockets and HTTP together).
# A person reacting to ideas one by one does about 2 a second; seats and roles change rarely.
PARTICIPANT_RATES: dict[str, Rate] = {
    "idea.submit": Rate(1, 20),  # and IDEAS_PER_WINDOW a minute, counted in the transcript
    "reaction.cast": Rate(4, 12),
    "reaction.next": Rate(4, 12),
    "vote.cast": Rate(1, 10),
    "topic.post": Rate(0.5, 5),
    "topic.join": Rate(1, 10),
    "topic.leave": Rate(1, 10),
    "theme.flag": Rate(0.5, 5),
    "participant.seat": Rate(0.2, 5),
    "participant.role": Rate(0.2, 5),
    "role.volunteer": Rate(0.2, 5),
    "participant.parts_set": Rate(0.2, 5),
    "ping": Rate(2, 10),  # the page pings every 25 s, and on waking up
}
PARTICIPANT_OTHER = Rate(1, 10)  # every other message type, shared by them all
# Websocket hellos per token (any role): a page reconnecting on bad Wi-Fi backs off from 0.5 s to
# 10 s; a client reconnecting in a loop would cost a token lookup and a snapshot each time.
HELLO_RATE = Rate(0.5, 20)
# Facilitator, organiser and wall: generous, but not unlimited (per role: all commands together,
# pings apart).
STAFF_RATE = Rate(20, 200)
# Message types that write nothing (they never count towards the event's limit).
READ_ONLY_TYPES = frozenset({"ping", "reaction.next"})

# What all the participants of one event may write together (per worker process): about what one
# SQLite writer commits with room to spare (docs/performance.md). WHOLEROOM_EVENT_WRITES_PER_S.
EVENT_WRITES_BURST_S = 2  # the burst is this many seconds' worth

# Per client address (per worker process): join-code lookups and joins each have a bucket of
# WHOLEROOM_JOINS_PER_CLIENT_PER_S, bursts of this many seconds' worth (a venue's Wi-Fi puts
# every phone behind one address: the default lets 2,000 people join in a few minutes).
CLIENT_BURST_S = 15
# Wrong admin secrets per client address: these are free, then each further one waits twice as
# long as the one before, from 1 s up to 15 min; an address quiet for an hour starts afresh.
ADMIN_FREE_FAILURES = 5
ADMIN_FIRST_WAIT_MS = 1_000
ADMIN_MAX_WAIT_MS = 15 * 60_000
ADMIN_FORGET_MS = 3_600_000

# Nesting depth of a websocket message or HTTP JSON body (commands need 3 or 4 levels).
JSON_DEPTH_MAX = 32

# The largest seq a query may name (the transcript's seq column is a 32-bit integer).
SEQ_MAX = 2**31 - 1
