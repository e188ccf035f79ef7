"""The harvest report's pictures, as inline SVG strings made from plain data.

Each picture is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that say in words what
it shows (the report also sets a text equivalent next to it: a table or a list). The pictures hold
no names and no participant ids: the opinion map takes bare points, so it cannot leak who is who.

They are made to print in greyscale: groups differ by shape as well as colour, bubbles and bars
have dark outlines, and every label is text. The drawing is 720 units wide and scales to the page;
at A4 width (about 170 mm of text) a 12-unit label prints at about 8.5 pt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

WIDTH = 720
FONT = 12
CHAR_W = 0.56  # the width of an average character of the sans-serif face, in font sizes

# Opinion groups A-E: a shape and a colour each; the colours differ in lightness too, and the
# shapes alone tell the groups apart on a greyscale print.
GROUP_STYLE: dict[str, tuple[str, str, str]] = {
    # letter: (shape name, fill, path drawn around 0,0 at about 4.5 units radius)
    "A": ("circles", "#1f4e8c", "M-4.5 0a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0-9 0z"),
    "B": ("squares", "#e69f00", "M-4 -4h8v8h-8z"),
    "C": ("triangles", "#2e8b57", "M0 -5l4.8 8.5h-9.6z"),
    "D": ("diamonds", "#c2338a", "M0 -5.5l5.5 5.5-5.5 5.5-5.5-5.5z"),
    "E": ("crosses", "#222222", "M-1.6 -5h3.2v3.4h3.4v3.2h-3.4v3.4h-3.2v-3.4h-3.4v-3.2h3.4z"),
}
UNGROUPED = ("rings", "#ffffff", "M-3 0a3 3 0 1 0 6 0a3 3 0 1 0-6 0z")


def _n(value: float) -> str:
    """A coordinate with at most one decimal: enough at this scale, and a smaller file."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR_W


def _clip(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _isolated(text: str) -> str:
    """People's words drawn beside others' (a theme's name, its number): between FIRST STRONG ISOLATE
    and POP DIRECTIONAL ISOLATE, so an Arabic name, and the "…" that cuts it, read right to left in a
    left-to-right picture (and a Latin one left to right in a right-to-left one)."""
    return f"\u2068{text}\u2069"


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of at most ``width`` units, or [] if it does not fit."""
    out: list[str] = []
    for word in text.split():
        if out and _text_width(out[-1] + " " + word) <= width:
            out[-1] += " " + word
        elif _text_width(word) <= width and len(out) < lines:
            out.append(word)
        else:
            return []
    return out


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _frame(key: str, width: int, height: int, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="picture" aria-labelledby="{key}-title {key}-desc" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}"><title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>{body}</svg>'
    )


# The theme map -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bubble:
    """One theme on the map: where its ideas sit (mean position in [0, 1]^2), how many there are."""

    label: str
    x: float
    y: float
    ideas: int
    tables: int = 0
    number: int = 0  # its number in the report's list of themes (0: its place in ``bubbles``)


MAX_BUBBLES = 30  # the biggest themes drawn; the report's list has them all
MAX_LABELS = 14  # the biggest themes named on the map; the others carry their number only


def _separate(circles: list[list[float]], width: float, height: float, rounds: int = 400) -> None:
    """Push overlapping circles ``[x, y, r]`` apart, a little each round, and keep them inside."""
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(circles):
            for b in circles[i + 1 :]:
                dx, dy = b[0] - a[0], b[1] - a[1]
                dist = math.hypot(dx, dy)
                overlap = a[2] + b[2] + 2 - dist
                if overlap <= 0:
                    continue
                if dist < 1e-6:  # exact ties split sideways, deterministically
                    dx, dy, dist = 1.0, 0.0, 1.0
                push = overlap / 2 / dist
                a[0], a[1] = a[0] - dx * push, a[1] - dy * push
                b[0], b[1] = b[0] + dx * push, b[1] + dy * push
                moved = True
        for c in circles:
            c[0] = min(max(c[0], c[2] + 1), width - c[2] - 1)
            c[1] = min(max(c[1], c[2] + 1), height - c[2] - 1)
        if not moved:
            return


def _overlaps(
    box: tuple[float, float, float, float], taken: list[tuple[float, float, float, float]], circles: list[list[float]]
) -> bool:
    """Whether ``box`` touches a box already taken or any of ``circles`` (``[x, y, r]``)."""
    x0, y0, x1, y1 = box
    if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in taken):
        return True
    return any(math.hypot(cx - min(max(cx, x0), x1), cy - min(max(cy, y0), y1)) < r for cx, cy, r in circles)


def theme_map_svg(bubbles: Sequence[Bubble], *, key: str = "theme-map", height: int = 420) -> str:
    """Themes as numbered bubbles placed where their ideas sit on the map, sized by idea count
    (area proportional), the biggest labelled. Numbers follow ``bubbles``' order (biggest first
    is what the report passes), so the report's list of themes is the picture's key."""
    if not bubbles:
        return '<p class="empty">No themes.</p>'
    shown = [(b.number or n, b) for n, b in enumerate(bubbles, start=1)]
    shown.sort(key=lambda item: -item[1].ideas)
    shown = shown[:MAX_BUBBLES]
    biggest = max(1, shown[0][1].ideas)
    # the biggest bubble's radius: at most a sixth of the height, and all bubbles together cover
    # at most a third of the picture
    area = sum(b.ideas / biggest for _, b in shown) * math.pi
    r_max = min(height / 6, math.sqrt(WIDTH * height / 3 / area))
    pad = r_max * 0.6
    circles = [
        [
            pad + b.x * (WIDTH - 2 * pad),
            pad + b.y * (height - 2 * pad),
            max(8.0, r_max * math.sqrt(b.ideas / biggest)),
        ]
        for _, b in shown
    ]
    _separate(circles, WIDTH, height)
    line_h = FONT + 2
    discs: list[str] = []
    numbers: list[str] = []
    labels: list[str] = []
    taken: list[tuple[float, float, float, float]] = []
    outside: list[tuple[float, float, float, str, str]] = []  # x, y, r, the label's text, as drawn
    for rank, ((number, bubble), (x, y, r)) in enumerate(zip(shown, circles, strict=True)):
        tip = f"{number}. {bubble.label}: {bubble.ideas} ideas"
        if bubble.tables:
            tip += f", from {bubble.tables} table{'s' if bubble.tables != 1 else ''}"
        discs.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"><title>{escape(tip)}</title></circle>')
        inside = _wrap(_clip(bubble.label, 40), 1.7 * r, 3) if rank < MAX_LABELS else []
        if inside and (len(inside) + 1) * line_h > 1.5 * r:
            inside = []
        top = y + 4 - len(inside) * line_h / 2  # the number's baseline, the label's lines under it
        numbers.append(f'<text x="{_n(x)}" y="{_n(top)}" font-weight="700">{number}</text>')
        labels.extend(
            f'<text x="{_n(x)}" y="{_n(top + line_h * (i + 1))}">{escape(_isolated(t))}</text>'
            for i, t in enumerate(inside)
        )
        taken.append((x - 7, y - 9, x + 7, y + 6))
        if rank < MAX_LABELS and not inside:
            name = _clip(bubble.label, 28)
            outside.append((x, y, r, f"{number}: {name}", f"{number}: {_isolated(name)}"))
    for x, y, r, text, drawn_text in outside:
        w = _text_width(text) + 4
        for ty in (y + r + 13, y - r - 5):  # just below the bubble, or just above it
            box = (x - w / 2, ty - FONT, x + w / 2, ty + 3)
            inside_picture = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= height
            if inside_picture and not _overlaps(box, taken, circles):
                taken.append(box)
                labels.append(f'<text x="{_n(x)}" y="{_n(ty)}">{escape(drawn_text)}</text>')
                break
    drawn = len(shown)
    title = f"Theme map: {len(bubbles)} theme{'s' if len(bubbles) != 1 else ''}"
    if drawn < len(bubbles):
        title += f", the {drawn} biggest drawn"
    desc = (
        "Each numbered bubble is a theme; its area grows with the number of ideas in it, and themes "
        "whose ideas are alike sit close together. Numbers match the list of themes next to the map: "
        + "; ".join(f"{n}. {b.label} ({b.ideas} ideas)" for n, b in shown[:MAX_LABELS])
        + ("; and smaller themes." if drawn > MAX_LABELS else ".")
    )
    body = (
        f'<g fill="#cfe0f3" stroke="#1f4e8c" stroke-width="1.5" fill-opacity="0.9">{"".join(discs)}</g>'
        f'<g fill="#102a4c" text-anchor="middle">{"".join(numbers)}'
        f'<g stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round">{"".join(labels)}</g></g>'
    )
    return _frame(key, WIDTH, height, title, desc, body)


# The opinion map ---------------------------------------------------------------------------------


def opinion_map_svg(
    points: Sequence[tuple[float, float, str | None]],
    sizes: Mapping[str, int],
    *,
    key: str = "opinion-map",
    height: int = 420,
) -> str:
    """People as marks placed by how they reacted (``(x, y, group letter or None)``, any scale),
    shaped and coloured by opinion group, with a legend giving each group's size. People who
    reacted to too few ideas to be placed in a group are small rings."""
    if not points:
        return '<p class="empty">No one reacted enough to be placed on the map.</p>'
    pad = 12
    letters = sorted(sizes)
    ungrouped = sum(1 for p in points if p[2] not in GROUP_STYLE)
    entries = [(letter, f"Group {letter}: {_people(sizes[letter])}") for letter in letters if letter in GROUP_STYLE]
    if ungrouped:
        entries.append(("none", f"Not in a group: {ungrouped}"))
    legend: list[str] = []
    lx, ly = float(pad), 17
    for ref, text in entries:
        width = 16 + _text_width(text) + 18
        if lx + width > WIDTH and lx > pad:
            lx, ly = float(pad), ly + 20
        legend.append(
            f'<use href="#{key}-{ref}" x="{_n(lx + 6)}" y="{ly - 4}"/>'
            f'<text x="{_n(lx + 16)}" y="{ly}">{escape(text)}</text>'
        )
        lx += width
    legend_h = ly + 9
    height += legend_h - 26  # the map keeps its size under a legend of two lines
    mark = 1.0 if len(points) <= 300 else 0.75 if len(points) <= 1000 else 0.6
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    box_w, box_h = WIDTH - 2 * pad, height - legend_h - 2 * pad
    scale = min(box_w, box_h) / span
    x0 = pad + (box_w - (max(xs) - min(xs)) * scale) / 2 - min(xs) * scale
    y0 = legend_h + pad + (box_h - (max(ys) - min(ys)) * scale) / 2 - min(ys) * scale
    defs = "".join(
        f'<path id="{key}-{letter}" d="{GROUP_STYLE[letter][2]}" fill="{GROUP_STYLE[letter][1]}" '
        f'stroke="#000" stroke-width="0.6"/>'
        for letter in letters
        if letter in GROUP_STYLE
    )
    defs += f'<path id="{key}-none" d="{UNGROUPED[2]}" fill="#fff" stroke="#555" stroke-width="1"/>'
    # the map's marks are smaller when there are many; the legend's keep their size
    defs += (
        "".join(f'<use id="{key}-{ref}-m" href="#{key}-{ref}" transform="scale({mark})"/>' for ref, _ in entries)
        if mark != 1.0
        else ""
    )
    suffix = "-m" if mark != 1.0 else ""
    marks: dict[str, list[str]] = {}
    # ungrouped first, so group marks are drawn over them; rounded to whole units (the map's own
    # precision is no finer than a mark)
    for x, y, letter in sorted(points, key=lambda p: (p[2] is not None, p[2] or "", p[0], p[1])):
        ref = letter if letter in GROUP_STYLE else "none"
        marks.setdefault(ref, []).append(
            f'<use href="#{key}-{ref}{suffix}" x="{round(x0 + x * scale)}" y="{round(y0 + y * scale)}"/>'
        )
    parts = [
        f"group {letter} ({GROUP_STYLE[letter][0]}): {_people(sizes[letter])}"
        for letter in letters
        if letter in GROUP_STYLE
    ]
    title = f"Opinion map: {_people(len(points))}" + (f" in {len(parts)} opinion groups" if parts else "")
    desc = (
        "Each mark is one person, placed by how they reacted to the ideas: people who reacted alike are "
        "close together. "
        + ("; ".join(parts).capitalize() + ". " if parts else "")
        + (f"{ungrouped} people reacted to too few ideas to be placed in a group (small rings)." if ungrouped else "")
    ).strip()
    body = (
        f"<defs>{defs}</defs>"
        f'<rect x="0.5" y="{legend_h + 0.5}" width="{WIDTH - 1}" height="{height - legend_h - 1}" fill="none" '
        f'stroke="#a0aec0"/>'
        + "".join(f'<g class="group-{ref}">{"".join(ms)}</g>' for ref, ms in marks.items())
        + f'<g fill="#1a202c">{"".join(legend)}</g>'
    )
    return _frame(key, WIDTH, height, title, desc, body)


# Participation over time -------------------------------------------------------------------------


def _hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M")


def _moment(ms: int, span_ms: int) -> str:
    """A bar's start: its time of day within one day, its date (and time) over a longer span."""
    return _hhmm(ms) if span_ms < 86_400_000 else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def participation_svg(
    points: Sequence[tuple[int, int, int]],
    *,
    key: str = "participation",
    height: int = 220,
    per: str = "five minutes",
) -> str:
    """Ideas per time bucket (bars) and people who had joined (a dashed line with dots), from
    ``(bucket start ms, ideas, people joined so far)``, times in UTC; ``per`` names a bucket's width."""
    if not points:
        return '<p class="empty">No participation yet.</p>'
    pad_l, pad_r, pad_b, pad_t = 40, 10, 30, 30
    plot_w, plot_h = WIDTH - pad_l - pad_r, height - pad_b - pad_t
    top_ideas = max(1, max(p[1] for p in points))
    top_people = max(1, max(p[2] for p in points))
    bar_w = plot_w / len(points)
    span = points[-1][0] - points[0][0]
    base = pad_t + plot_h
    bars, line = [], []
    for i, (start, ideas, people) in enumerate(points):
        x = pad_l + i * bar_w
        h = plot_h * ideas / top_ideas
        if ideas:
            bars.append(
                f'<rect x="{_n(x)}" y="{_n(base - h)}" width="{_n(max(bar_w - 1, 0.6))}" height="{_n(h)}">'
                f"<title>{_moment(start, span)} UTC: {ideas} ideas, {_people(people)} joined</title></rect>"
            )
        line.append(f"{_n(x + bar_w / 2)},{_n(base - plot_h * people / top_people)}")
    peak = max(points, key=lambda p: p[1])
    first, last = _moment(points[0][0], span), _moment(points[-1][0], span)
    middle = _moment(points[len(points) // 2][0], span) if len(points) > 4 else ""
    joined = f"people joined (up to {top_people})"
    title = f"Participation from {first} to {last} UTC"
    desc = (
        f"Bars: ideas written in each {per}, at most {peak[1]} (from {_moment(peak[0], span)}). "
        f"Dashed line: people who had joined, {_people(points[-1][2])} by the end."
    )
    axis = (
        f'<line x1="{pad_l}" y1="{base}" x2="{WIDTH - pad_r}" y2="{base}" stroke="#1a202c"/>'
        f'<text x="{pad_l}" y="{height - 10}">{first} UTC</text>'
        + (
            f'<text x="{_n(pad_l + plot_w / 2)}" y="{height - 10}" text-anchor="middle">{middle}</text>'
            if middle
            else ""
        )
        + f'<text x="{WIDTH - pad_r}" y="{height - 10}" text-anchor="end">{last}</text>'
        f'<text x="{pad_l - 4}" y="{pad_t + 10}" text-anchor="end">{top_ideas}</text>'
        f'<text x="{pad_l - 4}" y="{base}" text-anchor="end">0</text>'
        f'<rect x="{pad_l}" y="6" width="10" height="12" fill="#7aa5d6" stroke="#1f4e8c" stroke-width="0.5"/>'
        f'<text x="{pad_l + 15}" y="16">ideas per {per}</text>'
        f'<line x1="{WIDTH - pad_r - _text_width(joined) - 34}" y1="12" x2="{WIDTH - pad_r - _text_width(joined) - 6}" '
        f'y2="12" stroke="#1a202c" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{WIDTH - pad_r}" y="16" text-anchor="end">{joined}</text>'
    )
    body = (
        f'<g fill="#7aa5d6" stroke="#1f4e8c" stroke-width="0.5">{"".join(bars)}</g>'
        f'<polyline fill="none" stroke="#1a202c" stroke-width="2" stroke-dasharray="6 3" points="{" ".join(line)}"/>'
        f'<g fill="#1a202c">{axis}</g>'
    )
    return _frame(key, WIDTH, height, title, desc, body)
