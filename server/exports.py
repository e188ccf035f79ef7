"""Exports people can open: the transcript as JSON Lines, and renderings of the harvest
(``server/domain/harvest.py``) as Markdown, HTML, CSV and an ``.xlsx`` workbook. Every rendering
but the transcript lays out one :class:`Harvest`, built for one audience, and says which.
See docs/export.md."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import report_svg
from .client_paths import TEMPLATES_DIR
from .domain.common_ground.analysis import Analysis
from .domain.common_ground.publish import analyse_inputs, inputs
from .domain.harvest import GroundReport, Harvest, Leaning, QuotedIdea, span_words
from .domain.model import Entry, EventState
from .domain.themes import IdeaVector, ThemeMap
from .domain.transcript_file import Vector, exportable, header, write_lines
from .hub.theming import compute, themable, theme_ideas, topic_of

FORMATS = ("jsonl", "csv", "md", "html", "xlsx")
REPORTS = ("md", "html")  # read by people: shared unless asked otherwise
BOM = "\ufeff"  # spreadsheets then read the file as UTF-8
LIST_CAP = 5  # ideas shown per theme, per table step, per common-ground list, before "and N more"
THEMES_CAP = 15
TABLES_CAP = 60
OPTIONS_CAP = 30
ROWS_CAP = 120  # lines of a long table (participation over a long event)


def default_audience(fmt: str) -> str:
    """Reports are for sharing; the data files (CSV, workbook) are the moderators' full record."""
    return "shared" if fmt in REPORTS else "staff"


def when(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def moment(ms: int | None) -> datetime | None:
    """A time for a spreadsheet cell: UTC, without a zone (Excel has none)."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def transcript(
    state: EventState, entries: Iterable[Entry], exported_at: int, vectors: Iterable[tuple[str, str, bytes]] = ()
) -> Iterator[str]:
    """The transcript file (format 3): header, entries, then the stored ``(idea_id, model, vector)``
    of the ideas it may carry."""
    kept = exportable(state, (Vector(*v) for v in vectors))
    return write_lines(header(state, exported_at, kept), entries, kept)


# --- what the harvest is computed from (themes and common ground at a moment) --------------------


def theme_inputs(state: EventState, vectors: dict[str, bytes] | None) -> tuple[list[IdeaVector], str]:
    """The ideas a re-clustering of ``state`` reads, from the stored vectors (``None``: themes are
    off on this server), and a sentence for the reader when themes are missing or partial."""
    if vectors is None:
        return [], "Themes are switched off on this server, so ideas were not grouped."
    ideas = theme_ideas(state, {i: np.frombuffer(v, dtype=np.float32) for i, v in vectors.items()})
    missing = sum(1 for i in state.ideas.values() if themable(i)) - len(ideas)
    if not ideas:
        return [], "No idea had been read for themes yet, so ideas were not grouped."
    return ideas, f"{missing} idea(s) had not been read for themes yet and are in no theme." if missing else ""


def themes_for(state: EventState, vectors: dict[str, bytes] | None) -> tuple[ThemeMap | None, str]:
    """The themes of ``state`` (a full re-clustering: about 0.2 s per 1,000 ideas) and their note."""
    ideas, note = theme_inputs(state, vectors)
    return (compute(ideas, list(state.theme_edits), topic_of(state)) if ideas else None), note


def ground_for(state: EventState) -> Analysis | None:
    """Common ground as it stands in ``state`` (None when nobody reacted)."""
    return analyse_inputs(*inputs(state), None) if state.reacted else None


# --- CSV ------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that starts like a formula gets an apostrophe
    in front (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rows_to_csv(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    first = True
    for row in rows:
        writer.writerow([cell(v) for v in row])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield (BOM + text) if first else text
        first = False


IDEA_COLUMNS = (
    "idea_id",
    "seq",
    "time_utc",
    "table_id",
    "table",
    "step_id",
    "step",
    "author",
    "text",
    "hidden",
    "theme",
    "agree",
    "disagree",
    "pass",
    "visibility",
    "audience",
)


def ideas_csv(h: Harvest) -> Iterator[str]:
    """One row per idea the harvest's audience may read, with its theme and reaction tallies; the
    last column says who the file is for."""

    def rows() -> Iterator[Sequence[Any]]:
        yield IDEA_COLUMNS
        for i in h.quoted:
            yield (
                i.id,
                i.seq,
                when(i.at),
                i.table_id,
                i.table,
                i.step_id,
                i.step,
                i.author or "",
                i.text,
                "yes" if i.hidden else "",
                i.theme or "",
                i.agree,
                i.disagree,
                i.passed,
                i.visibility,
                h.audience,
            )

    return _rows_to_csv(rows())


REACTION_COLUMNS = (
    "kind",
    "step_id",
    "method",
    "participant_id",
    "table_id",
    "option_id",
    "option",
    "value",
    "audience",
)


def reactions_csv(h: Harvest) -> Iterator[str]:
    """One row per answer: every reaction (agree / disagree / pass on an idea) and every ballot's
    answers, with the person's id, never a name. Staff only (the caller checks the audience)."""

    def rows() -> Iterator[Sequence[Any]]:
        yield REACTION_COLUMNS
        for r in h.reactions:
            yield (r.kind, r.step_id or "", r.method, r.participant_id, r.table_id, r.option_id, r.option or "",
                   r.value, h.audience)  # fmt: skip

    return _rows_to_csv(rows())


FOLLOW_COLUMNS = ("kind", "id", "group", "around", "people", "convener", "members", "text", "author", "privacy",
                  "time_utc", "audience")  # fmt: skip


def follow_through_csv(h: Harvest) -> Iterator[str]:
    """The organiser's file of what comes after the event: one row per action group, commitment and
    follow-up answer the harvest's audience may read (private commitments only for staff; names
    only for staff; never an email). The last column says who the file is for."""
    ft = h.follow_through

    def rows() -> Iterator[Sequence[Any]]:
        yield FOLLOW_COLUMNS
        staff = h.audience == "staff"
        for g in ft.groups:
            convener = (g.convener if staff else None) or ("yes" if g.has_convener else "")
            yield ("action group", g.id, g.title, g.source, g.members, convener, "; ".join(g.member_names), "", "", "",
                   "", h.audience)  # fmt: skip
        for c in ft.commitments:
            yield ("commitment", c.id, "", "", "", "", "", c.text, c.author or "", c.visibility, when(c.at), h.audience)
        for r in ft.followups:
            for a in r.quoted:
                yield ("follow-up answer", a.id, "", r.question, "", "", "", a.text, a.author or "", r.privacy,
                       when(a.at), h.audience)  # fmt: skip
        if ft.private_commitments:
            yield ("private commitments not in this file", "", "", "", ft.private_commitments, "", "", "", "",
                   "private", "", h.audience)  # fmt: skip

    return _rows_to_csv(rows())


def _follow_md(h: Harvest) -> list[str]:
    ft = h.follow_through
    if ft.empty:
        return []
    staff = h.audience == "staff"
    out = ["## Follow-through", ""]
    if ft.commitments or ft.private_commitments:
        out += ["### Commitments", ""]
        for c in ft.commitments:
            who = f" ({md(c.author)}{', private' if c.visibility == 'private' else ''})" if staff and c.author else ""
            out.append(f"- {md(c.text)}{who}")
        if ft.private_commitments:
            out.append(f"- _{ft.private_commitments} made in private: only their writers and the organisers see them._")
        out.append("")
    if ft.groups:
        out += ["### Action groups", "", "| group | around | people | convener |", "|---|---|---|---|"]
        for g in ft.groups:
            convener = (g.convener if staff else None) or ("yes" if g.has_convener else "none yet")
            out.append(f"| {md(g.title)} | {g.source} | {g.members} | {md(convener)} |")
        out.append("")
    for r in ft.followups:
        opened = f"_{r.answers} answers ({r.privacy}), opened {when(r.opened_at)} UTC._"
        out += [f"### Follow-up: {md(r.question)}", "", opened, ""]
        out += [f"- {md(a.text)}" + (f" ({md(a.author)})" if staff and a.author else "") for a in r.quoted]
        out.append("")
    return out


# --- Markdown -------------------------------------------------------------------------------------


def md(text: str) -> str:
    """A person's text (or a title) inside Markdown: on one line, HTML and Markdown specials escaped."""
    text = escape(" ".join(text.split()), quote=False)
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)


def more(shown: int, total: int, what: str = "more") -> list[str]:
    return [f"- _and {total - shown} {what}_"] if total > shown else []


def pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _quote(i: QuotedIdea, audience: str) -> str:
    marks = []
    if audience == "staff":
        if i.visibility not in ("table", "room"):
            marks.append(i.visibility)
        if i.hidden:
            marks.append("hidden")
        if i.author:
            marks.append(md(i.author))
    suffix = f" ({', '.join(marks)})" if marks else ""
    return f"- {md(i.text)}{suffix}"


def _leanings(items: Sequence[Leaning], cap: int = LIST_CAP) -> list[str]:
    out = []
    for item in items[:cap]:
        word = {"agree": "agree", "disagree": "disagree", "pass": "passed"}[item.direction]
        out.append(f"- {md(item.idea.text)} ({md(item.idea.table)}): {pct(item.share)} {word}, of {item.of}")
    return out + more(cap, len(items))


def _summary(h: Harvest) -> list[str]:
    out = [
        f"- **When:** {when(h.started_at)} to {when(h.ended_at)} UTC",
        f"- **People:** {h.people}; **ideas:** {h.ideas} ({len(h.quoted)} quoted here)",
        f"- **Steps:** {len(h.steps)}; **reactions:** {h.reactions_total}; **votes:** {len(h.votes)}",
        f"- **Themes:** {len(h.themes)}" + (f" ({md(h.themes_note)})" if h.themes_note else ""),
    ]
    if h.ground is not None:
        out.append(f"- **Common ground:** {md(h.ground.notice)}")
    if h.unquoted.total:
        out.append(f"- **Not quoted, only counted:** {'; '.join(h.unquoted.phrases())}")
    return out


def _themes_md(h: Harvest, ideas: dict[str, QuotedIdea]) -> list[str]:
    out = ["## Themes", ""]
    if not h.themes:
        return out + [md(h.themes_note), ""]
    out += ["Biggest first; breadth is how many tables raised a theme.", ""]
    if h.themes_note:
        out += [f"_{md(h.themes_note)}_", ""]
    for t in h.themes[:THEMES_CAP]:
        named = ", named by the facilitator" if t.named_by_facilitator else ""
        out += [
            f"### {md(t.label)}",
            "",
            f"{len(t.idea_ids)} idea(s) from {t.breadth} table(s){named}; reactions: {t.agree} agree, "
            f"{t.disagree} disagree, {t.passed} pass.",
            "",
        ]
        out += [_quote(ideas[i], h.audience) for i in t.idea_ids[:LIST_CAP]] + more(LIST_CAP, len(t.idea_ids))
        if t.unquoted:
            out.append(f"- _{t.unquoted} more not quoted here_")
        out.append("")
    if len(h.themes) > THEMES_CAP:
        rest = h.themes[THEMES_CAP:]
        out += [f"_And {len(rest)} smaller themes: " + "; ".join(md(t.label) for t in rest[:40]) + "._", ""]
    return out


def _ground_md(g: GroundReport | None, note: str) -> list[str]:
    out = ["## Common ground and differences", ""]
    if g is None:
        return out + [md(note), ""]
    out += [md(g.notice), "", f"{g.reactions} reactions from {g.participants} people on {g.ideas} ideas.", ""]
    if g.majority_agree or g.majority_disagree:
        out += ["### What most of the room agreed on", ""] + _leanings(g.majority_agree) + [""]
        if g.majority_disagree:
            out += ["### What most of the room disagreed with", ""] + _leanings(g.majority_disagree) + [""]
    for p in g.partitions:
        out += [f"### {md(p.title)}", ""]
        if p.note:
            out += [f"_{md(p.note)}_", ""]
        if p.parts:
            sizes = ", ".join(f"{md(part.name)}: {part.size}" for part in p.parts)
            out += [f"People reacting in each: {sizes}.", ""]
        if p.common_ground:
            out += ["**Supported everywhere:**", ""]
            for c in p.common_ground[:LIST_CAP]:
                out.append(f"- {md(c.idea.text)} ({md(c.idea.table)}): consensus {c.consensus:.2f}")
            out += more(LIST_CAP, len(p.common_ground)) + [""]
        for part in p.parts:
            if not (part.agrees_more or part.disagrees_more):
                continue
            caveat = f" _({md(part.caveat)})_" if part.caveat else ""
            out += [f"**{md(part.name)}** ({part.size} people){caveat}", ""]
            if part.agrees_more:
                out += ["Agrees more than the rest:", ""] + _leanings(part.agrees_more, 3) + [""]
            if part.disagrees_more:
                out += ["Disagrees more than the rest:", ""] + _leanings(part.disagrees_more, 3) + [""]
    if g.uncertainty:
        out += ["### Where people were unsure", ""] + _leanings(g.uncertainty) + [""]
    if g.unquoted:
        out += [f"_{g.unquoted} idea(s) in these lists are not quoted here._", ""]
    return out


def _votes_md(h: Harvest) -> list[str]:
    if not h.votes and not h.markets:
        return []
    out = ["## Votes and marketplaces", ""]
    for v in h.votes:
        out += [f"### {md(v.title)}", "", f"{md(v.note)} Method: {v.method}; {v.voters} people voted.", ""]
        for o in v.options[:OPTIONS_CAP]:
            measures = ", ".join(f"{k} {val}" for k, val in o.measures.items() if val is not None)
            out.append(f"- {md(o.text)}" + (f": {measures}" if measures else ""))
        out += more(OPTIONS_CAP, len(v.options), "more options") + [""]
    for m in h.markets:
        out += [
            f"### {md(m.title)}",
            "",
            f"{len(m.topics)} topic(s) in {len(m.slots)} slot(s) and {len(m.spaces)} space(s).",
            "",
        ]
        for t in m.topics[:OPTIONS_CAP]:
            title = md(t.title) if t.title is not None else "_(erased at its convener's request)_"
            by = f", convened by {md(t.convener)}" if t.convener else ""
            out.append(f"- {title} ({md(t.slot)}, {md(t.space)}): {t.members} people{by}")
        out += more(OPTIONS_CAP, len(m.topics), "more topics") + [""]
    return out


def _arc_md(h: Harvest) -> list[str]:
    out = [
        "## The event's arc",
        "",
        "| started (UTC) | step | for | people | planned | actual | ideas |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in h.steps:
        actual = duration(s.actual_s) if s.ended_at else "running"
        text = md(s.text)
        label = f"{md(s.session)}: {text}" if s.session else text
        out.append(
            f"| {when(s.started_at)[11:16]} | {label} | {md(s.tables)} | {s.people_reached} | "
            f"{duration(s.planned_s)} | {actual} | {s.ideas} |"
        )
    return out + [""]


def _journeys_md(h: Harvest, ideas: dict[str, QuotedIdea]) -> list[str]:
    out = ["## Each table's journey", ""]
    for table in h.tables[:TABLES_CAP]:
        out += [f"### {md(table.name)}", ""]
        stops = [s for s in table.journey if s.idea_ids or s.unquoted]
        if not stops:
            out += ["(no ideas)", ""]
        for stop in stops:
            out += [f"**{md(stop.step)}**", ""]
            out += [_quote(ideas[i], h.audience) for i in stop.idea_ids[:LIST_CAP]] + more(LIST_CAP, len(stop.idea_ids))
            if stop.unquoted:
                out.append(f"- _{stop.unquoted} not quoted here_")
            out.append("")
    if len(h.tables) > TABLES_CAP:
        out += [f"_And {len(h.tables) - TABLES_CAP} more tables: their ideas are in the ideas file._", ""]
    return out


def bar_start(ms: int, h: Harvest) -> str:
    """When a participation bar starts (UTC): the time of day, with the date when a bar is a day or more
    or the event spans several days (an imported conversation keeps its own times)."""
    days = h.participation and h.participation[-1][0] - h.participation[0][0] >= 86_400_000
    return when(ms)[:16] if days or h.participation_ms >= 86_400_000 else when(ms)[11:16]


def markdown(h: Harvest) -> str:
    """The harvest as Markdown: who it is for, a summary, themes, common ground, votes; then the
    details (the arc, each table's journey, participation), long lists cut with "and N more"."""
    ideas = h.idea_map()
    title = f"# {md(h.title)}: harvest"
    out = [f"**{md(h.notice)}**", "", title] if h.audience == "staff" else [title, "", f"_{md(h.notice)}_"]
    out += ["", "## Summary", ""] + _summary(h) + [""]
    out += _themes_md(h, ideas) + _ground_md(h.ground, h.ground_note) + _votes_md(h) + _follow_md(h)
    out += ["---", "", "# Details", ""] + _arc_md(h) + _journeys_md(h, ideas)
    out += ["## Participation", "", "| from (UTC) | ideas | people joined |", "|---|---|---|"]
    out += [f"| {bar_start(t, h)} | {n} | {people} |" for t, n, people in h.participation[:ROWS_CAP]]
    if len(h.participation) > ROWS_CAP:
        out.append(
            f"| _and {len(h.participation) - ROWS_CAP} more spans of one {span_words(h.participation_ms)}_ | | |"
        )
    if h.names:
        out += ["", "## Who took part", "", "People who chose to give their name: " + ", ".join(map(md, h.names)) + "."]
    if h.unquoted.total:
        out += ["", f"_Not quoted, only counted: {'; '.join(h.unquoted.phrases())}._"]
    return "\n".join(out) + "\n"


# --- the workbook ---------------------------------------------------------------------------------

_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # characters an .xlsx cell cannot hold


def xlsx(h: Harvest) -> bytes:
    """The harvest as an Excel workbook: About, Ideas, Themes, Common ground, Votes, Timeline; one
    header row, frozen; numbers as numbers and times as (UTC) dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]) -> None:
        ws = book.create_sheet(title)
        ws.freeze_panes = "A2"
        for n, (_, width) in enumerate(columns):
            ws.column_dimensions[_letter(n)].width = width
        head = []
        for name, _ in columns:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            head.append(c)
        ws.append(head)
        for row in rows:
            ws.append([_xl(ws, v, WriteOnlyCell) for v in row])

    sheet(
        "About",
        [("about", 28), ("value", 100)],
        [
            ("for", h.notice),
            ("event", h.title),
            ("from (UTC)", moment(h.started_at)),
            ("to (UTC)", moment(h.ended_at)),
            ("people", h.people),
            ("ideas (not hidden)", h.ideas),
            ("ideas quoted here", len(h.quoted)),
            *[(f"not quoted: {k}", n) for k, n in _unquoted_items(h)],
            ("reactions", h.reactions_total),
            ("themes", h.themes_note or len(h.themes)),
            ("common ground", h.ground.notice if h.ground else h.ground_note),
        ],
    )
    staff = h.audience == "staff"
    sheet(
        "Ideas",
        [("idea_id", 9), ("seq", 8), ("time (UTC)", 19), ("table", 14), ("step", 30)]
        + ([("author", 18)] if staff else [])
        + [("text", 70), ("theme", 28), ("agree", 8), ("disagree", 9), ("pass", 7), ("visibility", 11)]
        + ([("hidden", 8)] if staff else []),
        (
            [i.id, i.seq, moment(i.at), i.table, i.step]
            + ([i.author or ""] if staff else [])
            + [i.text, i.theme or "", i.agree, i.disagree, i.passed, i.visibility]
            + (["yes" if i.hidden else ""] if staff else [])
            for i in h.quoted
        ),
    )
    sheet(
        "Themes",
        [
            ("theme_id", 9),
            ("label", 34),
            ("ideas", 7),
            ("not quoted", 11),
            ("breadth", 8),
            ("tables", 30),
            ("keywords", 30),
            ("named by facilitator", 10),
            ("pinned", 8),
            ("agree", 8),
            ("disagree", 9),
            ("pass", 7),
            ("example", 70),
        ],  # fmt: skip
        (
            [
                t.id,
                t.label,
                len(t.idea_ids),
                t.unquoted,
                t.breadth,
                ", ".join(t.tables),
                ", ".join(t.keywords),
                "yes" if t.named_by_facilitator else "",
                "yes" if t.pinned else "",
                t.agree,
                t.disagree,
                t.passed,
                t.example or "",
            ]  # fmt: skip
            for t in h.themes
        ),
    )
    sheet(
        "Common ground",
        [
            ("across", 16),
            ("list", 22),
            ("part", 14),
            ("people", 8),
            ("caveat", 40),
            ("idea_id", 9),
            ("idea", 70),
            ("table", 14),
            ("share", 8),
            ("of", 6),
            ("consensus", 10),
        ],  # fmt: skip
        _ground_rows(h.ground),
    )
    measures = _measure_names(h)
    sheet(
        "Votes",
        [
            ("step_id", 8),
            ("vote", 40),
            ("method", 18),
            ("status", 8),
            ("people voting", 9),
            ("option_id", 9),
            ("option", 60),
        ]
        + [(m, 10) for m in measures],  # fmt: skip
        (
            [v.step_id, v.title, v.method, v.status, v.voters, o.id, o.text] + [o.measures.get(m) for m in measures]
            for v in h.votes
            for o in v.options
        ),
    )
    sheet(
        "Timeline",
        [
            ("step_id", 8),
            ("started (UTC)", 19),
            ("ended (UTC)", 19),
            ("session", 20),
            ("step", 40),
            ("kind", 10),
            ("for", 20),
            ("people reached", 9),
            ("planned (min)", 9),
            ("actual (min)", 9),
            ("ideas", 7),
            ("quoted", 7),
            ("writers", 7),
        ],  # fmt: skip
        (
            [
                s.id,
                moment(s.started_at),
                moment(s.ended_at),
                s.session or "",
                s.text,
                s.kind,
                s.tables,
                s.people_reached,
                _minutes(s.planned_s),
                _minutes(s.actual_s),
                s.ideas,
                s.quoted,
                s.writers,
            ]  # fmt: skip
            for s in h.steps
        ),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n + 1)


def _xl(ws: Any, value: Any, cell_type: Any) -> Any:
    """A value as a cell: text cleaned of what a workbook cannot hold, and never read as a formula."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith("="):
        c = cell_type(ws, value=value)
        c.data_type = "s"
        return c
    return value


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def _unquoted_items(h: Harvest) -> list[tuple[str, int]]:
    u = h.unquoted
    return [(k, n) for k, n in (("private", u.private), ("group", u.group), ("facilitator", u.facilitator),
                                ("hidden", u.hidden), ("erased", u.erased), ("pending", u.pending)) if n]  # fmt: skip


def _measure_names(h: Harvest) -> list[str]:
    return list(dict.fromkeys(k for v in h.votes for o in v.options for k in o.measures))


def _ground_rows(g: GroundReport | None) -> Iterator[Sequence[Any]]:
    if g is None:
        return
    for name, items in (("most agree", g.majority_agree), ("most disagree", g.majority_disagree),
                        ("unsure", g.uncertainty)):  # fmt: skip
        for m in items:
            yield ["the room", name, "", g.participants, "", m.idea.id, m.idea.text, m.idea.table, m.share, m.of, None]
    for p in g.partitions:
        across = p.name
        for c in p.common_ground:
            yield [across, "common ground", "every part", None, "", c.idea.id, c.idea.text, c.idea.table, None, None,
                   c.consensus]  # fmt: skip
        for part in p.parts:
            for label, items in (("agrees more", part.agrees_more), ("disagrees more", part.disagrees_more)):
                for d in items:
                    yield [across, label, part.name, part.size, part.caveat or "", d.idea.id, d.idea.text,
                           d.idea.table, d.share, d.of, None]  # fmt: skip


# --- HTML (the report template is client/templates/report.html) ----------------------------------


_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


def _bdi(text: object) -> Markup:
    """People's words (an idea, a name, a title) in a ``<bdi>``: each takes its own direction, so an
    Arabic idea keeps its "!" at its end (its left) in an English report, and a Latin name in an
    Arabic sentence does not reorder the words around it."""
    return Markup("<bdi>{}</bdi>").format(text)


_env.filters["bdi"] = _bdi

# The report's stylesheet is inlined in one <style> element, allowed by its hash: the policy below
# goes with the report both as a header (when served) and in a <meta> (a file opened from disk), so
# it never runs a script or loads anything, whoever opens it.
REPORT_CSS = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
_CSS_HASH = base64.b64encode(hashlib.sha256(REPORT_CSS.encode()).digest()).decode()
REPORT_META_CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src data:; base-uri 'none'; form-action 'none'"
)
REPORT_CSP = f"{REPORT_META_CSP}; frame-ancestors 'none'"  # (a <meta> policy cannot say frame-ancestors)

# How much of each list the report shows open; the rest is one click away, in a <details>.
LIMITS = {
    "LIMIT_STEPS": 40,
    "LIMIT_THEMES": 12,
    "LIMIT_GROUND": 8,
    "LIMIT_LIST": 5,
    "LIMIT_PARTS": 6,
    "LIMIT_OPTIONS": 30,
}
SMALL_EVENT = 300  # quoted ideas up to which the details start open (and so print)

METHODS = {
    "dots": "Dot vote",
    "score": "Scores",
    "agree_disagree_pass": "Agree, disagree or pass",
    "rank": "Ranking",
    "place": "Placement on two axes",
    "pass_and_score": "Pass and score",
}


def html(h: Harvest) -> str:
    """The harvest report as one self-contained HTML file (docs/export.md). Renders ``h`` only."""
    template = _env.get_template("report.html")
    return template.render(
        h=h,
        staff=h.audience == "staff",
        ideas=h.idea_map(),
        small=len(h.quoted) <= SMALL_EVENT,
        css=REPORT_CSS,
        csp=REPORT_META_CSP,
        when=when,
        duration=duration,
        method_name=lambda m: METHODS.get(m, m.replace("_", " ")),
        chart=report_svg.participation_svg(h.participation, per=span_words(h.participation_ms)),
        per=span_words(h.participation_ms),
        bar_start=bar_start,
        theme_map=report_svg.theme_map_svg(
            [
                report_svg.Bubble(t.label, t.x, t.y, len(t.idea_ids), t.breadth, n)
                for n, t in enumerate(h.themes, start=1)
                if t.x is not None and t.y is not None
            ]
        )
        if any(t.x is not None for t in h.themes)
        else "",
        opinion_map=report_svg.opinion_map_svg(h.ground.map, h.ground.group_sizes) if h.ground and h.ground.map else "",
        **LIMITS,
    )
