"""The event's language in its transcript: ``event.created`` carries it when it is not English, the
organiser's change is an ``event.language_set`` entry that the fold, the digest, replay and the
staff screens read; an English event's entries, digest and export are what they were before."""

from __future__ import annotations

import hashlib

import pytest

from server.domain.commands import create_event, set_event_language
from server.domain.digest import digest_parts, state_digest
from server.domain.entry_check import check_entry
from server.domain.errors import DomainError, Forbidden, Invalid
from server.domain.fold import fold
from server.domain.model import Actor, Entry, Role
from server.domain.replay import Replay
from server.domain.transcript_file import header, read_lines, write_lines
from server.domain.view import Viewer, snapshot, visible

from .helpers import FACILITATOR, T0, Scene

ORGANISER = Actor(Role.ORGANISER)


def small_event(scene: Scene) -> None:
    ana = scene.join("1", "Ana")
    scene.push("What matters?")
    scene.idea(ana, "Night buses")
    scene.do(FACILITATOR, type="event.close")


def exported(scene: Scene) -> str:
    return "".join(
        f"{line.rstrip(chr(10))}\n" for line in write_lines(header(scene.state, T0 + 100_000), scene.entries)
    )


def test_an_english_event_is_digested_and_exported_as_before() -> None:
    """The digest and the export bytes of a small English event, as the server made them before the
    language was kept in the transcript (computed on the commit before it)."""
    scene = Scene(tables=2)
    small_event(scene)
    assert "language" not in scene.entries[0].payload
    assert "language" not in digest_parts(scene.state)["event"]
    assert state_digest(scene.state) == "sha256:cf5f4e05f667fa1205531893fdf2e93d3f911431935966bb9f1ab25dc0c515de"
    assert hashlib.sha256(exported(scene).encode()).hexdigest() == (
        "79b2b393ad81cfdf078848e9e0658a16847a6dafde71f6ebaf0612f48b4ed274"
    )


def test_the_first_entry_carries_a_language_other_than_english() -> None:
    first = create_event("ev1", "Plaza", ["Mesa 1"], "ACDEFG", T0, language="es")
    assert first.payload["language"] == "es"
    assert fold("ev1", [first]).language == "es"
    english = create_event("ev1", "Plaza", ["Table 1"], "ACDEFG", T0, language="en")
    assert "language" not in english.payload and fold("ev1", [english]).language == "en"
    with pytest.raises(Invalid) as refused:
        create_event("ev1", "Plaza", ["Table 1"], "ACDEFG", T0, language="fr")
    assert refused.value.code == "bad_language" and refused.value.field == "language"


def test_the_organiser_changes_the_language_in_an_entry() -> None:
    scene = Scene()
    before = state_digest(scene.state)
    outcome = scene.run(set_event_language(scene.state, ORGANISER, "ar", T0 + 1))
    assert [(e.kind, e.actor, e.payload) for e in outcome.entries] == [
        ("event.language_set", "organiser", {"language": "ar"})
    ]
    assert scene.state.language == "ar"
    assert snapshot(scene.state, Viewer(Role.WALL))["event"]["language"] == "ar"
    assert digest_parts(scene.state)["event"]["language"] == "ar" and state_digest(scene.state) != before
    # the same language again records nothing
    again = set_event_language(scene.state, ORGANISER, "ar", T0 + 2)
    assert again.entries == [] and again.result == {"language": "ar", "unchanged": True}
    # back to English: an entry, and the digest says so
    scene.run(set_event_language(scene.state, ORGANISER, "en", T0 + 3))
    assert scene.state.language == "en" and "language" not in digest_parts(scene.state)["event"]


@pytest.mark.parametrize(
    ("actor", "language", "error", "code"),
    [
        (ORGANISER, "fr", Invalid, "bad_language"),
        (ORGANISER, "", Invalid, "bad_language"),
        (ORGANISER, "ES", Invalid, "bad_language"),
        (FACILITATOR, "es", Forbidden, "organiser_only"),
        (Actor(Role.WALL), "es", Forbidden, "organiser_only"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(
    actor: Actor, language: str, error: type[DomainError], code: str
) -> None:
    scene = Scene()
    seq, digest = scene.state.seq, state_digest(scene.state)
    with pytest.raises(error) as refused:
        set_event_language(scene.state, actor, language, T0 + 1)
    assert refused.value.code == code
    assert (scene.state.seq, state_digest(scene.state), scene.state.language) == (seq, digest, "en")


def test_the_staff_screens_see_the_change_and_phones_do_not() -> None:
    scene = Scene()
    ana = scene.join("1", "Ana")
    (entry,) = scene.run(set_event_language(scene.state, ORGANISER, "pl", T0 + 1)).entries
    assert visible(scene.state, entry, Viewer(Role.WALL))
    assert visible(scene.state, entry, Viewer(Role.FACILITATOR))
    assert visible(scene.state, entry, Viewer(Role.ORGANISER))
    assert not visible(scene.state, entry, Viewer(Role.PARTICIPANT, ana.participant_id))


def test_replay_knows_the_language_at_each_moment() -> None:
    scene = Scene()
    small_event(scene)
    changed = scene.run(set_event_language(scene.state, ORGANISER, "es", scene.now + 1)).entries[0].seq
    replay = Replay("ev1")
    replay.extend(scene.entries)
    assert replay.state_at(changed - 1).language == "en"
    assert replay.state_at(changed).language == "es"


def test_a_transcript_keeps_the_language_through_export_and_import() -> None:
    scene = Scene()
    small_event(scene)
    scene.run(set_event_language(scene.state, ORGANISER, "es", scene.now + 1))
    rebuilt = read_lines(exported(scene).splitlines())
    assert rebuilt.state.language == "es"
    assert state_digest(rebuilt.state) == state_digest(scene.state)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("event.language_set", {"language": "fr"}),
        ("event.language_set", {}),
        (
            "event.created",
            {"title": "T", "join_code": "ACDEFG", "tables": [{"id": "1", "name": "A"}], "language": "xx"},
        ),
    ],
)
def test_an_imported_entry_with_an_unknown_language_is_refused(kind: str, payload: dict[str, object]) -> None:
    seq = 1 if kind == "event.created" else 2
    with pytest.raises(Invalid) as refused:
        check_entry(Entry("ev1", seq, T0, kind, "organiser", payload))
    assert "language" in str(refused.value)
