"""Exporting and importing a large event with its ideas' vectors: file size and time.

    python -m bench.transcript [--entries 20000] [--dim 640] [--quick]

Builds the replay bench's synthetic event (2,000 people at 200 tables, mostly ideas), gives every
idea a random unit vector of ``--dim`` float32 (640: the default encoder), stores it all in a
SQLite file, then runs what `wholeroom export --format jsonl` and `wholeroom import transcript` run,
with and without the vectors (``--no-vectors``).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from bench.replay import synthetic
from server.encoders.encoder import DEFAULT_ENCODER, vector_key
from server.settings import Settings
from server.storage.store import Store
from server.transcript_cli import export_lines, import_transcript, write_out
from server.web.app import open_store

T = TypeVar("T")
MODEL = vector_key(DEFAULT_ENCODER)  # as the server keeps vectors


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work()``, its wall time and its CPU time (s)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def export_to(store: Store, event_id: str, path: Path, with_vectors: bool) -> None:
    lines = export_lines(store, event_id, "jsonl", "ideas", progress=False, with_vectors=with_vectors)
    assert not isinstance(lines, bytes)
    with path.open("w", encoding="utf-8") as handle:
        write_out(lines, handle)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Transcript export and import with vectors")
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=640, help="floats per vector")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries = 3_000
    entries = synthetic(args.entries)
    ideas = [e.payload["idea_id"] for e in entries if e.kind == "idea.submitted"]
    rng = np.random.default_rng(1)
    raw = rng.standard_normal((len(ideas), args.dim)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    vectors = [(idea_id, MODEL, row.tobytes()) for idea_id, row in zip(ideas, raw, strict=True)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = open_store(Settings(database_url=f"sqlite:///{root}/source.db", sqlite_synchronous="NORMAL"))
        source.create_event(entries[0], [], rest=entries[1:], vectors=vectors)
        print(f"transcript: {len(entries):,} entries, {len(ideas):,} ideas with a {args.dim}-float vector each")
        sizes = {}
        for with_vectors in (True, False):
            name = "with vectors" if with_vectors else "--no-vectors"
            path = root / f"{with_vectors}.jsonl"
            _, wall, cpu = timed(lambda p=path, w=with_vectors: export_to(source, "bench", p, w))  # type: ignore[misc]
            sizes[with_vectors] = path.stat().st_size
            target = open_store(
                Settings(database_url=f"sqlite:///{root}/{with_vectors}.db", sqlite_synchronous="NORMAL")
            )
            imported, in_wall, in_cpu = timed(
                lambda p=path, t=target: import_transcript(t, p, encoder=MODEL, progress=False)
            )  # type: ignore[misc]
            assert len(target.vectors("bench", MODEL)) == (len(ideas) if with_vectors else 0), imported.vectors
            print(
                f"  {name}: file {sizes[with_vectors] / 1e6:.1f} MB; export {wall:.2f} s ({cpu:.2f} s CPU), "
                f"import (check all, then write) {in_wall:.2f} s ({in_cpu:.2f} s CPU)"
            )
        extra = (sizes[True] - sizes[False]) / len(ideas)
        print(f"  the vectors add {extra:,.0f} bytes per idea ({args.dim * 4:,} bytes of floats, base64 and the chain)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
