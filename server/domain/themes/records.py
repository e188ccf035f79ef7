"""Plain data in and out of the themes core: ideas with vectors, curation edits, the theme map.

Curation edits carry the idea ids the facilitator saw when acting, so each one is a self-contained
fact about ideas ("these belong together", "this one belongs nowhere") rather than a reference to
a cluster number that the next re-clustering would reshuffle. The live room records them as
transcript entries; replay passes the same list and gets the same themes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class IdeaVector:
    """One idea as the themes core sees it; ``vector`` is the encoder's unit vector for ``text``."""

    id: str
    text: str
    table_id: str
    vector: Vector
    hidden: bool = False
    lang: str = ""  # its language (ISO 639-1) when known: its function words never name a theme


@dataclass(frozen=True, slots=True)
class Rename:
    """Name a theme; with ``idea_ids`` (its ideas as shown) it also holds together from now on."""

    theme_id: str
    label: str
    idea_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Merge:
    """``merged_theme_ids`` join ``theme_id``; ``idea_ids`` are all their ideas as shown."""

    theme_id: str
    merged_theme_ids: tuple[str, ...]
    idea_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Split:
    """``idea_ids`` leave ``theme_id`` to form ``new_theme_id``; ``remaining_ids`` stay together."""

    theme_id: str
    new_theme_id: str
    idea_ids: tuple[str, ...]
    remaining_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pin:
    """Freeze a theme: exactly these ideas under this label until unpinned; nothing joins by itself."""

    theme_id: str
    idea_ids: tuple[str, ...]
    label: str


@dataclass(frozen=True, slots=True)
class Unpin:
    theme_id: str


@dataclass(frozen=True, slots=True)
class Move:
    """Put one idea in ``theme_id`` (whose ideas as shown are ``theme_idea_ids``), or in no theme (None)."""

    idea_id: str
    theme_id: str | None
    theme_idea_ids: tuple[str, ...] = ()


Edit = Rename | Merge | Split | Pin | Unpin | Move


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Theme:
    """A group of ideas. ``label`` is the facilitator's name if given, else ``keywords`` joined."""

    id: str
    label: str
    idea_ids: tuple[str, ...]
    keywords: tuple[str, ...]
    example_idea_id: str
    tables: frozenset[str]
    pinned: bool = False
    curated: bool = False
    age: int = 0  # re-clusterings in a row that kept this id and label (0: new, or renamed just now)

    @property
    def breadth(self) -> int:
        """How many distinct tables raised this theme."""
        return len(self.tables)


@dataclass(frozen=True, slots=True, eq=False)
class Anchor:
    """What the next ideas need to join a theme without re-clustering: its direction and bar."""

    theme_id: str
    direction: Vector  # unit mean of the members' vectors
    total: Vector  # sum of the members' vectors, so the direction can follow new members
    admit: float  # a new idea joins if its cosine to ``direction`` reaches this


@dataclass(frozen=True, slots=True, eq=False)
class Patch:
    """A theme's round patch on the map, and how its ideas' projections are scaled into it."""

    centre: Point
    radius: float
    middle: NDArray[np.float64]  # the members' mean projection, before scaling
    zoom: float


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """The 2-D map's projection, kept so that new ideas land where a re-clustering would put them.
    A vector's map position is ``(basis @ v - origin) * scale``, or inside its theme's patch."""

    basis: NDArray[np.float64]  # (2, dim)
    origin: NDArray[np.float64]  # (2,)
    scale: float
    patches: dict[str, Patch] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class ThemeMap:
    """Themes biggest first, ideas in no theme, and a position in [0, 1]^2 for every visible idea."""

    themes: tuple[Theme, ...]
    unthemed: tuple[str, ...]
    positions: dict[str, Point]
    anchors: tuple[Anchor, ...]
    frame: Frame
    resolution: float = 0.0
    silhouette: float = 0.0
    held_back: int = 0  # moves towards the best clustering left for later re-clusterings (steady.py)

    def theme_of(self, idea_id: str) -> Theme | None:
        return next((t for t in self.themes if idea_id in t.idea_ids), None)
