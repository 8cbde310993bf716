"""BENCHMARKS.md's note on issue 21's lean register path: what changed, how measured."""

from __future__ import annotations

LEAN_NOTES = """\
## Issue 21, lean register path: what changed and what it measured (Dec 5 2026)

Measured on a machine shared with up to seven agents' test runs (load average 4-14 on 2 cores):
wall seconds were inflated up to 30x, so the choices below were made on **CPU seconds** of the
process (`time.process_time`, every thread), each alternative run in the same session.

- **Exports** (the largest line of the 1M profile, 10.1 s): each file sorted by its own ORDER BY
  (CSV, then Parquet) became one sort into the Parquet and the CSV read back from it. Both 1M-row
  exports (largest_commitments 990,012 rows, commitment_counted 940,766 rows) took 9.9 and 9.2 s
  of CPU the old way, 7.2 and 7.9 s the new way; the CSVs are byte-identical and the Parquet
  rows equal. DuckDB's CSV writer does not keep its input's order (138-164 rows out of place at
  1M) unless told to (`PRESERVE_ORDER true`), which a test now checks at 400,000 rows. Parquet
  codecs (snappy, zstd, lz4, none: 5.5, 6.7, 4.5, 5.1 s wall on one contended run) were left at
  DuckDB's default; CSV stays for every mart a spreadsheet opens, as documented.
- **Exports rewritten only when their mart changed**: `meta.mart_refresh.content_hash` (row count
  and the sum of the rows' hashes, 0.1-0.2 s of CPU per 1M-row mart) and
  `reports/latest/exports.json` (content, the COPY recipe, the files' sizes). A cold load writes
  every export; a run that changes some marts rewrites only theirs.
- **GX Data Docs beside the exports**: the GX import (2.7 s in the 1M profile) and its renderers
  run in a thread while DuckDB writes the exports (which releases the GIL); nightly passes the
  outcomes, their GX results are built in that thread.
- **Official sources**: a first load into an empty table skips the EXCEPT count and the grain's
  anti-join (C&SD load 7.1 to 5.1 s of CPU, measured by the earlier attempt). The C&SD payload
  (145.7 MB, 1M points) is still parsed by jiter: re-measured here, the whole parse took 1.45 s of
  CPU (1.43 s with the cyclic GC on, 1.20 s with it paused, now `flows.frames.gc_paused`), against
  2.48 s for polars' `read_json` and 6.72 s for DuckDB's `read_json` + `unnest` only to read the
  records (before any of the parser's checks and derivations). The schema report's key scan
  takes each distinct record shape once (0.96 s against 3.24 s key by key).
- **Progress** (`flows/progress.py`): every nightly step, register part, mart and export reports
  rows and rate (a rich display on a terminal, a log line under Prefect or CI) and says it is
  still running after 30 s of silence.

**The 1M benchmark on 9cf49cd** (the 1M section below, one repeat, 2026-12-05 06:04-06:13 UTC, load
average 4.3-7.0 at the start, on an AMD EPYC where the earlier 1M run had a quiet Intel Xeon):
hkam register cold 98.95 s wall against dlt scd2 16.25 s (x6.09) and the SQL peer 15.73 s
(x6.29): **both issue-21 targets missed**; naive / hkam cold 0.66 (target 1.5, missed); peak
RSS 1,728 MB, no-change 5.12 s against an import floor of 6.81 s and worst mart p95 99.7 ms
(met, the p95 only just, on the busy machine). Wall seconds only half count here: hkam register
cold got 52% of a core on average (user 43.4 s + sys 8.1 s of CPU), the peers 72-77%. In CPU
seconds hkam register cold took 51.4 s against dlt scd2's 11.8 s (x4.4) and the SQL peer's
12.1 s (x4.3); on f76bd71 it took 46.2 s against 12.8 s and 13.2 s (x3.6, x3.5). The difference
is mostly a step that was not there then: **"propose status changes"** (issue 24, merged today)
took 9.7 s of the run's 93 s flow in the benchmark and 12.3 s in the profile below; on a register
that changed it reads every known release against every commitment
(`flows/status_proposals.py` `known_commitments`, a Python list comprehension over the 1M
current commitments).

**Profile of the same commit** (py-spy at 20 Hz, `hkam run` on the 1M register-only snapshot,
2,725 samples across all threads; polars' own threads are not sampled, so the register parts
are under-counted; flow steps: read 10.9 s, validate and transform 16.6 s, load 7.7 s, propose
status changes 12.3 s, marts 15.6 s, reports and exports 17.8 s): imports 22.6% of samples
(Prefect, GX, polars, DuckDB; GX's 8.0% now in the Data Docs thread), marts 10.5% (the mart SQL,
largest_commitments 6.7 s of 15.6 s), propose status changes 9.5%, exports 8.8% (the two 1M-row
marts, 8 s each on the busy machine), the register parts 8.5%, GX Data Docs 8.4% (GX result
objects and rendering, beside the exports), reading the register 7.6%, the SCD-2 merge 6.3%.
What limits hkam against the peers: it writes the rows more often (raw, staged parts, history,
two commitment-grain marts, their CSV and Parquet exports) and pays the import floor (6.8 s here)
and the reports, where dlt writes once and the SQL peer writes raw, staged and history.

Not done: the register's parts (validate and transform, the largest remaining register cost at
5.65 s in the 1M profile) are being moved by the Dask work (`flows/register_parts.py`), so
`flows/register_steps.py` was left alone; the marts (3.6 s) and the SCD-2 merge (2.1 s) are one
write of the rows each.
"""
