"""The transcript file refuses a changed copy: an edited line breaks the chain there, and an edit
whose chain was recomputed (anyone can: docs/export.md) still rebuilds another event than the
header's digest describes. The ideas' vectors travel on the same chain."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from server.domain.commands import set_event_language
from server.domain.digest import state_digest
from server.domain.fold import ENTRY_KINDS
from server.domain.follow import set_contact
from server.domain.model import Actor, Entry, Role
from server.domain.privacy import erase_all
from server.domain.transcript_file import (
    TranscriptError,
    Vector,
    _Chain,
    exportable,
    header,
    read_lines,
    write_lines,
)

from .helpers import FACILITATOR, Scene

SCRIPT = """
id: every-kind
title: Every kind
method: {name: Test, origin: Us}
roles: {table_host: {per: table, count: 1, assign: random}}
steps:
  - {id: r1, kind: ideas, duration: 5m, capture: {who: each}}
  - {id: move1, kind: rotate, mode: host_stays, stay: table_host, duration: 2m}
  - {id: skipped, kind: discuss, duration: 1m}
  - {id: dots, kind: vote, method: dots, dots: 3, max_per_option: 2, options: {from: r1}, duration: 5m}
  - {id: react, kind: react, duration: 5m}
  - {id: market, kind: signup, slots: ["10:00", "11:30"], spaces: [Hall, Garden], duration: 30m}
  - {id: pairs, kind: discuss, audience: group, groups: {size: 2}, duration: 2m}
"""
ORGANISER = Actor(Role.ORGANISER)
NAMES = ["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy"]


def every_kind() -> tuple[Scene, list[Entry]]:
    """An event with at least one entry of every kind, and its transcript as stored (erased texts
    rewritten, as storage does in the erasure's commit)."""
    scene = Scene(tables=3)
    people = [scene.join(str(1 + n % 3), name if n % 2 == 0 else None) for n, name in enumerate(NAMES)]
    ana, bo, cy, *_, gus, hal, ivy = people

    def do(actor: Actor, **command: Any) -> dict[str, Any]:
        scene.now += 1000
        return scene.do(actor, **command).result or {}

    warm = do(FACILITATOR, type="step.push", text="Warm up", duration_s=60)["step_id"]
    do(FACILITATOR, type="step.extend", step_id=warm, seconds=30)
    do(FACILITATOR, type="step.end", step_id=warm)
    do(FACILITATOR, type="participant.seat", participant_id=ana.participant_id, table_id="2")
    do(FACILITATOR, type="participant.role", participant_id=bo.participant_id, role="scribe")
    session = do(FACILITATOR, type="session.load", script=SCRIPT)["session_id"]
    do(FACILITATOR, type="session.next", session_id=session)
    ideas = [do(p, type="idea.submit", client_id=f"c{n}", text=f"Idea {n}")["idea_id"] for n, p in enumerate(people)]
    do(FACILITATOR, type="idea.hide", idea_id=ideas[0], reason="off topic")
    do(FACILITATOR, type="idea.hide", idea_id=ideas[1])
    do(FACILITATOR, type="idea.restore", idea_id=ideas[1])
    do(FACILITATOR, type="session.pause", session_id=session)
    do(FACILITATOR, type="session.resume", session_id=session)
    do(FACILITATOR, type="session.next", session_id=session)  # the rotation
    vote = do(FACILITATOR, type="session.skip", session_id=session)["step_id"]
    for p in people[:4]:
        do(p, type="vote.cast", step_id=vote, ballot={ideas[2]: 1, ideas[3]: 2})
    do(FACILITATOR, type="session.next", session_id=session)  # reactions
    for n, p in enumerate(people):
        for idea_id in ideas[2:6]:
            if scene.state.ideas[idea_id].participant_id != p.participant_id:
                do(p, type="reaction.cast", idea_id=idea_id, value=("agree", "disagree", "pass")[n % 3])
    market = do(FACILITATOR, type="session.next", session_id=session)["step_id"]
    do(ana, type="topic.post", step_id=market, title="Youth spaces", slot="10:00", space="Hall")
    garden = do(bo, type="topic.post", step_id=market, title="Parks", slot="10:00", space="Garden")
    do(ana, type="topic.join", topic_id=garden["topic_id"])  # leaves her own hall session
    do(cy, type="topic.join", topic_id=garden["topic_id"])
    do(cy, type="topic.leave", topic_id=garden["topic_id"])
    do(FACILITATOR, type="session.next", session_id=session)  # pairs
    do(FACILITATOR, type="session.pause", session_id=session)  # and the script ends while paused
    do(FACILITATOR, type="session.next", session_id=session)  # the script is done
    do(FACILITATOR, type="theme.rename", theme_id="t-a", label="Getting home")
    do(FACILITATOR, type="theme.merge", theme_id="t-a", merged_theme_ids=["t-b"], idea_ids=ideas[2:4])
    split = {"theme_id": "t-a", "new_theme_id": "t-c", "idea_ids": ideas[2:3], "remaining_ids": ideas[3:4]}
    do(FACILITATOR, type="theme.split", **split)
    do(FACILITATOR, type="theme.pin", theme_id="t-d", idea_ids=ideas[4:6], label="Parks")
    do(FACILITATOR, type="theme.unpin", theme_id="t-d")
    do(FACILITATOR, type="theme.move_idea", idea_id=ideas[6], theme_id="t-a", theme_idea_ids=ideas[3:4])
    do(FACILITATOR, type="theme.reveal")
    do(FACILITATOR, type="wall.show", slide="join")
    do(FACILITATOR, type="theme.dismiss", keys=["merge:t-a+t-d", f"move:{ideas[5]}"])
    flag = do(hal, type="theme.flag", idea_id=ideas[3], theme_id="t-a", reason="about parks")["flag_id"]
    do(FACILITATOR, type="theme.flag_resolve", flag_id=flag, outcome="kept")
    do(FACILITATOR, type="participant.remove", participant_id=ivy.participant_id, ideas="keep")
    do(ORGANISER, type="participant.erase", participant_id=gus.participant_id)
    do(FACILITATOR, type="event.close")
    do(FACILITATOR, type="event.reopen")
    do(FACILITATOR, type="event.parts_set", parts=[{"name": "Residents", "target": 40}, {"name": "GPs"}])
    do(bo, type="participant.parts_set", parts=["gps", "residents"])
    do(FACILITATOR, type="step.push", text="Any worries?", premoderate=True)  # ideas wait for a moderator
    waiting = [
        do(p, type="idea.submit", client_id=f"w{n}", text=f"Worry {n}")["idea_id"] for n, p in enumerate((ana, bo))
    ]
    do(FACILITATOR, type="idea.approve", idea_id=waiting[0])
    do(FACILITATOR, type="step.push", text="What will I do next?", commit="private")
    do(ana, type="idea.submit", client_id="k1", text="Call the council")
    groups = do(FACILITATOR, type="actions.form", source="hand", titles=["Buses", "Parks"])["group_ids"]
    do(ana, type="action.join", group_id=groups[0])
    do(bo, type="action.join", group_id=groups[0])
    do(bo, type="action.join", group_id=groups[1])
    do(cy, type="action.join", group_id=groups[0])
    do(cy, type="action.leave", group_id=groups[0])
    do(ana, type="action.convene", group_id=groups[0])
    scene.now += 1000
    scene.run(set_contact(scene.state, ana, True, scene.now))
    scene.run(set_event_language(scene.state, ORGANISER, "es", scene.now))  # by the organiser's page
    do(FACILITATOR, type="event.close")
    do(ORGANISER, type="followup.open", question="What has happened since?")
    do(ana, type="idea.submit", client_id="f1", text="We met twice")
    do(ORGANISER, type="followup.close")
    rewritten = {e.seq: e for e in erase_all(scene.entries, gus.participant_id)}
    stored = [rewritten.get(e.seq, e) for e in scene.entries]
    assert {e.kind for e in stored} == set(ENTRY_KINDS)
    return scene, stored


Change = Callable[[dict[str, Any]], dict[str, Any]]


def replaced(**fields: Any) -> Change:
    return lambda payload: {**payload, **fields}


def swap_first_members(payload: dict[str, Any]) -> dict[str, Any]:
    a, b, *rest = payload["groups"]
    a, b = (
        {**a, "members": [b["members"][0], *a["members"][1:]]},
        {**b, "members": [a["members"][0], *b["members"][1:]]},
    )
    return {**payload, "groups": [a, b, *rest]}


def first_move_elsewhere(payload: dict[str, Any]) -> dict[str, Any]:
    first, *rest = payload["moves"]
    return {**payload, "moves": [{**first, "to": "3" if first["to"] != "3" else "1"}, *rest]}


def first_role_changed(payload: dict[str, Any]) -> dict[str, Any]:
    (person, role), *rest = payload["assignments"].items()
    return {**payload, "assignments": {person: "participant" if role != "participant" else "scribe", **dict(rest)}}


def reversed_ballot(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "ballot": dict(zip(payload["ballot"], reversed(payload["ballot"].values()), strict=True))}


def next_idea(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "idea_id": f"i{int(payload['idea_id'][1:]) + 1}"}


def shifted(key: str, ms: int) -> Change:
    return lambda payload: {**payload, key: payload[key] + ms}


MOVED_IN_TIME = "at"  # payloads that only name what they act on: the test moves the entry in time instead

# kind -> (the change, the part of the event the import names). Each change folds and passes the
# live limits: only the digest can tell the rebuilt event from the exported one. The digest covers
# the state at the end and when each entry happened: what a later entry replaced (the first pause's
# remaining time, once resumed) is guarded by the chain only, so the change is made to the entry
# whose effect lasts (the first of its kind, or the last where LAST says so).
LAST = {"step.paused"}
EDITS: dict[str, tuple[Change | str, str]] = {
    "event.created": (replaced(title="Another town"), "event"),
    "participant.joined": (replaced(name="Eve"), "people"),
    "participant.seated": (replaced(table_id="3"), "people"),
    "participant.role_set": (replaced(role="table_host"), "people"),
    "participant.removed": (replaced(participant_id="p9"), "people"),  # Hal instead of Ivy
    "participant.erased": (replaced(participant_id="p9"), "people"),
    "event.closed": (MOVED_IN_TIME, "times"),
    "event.reopened": (MOVED_IN_TIME, "times"),
    "step.pushed": (replaced(text="Another question"), "steps"),
    "step.extended": (shifted("deadline", 60_000), "steps"),
    "step.ended": (MOVED_IN_TIME, "steps"),
    "step.paused": (shifted("remaining", -1000), "steps"),
    "step.resumed": (shifted("deadline", 1000), "steps"),
    "idea.submitted": (replaced(text="Something nobody said"), "ideas"),
    "idea.hidden": (replaced(reason="spam"), "ideas"),
    "idea.restored": (replaced(idea_id="i19"), "ideas"),  # the first idea, hidden too
    "idea.approved": (next_idea, "ideas"),  # lets Bo's worry through instead of Ana's
    "session.loaded": (replaced(title="Another session"), "sessions"),
    "session.step_skipped": (replaced(index=5), "sessions"),
    "session.finished": (MOVED_IN_TIME, "times"),
    "groups.formed": (swap_first_members, "groups"),
    "participants.moved": (first_move_elsewhere, "people"),
    "roles.assigned": (first_role_changed, "people"),
    "vote.cast": (reversed_ballot, "votes"),
    "topic.posted": (replaced(title="Another topic"), "topics"),
    "topic.joined": (replaced(left=[]), "topics"),  # Ana would stay in her hall session too
    "topic.left": (replaced(participant_id="p3"), "topics"),  # Bo leaves his own session instead of Cy
    "reaction.cast": (replaced(value="disagree"), "reactions"),  # the first is an agree
    "theme.rename": (replaced(label="Getting there"), "theme curation"),
    "theme.merge": (replaced(merged_theme_ids=["t-e"]), "theme curation"),
    "theme.split": (replaced(new_theme_id="t-f"), "theme curation"),
    "theme.pin": (replaced(label="Green"), "theme curation"),
    "theme.unpin": (replaced(theme_id="t-a"), "theme curation"),
    "theme.move_idea": (replaced(theme_id="t-c"), "theme curation"),
    "theme.flagged": (replaced(reason="about buses"), "flags"),
    "theme.flag_resolved": (replaced(outcome="moved"), "flags"),
    "theme.revealed": (replaced(shown=False), "theme curation"),
    "wall.shown": (replaced(slide=None), "slides on the wall"),
    "theme.dismissed": (replaced(keys=["split:t-a"]), "theme curation"),
    "event.language_set": (replaced(language="pl"), "event"),
    "event.parts_set": (replaced(parts=[{"id": "residents", "name": "Residents", "target": 4}]), "event"),
    "participant.parts_set": (replaced(parts=["residents"]), "people"),
    "actions.formed": (lambda p: {"groups": [{**p["groups"][0], "title": "Trams"}, *p["groups"][1:]]}, "follow"),
    "action.joined": (replaced(participant_id="p9"), "follow"),  # Hal joins instead of Ana
    "action.left": (MOVED_IN_TIME, "times"),
    "action.convener_set": (replaced(participant_id=None), "follow"),
    "action.contact_set": (replaced(shared=False), "follow"),
    "followup.opened": (replaced(question="Anything new?"), "follow"),
    "followup.closed": (MOVED_IN_TIME, "follow"),
}


def edited(entries: list[Entry], kind: str) -> tuple[list[Entry], int]:
    """``entries`` with the first of ``kind`` changed as :data:`EDITS` says; and its seq."""
    change, _ = EDITS[kind]
    target = [e for e in entries if e.kind == kind][-1 if kind in LAST else 0]
    if change == MOVED_IN_TIME:
        new = Entry(target.event_id, target.seq, target.at + 1, target.kind, target.actor, target.payload)
    else:
        assert callable(change)
        new = Entry(target.event_id, target.seq, target.at, target.kind, target.actor, change(target.payload))
        assert new.payload != target.payload
    return [new if e.seq == target.seq else e for e in entries], target.seq


def test_the_edits_cover_every_kind_of_entry() -> None:
    assert set(EDITS) == set(ENTRY_KINDS)


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_an_edit_with_its_chain_recomputed_is_refused_by_the_digest(kind: str) -> None:
    """Each kind of entry, edited and the whole file re-chained as docs/export.md describes (so every
    line verifies): the rebuilt event differs from the header's digest, and the import says where."""
    scene, stored = every_kind()
    head = header(scene.state, 0)
    assert read_lines(write_lines(head, stored)).state.seq == scene.state.seq  # the untouched file reads
    entries, _ = edited(stored, kind)
    with pytest.raises(TranscriptError) as refused:
        read_lines(write_lines(head, entries))  # the header (and its digest) as exported
    assert refused.value.line == 1
    assert "the rebuilt event differs from the header's digest in its" in refused.value.message
    assert EDITS[kind][1] in refused.value.message.split(" in its ")[1].split(":")[0]
    assert "chain recomputed" in refused.value.message


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_an_edited_line_is_refused_naming_its_line(kind: str) -> None:
    """The same edit made in the file without recomputing the chain breaks the chain on that line."""
    scene, stored = every_kind()
    lines = list(write_lines(header(scene.state, 0), stored))
    entries, seq = edited(stored, kind)
    changed = json.loads(list(write_lines(header(scene.state, 0), entries))[seq])
    lines[seq] = json.dumps({**changed, "chain": json.loads(lines[seq])["chain"]}) + "\n"
    with pytest.raises(TranscriptError) as refused:
        read_lines(lines)
    assert refused.value.line == seq + 1
    assert refused.value.message == f"entry seq {seq} was changed after export (its chain hash does not match)"


def test_the_digest_names_the_event_the_same_after_a_round_trip() -> None:
    scene, stored = every_kind()
    rebuilt = read_lines(write_lines(header(scene.state, 0), stored))
    assert state_digest(rebuilt.state) == state_digest(scene.state) == header(scene.state, 0)["digest"]


def test_version_2_files_are_still_read_with_their_own_digest() -> None:
    """A version 2 file (its chain starts from v2, its digest leaves reactions out) still imports."""
    scene, stored = every_kind()
    head = {**header(scene.state, 0), "version": 2, "digest": state_digest(scene.state, 2)}
    del head["parts"], head["vectors"]
    chain = _Chain(scene.state.id, 2)
    lines = [json.dumps(head) + "\n"]
    from server.domain.privacy import Unlinker

    for entry in map(Unlinker(), stored):
        lines.append(json.dumps({**entry.to_dict(), "chain": chain.link(entry)}) + "\n")
    assert state_digest(read_lines(lines).state) == state_digest(scene.state)


# --- vectors -------------------------------------------------------------------------------------


def vectors_for(scene: Scene, dim: int = 8, seed: int = 3) -> list[Vector]:
    rng = np.random.default_rng(seed)
    return [Vector(i, "test-model", rng.standard_normal(dim).astype(np.float32).tobytes()) for i in scene.state.ideas]


def test_vectors_travel_bit_for_bit_but_never_for_an_erased_persons_idea() -> None:
    scene, stored = every_kind()
    kept = exportable(scene.state, vectors_for(scene))
    erased = {i.id for i in scene.state.ideas.values() if i.participant_id in scene.state.erased}
    assert erased and not erased & {v.idea_id for v in kept} and len(kept) == len(scene.state.ideas) - len(erased)
    lines = list(write_lines(header(scene.state, 0, kept), stored, kept))
    assert json.loads(lines[-1])["vector"]["dtype"] == "float32"
    assert read_lines(lines).vectors == kept


def with_vectors() -> tuple[Scene, list[Entry], list[Vector], list[str]]:
    scene, stored = every_kind()
    kept = exportable(scene.state, vectors_for(scene))
    return scene, stored, kept, list(write_lines(header(scene.state, 0, kept), stored, kept))


def test_an_edited_vector_is_refused_naming_its_line() -> None:
    _, stored, kept, lines = with_vectors()
    data = json.loads(lines[-2])
    flipped = bytearray(base64.b64decode(data["vector"]["b64"]))
    flipped[0] ^= 1
    data["vector"]["b64"] = base64.b64encode(bytes(flipped)).decode()
    lines[-2] = json.dumps(data) + "\n"
    with pytest.raises(TranscriptError) as refused:
        read_lines(lines)
    assert refused.value.line == len(lines) - 1 and "was changed after export" in refused.value.message


def test_an_edited_vector_with_its_chain_recomputed_is_refused_by_the_header() -> None:
    scene, stored, kept, lines = with_vectors()
    changed = [*kept[:-1], Vector(kept[-1].idea_id, kept[-1].model, bytes(len(kept[-1].data)))]
    with pytest.raises(TranscriptError) as refused:
        read_lines(write_lines(json.loads(lines[0]), stored, changed))
    assert refused.value.line == 1 and "the vectors differ from the header's digest" in refused.value.message


def bad_vector(scene: Scene, how: str) -> tuple[Vector, str]:
    idea = next(iter(scene.state.ideas))
    good = np.ones(8, dtype=np.float32)
    erased = next(i.id for i in scene.state.ideas.values() if i.participant_id in scene.state.erased)
    return {
        "unknown idea": (Vector("i999", "test-model", good.tobytes()), "there is no such idea in this event"),
        "erased writer": (Vector(erased, "test-model", good.tobytes()), "its writer was erased"),
        "not a number": (Vector(idea, "test-model", np.full(8, np.nan, np.float32).tobytes()), "not a finite number"),
        "odd size": (Vector(idea, "test-model", b"\x00" * 7), "has 7 bytes"),
        "another size": (Vector(idea, "test-model", np.ones(4, np.float32).tobytes()), "has 4 values where"),
    }[how]


@pytest.mark.parametrize("how", ["unknown idea", "erased writer", "not a number", "odd size", "another size"])
def test_a_wrong_vector_is_refused_naming_its_line(how: str) -> None:
    """Even with a valid chain and header (anyone can make one), a vector must belong to an idea of the
    event whose writer was not erased, and be as many finite float32 values as the model's others."""
    scene, stored = every_kind()
    kept = exportable(scene.state, vectors_for(scene))
    wrong, message = bad_vector(scene, how)
    vectors = [*(v for v in kept if v.idea_id != wrong.idea_id), wrong]
    lines = list(write_lines(header(scene.state, 0, vectors), stored, vectors))
    with pytest.raises(TranscriptError) as refused:
        read_lines(lines)
    assert refused.value.line == len(lines) and message in refused.value.message


def test_a_vector_line_among_the_entries_is_refused() -> None:
    _, _, _, lines = with_vectors()
    moved = [lines[0], lines[-1], *lines[1:-1]]
    with pytest.raises(TranscriptError) as refused:
        read_lines(moved)
    assert refused.value.line == 2 and "a vector line after 0 entries" in refused.value.message


def test_a_file_cut_among_its_vectors_is_refused() -> None:
    _, _, kept, lines = with_vectors()
    with pytest.raises(TranscriptError) as refused:
        read_lines(lines[:-2])
    assert f"truncated: the header announces {len(kept)} vectors" in refused.value.message


def test_a_named_facilitator_links_entries_import_and_a_forged_actor_does_not() -> None:
    """``facilitator:<name>`` is a transcript actor; a name with a line break in it is refused."""
    scene = Scene()
    scene.do(Actor(Role.FACILITATOR, name="Ana – co-facilitator"), type="step.push", text="Warm up")
    rebuilt = read_lines(write_lines(header(scene.state, 0), scene.entries))
    assert rebuilt.entries[-1].actor == "facilitator:Ana – co-facilitator"
    forged = [
        e if e.kind != "step.pushed" else Entry(e.event_id, e.seq, e.at, e.kind, "facilitator:A\nB", e.payload)
        for e in scene.entries
    ]
    with pytest.raises(TranscriptError) as refused:
        read_lines(write_lines(header(scene.state, 0), forged))
    assert "is not admin, facilitator, facilitator:<name> or participant:<id>" in str(refused.value)
