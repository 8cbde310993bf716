"""The heavy steps besides the register's parts, batched for Dask: candidate detection over the
press-release feed and the parsing of large C&SD payloads (flows/dask_runner.py runs them).

Without a Dask address each runs in this process exactly as before; with one, the batches are
few (tens a run) and each returns plain frames, so the run's result does not depend on where a
batch ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from flows.dask_runner import run_batches
from flows.sources.errors import SourceError
from flows.transforms.candidates import OUTPUT_SCHEMA, detect_frame

if TYPE_CHECKING:
    from flows.sources.catalog import Manifest

# Releases a detection task: 10,000 (en, zh) pairs took ~3 s here, well above a task's overhead.
DETECT_BATCH = 10_000
# Payloads from this size are parsed on a worker; smaller ones cost less to parse than to send.
BIG_PAYLOAD = 4 * 1024 * 1024

Parse = Callable[[Path, bytes, "Manifest"], pl.DataFrame]


class Landed(Protocol):
    """What parse_files needs of a landed file (flows.pipeline.LandedFile)."""

    @property
    def path(self) -> Path: ...

    @property
    def landed_path(self) -> Path: ...


def detect(pairs: pl.DataFrame, spread: str | None) -> pl.DataFrame:
    """detect_frame over the pairs; on Dask, DETECT_BATCH pairs a task (each row is detected on
    its own, so batches concatenated in order give the whole frame's rows)."""
    if spread is None or pairs.height <= DETECT_BATCH:
        return detect_frame(pairs)
    batches = [pairs.slice(start, DETECT_BATCH) for start in range(0, pairs.height, DETECT_BATCH)]
    found = run_batches(detect_frame, batches, spread, name="detect candidates")
    kept = [f for f in found if f.height]
    return pl.concat(kept, how="vertical_relaxed") if kept else pl.DataFrame(schema=OUTPUT_SCHEMA)


def parse_files(
    parse: Parse, files: Sequence[Landed], manifest: Manifest, spread: str | None
) -> Iterator[pl.DataFrame | str]:
    """Each file parsed, in order: its rows, or the SourceError message that stopped it. With
    `spread`, payloads of BIG_PAYLOAD or more are parsed on Dask, all at once, first."""
    big = [f for f in files if spread is not None and f.landed_path.stat().st_size >= BIG_PAYLOAD]
    batches = [(parse, f.path, f.landed_path.read_bytes(), manifest) for f in big]
    done = dict(
        zip(
            (f.landed_path for f in big),
            run_batches(parse_payload, batches, spread, name="parse payload"),
            strict=True,
        )
    )
    for f in files:
        if f.landed_path in done:
            yield done[f.landed_path]
        else:
            yield parse_payload((parse, f.path, f.landed_path.read_bytes(), manifest))


def parse_payload(batch: tuple[Parse, Path, bytes, Manifest]) -> pl.DataFrame | str:
    """One payload parsed: its rows, or why it could not be (a SourceError's message)."""
    parse, path, raw, manifest = batch
    try:
        return parse(path, raw, manifest)
    except SourceError as exc:
        return str(exc)
