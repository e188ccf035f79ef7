"""What an entry from outside (an imported transcript, a Pol.is export) must look like.

Live entries are made by the commands, which enforce the documented limits; an imported file was
made by anyone. :func:`check_entry` holds each entry kind's payload to the same types and limits
(text lengths, names, ids, counts, tables) before it is folded or written, and says which field is
wrong. Fields it does not name are still held to :func:`text.check_payload` and a size bound.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..languages import LANGUAGES
from . import limits
from .errors import Invalid
from .follow import GROUPS_MAX, QUESTION_MAX, TITLE_MAX
from .model import ROLE_NAME_PATTERN, Entry
from .parts import PART_ID_PATTERN, PART_NAME_MAX, PART_TARGET_MAX, PARTS_MAX
from .scripts.format import LANGUAGE_RE
from .signup import TOPIC_MAX
from .text import check_payload
from .theme_commands import IDS_MAX, LABEL_MAX

ENTRY_BYTES_MAX = 4 * 1024 * 1024  # a vote step's options can quote thousands of ideas
REASON_MAX = 400

Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]
TableId = Annotated[str, StringConstraints(min_length=1, max_length=16)]
RoleName = Annotated[str, StringConstraints(pattern=ROLE_NAME_PATTERN)]
ClientId = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z0-9_-]{{1,{limits.CLIENT_ID_MAX}}}$")]
# an interface language this server has (server/languages.py): the wall and console are drawn in it
Language = Annotated[str, StringConstraints(pattern=rf"^({'|'.join(LANGUAGES)})$")]
ThemeId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# (an anonymous idea's entries leave an export as plain "participant", without the writer: privacy.py)
# (a named facilitator link acts as "facilitator:<its name>")
ACTOR_RE = re.compile(
    r"^(admin|facilitator|organiser|participant|participant:[^\s]{1,32}"
    rf"|facilitator:[^\x00-\x1f\x7f]{{1,{limits.NAME_MAX}}})$"
)


class _Payload(BaseModel):
    # fields not named here (a script step's spec, ...) are kept; their text is still checked
    model_config = ConfigDict(extra="allow", strict=True)


class _Table(_Payload):
    id: TableId
    name: str = Field(min_length=1, max_length=limits.TABLE_NAME_MAX)


PartId = Annotated[str, StringConstraints(pattern=PART_ID_PATTERN)]


class _Part(_Payload):
    id: PartId
    name: str = Field(min_length=1, max_length=PART_NAME_MAX)
    target: int | None = Field(ge=0, le=PART_TARGET_MAX)


class EventCreated(_Payload):
    title: str = Field(min_length=1, max_length=limits.TITLE_MAX)
    join_code: str = Field(min_length=1, max_length=16)
    tables: list[_Table] = Field(min_length=1, max_length=limits.TABLES_MAX)
    parts: list[_Part] = Field(default_factory=list, max_length=PARTS_MAX)
    themes_encoder: Literal["default", "multilingual"] = "default"
    language: Language = "en"


class EventLanguageSet(_Payload):
    language: Language


class EventPartsSet(_Payload):
    parts: list[_Part] = Field(min_length=1, max_length=PARTS_MAX)


class ParticipantJoined(_Payload):
    participant_id: Id
    name: str | None = Field(min_length=1, max_length=limits.NAME_MAX)
    table_id: TableId
    role: RoleName
    parts: list[PartId] = Field(default_factory=list, max_length=PARTS_MAX)


class ParticipantPartsSet(_Payload):
    participant_id: Id
    parts: list[PartId] = Field(max_length=PARTS_MAX)


class ParticipantSeated(_Payload):
    participant_id: Id
    table_id: TableId


class RoleSet(_Payload):
    participant_id: Id
    role: RoleName


class _Audience(_Payload):
    tables: list[TableId] | None
    role: RoleName | None


LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_RE.pattern)]
StepText = Annotated[str, StringConstraints(max_length=limits.STEP_TEXT_MAX)]


class _Option(_Payload):
    id: Id
    text: str = Field(min_length=0, max_length=limits.STEP_TEXT_MAX)
    texts: dict[LanguageCode, StepText] | None = None  # an option of a script in several languages


class StepPushed(_Payload):
    step_id: Id
    text: str = Field(min_length=0, max_length=limits.STEP_TEXT_MAX)
    collect_ideas: bool
    audience: _Audience
    deadline: int | None
    replaces: Id | None
    options: list[_Option] | None = None
    texts: dict[LanguageCode, StepText] | None = Field(default=None, max_length=20)  # a script step's languages
    premoderate: Annotated[str, StringConstraints(pattern=r"^(facilitator|role:[a-z][a-z0-9_]{0,31})$")] | None = None


class StepExtended(_Payload):
    step_id: Id
    deadline: int | None
    remaining: int | None = None


class StepOnly(_Payload):
    step_id: Id


class IdeaSubmitted(_Payload):
    idea_id: Id
    client_id: ClientId | None  # None: an anonymous idea, exported without its writer
    participant_id: Id | None
    table_id: TableId
    step_id: Id
    text: str = Field(min_length=1, max_length=limits.IDEA_MAX)
    visibility: Literal["table", "room", "group", "private", "facilitator"]
    group_id: Id | None
    anonymous: bool
    pending: bool = False  # held for a moderator (an ``idea.approved`` lets it through)


class IdeaApproved(_Payload):
    idea_id: Id
    table_id: TableId


class IdeaHidden(_Payload):
    idea_id: Id
    table_id: TableId
    reason: str | None = Field(min_length=0, max_length=REASON_MAX)


class IdeaRestored(_Payload):
    idea_id: Id
    table_id: TableId
    text: str = Field(min_length=1, max_length=limits.IDEA_MAX)
    participant_id: Id | None
    step_id: Id
    at: int


class SessionLoaded(_Payload):
    session_id: Id
    title: str = Field(min_length=0, max_length=limits.TITLE_MAX)
    source: str | None = Field(min_length=0, max_length=limits.TITLE_MAX)
    script: dict[str, Any]
    params: dict[str, Annotated[str, StringConstraints(max_length=limits.STEP_TEXT_MAX)] | None]


class SessionIndex(_Payload):
    session_id: Id
    index: int = Field(ge=0)


class SessionOnly(_Payload):
    session_id: Id


class StepPaused(_Payload):
    step_id: Id
    session_id: Id
    remaining: int | None


class StepResumed(_Payload):
    step_id: Id
    session_id: Id
    deadline: int | None


class _Group(_Payload):
    id: Id
    table_id: str = Field(min_length=0, max_length=16)
    members: list[Id]


class GroupsFormed(_Payload):
    step_id: Id
    groups: list[_Group]
    dissolved: list[Id] = []


class _Move(_Payload):
    participant_id: Id
    to: TableId


class ParticipantsMoved(_Payload):
    step_id: Id
    moves: list[_Move]


class RolesAssigned(_Payload):
    session_id: Id
    assignments: dict[Id, RoleName]


class VoteCast(_Payload):
    step_id: Id
    participant_id: Id
    table_id: TableId
    ballot: dict[str, Any] | list[Any]


class TopicPosted(_Payload):
    topic_id: Id
    step_id: Id
    title: str = Field(min_length=1, max_length=TOPIC_MAX)
    convener: Id
    slot: str = Field(min_length=0, max_length=200)
    space: str = Field(min_length=0, max_length=200)


class TopicJoined(_Payload):
    topic_id: Id
    participant_id: Id
    left: list[Id]


class TopicLeft(_Payload):
    topic_id: Id
    participant_id: Id


class ReactionCast(_Payload):
    idea_id: Id
    participant_id: Id
    value: Literal["agree", "disagree", "pass"]


class ThemeEdit(_Payload):
    theme_id: str | None = Field(default=None, min_length=1, max_length=64)
    label: str | None = Field(default=None, min_length=1, max_length=LABEL_MAX)
    idea_ids: list[Id] | None = None
    merged_theme_ids: list[ThemeId] | None = None
    remaining_ids: list[Id] | None = None
    theme_idea_ids: list[Id] | None = None


class ThemeFlagged(_Payload):
    flag_id: Id
    idea_id: Id
    theme_id: str | None = Field(min_length=1, max_length=64)
    participant_id: Id
    reason: str | None = Field(min_length=0, max_length=REASON_MAX)


class ParticipantRemoved(_Payload):
    participant_id: Id
    table_id: TableId
    ideas: Literal["keep", "hide"]


class ParticipantOnly(_Payload):
    participant_id: Id


class Nothing(_Payload):
    pass


class FlagResolved(_Payload):
    flag_id: Id
    outcome: Literal["kept", "moved"]


class ThemesRevealed(_Payload):
    shown: bool


class WallShown(_Payload):
    slide: Literal["join", "room"] | None


class SuggestionsDismissed(_Payload):
    keys: list[Annotated[str, StringConstraints(min_length=1, max_length=140)]] = Field(min_length=1, max_length=200)


class _ActionGroup(_Payload):
    id: Id
    title: str | None = Field(min_length=1, max_length=TITLE_MAX)
    source: Annotated[str, StringConstraints(pattern=r"^(theme|topic):.{1,64}$")] | None
    convener: Id | None = None


class ActionsFormed(_Payload):
    groups: list[_ActionGroup] = Field(min_length=1, max_length=GROUPS_MAX)


class ActionJoined(_Payload):
    group_id: Id
    participant_id: Id
    left: Id | None = None


class ActionMember(_Payload):
    group_id: Id
    participant_id: Id


class ConvenerSet(_Payload):
    group_id: Id
    participant_id: Id | None


class ContactSet(_Payload):
    group_id: Id
    participant_id: Id
    shared: bool
    # never the address itself (domain/follow.py): an imported entry that carries one is refused
    model_config = ConfigDict(extra="forbid", strict=True)


class FollowUpOpened(_Payload):
    followup_id: Id
    step_id: Id
    question: str = Field(min_length=1, max_length=QUESTION_MAX)
    privacy: Literal["private", "shared"]


class FollowUpClosed(_Payload):
    followup_id: Id


PAYLOADS: dict[str, type[_Payload]] = {
    "event.created": EventCreated,
    "participant.joined": ParticipantJoined,
    "participant.seated": ParticipantSeated,
    "participant.role_set": RoleSet,
    "step.pushed": StepPushed,
    "step.extended": StepExtended,
    "step.ended": StepOnly,
    "idea.submitted": IdeaSubmitted,
    "idea.hidden": IdeaHidden,
    "idea.restored": IdeaRestored,
    "idea.approved": IdeaApproved,
    "session.loaded": SessionLoaded,
    "session.step_skipped": SessionIndex,
    "session.finished": SessionOnly,
    "step.paused": StepPaused,
    "step.resumed": StepResumed,
    "groups.formed": GroupsFormed,
    "participants.moved": ParticipantsMoved,
    "roles.assigned": RolesAssigned,
    "vote.cast": VoteCast,
    "topic.posted": TopicPosted,
    "topic.joined": TopicJoined,
    "topic.left": TopicLeft,
    "reaction.cast": ReactionCast,
    **dict.fromkeys(
        ("theme.rename", "theme.merge", "theme.split", "theme.pin", "theme.unpin", "theme.move_idea"), ThemeEdit
    ),
    "theme.flagged": ThemeFlagged,
    "theme.flag_resolved": FlagResolved,
    "theme.revealed": ThemesRevealed,
    "wall.shown": WallShown,
    "theme.dismissed": SuggestionsDismissed,
    "participant.removed": ParticipantRemoved,
    "participant.erased": ParticipantOnly,
    "event.closed": Nothing,
    "event.reopened": Nothing,
    "event.parts_set": EventPartsSet,
    "event.language_set": EventLanguageSet,
    "participant.parts_set": ParticipantPartsSet,
    "actions.formed": ActionsFormed,
    "action.joined": ActionJoined,
    "action.left": ActionMember,
    "action.convener_set": ConvenerSet,
    "action.contact_set": ContactSet,
    "followup.opened": FollowUpOpened,
    "followup.closed": FollowUpClosed,
}

# counts the live commands bound through the state (tables, ideas) or their own models
_COUNTS = {"tables": limits.TABLES_MAX, "idea_ids": IDS_MAX, "remaining_ids": IDS_MAX, "theme_idea_ids": IDS_MAX}


def check_entry(entry: Entry) -> None:
    """Refuse (:class:`Invalid`, with the field) an entry the live commands could not have made."""
    if not 0 <= entry.at < 2**63 or not 0 < entry.seq <= limits.SEQ_MAX:
        raise Invalid("bad_entry", f"seq {entry.seq} or at {entry.at} is out of range")
    if not ACTOR_RE.match(entry.actor):
        known = "admin, facilitator, facilitator:<name> or participant:<id>"
        raise Invalid("bad_entry", f"actor {entry.actor[:80]!r} is not {known}")
    check_payload(entry.payload)
    model = PAYLOADS.get(entry.kind)
    if model is None:
        raise Invalid("bad_entry", f"unknown entry kind {entry.kind!r}", field="kind")
    try:
        model.model_validate(entry.payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise Invalid("bad_entry", f"{entry.kind} payload.{where}: {first['msg']}", field=where) from None
    for name, most in _COUNTS.items():
        value = entry.payload.get(name)
        if isinstance(value, list) and len(value) > most:
            raise Invalid("bad_entry", f"{entry.kind} payload.{name}: more than {most:,} items", field=name)
    if len(json.dumps(entry.payload, ensure_ascii=False).encode()) > ENTRY_BYTES_MAX:
        raise Invalid("bad_entry", f"{entry.kind} payload is over {ENTRY_BYTES_MAX:,} bytes")
