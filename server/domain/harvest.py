"""The harvest: what an event made, as one model every output renders (JSON, Markdown, CSV, xlsx,
HTML). Pure: it reads the folded state at any moment (live, replayed or imported), with the themes
and the common-ground analysis computed for that moment when there are any.

Promises are kept here, once, by construction: :func:`quotable` decides which ideas an audience may
read, and everything else is counted, never quoted.

- ``shared`` (for people who took part and those who could not): only ideas the table or the room
  saw (``table`` and ``room`` visibility), not hidden by the facilitator, not erased; no idea is
  ever put next to a name.
- ``staff`` (the facilitator and the organiser): every idea the moderators' screens showed live:
  ideas kept private (the phone said "Only you (and the facilitator) see what you write"), for a
  group or for the facilitator, and hidden ones (marked), with the name their writer chose to give.

In both, an erased person's texts are gone and an anonymous idea names nobody (docs/privacy.md).
Renderers in ``server/exports.py`` only lay this out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from .capture import PUBLIC, shared
from .common_ground.analysis import Analysis
from .common_ground.partition import PartitionView
from .common_ground.thresholds import MIN_GROUP_SIZE
from .model import EventState, Idea, Step, StepStatus, table_key
from .themes import ThemeMap, edit_from_entry
from .themes import fold as fold_curation
from .themes.labels import label_texts
from .votes import tally

Audience = Literal["shared", "staff"]
AUDIENCES: tuple[Audience, ...] = ("shared", "staff")
BUCKET_MS = 5 * 60_000
# Participation bars: the narrowest width that keeps a long event to BUCKETS_MAX bars (an imported
# Pol.is conversation keeps its own times and can span years), with how a caption says it.
SPANS = (
    (BUCKET_MS, "five minutes"),
    (15 * 60_000, "15 minutes"),
    (3_600_000, "hour"),
    (6 * 3_600_000, "six hours"),
    (86_400_000, "day"),
    (7 * 86_400_000, "week"),
    (30 * 86_400_000, "30 days"),
)
BUCKETS_MAX = 288  # a day in five-minute bars
SMALL_PART = 10  # a group, table or role with fewer reacting people than this is a hint, not a finding
FORMAT = "wholeroom-harvest"
VERSION = 1

NOTICES: dict[Audience, str] = {
    "shared": (
        "For people who took part and those who could not: this quotes only ideas the table or the room "
        "saw, never next to a name; ideas kept private, for a group or for the facilitator, hidden and "
        "erased ones are counted, not quoted."
    ),
    "staff": (
        "For staff only (facilitator and organiser), not for sharing: this quotes every idea the "
        "facilitator's console showed, including ideas kept private, for a group or for the facilitator, "
        "and hidden ones (marked); an anonymous idea still names nobody, and erased texts are gone."
    ),
}
ANONYMOUS = "(anonymous)"


# --- who may read what ----------------------------------------------------------------------------


def erased(state: EventState, idea: Idea) -> bool:
    """Whether ``idea``'s text is gone at its writer's request (an anonymous idea is never erased)."""
    return idea.participant_id in state.erased and not idea.anonymous


def quotable(state: EventState, idea: Idea, audience: Audience) -> bool:
    """Whether an output for ``audience`` may quote ``idea`` (see the module docstring)."""
    if erased(state, idea):
        return False
    return audience == "staff" or shared(idea)  # never an idea still waiting for a moderator


def author(state: EventState, idea: Idea, audience: Audience) -> str | None:
    """The name shown next to ``idea`` for ``audience``: only for staff, only a name its writer chose
    to give, never an anonymous idea's writer ("(anonymous)" then)."""
    if audience != "staff":
        return None
    if idea.anonymous:
        return ANONYMOUS
    person = state.participants.get(idea.participant_id) or state.removed.get(idea.participant_id)
    return person.name if person is not None else None


def unquoted_reason(state: EventState, idea: Idea) -> str:
    """Why an idea is not quoted for the shared audience: erased, hidden, or its visibility."""
    if erased(state, idea):
        return "erased"
    if idea.hidden:
        return "hidden"
    if idea.pending:
        return "pending"
    return idea.visibility


# --- the model ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Reactions:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(slots=True)
class QuotedIdea:
    """One idea its audience may read, with where and when it was written, its theme and reactions."""

    id: str
    seq: int
    at: int
    table_id: str
    table: str
    step_id: str
    step: str
    text: str
    visibility: str
    hidden: bool
    anonymous: bool
    author: str | None  # staff only: the name given, "(anonymous)", or None
    theme_id: str | None
    theme: str | None
    agree: int
    disagree: int
    passed: int


@dataclass(slots=True)
class Unquoted:
    """Ideas an output does not quote, by reason (each idea counted once)."""

    private: int = 0
    group: int = 0
    facilitator: int = 0
    hidden: int = 0
    erased: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.private + self.group + self.facilitator + self.hidden + self.erased + self.pending

    def phrases(self) -> list[str]:
        """Plain words for each non-zero count: "3 kept private", ..."""
        words = {
            "private": "kept private",
            "group": "written for a group",
            "facilitator": "written for the facilitator",
            "hidden": "hidden by the facilitator",
            "erased": "erased at their writer's request",
            "pending": "never let through by a moderator",
        }
        return [f"{n} {words[k]}" for k, n in asdict(self).items() if n]


@dataclass(slots=True)
class StepReport:
    id: str
    text: str
    kind: str
    session: str | None
    tables: str  # who it reached, in words
    people_reached: int  # people at those tables (and in that role) when it started
    planned_s: int | None
    actual_s: int | None  # None while it runs
    started_at: int
    ended_at: int | None
    ideas: int  # ideas written in it, not hidden
    quoted: int  # of which this output quotes
    writers: int
    results: dict[str, Any] | None = None  # a vote's tally as this output may show it


@dataclass(slots=True)
class ThemeReport:
    """A theme as curated: the facilitator's label if they gave one, the ideas this output may quote
    (``idea_ids``) and how many of its ideas it does not (``unquoted``)."""

    id: str
    label: str
    keywords: list[str]
    idea_ids: list[str]
    unquoted: int
    tables: list[str]  # table names
    breadth: int  # how many tables raised it
    pinned: bool
    curated: bool
    named_by_facilitator: bool
    example: str | None
    agree: int
    disagree: int
    passed: int
    x: float | None = None  # on the theme map, in [0, 1]: the mean position of the ideas quoted
    y: float | None = None


@dataclass(slots=True)
class IdeaRef:
    id: str
    text: str
    table: str


@dataclass(slots=True)
class Leaning:
    """An idea a part (or the room) leans on: ``share`` of ``of`` reactions went ``direction``."""

    idea: IdeaRef
    direction: str
    share: float
    of: int
    # in a representative list: the idea the part agrees with most, which Pol.is puts first even
    # when it does not set the part apart (its direction may then read "disagree")
    best_agree: bool = False


@dataclass(slots=True)
class PartSupport:
    part: str
    size: int
    agree: int
    disagree: int
    passed: int
    seen: int
    share: float  # smoothed agreement share


@dataclass(slots=True)
class GroundIdea:
    """An idea every part supports, its group-informed consensus and each part's reactions."""

    idea: IdeaRef
    consensus: float
    support: list[PartSupport]


@dataclass(slots=True)
class PartReport:
    label: str
    name: str
    size: int  # people in it who reacted
    caveat: str | None  # small numbers, in plain words
    agrees_more: list[Leaning]
    disagrees_more: list[Leaning]
    representative: list[Leaning]


@dataclass(slots=True)
class PartitionReport:
    """Common ground and differences across one way of dividing the room."""

    name: str  # opinion groups | tables | roles
    title: str
    parts: list[PartReport]
    common_ground: list[GroundIdea]
    left_out: list[str]
    note: str


@dataclass(slots=True)
class GroundReport:
    level: str  # tallies | undivided | groups
    notice: str
    participants: int
    ideas: int
    reactions: int
    clustered: int
    partitions: list[PartitionReport]
    majority_agree: list[Leaning]
    majority_disagree: list[Leaning]
    uncertainty: list[Leaning]  # direction "pass"
    unquoted: int  # listed ideas this output does not quote (left out of the lists)
    # the opinion map: one point per person who reacted, with their group letter (None: not in a
    # group), sorted by position so that nothing about who is who (not even join order) is kept
    map: list[tuple[float, float, str | None]] = field(default_factory=list)
    group_sizes: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class OptionResult:
    id: str
    text: str
    measures: dict[str, float | int | None]


@dataclass(slots=True)
class VoteReport:
    step_id: str
    title: str
    method: str
    voters: int
    status: str
    revealed: bool
    options: list[OptionResult]
    note: str


@dataclass(slots=True)
class TopicReport:
    id: str
    title: str | None  # None: erased at its convener's request
    convener: str | None  # a name only where the audience may read it
    slot: str
    space: str
    members: int


@dataclass(slots=True)
class MarketReport:
    step_id: str
    title: str
    slots: list[str]
    spaces: list[str]
    topics: list[TopicReport]


@dataclass(slots=True)
class JourneyStep:
    step_id: str
    step: str
    idea_ids: list[str]  # quotable, in order
    unquoted: int


@dataclass(slots=True)
class TableReport:
    id: str
    name: str
    people: int  # seated there at the end
    journey: list[JourneyStep] = field(default_factory=list)


@dataclass(slots=True)
class ReactionRow:
    """One person's answer (staff only): a reaction to an idea, or a ballot's answer on an option."""

    kind: str  # reaction | ballot
    step_id: str | None
    method: str
    participant_id: str
    table_id: str
    option_id: str
    option: str | None
    value: str


@dataclass(slots=True)
class ActionGroupReport:
    id: str
    title: str
    source: str  # "theme", "topic" or "by hand"
    members: int
    has_convener: bool
    convener: str | None  # staff only: the name the convener gave
    member_names: list[str]  # staff only: the names members gave (never an email: docs/privacy.md)


@dataclass(slots=True)
class FollowUpReport:
    id: str
    question: str
    privacy: str  # private | shared
    opened_at: int
    closed_at: int | None
    answers: int
    quoted: list[QuotedIdea]  # the answers this output may quote


@dataclass(slots=True)
class FollowThrough:
    """What people said they would do (commitments), the action groups, and the follow-up rounds."""

    commitments: list[QuotedIdea] = field(default_factory=list)  # those this output may quote
    private_commitments: int = 0  # kept private (only the writer and the staff): counted, not quoted here
    groups: list[ActionGroupReport] = field(default_factory=list)
    followups: list[FollowUpReport] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.commitments or self.private_commitments or self.groups or self.followups)


@dataclass(slots=True)
class Harvest:
    audience: Audience
    notice: str  # the first line of every rendering: who it is for
    title: str
    join_code: str
    seq: int
    started_at: int
    ended_at: int
    people: int
    ideas: int  # written and not hidden
    hidden: int
    unshared: int  # not hidden, but kept private, for a group or for the facilitator
    unquoted: Unquoted  # what this output counts but does not quote
    steps: list[StepReport]
    tables: list[TableReport]
    participation: list[tuple[int, int, int]]  # (bucket start, ideas in it, people joined so far)
    participation_ms: int  # each bucket's width (see SPANS)
    names: list[str]
    quoted: list[QuotedIdea]  # every idea this output may quote, in order
    themes: list[ThemeReport]
    themes_note: str
    ground: GroundReport | None
    ground_note: str
    votes: list[VoteReport]
    markets: list[MarketReport]
    reactions: list[ReactionRow]  # staff only
    reactions_total: int
    follow_through: FollowThrough = field(default_factory=FollowThrough)

    def idea_map(self) -> dict[str, QuotedIdea]:
        return {i.id: i for i in self.quoted}


# --- building it ----------------------------------------------------------------------------------


def harvest(
    state: EventState,
    last_at: int,
    *,
    audience: Audience = "shared",
    themes: ThemeMap | Mapping[str, Any] | None = None,
    themes_note: str | None = None,
    ground: Analysis | None = None,
) -> Harvest:
    """The harvest of ``state`` (as of ``last_at``, the time of its last entry) for ``audience``.

    ``themes``: the theme map for this moment (or its ``themes_dict``), None when there are none
    (``themes_note`` then says why). ``ground``: the common-ground analysis of this moment.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience is one of {', '.join(AUDIENCES)}, not {audience!r}")
    ok = {i.id: quotable(state, i, audience) for i in state.ideas.values()}
    tallies = reaction_tallies(state)
    theme_reports, theme_of = _themes(state, themes, ok, tallies)
    quoted = [
        _quoted(state, idea, audience, theme_of.get(idea.id), tallies.get(idea.id))
        for idea in state.ideas.values()
        if ok[idea.id]
    ]
    unquoted = Unquoted()
    for idea in state.ideas.values():
        if not ok[idea.id]:
            reason = unquoted_reason(state, idea)
            setattr(unquoted, reason, getattr(unquoted, reason) + 1)
    visible = [i for i in state.ideas.values() if not i.hidden]
    if themes is None:
        note = themes_note or "Themes were not computed for this harvest."
    elif not theme_reports:
        note = themes_note or "No themes: too few ideas the room saw had been grouped."
    else:
        note = themes_note or ""
    reactions = _reaction_rows(state, ok) if audience == "staff" else []
    votes = _votes(state, ok, audience)
    bars, width = participation(state, last_at)
    return Harvest(
        audience=audience,
        notice=NOTICES[audience],
        title=state.title,
        join_code=state.join_code,
        seq=state.seq,
        started_at=state.created_at,
        ended_at=last_at,
        people=len(state.participants),
        ideas=len(visible),
        hidden=len(state.ideas) - len(visible),
        unshared=sum(1 for i in visible if i.visibility not in PUBLIC),
        unquoted=unquoted,
        steps=_steps(state, ok, votes),
        tables=_tables(state, ok),
        participation=bars,
        participation_ms=width,
        names=sorted({p.name for p in state.participants.values() if p.name}, key=str.casefold),
        quoted=quoted,
        themes=theme_reports,
        themes_note=note,
        ground=_ground(state, ground, ok) if ground is not None else None,
        ground_note=(
            ""
            if ground is not None
            else "Nobody reacted to ideas, so there is no common ground to show."
            if not state.reacted
            else "Common ground was not computed for this harvest."
        ),
        votes=votes,
        markets=_markets(state, audience),
        reactions=reactions,
        reactions_total=sum(len(r) for r in state.reacted.values()),
        follow_through=_follow_through(state, audience, {i.id: i for i in quoted}),
    )


def _follow_through(state: EventState, audience: Audience, quoted: Mapping[str, QuotedIdea]) -> FollowThrough:
    """Commitments and follow-up answers as ``audience`` may read them (private ones: staff only),
    and the action groups (names for staff only; emails never: they are not in the state)."""
    kind = {s.id: s.kind for s in state.steps.values()}
    commit = [i for i in state.ideas.values() if kind.get(i.step_id) == "commit" and not i.hidden]
    out = FollowThrough(
        commitments=[quoted[i.id] for i in commit if i.id in quoted],
        private_commitments=sum(1 for i in commit if i.id not in quoted and i.visibility == "private"),
    )
    staff = audience == "staff"

    def name(pid: str | None) -> str | None:
        person = state.participants.get(pid or "") or state.removed.get(pid or "")
        return person.name if person is not None and pid not in state.erased else None

    for g in state.action_groups.values():
        source = (g.source or "by hand").split(":")[0]
        names = [n for n in (name(m) for m in g.members) if n] if staff else []
        convener = name(g.convener) if staff else None
        out.groups.append(
            ActionGroupReport(g.id, g.title, source, len(g.members), g.convener is not None, convener, names)
        )
    for r in state.followups:
        answers = [i for i in state.ideas.values() if i.step_id == r.step_id and not i.hidden]
        shown = [quoted[i.id] for i in answers if i.id in quoted]
        out.followups.append(FollowUpReport(r.id, r.question, r.privacy, r.opened_at, r.closed_at, len(answers), shown))
    return out


def harvest_dict(h: Harvest, cap: int | None = None) -> dict[str, Any]:
    """The harvest as JSON (``GET /api/events/{id}/harvest``; docs/export.md).

    ``cap``: a preview that stays small at 2,000 people: at most ``cap`` ideas per theme and per
    table (taken in turn from each step of its journey; only the steps they come from are kept),
    ``quoted`` holding only the ideas those lists name, and no reaction rows. The counts (a theme's
    ``size``, a table's and a table step's ``quoted``, a table's ``steps_with_ideas``,
    ``quoted_total``, ``reactions_total``) are always whole.
    """
    whole = h
    shown: dict[int, list[list[str]]] = {}  # id(journey stop) -> ids shown, per table
    if cap is not None:  # copy only what the preview shows
        named = {i for t in h.themes for i in t.idea_ids[:cap]}
        for table in h.tables:
            chosen = _round_robin([stop.idea_ids for stop in table.journey], cap)
            shown[id(table)] = chosen
            named.update(i for ids in chosen for i in ids)
        h = replace(h, quoted=[i for i in h.quoted if i.id in named], reactions=[])
    out = asdict(h)
    out["unquoted"]["total"] = h.unquoted.total
    out["participation"] = [{"from": t, "ideas": i, "joined": j} for t, i, j in h.participation]
    out["quoted_total"] = len(whole.quoted)
    for theme in out["themes"]:
        theme["size"] = len(theme["idea_ids"])
        theme["idea_ids"] = theme["idea_ids"][:cap]
    for table, source in zip(out["tables"], h.tables, strict=True):
        picks = shown.get(id(source))
        for n, stop in enumerate(table["journey"]):
            stop["quoted"] = len(stop["idea_ids"])
            if picks is not None:
                stop["idea_ids"] = picks[n]
        table["quoted"] = sum(stop["quoted"] for stop in table["journey"])
        table["steps_with_ideas"] = sum(1 for stop in table["journey"] if stop["quoted"] or stop["unquoted"])
        if cap is not None:  # the steps whose ideas the preview shows
            table["journey"] = [stop for stop in table["journey"] if stop["idea_ids"]]
    out["capped"] = cap
    return {"format": FORMAT, "version": VERSION, **out}


def _round_robin(lists: Sequence[Sequence[str]], cap: int) -> list[list[str]]:
    """Up to ``cap`` items from ``lists``, one from each in turn (so every step gets a say)."""
    picks: list[list[str]] = [[] for _ in lists]
    taken, depth = 0, 0
    while taken < cap and any(depth < len(ids) for ids in lists):
        for ids, chosen in zip(lists, picks, strict=True):
            if depth < len(ids) and taken < cap:
                chosen.append(ids[depth])
                taken += 1
        depth += 1
    return picks


def reaction_tallies(state: EventState) -> dict[str, Reactions]:
    """Agree / disagree / pass per idea, each person's latest answer (what the console's tallies show)."""
    out: dict[str, Reactions] = {}
    for answers in state.reacted.values():
        for idea_id, value in answers.items():
            r = out.setdefault(idea_id, Reactions())
            if value == "agree":
                r.agree += 1
            elif value == "disagree":
                r.disagree += 1
            else:
                r.passed += 1
    return out


def _quoted(
    state: EventState, idea: Idea, audience: Audience, theme: tuple[str, str] | None, r: Reactions | None
) -> QuotedIdea:
    step = state.steps.get(idea.step_id)
    r = r or Reactions()
    return QuotedIdea(
        id=idea.id,
        seq=idea.seq,
        at=idea.at,
        table_id=idea.table_id,
        table=state.tables[idea.table_id].name,
        step_id=idea.step_id,
        step=step.text if step else "",
        text=idea.text,
        visibility=idea.visibility,
        hidden=idea.hidden,
        anonymous=idea.anonymous,
        author=author(state, idea, audience),
        theme_id=theme[0] if theme else None,
        theme=theme[1] if theme else None,
        agree=r.agree,
        disagree=r.disagree,
        passed=r.passed,
    )


# --- the arc and the tables -----------------------------------------------------------------------


def _reached(state: EventState, step: Step) -> tuple[str, int]:
    if step.audience.tables is None:
        words = "all tables"
    else:
        words = ", ".join(state.tables[t].name for t in step.audience.tables) or "facilitator only"
    if step.audience.role:
        words += f" ({step.audience.role.replace('_', ' ')})"
    people = sum(
        1
        for p in state.participants.values()
        if p.joined_at <= step.pushed_at
        and step.audience.includes_table(p.table_id)
        and step.audience.role in (None, p.role)
    )
    return words, people


def _steps(state: EventState, ok: Mapping[str, bool], votes: Sequence[VoteReport]) -> list[StepReport]:
    results = {
        v.step_id: {
            "method": v.method,
            "voters": v.voters,
            "options": [{"text": o.text, **o.measures} for o in v.options],
        }
        for v in votes
        if v.options and v.options[0].measures
    }
    ideas: Counter[str] = Counter()
    quoted: Counter[str] = Counter()
    writers: dict[str, set[str]] = {}
    for i in state.ideas.values():
        if not i.hidden:
            ideas[i.step_id] += 1
        if ok[i.id]:
            quoted[i.step_id] += 1
        writers.setdefault(i.step_id, set()).add(i.participant_id)
    out = []
    for step in state.steps.values():
        session = state.sessions.get(step.session_id or "")
        words, people = _reached(state, step)
        planned = (step.spec or {}).get("duration") if step.spec else _planned(step.pushed_at, step.deadline)
        out.append(
            StepReport(
                id=step.id,
                text=step.text,
                kind=step.kind,
                session=session.title if session else None,
                tables=words,
                people_reached=people,
                planned_s=planned,
                actual_s=(step.ended_at - step.pushed_at) // 1000 if step.ended_at else None,
                started_at=step.pushed_at,
                ended_at=step.ended_at,
                ideas=ideas[step.id],
                quoted=quoted[step.id],
                writers=len(writers.get(step.id, ())),
                results=results.get(step.id),
            )
        )
    return out


def _planned(pushed_at: int, deadline: int | None) -> int | None:
    return (deadline - pushed_at) // 1000 if deadline else None


def _tables(state: EventState, ok: Mapping[str, bool]) -> list[TableReport]:
    seated = state.joined_per_table()
    out = []
    for table in sorted(state.tables.values(), key=lambda t: table_key(t.id)):
        report = TableReport(table.id, table.name, seated.get(table.id, 0))
        by_step: dict[str, JourneyStep] = {}
        for s in state.steps.values():  # the steps that reached this table, in order
            if s.audience.tables is None or table.id in s.audience.tables:
                by_step[s.id] = JourneyStep(s.id, s.text, [], 0)
        for idea_id in state.table_ideas.get(table.id, ()):
            idea = state.ideas[idea_id]
            stop = by_step.get(idea.step_id)
            if stop is None:
                step = state.steps.get(idea.step_id)
                stop = by_step[idea.step_id] = JourneyStep(idea.step_id, step.text if step else "", [], 0)
            if ok[idea_id]:
                stop.idea_ids.append(idea_id)
            else:
                stop.unquoted += 1
        report.journey = list(by_step.values())
        out.append(report)
    return out


def participation(state: EventState, last_at: int) -> tuple[list[tuple[int, int, int]], int]:
    """Ideas per bucket and people joined so far, from the first idea or join to the last entry; and
    the buckets' width: five minutes, or wider for a long event (:data:`SPANS`)."""
    times = [i.at for i in state.ideas.values()] + [p.joined_at for p in state.participants.values()]
    if not times:
        return [], BUCKET_MS
    first, end = min(times), max(last_at, *times)
    width = next((ms for ms, _ in SPANS if (end - first) // ms < BUCKETS_MAX), SPANS[-1][0])
    start = first // width * width
    ideas = Counter(i.at // width * width for i in state.ideas.values())
    joins = sorted(p.joined_at for p in state.participants.values())
    out, joined = [], 0
    for bucket in range(start, end + 1, width):
        while joined < len(joins) and joins[joined] < bucket + width:
            joined += 1
        out.append((bucket, ideas.get(bucket, 0), joined))
    return out, width


def span_words(width_ms: int) -> str:
    """How a caption names a participation bucket: "five minutes", "hour", "week"..."""
    return next((words for ms, words in SPANS if ms == width_ms), f"{width_ms // 60_000} minutes")


# --- themes ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Theme:
    id: str
    label: str
    idea_ids: tuple[str, ...]
    keywords: tuple[str, ...]
    example_idea_id: str | None
    pinned: bool
    curated: bool


def _read_themes(themes: ThemeMap | Mapping[str, Any]) -> list[_Theme]:
    if isinstance(themes, ThemeMap):
        return [
            _Theme(t.id, t.label, t.idea_ids, t.keywords, t.example_idea_id, t.pinned, t.curated) for t in themes.themes
        ]
    return [
        _Theme(
            str(t["id"]),
            str(t["label"]),
            tuple(t["idea_ids"]),
            tuple(t.get("keywords", ())),
            t.get("example_idea_id"),
            bool(t.get("pinned")),
            bool(t.get("curated")),
        )
        for t in themes.get("themes", ())
    ]


def _positions(themes: ThemeMap | Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Each idea's place on the theme map."""
    if isinstance(themes, ThemeMap):
        return {i: (p.x, p.y) for i, p in themes.positions.items()}
    return {str(i): (float(p[0]), float(p[1])) for i, p in themes.get("positions", {}).items()}


def themes_for(
    state: EventState, themes: ThemeMap | Mapping[str, Any] | None, audience: Audience = "shared"
) -> list[ThemeReport]:
    """The themes as ``audience`` may see them now: the facilitator's labels, and no word of an idea
    it may not quote (a theme of such ideas only is left out). A vote on the themes offers these."""
    ok = {i.id: quotable(state, i, audience) for i in state.ideas.values()}
    return _themes(state, themes, ok, {})[0]


def _themes(
    state: EventState,
    themes: ThemeMap | Mapping[str, Any] | None,
    ok: Mapping[str, bool],
    tallies: Mapping[str, Reactions],
) -> tuple[list[ThemeReport], dict[str, tuple[str, str]]]:
    """Themes as this output may show them. A label the facilitator gave is theirs to show; an
    automatic label or keywords drawn from ideas this output may not quote are drawn again from the
    ideas it may (so no word of an unquotable idea names a theme), and a theme with no quotable idea
    is left out (its ideas are counted with the others)."""
    if themes is None:
        return [], {}
    read = _read_themes(themes)
    positions = _positions(themes)
    given = fold_curation([edit_from_entry(kind, payload) for kind, payload in state.theme_edits]).labels
    members = [[i for i in t.idea_ids if i in state.ideas and ok[i]] for t in read]
    examples, keep = [], []  # a theme cut short by what this output may quote is named again
    for t, ids in zip(read, members, strict=True):
        examples.append(t.example_idea_id if t.example_idea_id in ids else (ids or [""])[0])
        named = t.id in given and given[t.id] == t.label
        keep.append(t.label if named or len(ids) == len(t.idea_ids) else None)
    drawn = label_texts(
        [[state.ideas[i].text for i in ids] for ids in members],
        [state.ideas[e].text if e in state.ideas else "" for e in examples],
        keep,
    )
    reports, theme_of = [], {}
    for t, ids, example, (new_label, new_words) in zip(read, members, examples, drawn, strict=True):
        if not ids:
            continue
        words, label = list(t.keywords), t.label
        named = t.id in given and given[t.id] == t.label
        if len(ids) < len(t.idea_ids):
            words, label = list(new_words), new_label
        tables = sorted({state.ideas[i].table_id for i in ids}, key=table_key)
        r = [tallies.get(i, Reactions()) for i in ids]
        placed = [positions[i] for i in ids if i in positions]
        reports.append(
            ThemeReport(
                id=t.id,
                label=label,
                keywords=words,
                idea_ids=ids,
                unquoted=len(t.idea_ids) - len(ids),
                tables=[state.tables[x].name for x in tables],
                breadth=len(tables),
                pinned=t.pinned,
                curated=t.curated,
                named_by_facilitator=named,
                example=state.ideas[example].text,
                agree=sum(x.agree for x in r),
                disagree=sum(x.disagree for x in r),
                passed=sum(x.passed for x in r),
                x=round(sum(p[0] for p in placed) / len(placed), 4) if placed else None,
                y=round(sum(p[1] for p in placed) / len(placed), 4) if placed else None,
            )
        )
        theme_of.update({i: (t.id, label) for i in ids})
    return reports, theme_of


# --- common ground --------------------------------------------------------------------------------

PARTITION_TITLES = {
    "opinion groups": "Across opinion groups",
    "tables": "Across tables",
    "roles": "Across roles",
    "parts": "Across parts of the system",
}
PART_NOUNS = {"opinion groups": "group", "tables": "table", "roles": "role", "parts": "part of the system"}


def caveat(size: int, noun: str) -> str | None:
    """Small numbers, in plain words."""
    if size >= SMALL_PART:
        return None
    people = "person" if size == 1 else "people"
    return f"only {size} {people} in this {noun}: read as a hint, not a finding"


def _ground(state: EventState, analysis: Analysis, ok: Mapping[str, bool]) -> GroundReport:
    dropped: set[str] = set()

    def ref(idea_id: str) -> IdeaRef | None:
        idea = state.ideas.get(idea_id)
        if idea is None or not ok[idea_id] or not shared(idea):
            dropped.add(idea_id)
            return None
        return IdeaRef(idea.id, idea.text, state.tables[idea.table_id].name)

    def leanings(items: Iterable[Any], direction: str | None = None) -> list[Leaning]:
        out = []
        for d in items:
            r = ref(d.idea)
            if r is not None:
                if direction == "pass":
                    out.append(Leaning(r, "pass", round(d.passed / d.seen, 4) if d.seen else 0.0, d.seen))
                else:
                    best = getattr(d, "best_agree", False)
                    out.append(Leaning(r, d.direction.value, round(d.p_success, 4), d.n_trials, best))
        return out

    names = {
        "tables": {t.id: t.name for t in state.tables.values()},
        "roles": {r: r.replace("_", " ") for r in state.table_roles()},
        "parts": {p.id: p.name for p in state.parts.values()},
    }
    views: list[PartitionView] = []
    if analysis.opinion is not None:
        views.append(analysis.opinion)
    views += [analysis.partitions[name] for name in ("tables", "roles") if name in analysis.partitions]
    views += [v for name, v in analysis.partitions.items() if name not in ("tables", "roles")]
    partitions = []
    for view in views:
        noun = PART_NOUNS.get(view.name, "part")

        def label_of(label: str, view_name: str = view.name) -> str:
            if view_name == "opinion groups":
                return f"Group {label}"
            return names.get(view_name, {}).get(label, label)

        parts = [
            PartReport(
                label=p.label,
                name=label_of(p.label),
                size=p.size,
                caveat=caveat(p.size, noun),
                agrees_more=leanings(p.agrees_more),
                disagrees_more=leanings(p.disagrees_more),
                representative=leanings(p.representative),
            )
            for p in view.parts
        ]
        ground = []
        for c in view.common_ground:
            r = ref(c.idea)
            if r is None:
                continue
            support = [
                PartSupport(part.name, part.size, s.agree, s.disagree, s.passed, s.seen, round(s.p_agree, 4))
                for part, s in zip(parts, c.support, strict=True)
            ]
            ground.append(GroundIdea(r, round(c.consensus, 4), support))
        left_out = [label_of(label) for label in view.left_out]
        partitions.append(
            PartitionReport(
                name=view.name,
                title=PARTITION_TITLES.get(view.name, f"Across {view.name}"),
                parts=parts,
                common_ground=ground,
                left_out=left_out,
                note=_partition_note(view, parts, left_out, noun),
            )
        )
    return GroundReport(
        level=analysis.level.value,
        notice=analysis.notice,
        participants=analysis.n_participants,
        ideas=analysis.n_ideas,
        reactions=analysis.n_reactions,
        clustered=analysis.n_clustered,
        partitions=partitions,
        majority_agree=leanings(analysis.majority_agree),
        majority_disagree=leanings(analysis.majority_disagree),
        uncertainty=leanings(analysis.uncertainty, "pass"),
        unquoted=len(dropped),
        map=_map_points(analysis),
        group_sizes=dict(analysis.map.sizes) if analysis.map is not None else {},
    )


def _map_points(analysis: Analysis) -> list[tuple[float, float, str | None]]:
    if analysis.map is None:
        return []
    groups = analysis.map.groups
    points = [(round(x, 4), round(y, 4), groups.get(p)) for p, (x, y) in analysis.map.points.items()]
    return sorted(points, key=lambda p: (p[0], p[1], p[2] or ""))


def _partition_note(view: PartitionView, parts: Sequence[PartReport], left_out: Sequence[str], noun: str) -> str:
    notes = []
    if len(parts) < 2:
        notes.append(f"Fewer than two {noun}s had {MIN_GROUP_SIZE} or more people reacting: nothing to compare.")
    elif not view.common_ground:
        notes.append(f"No idea is supported in every {noun}.")
    if left_out:
        notes.append(
            f"Left out (fewer than {MIN_GROUP_SIZE} people reacting, too few to count): {_names(left_out, noun)}."
        )
    small = [p.name for p in parts if p.caveat]
    if small:
        everyone = f"every {noun}" if len(small) == len(parts) > NAMED_PARTS else _names(small, noun)
        notes.append(f"Small numbers in {everyone}: read their results as hints, not findings.")
    return " ".join(notes)


NAMED_PARTS = 8  # a note names at most this many parts, then counts the rest


def _names(names: Sequence[str], noun: str) -> str:
    if len(names) <= NAMED_PARTS:
        return ", ".join(names)
    rest = len(names) - NAMED_PARTS
    return f"{', '.join(names[:NAMED_PARTS])} and {rest} more {noun}{'s' if rest != 1 else ''}"


# --- votes, marketplaces, reactions ---------------------------------------------------------------


def _option_text(state: EventState, option: Mapping[str, Any], ok: Mapping[str, bool]) -> str:
    """An option's text, unless it is an idea this output may not quote (options copy the idea's
    text when the vote starts, so an erased or unshared idea's words would survive there)."""
    idea = state.ideas.get(str(option["id"]))
    if idea is not None and not ok[idea.id]:
        return f"(an idea {unquoted_reason(state, idea).replace('erased', 'since erased')}, not quoted)"
    return str(option["text"])


def _votes(state: EventState, ok: Mapping[str, bool], audience: Audience) -> list[VoteReport]:
    out = []
    for step in state.steps.values():
        if step.kind != "vote":
            continue
        result = tally(step, state.votes.get(step.id, {}))
        revealed = (step.spec or {}).get("reveal") == "live" or step.status is StepStatus.ENDED
        shown = revealed or audience == "staff"
        options = [
            OptionResult(
                str(row["id"]),
                _option_text(state, row, ok),
                {k: v for k, v in row.items() if k not in ("id", "text", "points")} if shown else {},
            )
            for row in result["options"]
        ]
        note = "Each option with its own measures; there is no single winner."
        if not shown:
            note = "The vote was still open and its results not yet shown to the room."
        elif not revealed:
            note += " Still open: the room had not seen these results yet."
        out.append(
            VoteReport(
                step.id,
                step.text,
                str(result["method"] or ""),
                int(result["voters"]),
                step.status.value,
                revealed,
                options,
                note,
            )
        )
    return out


def _markets(state: EventState, audience: Audience) -> list[MarketReport]:
    out = []
    for step in state.steps.values():
        if step.kind != "signup":
            continue
        spec = step.spec or {}
        topics = []
        for t in state.topics.values():
            if t.step_id != step.id:
                continue
            gone = t.convener in state.erased
            convener = None
            if t.convener == "facilitator":
                convener = "the facilitator"
            elif audience == "staff" and not gone:
                person = state.participants.get(t.convener) or state.removed.get(t.convener)
                convener = person.name if person is not None else None
            topics.append(TopicReport(t.id, None if gone else t.title, convener, t.slot, t.space, len(t.members)))
        out.append(MarketReport(step.id, step.text, list(spec.get("slots", [])), list(spec.get("spaces", [])), topics))
    return out


def _reaction_rows(state: EventState, ok: Mapping[str, bool]) -> list[ReactionRow]:
    """Every reaction and every ballot's answers, with the person's id (never a name): staff only."""
    rows = []
    for pid, answers in state.reacted.items():
        person = state.participants.get(pid) or state.removed.get(pid)
        table = person.table_id if person else ""
        for idea_id, value in answers.items():
            idea = state.ideas.get(idea_id)
            text = idea.text if idea is not None and ok[idea_id] else None
            rows.append(ReactionRow("reaction", None, "agree_disagree_pass", pid, table, idea_id, text, value))
    for step_id, ballots in state.votes.items():
        step = state.steps[step_id]
        options = {str(o["id"]): o for o in step.options or []}
        method = str((step.spec or {}).get("method", ""))
        for pid, ballot in ballots.items():
            person = state.participants.get(pid) or state.removed.get(pid)
            table = person.table_id if person else ""
            items = enumerate(ballot, start=1) if isinstance(ballot, list) else ballot.items()
            for key, value in items:
                option, shown = (value, key) if isinstance(ballot, list) else (key, value)
                if isinstance(shown, list):
                    shown = " ".join(str(v) for v in shown)
                known = options.get(str(option))
                text = _option_text(state, known, ok) if known is not None else None
                rows.append(ReactionRow("ballot", step_id, method, pid, table, str(option), text, str(shown)))
    return rows
