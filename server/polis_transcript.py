"""A Pol.is conversation as a Wholeroom transcript: one table, one reaction step, every comment an
idea (moderated-out comments hidden), every vote a reaction, in the order they happened.

Built as entries (not through commands): it is history, so the live room's rate limits (ideas per
minute, step timing) do not apply; every entry is still held to the live limits on its contents
(``domain/entry_check.py``: text lengths, ids, types), and the fold checks it.

Each entry keeps the time Pol.is recorded (epoch ms), so replay and the report's charts show the
conversation's own timeline: the event is created, and its step pushed, at the conversation's first
moment; a person joins at their first comment or vote (someone who only looked, at the first
moment); comments and votes follow in time order. Rows with the same time keep their file order,
a comment before the votes of that millisecond. A vote logged before its comment (a clock skew in
the export) waits for the comment and takes its time: entry times never go backwards. Votes from
``participants-votes.csv`` alone (no ``votes.csv``) have no time: each takes its comment's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.commands import create_event
from .domain.entry_check import check_entry
from .domain.errors import Invalid
from .domain.fold import apply
from .domain.model import Entry, EventState
from .polis_import import PolisComment, PolisExport, PolisImportError, PolisVote, replayable_votes

VALUE = {1: "agree", -1: "disagree", 0: "pass"}


@dataclass(frozen=True, slots=True)
class Imported:
    entries: list[Entry]
    participants: dict[int, str]  # Pol.is participant id -> ours
    ideas: dict[int, str]  # Pol.is comment id -> ours
    state: EventState


class _Builder:
    def __init__(self, event_id: str) -> None:
        self.state = EventState(id=event_id)
        self.entries: list[Entry] = []
        self.people: dict[int, str] = {}
        self.ideas: dict[int, str] = {}
        self.source = ("summary.csv", "the conversation")  # the file and row an entry comes from, for errors

    def add(self, kind: str, actor: str, payload: dict[str, Any], at: int) -> Entry:
        at = max(at, self.entries[-1].at) if self.entries else at  # times never go backwards
        entry = Entry(self.state.id, self.state.seq + 1, at, kind, actor, payload)
        try:
            check_entry(entry)
        except Invalid as exc:
            raise PolisImportError(self.source[0], f"{self.source[1]}: {exc.message}") from None
        apply(self.state, entry)
        self.entries.append(entry)
        return entry

    def person(self, polis_id: int, at: int) -> str:
        if polis_id not in self.people:
            pid = f"p{self.state.seq + 1}"
            payload = {"participant_id": pid, "name": None, "table_id": "1", "role": "participant"}
            self.add("participant.joined", f"participant:{pid}", payload, at)
            self.people[polis_id] = pid
        return self.people[polis_id]

    def comment(self, comment: PolisComment, step_id: str) -> None:
        self.source = ("comments.csv", f"comment {comment.comment_id}")
        author = self.person(comment.author_id, comment.timestamp)
        idea_id = f"i{self.state.seq + 1}"
        payload = {
            "idea_id": idea_id,
            "client_id": f"polis-{comment.comment_id}",
            "participant_id": author,
            "table_id": "1",
            "step_id": step_id,
            "text": comment.body,
            "visibility": "room",
            "group_id": None,
            "anonymous": False,
        }
        self.add("idea.submitted", f"participant:{author}", payload, comment.timestamp)
        self.ideas[comment.comment_id] = idea_id
        if comment.moderated == -1:
            reason = {"idea_id": idea_id, "table_id": "1", "reason": "moderated out on Pol.is"}
            self.add("idea.hidden", "facilitator", reason, comment.timestamp)

    def vote(self, vote: PolisVote) -> None:
        self.source = ("votes.csv", f"the vote of participant {vote.voter_id} on comment {vote.comment_id}")
        voter = self.person(vote.voter_id, vote.timestamp)
        payload = {"idea_id": self.ideas[vote.comment_id], "participant_id": voter, "value": VALUE[vote.vote]}
        self.add("reaction.cast", f"participant:{voter}", payload, vote.timestamp)


def polis_entries(
    export: PolisExport,
    event_id: str,
    join_code: str,
    now: int,
    title: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """The whole conversation as entries, checked by folding them as they are made."""
    topic = (title or export.summary.get("topic") or export.folder.name)[:200]
    votes = replayable_votes(export)
    timed = [v.timestamp for v in votes] if export.votes else []  # (the matrix's votes have no time)
    start = min([c.timestamp for c in export.comments] + timed or [now])
    build = _Builder(event_id)
    first = create_event(event_id, topic, ["Pol.is"], join_code, start)
    apply(build.state, first)
    build.entries.append(first)
    step_id = f"s{build.state.seq + 1}"
    build.add(
        "step.pushed",
        "facilitator",
        {
            "step_id": step_id,
            "text": f"Imported from Pol.is: {topic}",
            "collect_ideas": False,
            "audience": {"tables": None, "role": None},
            "deadline": None,
            "replaces": None,
            "kind": "react",
        },
        start,
    )
    acting = {c.author_id for c in export.comments} | {v.voter_id for v in votes}
    for row in export.participants:  # those who only looked: we do not know when they came
        if row.participant_id not in acting:
            build.person(row.participant_id, start)
    events: list[tuple[int, int, PolisComment | PolisVote]] = [(c.timestamp, 0, c) for c in export.comments]
    events += [(v.timestamp, 1, v) for v in votes]
    waiting: dict[int, list[PolisVote]] = {}
    # in time order; at the same time a comment first, then file order (the sort is stable)
    for n, (_at, _order, item) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
        if isinstance(item, PolisComment):
            build.comment(item, step_id)
            for vote in waiting.pop(item.comment_id, []):
                build.vote(vote)
        elif item.comment_id in build.ideas:
            build.vote(item)
        else:  # a vote logged before its comment: keep it until the comment appears
            waiting.setdefault(item.comment_id, []).append(item)
        if progress is not None and n % 1000 == 0:
            progress(1000)
    return Imported(build.entries, build.people, build.ideas, build.state)
