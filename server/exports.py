"""Exports people can open: the transcript as JSON Lines, ideas and reactions as CSV, and the harvest
report as Markdown or HTML (with an inline SVG chart). See docs/export.md."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from html import escape
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .domain.harvest import Harvest, StepReport
from .domain.model import Entry, EventState
from .domain.transcript_file import header, write_lines
from .web.app_paths import TEMPLATES_DIR

FORMATS = ("jsonl", "csv", "md", "html")
BOM = "\ufeff"  # spreadsheets then read the file as UTF-8


def when(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def transcript(state: EventState, entries: Iterable[Entry], exported_at: int) -> Iterator[str]:
    return write_lines(header(state, exported_at), entries)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that starts like a formula gets an apostrophe
    in front (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def md(text: str) -> str:
    """A person's text (or a title) inside Markdown: on one line, HTML and Markdown specials escaped."""
    text = escape(" ".join(text.split()), quote=False)
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)


def _rows_to_csv(rows: Iterable[list[Any]]) -> Iterator[str]:
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


def ideas_csv(state: EventState) -> Iterator[str]:
    """One row per idea, with its table, step, time and reaction tallies: the moderators' full file
    (hidden ideas marked, private, group and facilitator-only ones marked by ``visibility``), but
    an anonymous idea's writer is not named (``author`` says "(anonymous)")."""
    tallies: dict[str, dict[str, int]] = {}
    for ballots in state.votes.values():
        for ballot in ballots.values():
            if isinstance(ballot, dict):
                for option, answer in ballot.items():
                    if answer in ("agree", "disagree", "pass"):
                        tallies.setdefault(option, {"agree": 0, "disagree": 0, "pass": 0})[answer] += 1

    def rows() -> Iterator[list[Any]]:
        yield [
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
        ]
        for idea in state.ideas.values():
            step = state.steps.get(idea.step_id)
            writer = state.participants.get(idea.participant_id) or state.removed.get(idea.participant_id)
            author = "(anonymous)" if idea.anonymous else (writer.name if writer else None) or ""
            t = tallies.get(idea.id, {})
            yield [
                idea.id,
                idea.seq,
                when(idea.at),
                idea.table_id,
                state.tables[idea.table_id].name,
                idea.step_id,
                step.text if step else "",
                author,
                idea.text,
                "yes" if idea.hidden else "",
                "",
                t.get("agree", 0),
                t.get("disagree", 0),
                t.get("pass", 0),
                idea.visibility,
            ]

    return _rows_to_csv(rows())


def reactions_csv(state: EventState) -> Iterator[str]:
    """One row per answer in every vote: who (participant id), where, which option, what."""

    def rows() -> Iterator[list[Any]]:
        yield ["step_id", "method", "participant_id", "table_id", "option_id", "option", "value"]
        for step_id, ballots in state.votes.items():
            step = state.steps[step_id]
            options = {o["id"]: o["text"] for o in step.options or []}
            method = (step.spec or {}).get("method", "")
            for participant_id, ballot in ballots.items():
                table_id = state.person(participant_id).table_id
                items = enumerate(ballot, start=1) if isinstance(ballot, list) else ballot.items()
                for key, value in items:
                    option, shown = (value, key) if isinstance(ballot, list) else (key, value)
                    if isinstance(shown, list):
                        shown = " ".join(str(v) for v in shown)
                    yield [step_id, method, participant_id, table_id, option, options.get(option, ""), shown]

    return _rows_to_csv(rows())


def participation_svg(points: list[tuple[int, int, int]], width: int = 720, height: int = 220) -> str:
    """Ideas per five minutes (bars) and people joined (line), as an accessible inline SVG."""
    if not points:
        return '<p class="empty">No participation yet.</p>'
    pad_l, pad_b, pad_t = 44, 28, 12
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top_ideas = max(1, max(p[1] for p in points))
    top_people = max(1, max(p[2] for p in points))
    bar_w = plot_w / len(points)
    bars, line = [], []
    for i, (start, ideas, people) in enumerate(points):
        x = pad_l + i * bar_w
        h = plot_h * ideas / top_ideas
        bars.append(
            f'<rect x="{x:.1f}" y="{pad_t + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}">'
            f"<title>{escape(when(start))}: {ideas} ideas</title></rect>"
        )
        line.append(f"{x + bar_w / 2:.1f},{pad_t + plot_h - plot_h * people / top_people:.1f}")
    first, last = when(points[0][0])[11:16], when(points[-1][0])[11:16]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title"><title id="chart-title">Participation over time: up to {top_ideas} '
        f"ideas per five minutes; {top_people} people joined</title>"
        f'<g class="bars" fill="#2b6cb0">{"".join(bars)}</g>'
        f'<polyline fill="none" stroke="#c05621" stroke-width="2" points="{" ".join(line)}"/>'
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 10}" y2="{pad_t + plot_h}" stroke="#444"/>'
        f'<text x="{pad_l}" y="{height - 8}" font-size="12">{first} UTC</text>'
        f'<text x="{width - 10}" y="{height - 8}" font-size="12" text-anchor="end">{last}</text>'
        f'<text x="4" y="{pad_t + 10}" font-size="12">{top_ideas}</text>'
        f'<text x="{width - 12}" y="{pad_t + 10}" font-size="12" text-anchor="end" fill="#c05621">'
        f"{top_people} people</text></svg>"
    )


def _result_lines(step: StepReport) -> list[str]:
    if not step.results:
        return []
    lines = []
    for row in step.results["options"]:
        measures = {k: v for k, v in row.items() if k not in ("id", "text", "points")}
        lines.append(f"{row['text']}: " + ", ".join(f"{k} {v}" for k, v in measures.items() if v is not None))
    return lines


def markdown(h: Harvest) -> str:
    out = [f"# {md(h.title)}: harvest", ""]
    out.append(f"{when(h.started_at)} to {when(h.ended_at)} UTC · {h.people} people · {h.ideas} ideas")
    out += [
        "",
        "## The event's arc",
        "",
        "| started (UTC) | step | for | planned | actual | ideas |",
        "|---|---|---|---|---|---|",
    ]
    for s in h.steps:
        actual = duration((s.ended_at - s.started_at) // 1000) if s.ended_at else "running"
        text = md(s.text)
        label = f"{md(s.session)}: {text}" if s.session else text
        out.append(
            f"| {when(s.started_at)[11:16]} | {label} | {s.tables} | {duration(s.planned_s)} | {actual} | {s.ideas} |"
        )
    voted = [s for s in h.steps if s.results]
    if voted:
        out += [
            "",
            "## What the room said in votes",
            "",
            "Each option with its own measures; there is no single winner.",
            "",
        ]
        for s in voted:
            out += [f"### {md(s.text)}", ""] + [f"- {md(line)}" for line in _result_lines(s)] + [""]
    out += ["", "## Ideas by table and step", ""]
    for table in h.tables:
        out += [f"### {md(table.name)}", ""]
        if not table.ideas_by_step:
            out += ["(no ideas)", ""]
        for step_text, ideas in table.ideas_by_step:
            out += [f"**{md(step_text)}**", ""] + [f"- {md(i)}" for i in ideas] + [""]
    out += ["## Participation", "", "| from (UTC) | ideas | people joined |", "|---|---|---|"]
    out += [f"| {when(t)[11:16]} | {ideas} | {people} |" for t, ideas, people in h.participation]
    if h.names:
        out += ["", "## Who took part", "", "People who chose to give their name: " + ", ".join(map(md, h.names)) + "."]
    if h.hidden:
        out += ["", f"_{h.hidden} idea(s) hidden by the facilitator are not shown._"]
    if h.unshared:
        unshared = "written privately, for a group or for the facilitator are counted but not shown"
        out += ["", f"_{h.unshared} idea(s) {unshared}._"]
    return "\n".join(out) + "\n"


_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


def html(h: Harvest) -> str:
    template = _env.get_template("report.html")
    return template.render(
        h=h, when=when, duration=duration, chart=participation_svg(h.participation), result_lines=_result_lines
    )
