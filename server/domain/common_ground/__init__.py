"""Common ground without forced consensus: reactions, opinion groups, and what every group supports.

The live room keeps a :class:`ReactionLog`, and on a debounced tick calls
:func:`analyse` on ``log.snapshot()`` (off the event loop), passing the previous result's
``memory``. Phones ask :func:`next_idea` which idea to show, using the latest ``priorities``.
The method, its thresholds and its measured cost are in docs/common-ground.md.
"""

from server.domain.common_ground.analysis import Analysis, Level, Memory, OpinionMap, analyse
from server.domain.common_ground.lists import CommonGround, Difference, Direction, Majority, Support, Uncertain
from server.domain.common_ground.partition import Part, PartitionView
from server.domain.common_ground.routing import NEW_IDEA_PRIORITY, draw_for, next_idea, priority
from server.domain.reaction_matrix import Reaction, ReactionLog, ReactionMatrix

__all__ = [
    "NEW_IDEA_PRIORITY",
    "Analysis",
    "CommonGround",
    "Difference",
    "Direction",
    "Level",
    "Majority",
    "Memory",
    "OpinionMap",
    "Part",
    "PartitionView",
    "Reaction",
    "ReactionLog",
    "ReactionMatrix",
    "Support",
    "Uncertain",
    "analyse",
    "draw_for",
    "next_idea",
    "priority",
]
