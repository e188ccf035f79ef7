"""Phones are told an idea's theme only once that theme is stable, under a label that does not shuffle."""

from __future__ import annotations

from typing import Any

from server.domain.phone_themes import STABLE_AFTER, Seen, remember, shown_to_phones


def theme(theme_id: str, ideas: list[str], label: str, **flags: bool) -> dict[str, Any]:
    return {"id": theme_id, "label": label, "idea_ids": ideas, **flags}


def reclustered(times: int, *themes: dict[str, Any], named: dict[str, str] | None = None) -> dict[str, Seen]:
    memory: dict[str, Seen] = {}
    for _ in range(times):
        memory = remember(memory, list(themes), named or {})
    return memory


def test_a_theme_reaches_phones_after_keeping_its_identity_through_two_reclusterings() -> None:
    bus = theme("t-i1", ["i1", "i2", "i3"], "night · buses")
    assert STABLE_AFTER == 2
    for times in (1, 2):
        assert shown_to_phones(reclustered(times, bus), [bus]) == {}, times
    shown = shown_to_phones(reclustered(3, bus), [bus])
    assert shown == {i: {"theme_id": "t-i1", "label": "night · buses"} for i in ("i1", "i2", "i3")}


def test_a_theme_that_lost_most_of_its_ideas_starts_again() -> None:
    """The same id with fewer than half of its ideas is a new theme for phones: it waits again."""
    memory = reclustered(3, theme("t-i1", ["i1", "i2", "i3", "i4"], "night · buses"))
    changed = theme("t-i1", ["i1", "i9"], "trees")
    memory = remember(memory, [changed], {})
    assert memory["t-i1"].runs == 0 and shown_to_phones(memory, [changed]) == {}
    kept_half = theme("t-i1", ["i1", "i9", "i10"], "trees")
    assert remember(memory, [kept_half], {})["t-i1"].runs == 1


def test_themes_the_facilitator_shaped_reach_phones_at_once() -> None:
    merged = theme("t-a", ["i1", "i2"], "parks · trees", curated=True)
    pinned = theme("t-b", ["i3", "i4"], "Buses", pinned=True)
    named = theme("t-c", ["i5"], "Getting home")
    memory = remember({}, [merged, pinned, named], {"t-b": "Buses", "t-c": "Getting home"})
    assert shown_to_phones(memory, [merged, pinned, named]) == {
        "i1": {"theme_id": "t-a", "label": "parks · trees"},
        "i2": {"theme_id": "t-a", "label": "parks · trees"},
        "i3": {"theme_id": "t-b", "label": "Buses"},
        "i4": {"theme_id": "t-b", "label": "Buses"},
        "i5": {"theme_id": "t-c", "label": "Getting home"},
    }


def test_a_label_keeps_its_words_in_their_order_until_its_words_change() -> None:
    """ "calls · phone" never becomes "phone · calls" on a phone; new words do replace it; and a name
    the facilitator gives is shown as they wrote it."""
    memory = reclustered(3, theme("t-i1", ["i1", "i2"], "calls · phone"))
    reordered = theme("t-i1", ["i1", "i2", "i5"], "Phone · CALLS")
    memory = remember(memory, [reordered], {})
    assert shown_to_phones(memory, [reordered])["i5"]["label"] == "calls · phone"
    reworded = theme("t-i1", ["i1", "i2", "i5"], "phone · bills")
    memory = remember(memory, [reworded], {})
    assert shown_to_phones(memory, [reworded])["i1"]["label"] == "phone · bills"
    named = theme("t-i1", ["i1", "i2", "i5"], "Bills phone", curated=True)
    memory = remember(memory, [named], {"t-i1": "Bills phone"})
    assert shown_to_phones(memory, [named])["i1"]["label"] == "Bills phone"


def test_ideas_placed_between_reclusterings_in_a_stable_theme_are_shown_and_gone_themes_forgotten() -> None:
    bus = theme("t-i1", ["i1", "i2"], "night · buses")
    memory = reclustered(3, bus)
    grown = theme("t-i1", ["i1", "i2", "i7"], "night · buses")  # i7 placed at once, not yet re-clustered
    assert shown_to_phones(memory, [grown])["i7"] == {"theme_id": "t-i1", "label": "night · buses"}
    assert remember(memory, [], {}) == {}
    assert Seen.from_dict(memory["t-i1"].to_dict()) == memory["t-i1"]
