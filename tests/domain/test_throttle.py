from __future__ import annotations

import pytest

from server.domain import limits
from server.domain.errors import RateLimited
from server.domain.limits import Rate
from server.domain.throttle import Backoff, Buckets, CommandLimits


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    """Five at once pass; the sixth is refused with the time until the next token (0.5 s at 2/s)."""
    buckets = Buckets()
    for _ in range(5):
        buckets.check("p1", Rate(2, 5), 1000, "seats")
    with pytest.raises(RateLimited) as refused:
        buckets.check("p1", Rate(2, 5), 1000, "seats")
    assert (refused.value.code, refused.value.retry_after_ms) == ("rate_limited", 500)
    assert refused.value.to_dict()["retry_after_ms"] == 500


def test_a_bucket_refills_and_a_refusal_takes_nothing() -> None:
    """After waiting the time it was told, the client is served; refused tries did not cost it more."""
    buckets = Buckets()
    buckets.check("p1", Rate(1, 1), 0, "seats")
    for _ in range(10):
        with pytest.raises(RateLimited):
            buckets.check("p1", Rate(1, 1), 200, "seats")
    buckets.check("p1", Rate(1, 1), 1000, "seats")


def test_keys_are_counted_apart_and_their_number_is_bounded() -> None:
    """One key's flood does not touch another's bucket; a crowd of keys is forgotten, full ones first."""
    buckets = Buckets(max_keys=100)
    for i in range(1000):
        buckets.check(f"10.0.{i}", Rate(1, 3), 0, "joins")
    assert len(buckets) <= 100
    buckets.check("10.0.0.x", Rate(1, 3), 0, "joins")


def test_wrong_admin_secrets_wait_longer_and_longer() -> None:
    """Five wrong secrets are free, then 1 s, 2 s, 4 s ... after each further failure, at most the cap."""
    backoff = Backoff(free=5, first_ms=1000, max_ms=60_000, forget_ms=3_600_000)
    for _ in range(5):
        assert backoff.wait_ms("ip", 0) == 0
        backoff.failed("ip", 0)
    assert backoff.wait_ms("ip", 0) == 1000
    backoff.failed("ip", 1000)
    assert backoff.wait_ms("ip", 1000) == 2000
    for _ in range(20):
        backoff.failed("ip", 1000)
    assert backoff.wait_ms("ip", 1000) == 60_000
    assert backoff.wait_ms("other ip", 1000) == 0
    assert backoff.wait_ms("ip", 1000 + 3_600_000) == 0  # quiet for an hour: forgiven


def test_participant_kinds_have_their_own_rates_and_staff_are_generous() -> None:
    """A phone's sixth seat change at once is refused while its reactions still pass; a facilitator
    sends 200 commands in a burst."""
    room = CommandLimits(event_writes_per_s=1000)
    seat = limits.PARTICIPANT_RATES["participant.seat"]
    for _ in range(seat.burst):
        room.check("p1", "participant.seat", False, 0)
    with pytest.raises(RateLimited) as refused:
        room.check("p1", "participant.seat", False, 0)
    assert refused.value.retry_after_ms == 1000 / seat.per_s
    room.check("p1", "reaction.cast", False, 0)
    room.check("p2", "participant.seat", False, 0)
    for _ in range(limits.STAFF_RATE.burst):
        room.check("facilitator", "step.push", True, 0)


def test_unknown_message_types_share_one_bucket() -> None:
    """Made-up types cannot each get a fresh bucket."""
    room = CommandLimits(event_writes_per_s=1000)
    for i in range(limits.PARTICIPANT_OTHER.burst):
        room.check("p1", f"made.up.{i}", False, 0)
    with pytest.raises(RateLimited):
        room.check("p1", "made.up.again", False, 0)


def test_the_event_limit_holds_participants_together_but_not_staff() -> None:
    """At 5 writes/s (bursts of 10), the eleventh idea from ten phones waits; pings and staff do not."""
    room = CommandLimits(event_writes_per_s=5)
    for i in range(10):
        room.check(f"p{i}", "idea.submit", False, 0)
    with pytest.raises(RateLimited) as refused:
        room.check("p99", "idea.submit", False, 0)
    assert refused.value.retry_after_ms == 200
    room.check("p99", "ping", False, 0)
    room.check("facilitator", "step.push", True, 0)
    room.check("p99", "idea.submit", False, 200)
