"""Every benchmark set's themes, as the engine names them, pass the label check."""

from __future__ import annotations

import pytest

from server.domain.themes import ThemeParams, recluster, subthemes
from server.domain.themes.label_check import label_problems

from .conftest import RealisticSet

NAMES = ["growing-older", "climate-street", "polis-seattle", "polis-london"]


@pytest.mark.parametrize("name", NAMES)
def test_theme_and_subtheme_labels_read_from_the_back_of_a_hall(realistic: dict[str, RealisticSet], name: str) -> None:
    """1-4 content words, no filler, none repeated, none only the event's question; the same for
    the sub-themes of each theme, and the central idea is one of the theme's own."""
    data = realistic[name]
    theme_map = recluster(data.ideas, (), ThemeParams(topic=(data.topic,)))
    labels = [t.label for t in theme_map.themes]
    assert [p for p in label_problems(labels, data.topic) if p] == [], labels
    assert all(t.example_idea_id in t.idea_ids for t in theme_map.themes)
    for theme in theme_map.themes:
        parts = subthemes(data.ideas, theme_map, theme.id, (data.topic,))
        words = [p.label for p in parts]
        assert [p for p in label_problems(words, data.topic) if p] == [], (theme.label, words)
