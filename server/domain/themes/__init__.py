"""Themes: group ideas by meaning, respect the facilitator's curation, lay them out on a map.

Pure functions over plain data (no I/O). The live room calls, off the event loop:

- ``recluster(ideas, edits, previous=shown) -> ThemeMap``: the whole picture, from every idea and
  every edit, moved from the picture shown towards the best clustering (``previous=None``: from
  scratch, as replay and export do);
- ``add_idea(theme_map, idea) -> ThemeMap``: one new idea, in microseconds once it has a vector;
- ``remove_idea(theme_map, idea_id)``: an idea hidden by the facilitator leaves its theme;
- ``subthemes(ideas, theme_map, theme_id)``: one theme divided finer, on demand (drill-down);
- ``edit_to_entry(edit)`` / ``edit_from_entry(kind, payload)``: curation edits as transcript entries.

Vectors come from ``server.encoders.load_encoder()``, computed once per idea and kept.
"""

from server.domain.themes.cluster import ClusterParams
from server.domain.themes.codec import edit_from_entry, edit_to_entry
from server.domain.themes.constraints import Curation, fold
from server.domain.themes.drill import subthemes
from server.domain.themes.live import add_idea, assign, remove_idea
from server.domain.themes.recluster import ThemeParams, recluster
from server.domain.themes.records import (
    Edit,
    IdeaVector,
    Merge,
    Move,
    Pin,
    Point,
    Rename,
    Split,
    Theme,
    ThemeMap,
    Unpin,
)

__all__ = [
    "ClusterParams",
    "Curation",
    "Edit",
    "IdeaVector",
    "Merge",
    "Move",
    "Pin",
    "Point",
    "Rename",
    "Split",
    "Theme",
    "ThemeMap",
    "ThemeParams",
    "Unpin",
    "add_idea",
    "assign",
    "edit_from_entry",
    "edit_to_entry",
    "fold",
    "recluster",
    "remove_idea",
    "subthemes",
]
