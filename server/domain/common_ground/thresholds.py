"""Small-number thresholds: below them the analysis shows plain tallies, never opinion groups.

Each number is a judgement about when a statistic stops being noise, written down once here so
the views, the documentation (docs/common-ground.md) and the tests all read the same value.
"""

from __future__ import annotations

import math

# A participant counts towards opinion groups once they have reacted to this many ideas
# (or to every idea, when fewer exist). Fewer reactions place a person almost at random.
MIN_REACTIONS_PER_PARTICIPANT = 7

# Opinion groups appear only once this many participants have reached the mark above.
# Below it, two or three "groups" of a handful of people would be read as facts.
MIN_PARTICIPANTS_FOR_GROUPS = 15

# ... and once at least this many ideas are visible: with one or two ideas, a tally says it all.
MIN_IDEAS_FOR_GROUPS = 3

# No opinion group (and no table or role counted in common ground) may be smaller than this:
# never a group of one, and never a pair whose two phones decide what "the group" thinks.
MIN_GROUP_SIZE = 3

# Opinion groups are chosen among 2..MAX_GROUPS; more than five cannot be read on a projector.
MAX_GROUPS = 5

# Participants are first summarised by at most this many fine clusters ("base clusters"),
# so that choosing the number of groups costs the same for 50 or 50,000 people.
BASE_CLUSTERS = 100

# One-sided 90% critical value of the normal distribution: a z-score above it is "significant".
Z_90 = 1.2816

# Common ground: every group must agree with at least this estimated share (Laplace-smoothed),
# with at least MIN_REACTIONS_PER_GROUP reactions from each group on the idea.
COMMON_GROUND_SHARE = 0.6
MIN_REACTIONS_PER_GROUP = 3

# Uncertainty: ideas where more than this share of reactions are passes.
UNCERTAIN_PASS_SHARE = 0.3

# How many ideas each list shows (differences per group and direction, majority, uncertainty).
LIST_LENGTH = 5

# The number of groups shown changes only after the same new best number has won this many
# analyses in a row, so the map does not flicker between 2 and 3 groups as reactions arrive.
K_PATIENCE = 4


def reactions_needed(n_ideas: int) -> int:
    """How many reactions make a participant count towards opinion groups, given ``n_ideas`` ideas."""
    return max(1, min(MIN_REACTIONS_PER_PARTICIPANT, n_ideas))


def max_groups_for(n_base_clusters: int) -> int:
    """The largest number of opinion groups tried for ``n_base_clusters`` fine clusters (2 at least).

    One more group is allowed for every 12 base clusters, so a small room is not cut into five.
    """
    return min(MAX_GROUPS, 2 + math.floor(n_base_clusters / 12))
