"""What screens promise people holds in every output: anonymous ideas, private notes, secret
ballots, erasure (docs/privacy.md)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from server import exports
from server.domain.errors import Forbidden, NotFound
from server.domain.fold import fold
from server.domain.harvest import harvest
from server.domain.model import Role
from server.domain.transcript_file import TranscriptError, header, read_lines, write_lines
from server.domain.view import Viewer, redact, snapshot, wall_sees

from .helpers import FACILITATOR, Scene
from .test_capture import started
from .test_sessions import CAFE, ONE_TWO_FOUR, loaded

ORGANISER = Viewer(Role.ORGANISER)


def staff_rows(scene: Scene) -> list[dict[str, str]]:
    """The ideas CSV for staff, read back."""
    text = "".join(exports.ideas_csv(harvest(scene.state, scene.now, audience="staff")))
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def anonymous_scene() -> tuple[Scene, str]:
    scene = Scene(tables=1)
    ana = scene.join("1", name="Ana")
    scene.join("1", name="Bo")
    started(scene, "{who: each, attribution: anonymous}")
    idea_id = scene.idea(ana, "said freely").result["idea_id"]
    return scene, str(idea_id)


# --- anonymous ideas ------------------------------------------------------------------------------


def test_nobody_but_the_writer_sees_who_wrote_an_anonymous_idea() -> None:
    scene, idea_id = anonymous_scene()
    entry = scene.entries[-1]
    for viewer in (ORGANISER, Viewer(Role.FACILITATOR), Viewer(Role.WALL), Viewer(Role.PARTICIPANT, "p3")):
        shown = redact(scene.state, entry, viewer)
        assert (shown.actor, shown.payload["participant_id"], shown.payload["client_id"]) == ("participant", None, None)
        assert snapshot(scene.state, viewer)["ideas"][0]["participant_id"] is None
    own = redact(scene.state, entry, Viewer(Role.PARTICIPANT, "p2"))
    assert own.payload["participant_id"] == "p2"


def test_a_restored_anonymous_idea_does_not_name_its_writer_either() -> None:
    scene, idea_id = anonymous_scene()
    scene.do(FACILITATOR, type="idea.hide", idea_id=idea_id)
    scene.do(FACILITATOR, type="idea.restore", idea_id=idea_id)
    shown = redact(scene.state, scene.entries[-1], Viewer(Role.FACILITATOR))
    assert shown.payload["participant_id"] is None and shown.actor == "facilitator"


def test_exports_do_not_name_the_writer_of_an_anonymous_idea() -> None:
    scene, _ = anonymous_scene()
    rows = staff_rows(scene)
    assert rows[0]["author"] == "(anonymous)"
    lines = list(write_lines(header(scene.state, 0), scene.entries))
    submitted = json.loads(lines[-1])
    assert (submitted["actor"], submitted["payload"]["participant_id"]) == ("participant", None)
    assert "p2" not in lines[-1]
    rebuilt = read_lines(lines)  # and the file still verifies and rebuilds the event
    assert rebuilt.state.ideas[submitted["payload"]["idea_id"]].text == "said freely"


# --- the wall and secret ballots -----------------------------------------------------------------


def test_the_wall_gets_no_ballot_and_no_reaction_of_anyone() -> None:
    scene = Scene(tables=2)
    ana = scene.join("1")
    session = loaded(scene, CAFE.replace(", reveal: live", ""))
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "Night buses")
    for _ in range(3):
        scene.do(FACILITATOR, type="session.next", session_id=session)
    vote = scene.state.step_for("1", "participant")
    assert vote is not None and vote.options
    scene.do(ana, type="vote.cast", step_id=vote.id, ballot={vote.options[0]["id"]: 1})
    assert scene.entries[-1].kind == "vote.cast"
    assert not wall_sees(scene.state, scene.entries[-1])
    bo = scene.join("2")
    scene.push("React", react=True, collect_ideas=False)
    scene.do(bo, type="reaction.cast", idea_id=next(iter(scene.state.ideas)), value="disagree")
    assert scene.entries[-1].kind == "reaction.cast"
    assert not wall_sees(scene.state, scene.entries[-1])


def test_people_join_the_wall_without_their_names() -> None:
    scene = Scene(tables=1)
    scene.join("1", name="Ana")
    joined = scene.entries[-1]
    assert redact(scene.state, joined, Viewer(Role.WALL)).payload["name"] is None
    assert redact(scene.state, joined, ORGANISER).payload["name"] == "Ana"
    assert "participants" not in snapshot(scene.state, Viewer(Role.WALL))


# --- private notes in the report ------------------------------------------------------------------


def test_the_harvest_report_counts_private_group_and_facilitator_notes_but_never_quotes_them() -> None:
    scene = Scene(tables=1)
    people = [scene.join("1") for _ in range(4)]
    session = loaded(scene, ONE_TWO_FOUR, question="What could we do?")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(people[0], "my private worry")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(people[1], "our pair's note", client_id="c2")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(people[2], "a four's idea", client_id="c3")
    report = harvest(scene.state, scene.now)
    for text in (exports.markdown(report), exports.html(report)):
        assert "a four&#39;s idea" in text or "a four's idea" in text
        assert "private worry" not in text and "pair's note" not in text and "pair&#39;s note" not in text
        assert "1 kept private; 1 written for a group" in text
    assert report.ideas == 3 and report.unshared == 2 and report.unquoted.total == 2


# --- formula and HTML injection -------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_cells_that_start_like_a_formula_are_quoted_as_text(text: str) -> None:
    scene = Scene(tables=1)
    ana = scene.join("1", name=text)
    scene.push()
    scene.idea(ana, text)
    (row,) = staff_rows(scene)
    author, idea_text = row["author"], row["text"]
    assert author == "'" + text and idea_text == "'" + text


def test_csv_cells_that_start_with_a_tab_or_return_are_quoted_too() -> None:
    assert [exports.cell(v) for v in ("\tx", "\rx", "a=b", 3)] == ["'\tx", "'\rx", "a=b", 3]


def test_the_markdown_report_escapes_html_and_markdown_in_what_people_wrote() -> None:
    scene = Scene(tables=1)
    ana = scene.join("1", name="<img src=x onerror=alert(1)>")
    scene.push("Why *this*?")
    scene.idea(ana, "<script>alert(1)</script> and [a link](javascript:alert(1))")
    text = exports.markdown(harvest(scene.state, scene.now))
    assert "<script>" not in text and "<img" not in text and "[a link](javascript" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and \\[a link\\](javascript:alert(1))" in text
    assert "Why \\*this\\*?" in text


# --- flagging ideas a phone cannot see -----------------------------------------------------------


def test_a_phone_cannot_flag_an_idea_it_does_not_see_nor_learn_that_it_exists() -> None:
    scene = Scene(tables=2)
    ana, bo = scene.join("1"), scene.join("2")
    started(scene, "{who: each, visibility: private}")
    private = scene.idea(ana, "only for me").result["idea_id"]
    scene.do(FACILITATOR, type="theme.reveal")
    with pytest.raises(NotFound) as hidden_from_bo:
        scene.do(bo, type="theme.flag", idea_id=private)
    with pytest.raises(NotFound) as missing:
        scene.do(bo, type="theme.flag", idea_id="i999")
    assert hidden_from_bo.value.code == missing.value.code == "unknown_idea"
    assert hidden_from_bo.value.message.replace(private, "X") == missing.value.message.replace("i999", "X")
    scene.do(ana, type="theme.flag", idea_id=private)  # its writer sees it, and may


# --- erasure --------------------------------------------------------------------------------------


def erased_scene() -> tuple[Scene, list[str]]:
    scene, _ = anonymous_scene()
    ana = scene.state.participants["p2"]
    scene.push("Next")
    from server.domain.model import Actor

    scene.idea(Actor(Role.PARTICIPANT, ana.id), "Ana's second idea", client_id="c2")
    before = list(write_lines(header(scene.state, 0), scene.entries))
    return scene, before


def test_only_the_organiser_erases_a_person() -> None:
    scene, _ = erased_scene()
    with pytest.raises(Forbidden) as err:
        scene.do(FACILITATOR, type="participant.erase", participant_id="p2")
    assert err.value.code == "organiser_only"
    from server.domain.model import Actor

    with pytest.raises(NotFound):
        scene.do(Actor(Role.ORGANISER), type="participant.erase", participant_id="p99")


def test_an_erased_person_is_gone_from_the_state_and_the_transcript_still_verifies() -> None:
    from server.domain.model import Actor
    from server.domain.privacy import erase_all

    scene, before = erased_scene()
    scene.do(Actor(Role.ORGANISER), type="participant.erase", participant_id="p2")
    assert scene.state.participants["p2"].name is None
    # her anonymous idea stays: nothing links it to her, and changing it would
    assert [i.text for i in scene.state.ideas.values()] == ["said freely", "(erased)"]
    # storage rewrites the earlier entries the same way; the exported file then holds no text of Ana's
    rewritten = {e.seq: e for e in erase_all(scene.entries, "p2")}
    stored = [rewritten.get(e.seq, e) for e in scene.entries]
    after = list(write_lines(header(scene.state, 0), stored))
    assert "Ana" not in "".join(after)
    anonymous = next(line for line in after if '"said freely"' in line)
    assert '"p2"' not in anonymous and "participant:p2" not in anonymous
    rebuilt = read_lines(after)
    assert rebuilt.state.participants["p2"].name is None
    # the chain over the entries both files share is the same: the erasure only replaced texts
    chains = [json.loads(line)["chain"] for line in before[1:]]
    assert [json.loads(line)["chain"] for line in after[1 : len(before)]] == chains
    assert fold("ev1", stored).ideas == scene.state.ideas


def test_an_edited_text_still_breaks_the_chain() -> None:
    scene, before = erased_scene()
    lines = [line.replace("Ana's second idea", "Someone else's idea") for line in before]
    with pytest.raises(TranscriptError, match="changed after export"):
        read_lines(lines)


def test_a_changed_text_passed_off_as_erased_still_breaks_the_chain() -> None:
    from server.domain.privacy import text_hash

    _, before = erased_scene()
    forged = []
    for line in before:
        data = json.loads(line)
        if data.get("payload", {}).get("text") == "Ana's second idea":  # a new text, claiming the old one's hash
            data["payload"] |= {"text": "Something else", "erased": {"text": text_hash("Ana's second idea")}}
        forged.append(json.dumps(data) + "\n")
    with pytest.raises(TranscriptError, match="changed after export"):
        read_lines(forged)


def test_version_1_files_are_still_read() -> None:
    import hashlib

    from server.domain.digest import canonical, state_digest

    scene, _ = anonymous_scene()
    head = {**header(scene.state, 0), "version": 1, "digest": state_digest(scene.state, 1)}
    chain = hashlib.sha256(f"wholeroom-transcript:v1:{scene.state.id}".encode()).hexdigest()
    lines = [json.dumps(head) + "\n"]
    for entry in scene.entries:
        chain = hashlib.sha256(chain.encode() + canonical(entry.to_dict())).hexdigest()
        lines.append(json.dumps({**entry.to_dict(), "chain": chain}) + "\n")
    assert read_lines(lines).state.ideas == scene.state.ideas


def test_a_removed_person_can_still_be_erased() -> None:
    from server.domain.model import Actor

    scene, _ = erased_scene()
    scene.do(FACILITATOR, type="participant.remove", participant_id="p2", ideas="keep")
    scene.do(Actor(Role.ORGANISER), type="participant.erase", participant_id="p2")
    assert scene.state.person("p2").name is None
    assert [i.text for i in scene.state.ideas.values()] == ["said freely", "(erased)"]
    rows = staff_rows(scene)
    assert [(r["author"], r["text"]) for r in rows] == [("(anonymous)", "said freely")]  # the erased idea is gone
