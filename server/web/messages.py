"""The messages the server sends, as pydantic models: the one written source of their shapes.

``docs/protocol.json`` is generated from these models (``python -m server.web.schema``), and the
tests hold both ends to them: the committed schema must be what the models say
(tests/web/test_messages.py), and every message captured from a live scripted event over the
websocket, for the facilitator, the organiser, the wall and a phone, must validate against them.

The server builds its messages as plain dicts and does not validate them as it sends (a room sends
thousands a second; docs/performance.md): the models are checked in the tests, not on the hot path.

Models forbid fields they do not name, so a field added to a message without being written here
fails the tests, and so does a field that reaches a screen it must not (a wall snapshot with the
list of people is not a :class:`WallSnapshot`). Deep payloads whose shape belongs to another
document (an entry's ``payload``: the entry table in docs/protocol.md; a script step's ``spec``:
docs/scripts.md; the common-ground ``analysis``: docs/common-ground.md) are open objects here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Ref = str | int | float | None
Open = dict[str, Any]  # an object whose fields another document describes


class Closed(BaseModel):
    """A message or part of one: exactly these fields."""

    model_config = ConfigDict(extra="forbid")


# --- parts of snapshots ----------------------------------------------------------------------


class TableName(Closed):
    id: str
    name: str


class Part(Closed):
    id: str
    name: str
    target: int | None


class Followup(Closed):
    id: str
    step_id: str
    question: str
    privacy: Literal["private", "shared"]


class Event(Closed):
    id: str
    title: str
    join_code: str
    tables: list[TableName]
    closed_at: int | None
    themes_revealed: bool
    wall_slide: Literal["join", "room"] | None
    parts: list[Part]
    language: str = Field(
        description=(
            "the interface language of the wall, console, printouts and invitation e-mail"
            " (en, es, pl, ar); a phone keeps its own"
        )
    )
    followup: Followup | None = Field(
        default=None, description="only once there has been a follow-up round: the one open now, or null"
    )


class ActionGroup(Closed):
    """An action group as phones and the wall see it: a title and counts, never who."""

    id: str
    title: str
    count: int
    has_convener: bool


class ActionGroupStaff(ActionGroup):
    """As the facilitator and organiser see it: who is in it, who convenes, who shared an email (never the address)."""

    source: str | None = Field(description='"theme:<id>", "topic:<id>", or null (by hand)')
    members: list[str]
    convener: str | None
    contacts: list[str]


class ActionMember(Closed):
    id: str
    name: str | None
    convener: bool
    contact: bool


class MyAction(Closed):
    id: str
    title: str
    convener: str | None
    shared: bool
    members: list[ActionMember]


class Audience(Closed):
    tables: list[str] | None = Field(description="null: every table")
    role: str | None


class Step(Closed):
    id: str
    seq: int
    text: str
    collect_ideas: bool
    audience: Audience
    pushed_at: int
    deadline: int | None
    status: Literal["active", "ended"]
    ended_at: int | None
    replaces: str | None
    session_id: str | None
    index: int | None
    kind: str = Field(description='"custom" for a hand-pushed step, else the script step\'s kind')
    spec: Open | None = Field(description="the script step as written (docs/scripts.md)")
    options: list[Open] | None
    warn_ms: int | None
    paused_remaining: int | None
    premoderate: str | None = Field(default=None, description="only when set: facilitator or role:<name>")
    texts: dict[str, str] | None = Field(
        default=None, description="only for a script in several languages: the text in each (docs/protocol.md)"
    )


class Idea(Closed):
    id: str
    client_id: str | None = Field(description="only in a phone's snapshot, for its own ideas")
    seq: int
    participant_id: str | None = Field(description="null for an anonymous idea (but for its writer)")
    visibility: Literal["table", "room", "group", "private", "facilitator"]
    group_id: str | None
    anonymous: bool
    table_id: str
    step_id: str | None
    text: str | None = Field(description="null: hidden, on a screen that is not a moderator's")
    at: int
    hidden: bool
    hidden_reason: str | None
    pending: bool | None = Field(default=None, description="only while it waits for a moderator: true")


class Flow(Closed):
    seq: int
    at: int
    actor: str
    kind: str
    step_id: str | None
    session_id: str | None
    index: int | None
    text: str


class SessionNow(Closed):
    step_id: str
    state: Literal["running", "paused", "interrupted", "ended"]
    tables: list[str]
    replaced_by: str | None


class Session(Closed):
    id: str
    title: str
    status: Literal["loaded", "running", "paused", "finished"]
    index: int | None
    started_at: int | None
    params: dict[str, Any]
    method: Open | None
    roles: Open
    runsheet: list[Open]
    now: SessionNow | None


class Group(Closed):
    id: str
    table_id: str
    members: list[str]


class Topic(Closed):
    id: str
    step_id: str
    title: str
    convener: str
    slot: str | None
    space: str | None
    count: int
    joined: bool | None = Field(default=None, description="only in a phone's snapshot")


class Turnout(Closed):
    step_id: str
    voters: int
    eligible: int


class Flag(Closed):
    flag_id: str
    idea_id: str
    theme_id: str | None
    participant_id: str
    reason: str | None
    at: int
    outcome: str | None


class Person(Closed):
    id: str
    name: str | None
    table_id: str
    role: str
    joined_at: int
    parts: list[str]


class CoveragePart(Closed):
    id: str
    name: str
    target: int | None
    joined: int
    missing: int | None


class Coverage(Closed):
    parts: list[CoveragePart]
    missing: list[str]
    prefer_not_to_say: int
    not_said: int
    people: int


class Theme(Closed):
    id: str
    label: str
    idea_ids: list[str]
    keywords: list[str]
    example_idea_id: str
    breadth: int = Field(description="how many tables raised it")
    tables: list[str]
    pinned: bool
    curated: bool


class Suggestion(Closed):
    kind: Literal["merge", "move", "split"]
    key: str
    keys: list[str]
    theme_id: str | None
    other_theme_id: str | None
    idea_ids: list[str]
    sources: dict[str, str | None] | None = Field(default=None, description="move only")
    score: float
    reason: str


class ThemesView(Closed):
    """The themes as a staff snapshot carries them (the ``themes`` message without ``type`` and ``seq``)."""

    model: str
    themes: list[Theme]
    unthemed: list[str]
    positions: dict[str, list[float]]
    langs: dict[str, str] = Field(
        default_factory=dict,
        description="idea id -> its language (ISO 639-1), for the ideas whose language is known (docs/themes.md)",
    )
    suggestions: list[Suggestion] | None = Field(default=None, description="facilitator and organiser only")


class IdeaTheme(Closed):
    theme_id: str
    label: str


class Me(Closed):
    id: str
    name: str | None
    table_id: str
    role: str
    parts: list[str]
    moved: bool


class Member(Closed):
    id: str
    name: str | None


class GroupTopic(Closed):
    title: str
    slot: str | None
    space: str | None


class MyGroup(Closed):
    id: str
    members: list[Member]
    topic: GroupTopic | None = None


class PastResults(Closed):
    step_id: str
    title: str
    spec: Open
    results: Open


class MyReaction(Closed):
    idea_id: str
    text: str | None
    value: str


# --- snapshots ------------------------------------------------------------------------------


class PhoneSnapshot(Closed):
    """A phone's whole view: its table, its step, its own things."""

    seq: int
    event: Event
    me: Me
    step: Step | None
    ideas: list[Idea]
    volunteer_roles: dict[str, int]
    flags: list[Flag]
    role_holders: dict[str, list[str]]
    group: MyGroup | None
    past_results: PastResults | None
    idea_themes: dict[str, IdeaTheme]
    # once the room has action groups
    action_groups: list[ActionGroup] | None = Field(default=None, description="once there are action groups")
    my_action: MyAction | None = Field(default=None, description="with action_groups: mine, or null")
    # by the kind of the current step
    options: list[Open] | None = Field(default=None, description="a vote step: the options this phone may vote on")
    ballot: Any = Field(default=None, description="a vote step: my ballot, or null")
    results: Open | None = Field(default=None, description="a vote step: null until revealed")
    reactions: list[MyReaction] | None = Field(default=None, description="a reaction step: my answers")
    topics: list[Topic] | None = Field(default=None, description="a signup step")


class RoomSnapshot(Closed):
    """What every staff screen starts from (the wall's and the moderators' add their own fields)."""

    seq: int
    event: Event
    steps: list[Step]
    current: dict[str, dict[str, str]] = Field(description='table id -> {"*" or role: step id}')
    joined: dict[str, int]
    ideas: list[Idea]
    idea_counts: dict[str, int] = Field(description="ideas per table, whatever their visibility")
    sessions: list[Session]
    flow: Flow | None
    groups: list[Group]
    results: list[Open]
    topics: list[Topic]
    turnout: list[Turnout]
    common_ground: Open | None = Field(description="docs/common-ground.md")
    themes: ThemesView | None


class WallSnapshot(RoomSnapshot):
    action_groups: list[ActionGroup] | None = Field(default=None, description="once there are action groups")
    presence: dict[str, dict[str, int]] | None = Field(
        default=None, description="only when the event declared parts: part id -> table id -> people"
    )


class ModeratorSnapshot(RoomSnapshot):
    """The facilitator's and the organiser's: open flags, the people, and the coverage of the parts."""

    flags: list[Flag]
    participants: list[Person]
    coverage: Coverage
    action_groups: list[ActionGroupStaff] | None = Field(default=None, description="once there are action groups")


Snapshot = PhoneSnapshot | ModeratorSnapshot | WallSnapshot


# --- messages -------------------------------------------------------------------------------


class Welcome(Closed):
    type: Literal["welcome"]
    event_id: str
    seq: int = Field(description="with a snapshot, its seq; on a resume, the latest seq delivered (not applied)")
    now: int
    role: str
    participant_id: str | None
    resumed_from: int | None
    snapshot: Snapshot | None


class EntryMessage(Closed):
    type: Literal["entry"]
    event_id: str
    seq: int
    at: int
    kind: str = Field(description="an entry kind (docs/protocol.md, Transcript entries)")
    actor: str
    payload: Open


class Ack(BaseModel):
    """The result of the command it answers: its fields by command (docs/protocol.md)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["ack"]
    ref: Ref


class Error(Closed):
    type: Literal["error"]
    ref: Ref
    code: str
    message: str
    field: str | None = None
    details: list[Open] | None = Field(default=None, description="bad_script: every problem")
    retry_after_ms: int | None = Field(default=None, description="rate_limited")
    flow: Flow | None = Field(default=None, description="stale_flow: the room's latest change of flow")


class Pong(Closed):
    type: Literal["pong"]
    ref: Ref
    now: int


class ReactionIdea(Closed):
    id: str
    text: str | None
    table_id: str


class Reaction(Closed):
    type: Literal["reaction"]
    ref: Ref
    step_id: str | None
    idea: ReactionIdea | None
    reacted: int
    remaining: int


class Presence(Closed):
    type: Literal["presence"]
    connected: dict[str, int]
    joined: dict[str, int]
    staff: int
    facilitators: int
    drivers: list[str | None]
    parts: dict[str, dict[str, int]] | None = None


class CommonGround(Closed):
    type: Literal["common_ground"]
    seq: int
    analysis: Open = Field(description="docs/common-ground.md")


class Themes(ThemesView):
    type: Literal["themes"]
    seq: int


class IdeaThemes(Closed):
    type: Literal["idea_themes"]
    seq: int
    themes: dict[str, IdeaTheme]


class Results(Closed):
    type: Literal["results"]
    step_id: str
    kind: Literal["vote", "signup"]
    results: Open


class TurnoutMessage(Turnout):
    type: Literal["turnout"]


class ActionGroupsMessage(Closed):
    """Every action group's counts, to every phone, at most once a second while people join, leave
    or convene (the entries themselves reach only the people concerned), and on a resume."""

    type: Literal["action_groups"]
    groups: list[ActionGroup]


ServerMessage = Annotated[
    Welcome
    | EntryMessage
    | Ack
    | Error
    | Pong
    | Reaction
    | Presence
    | CommonGround
    | Themes
    | IdeaThemes
    | Results
    | TurnoutMessage
    | ActionGroupsMessage,
    Field(discriminator="type"),
]
