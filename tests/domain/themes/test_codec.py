from __future__ import annotations

import json

import pytest

from server.domain.themes import Merge, Move, Pin, Rename, Split, Unpin, edit_from_entry, edit_to_entry


def test_every_edit_round_trips_through_a_json_payload() -> None:
    """Each edit type survives edit_to_entry, JSON and edit_from_entry unchanged."""
    edits = [
        Rename("a", "Night buses"),
        Rename("a", "Places to meet and rest", ("1", "2")),
        Merge("a", ("b",), ("1", "2")),
        Split("a", "n", ("1",), ("2",)),
        Pin("a", ("1",), "Parks"),
        Unpin("a"),
        Move("1", None),
        Move("1", "a", ("2",)),
    ]
    for edit in edits:
        kind, payload = edit_to_entry(edit)
        assert edit_from_entry(kind, json.loads(json.dumps(payload))) == edit


def test_a_payload_missing_a_field_is_refused() -> None:
    """A move without its theme_id is an error that names the fields."""
    with pytest.raises(ValueError, match="theme_id"):
        edit_from_entry("theme.move_idea", {"idea_id": "1"})
