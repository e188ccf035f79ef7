"""``wholeroom export`` and ``wholeroom import transcript``: the transcript in and out of a database."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import click

from . import exports
from .domain.fold import apply
from .domain.harvest import AUDIENCES, harvest
from .domain.model import Entry, EventState
from .domain.transcript_file import Rebuilt, TranscriptError, read_lines
from .events import STAFF_TOKEN_ROLES
from .hub.theming import event_vector_key, themable
from .security import hash_token, new_token
from .storage.store import Store, iter_all
from .storage.tables import TokenRow

PROGRESS_OVER = 5_000  # entries; a progress bar below this would only flicker


def load_state(store: Store, event_id: str, *, progress: bool = False) -> tuple[EventState, list[Entry]]:
    """Fold an event from the database; a progress bar on standard error for long transcripts."""
    total = store.last_seq(event_id)
    if total is None:
        raise click.ClickException(f"there is no event {event_id!r} (see `wholeroom event list`)")
    state, entries = EventState(id=event_id), []
    source = iter_all(store, event_id)
    with click.progressbar(
        source, length=total, label="Reading", file=sys.stderr, hidden=not progress or total < PROGRESS_OVER
    ) as bar:
        for entry in bar:
            apply(state, entry)
            entries.append(entry)
    return state, entries


def export_lines(
    store: Store,
    event_id: str,
    fmt: str,
    csv_table: str,
    *,
    audience: str | None = None,
    encoder: str | None = None,
    progress: bool,
    with_vectors: bool = True,
) -> Iterator[str] | bytes:
    """An export's text, line by line (or the workbook's bytes, for xlsx). ``audience``: shared or
    staff; by default shared for the reports (md, html), staff for the data files (csv, xlsx).
    ``encoder``: the server's themes model (None: themes are off); the event's own setting
    (``themes_encoder``) says whose stored vectors group its ideas. A ``jsonl``
    transcript carries the ideas' vectors unless ``with_vectors`` is false."""
    state, entries = load_state(store, event_id, progress=progress)
    last_at = entries[-1].at if entries else state.created_at
    if fmt == "jsonl":
        kept = store.all_vectors(event_id) if with_vectors else []
        return exports.transcript(state, entries, int(time.time() * 1000), kept)
    chosen = audience or exports.default_audience(fmt)
    if chosen not in AUDIENCES:
        raise click.ClickException(f"the audience is shared or staff, not {chosen!r}")
    if fmt == "csv" and csv_table == "reactions" and chosen != "staff":
        raise click.ClickException("the reactions file lists each person's answers: it is for staff (--audience staff)")
    vectors = store.vectors(event_id, event_vector_key(state, encoder)) if encoder else None
    theme_map, note = exports.themes_for(state, vectors)
    report = harvest(
        state,
        last_at,
        audience="staff" if chosen == "staff" else "shared",
        themes=theme_map,
        themes_note=note,
        ground=exports.ground_for(state),
    )
    if fmt == "xlsx":
        return exports.xlsx(report)
    if fmt == "csv":
        return exports.reactions_csv(report) if csv_table == "reactions" else exports.ideas_csv(report)
    return iter([exports.markdown(report) if fmt == "md" else exports.html(report)])


def write_out(lines: Iterator[str], output: IO[str]) -> None:
    for line in lines:
        output.write(line)


class ImportedTranscript(NamedTuple):
    event_id: str
    tokens: dict[str, str]  # staff role -> its new link's token
    digest: str
    vectors: str  # what became of the themes' vectors, in a sentence


def import_transcript(
    store: Store, path: Path, *, encoder: str | None = None, progress: bool = True
) -> ImportedTranscript:
    """Check the file completely, then write the event (and the ideas' vectors) in one transaction.
    ``encoder``: the model this server's themes use (the event's ``themes_encoder`` may choose the
    multilingual one instead), to say whether the file's vectors serve them."""
    size = path.stat().st_size
    with (
        path.open(encoding="utf-8", newline="") as handle,
        click.progressbar(
            length=size, label="Checking", file=sys.stderr, hidden=not progress or size < 1_000_000
        ) as bar,
    ):

        def lines() -> Iterator[str]:
            for line in handle:
                bar.update(len(line.encode()))
                yield line

        try:
            rebuilt = read_lines(lines())
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from None
        except TranscriptError as exc:
            raise click.ClickException(f"{path}: {exc}; nothing was imported") from None
    event_id = rebuilt.header["event_id"]
    if store.last_seq(event_id) is not None:
        raise click.ClickException(f"event {event_id} already exists in this database; nothing was imported")
    if store.event_by_code(rebuilt.state.join_code) is not None:
        raise click.ClickException(f"join code {rebuilt.state.join_code} is taken here; nothing was imported")
    now = int(time.time() * 1000)
    tokens = {role.value: new_token() for role in STAFF_TOKEN_ROLES}
    rows = [TokenRow(hash=hash_token(t), event_id=event_id, role=r, created_at=now) for r, t in tokens.items()]
    vectors = [(v.idea_id, v.model, v.data) for v in rebuilt.vectors]
    store.create_event(rebuilt.entries[0], rows, rest=rebuilt.entries[1:], vectors=vectors)
    return ImportedTranscript(
        event_id,
        tokens,
        rebuilt.header["digest"],
        vectors_note(rebuilt, event_vector_key(rebuilt.state, encoder) if encoder else None),
    )


def vectors_note(rebuilt: Rebuilt, encoder: str | None) -> str:
    """Whether the imported event's themes are computed from the exported vectors, in a sentence."""
    models = sorted({v.model for v in rebuilt.vectors})
    if encoder is not None and encoder not in models:
        made = f"the file's vectors were made with {', '.join(models)}" if models else "the file has no vectors"
        return (
            f"{made} and this server embeds with {encoder}: it will embed the ideas again when the event opens "
            "(themes may group differently from the original)"
        )
    if not models:
        return "the file has no vectors: the ideas will be embedded again when the event opens"
    model = encoder or models[0]
    covered = {v.idea_id for v in rebuilt.vectors if v.model == model}
    missing = sum(1 for i in rebuilt.state.ideas.values() if themable(i) and i.id not in covered)
    note = f"{len(covered):,} vectors ({model}) kept: themes are computed from the same vectors as before the export"
    return note + (f"; {missing:,} ideas had none and will be embedded when the event opens" if missing else "")


def import_polis(store: Store, folder: Path, title: str | None, *, progress: bool = True) -> tuple[Any, dict[str, str]]:
    """Read a Pol.is export, turn it into entries and write the new event in one transaction."""
    from .events import new_event_id_and_code
    from .polis_import import PolisImportError, load_polis_export
    from .polis_transcript import polis_entries

    try:
        export = load_polis_export(folder)
    except PolisImportError as exc:
        raise click.ClickException(f"{folder}: {exc}; nothing was imported") from None
    event_id, code = new_event_id_and_code(store)
    total = len(export.comments) + len(export.votes)
    with click.progressbar(
        length=total, label="Importing", file=sys.stderr, hidden=not progress or total < PROGRESS_OVER
    ) as bar:
        try:
            imported = polis_entries(export, event_id, code, int(time.time() * 1000), title, progress=bar.update)
        except PolisImportError as exc:
            raise click.ClickException(f"{folder}: {exc}; nothing was imported") from None
    now = int(time.time() * 1000)
    tokens = {role.value: new_token() for role in STAFF_TOKEN_ROLES}
    rows = [TokenRow(hash=hash_token(t), event_id=event_id, role=r, created_at=now) for r, t in tokens.items()]
    store.create_event(imported.entries[0], rows, rest=imported.entries[1:])
    return imported, tokens
