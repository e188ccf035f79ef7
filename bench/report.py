"""The HTML harvest report of a big event: its size, its height on screen and its length on A4.

    python -m bench.report [--people 2000] [--tables 200] [--ideas 10000] [--no-browser] [--quick]

Builds a scripted event in memory (private notes, table ideas, anonymous ideas, a reaction round
with three opinion camps, a dot vote, themes from synthetic sentence vectors with one renamed),
renders the shared report, and prints its size in bytes; with Chromium (/usr/bin/chromium) also the
rendered page height at 1280 px wide and the number of A4 pages Chromium prints.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from server import exports
from server.domain.commands import COMMAND_ADAPTER, create_event, decide, join
from server.domain.common_ground.analysis import Analysis
from server.domain.common_ground.publish import analyse_inputs, inputs
from server.domain.fold import apply
from server.domain.harvest import Audience, Harvest, harvest
from server.domain.model import Actor, Entry, EventState, Role
from server.domain.themes import IdeaVector, ThemeMap, edit_from_entry, recluster

FACILITATOR = Actor(Role.FACILITATOR)
T0 = 1_764_000_000_000
CHROMIUM = "/usr/bin/chromium"

SCRIPT = """
id: town
title: Our town
method: {name: Open conversation, origin: "Wholeroom bench"}
steps:
  - {id: own, kind: ideas, duration: 2m, text: "Note your own first thoughts.",
     capture: {who: each, visibility: private}}
  - {id: talk, kind: discuss, duration: 15m, text: "What would make our town better?", capture: {who: each}}
  - {id: quiet, kind: ideas, duration: 3m, text: "Anything you would rather say without your name?",
     capture: {who: each, attribution: anonymous}}
  - {id: react, kind: react, duration: 10m, text: "Agree, disagree or pass", from: [talk, quiet]}
  - {id: pick, kind: vote, method: dots, dots: 3, duration: 5m, reveal: live, text: "Where should we start?",
     options: {items: [Safer cycling, A bus every ten minutes, Homes people can afford, The library on Sundays]}}
"""
TOPICS = [
    ("Safer cycling routes to school", "cycling"),
    ("A bus every ten minutes in the evening", "buses"),
    ("Homes that young families can afford", "housing"),
    ("The library open on Sundays", "library"),
    ("More trees and shade in the squares", "trees"),
    ("A clean river we can swim in", "river"),
    ("Youth clubs open late on Fridays", "youth"),
    ("Local shops instead of empty units", "shops"),
    ("Quiet streets at night", "quiet"),
    ("Community gardens on empty plots", "gardens"),
    ("Better lighting on the footpaths", "lighting"),
    ("A repair café once a month", "repair"),
]
WORDS = "because so that for everyone near the station at weekends with neighbours in winter for older people".split()


@dataclass
class Built:
    state: EventState
    entries: list[Entry]
    last_at: int
    themes: ThemeMap
    ground: Analysis


class Builder:
    """An event in memory; every change goes through decide + apply, as the server does."""

    def __init__(self, tables: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.state = EventState(id="report")
        self.entries: list[Entry] = []
        self.now = T0
        self.run(
            [create_event("report", "Our town in 2035", [f"Table {i}" for i in range(1, tables + 1)], "ACDEFG", T0)]
        )

    def run(self, entries: list[Entry]) -> None:
        for entry in entries:
            apply(self.state, entry)
            self.entries.append(entry)

    def do(self, actor: Actor, **command: Any) -> dict[str, Any]:
        outcome = decide(self.state, actor, COMMAND_ADAPTER.validate_python(command), self.now)
        self.run(outcome.entries)
        return outcome.result or {}

    def next(self, session: str, minutes: float) -> None:
        self.now += int(minutes * 60_000)
        self.do(FACILITATOR, type="session.next", session_id=session)


def build(people: int, tables: int, ideas: int, seed: int = 1) -> Built:
    """A scripted event with about ``ideas`` ideas the room saw, themes and common ground."""
    b = Builder(tables, seed)
    rng = b.rng
    persons = []
    for i in range(people):
        b.now += 200
        name = f"Person {i}" if i % 3 == 0 else None  # a third give a name
        outcome = join(b.state, name, str(1 + i % tables), b.now)
        b.run(outcome.entries)
        persons.append(Actor(Role.PARTICIPANT, outcome.result["participant_id"]))
    session = str(b.do(FACILITATOR, type="session.load", script=SCRIPT, params={})["session_id"])
    topic_of: dict[str, int] = {}
    per_person = max(1, round(ideas / people))

    def write(step_minutes: float, count: int, tag: str) -> None:
        for n in range(count):
            person = persons[n % people]
            b.now += max(1, int(step_minutes * 60_000 / max(count, 1)))
            topic = rng.randrange(len(TOPICS))
            text = f"{TOPICS[topic][0]} {' '.join(rng.sample(WORDS, 3))} ({tag} {n})"
            try:
                idea = b.do(person, type="idea.submit", client_id=f"{tag}{n}", text=text)["idea_id"]
            except Exception:  # a refused idea (a rate limit) is simply not in the transcript
                continue
            topic_of[idea] = topic

    b.next(session, 0)  # own: private notes, counted and never quoted in the shared report
    write(2, people // 4, "own")
    b.next(session, 0.5)  # talk: the room's ideas
    write(15, per_person * people, "talk")
    b.next(session, 1)  # quiet: anonymous ideas
    write(3, max(1, people // 10), "quiet")
    b.next(session, 1)  # react: three camps of opinion
    room = [i for i in b.state.ideas.values() if i.visibility in ("table", "room")]
    offered = rng.sample(room, min(len(room), 60))
    camps = [rng.choices(["agree", "disagree", "pass"], [5, 3, 1], k=len(TOPICS)) for _ in range(3)]
    for n, person in enumerate(persons[: int(people * 0.9)]):
        camp = camps[n % 3]
        for idea in rng.sample(offered, min(len(offered), 12)):
            if idea.participant_id == person.participant_id:
                continue
            value = camp[topic_of[idea.id]] if rng.random() < 0.85 else rng.choice(["agree", "disagree", "pass"])
            b.now += 20
            try:
                b.do(person, type="reaction.cast", idea_id=idea.id, value=value)
            except Exception:
                continue
    b.next(session, 1)  # pick: a dot vote
    vote_step = next(s for s in b.state.steps.values() if s.kind == "vote")
    options = [o["id"] for o in vote_step.options or []]
    for person in persons[: people // 2]:
        b.now += 50
        picks = rng.choices(options, k=3)
        ballot = {o: picks.count(o) for o in set(picks)}
        try:
            b.do(person, type="vote.cast", step_id=vote_step.id, ballot=ballot)
        except Exception:
            continue
    b.now += 5 * 60_000
    b.do(FACILITATOR, type="step.end", step_id=vote_step.id)
    themes = themes_of(b.state, topic_of, seed)
    if themes.themes:  # the facilitator names the biggest theme
        b.do(FACILITATOR, type="theme.rename", theme_id=themes.themes[0].id, label="Getting around")
        themes = themes_of(b.state, topic_of, seed)
    ground = analyse_inputs(*inputs(b.state), None)
    return Built(b.state, b.entries, b.now, themes, ground)


def themes_of(state: EventState, topic_of: dict[str, int], seed: int) -> ThemeMap:
    """Themes from synthetic sentence vectors: each topic a direction, each idea near its topic's."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(TOPICS), 32))
    ideas = []
    for idea in state.ideas.values():
        if idea.hidden or idea.visibility not in ("table", "room"):
            continue
        v = centres[topic_of[idea.id]] / np.linalg.norm(centres[topic_of[idea.id]]) + 0.15 * rng.normal(size=32)
        ideas.append(IdeaVector(idea.id, idea.text, idea.table_id, (v / np.linalg.norm(v)).astype(np.float32)))
    return recluster(ideas, [edit_from_entry(kind, payload) for kind, payload in state.theme_edits])


def report(built: Built, audience: Audience = "shared") -> Harvest:
    return harvest(built.state, built.last_at, audience=audience, themes=built.themes, ground=built.ground)


def measure(html_text: str) -> dict[str, float]:
    """The page's height at 1280 px wide and its A4 page count, in Chromium."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "report.html"
        path.write_text(html_text, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        loaded = time.perf_counter() - t0
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 390, "height": 800})
        phone = page.evaluate("document.documentElement.scrollHeight")
        t0 = time.perf_counter()
        pdf = page.pdf(format="A4")
        printed = time.perf_counter() - t0
        browser.close()
        (Path(tmp) / "report.pdf").write_bytes(pdf)
        pages = len(PdfReader(Path(tmp) / "report.pdf").pages)
    return {"height_px": height, "phone_height_px": phone, "pdf_pages": pages, "load_s": loaded, "print_s": printed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Size, height and A4 length of the HTML harvest report")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--ideas", type=int, default=10_000, help="about this many ideas the room saw")
    parser.add_argument("--no-browser", action="store_true", help="size only, without Chromium")
    parser.add_argument("--save", type=Path, help="also write the report here")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.tables, args.ideas = 60, 6, 180
    t0 = time.perf_counter()
    built = build(args.people, args.tables, args.ideas)
    t1 = time.perf_counter()
    h = report(built)
    text = exports.html(h)
    t2 = time.perf_counter()
    print(
        f"event: {h.people} people, {len(built.state.tables)} tables, {h.ideas} ideas "
        f"({len(h.quoted)} quoted in the shared report), {len(h.themes)} themes, "
        f"{built.ground.n_reactions} reactions; built in {t1 - t0:.1f} s"
    )
    print(f"html report: {len(text.encode()):,} bytes, rendered in {t2 - t1:.2f} s")
    if args.save:
        args.save.write_text(text, encoding="utf-8")
    if args.no_browser or not os.path.exists(CHROMIUM):
        print("(no Chromium: height and pages not measured)")
        return
    m = measure(text)
    print(
        f"in Chromium: page height {m['height_px']:,} px at 1280 px wide, {m['phone_height_px']:,} px at 390 px; "
        f"A4 PDF {m['pdf_pages']} pages (loaded in {m['load_s']:.2f} s, printed in {m['print_s']:.2f} s)"
    )


if __name__ == "__main__":
    main()
