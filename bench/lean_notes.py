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

**Second pass, Dec 5 2026 08:05-09:55 UTC** (baseline first, then each change measured on a quiet
machine, load average 1-2 unless said). Baseline on main f46ee85, hkam register cold at 1M (the
benchmark's own command, one run): 31.6 s wall and 44.8 s of CPU at load 1.4 (47.1 s wall at load
3-4); flow steps: read 2.8 s, validate and transform 5.6 s, load 2.0 s, **propose status changes
5.0 s**, marts 3.7 s, reports and exports ~7 s (the two 1M-row exports 3.1 + 3.2 s), and ~4 s
of Python, Prefect and imports before the flow starts.

- **Status proposals** (`flows/status_proposals.py`): a cold load has no release read before,
  yet the step built the 1M changed commitments' names in Python (7.5 s for no release at all);
  with earlier releases, it took 20.5 s for 24 of them. Now no release means no register read,
  and the run's companies are taken as distinct (company_name, company_id) groups in SQL,
  narrowed by the releases' words and Chinese characters (found by polars; the same hints the
  new-release path already used), so Python builds names only for companies a release may name:
  0.0002 s and 1.9 s (busy machine) for the same two cases; the step takes 0.27-0.31 s in a cold
  1M run. Same proposals: tests/unit/test_status_proposals.py, test_status.py, the review cycle.
- **Validation**: a part's column checks are one polars `select` (the masks evaluated side by
  side) instead of one pass over the frame per check: 0.59-0.70 s to 0.39 s wall per 125,000-row
  part on a busy machine (CPU 0.15 s either way); every check still runs on every row.
- **Tried and reverted** (measured on the quiet machine): numbering the register's lines by
  `row_number() OVER ()` while reading, to drop the UPDATE that writes `line` for every row: 3.0 s
  against 1.8-2.1 s wall at 1M, since the window runs the CSV read in one thread (less CPU, more
  wall on 2 cores); and the two 1M-row exports each in a thread: 6.6 s each side by side against
  3.1 + 3.2 s one after the other (DuckDB already uses both cores).

Where things run, and why: the domain transforms (dates, FX by month, sectors by label, company
names, the amount cross-check on distinct texts) stay in polars on each part; the set logic
(reading and numbering the CSV, uniqueness over the whole register, the SCD-2 merge by content
hash, the marts, the exports) stays in DuckDB SQL; the status step now asks SQL for distinct
names first and keeps Python for the sentence matching, whose rules are regular expressions.

**The benchmark on 3171c78** (`make bench ROWS=1000000 REPEAT=1` then `ROWS=10000000`, the
sections below; the 10M one had other sessions' tests beside it for its first ten minutes):

| seconds (CPU s) | 1M | 10M |
| --- | ---: | ---: |
| floor | 2.13 (3.1) | 38.88 (31.5) |
| hkam register cold | 25.61 (39.3) | 219.91 (332.9) |
| dlt scd2 | 7.86 (11.2) | 62.90 (97.9) |
| sql peer | 7.82 (11.7) | 87.80 (138.5) |
| import floor | 5.16 | 4.95 |
| hkam cold / naive | 39.98 / 42.53 | 532.76 / 595.28 |
| register cold / dlt scd2 (target ≤ 1) | 3.26 missed | 3.50 missed |
| register cold / sql peer (target ≤ 1.5) | 3.28 missed | 2.50 missed |
| (register cold − import floor) / floor (target ≤ 3 at 10M) | 9.6 | 5.53 missed |
| naive / hkam cold (target ≥ 1.5 at 1M, ≥ 4 at 10M) | 1.06 missed | 1.12 missed |
| peak RSS MB (≤ 3,000) | 1,761 met | 2,242 met |
| no-change s (≤ import floor + 3) | 2.73 met | 4.12 met |
| worst mart p95 ms (≤ 100) | 24.8 met | 35.8 met |

delta_publish_s at 10M (issue 23): 60.7 s. The 10M register cold run's steps: land 8.4 s, read
58.3 s, validate and transform 58.4 s, load 23.8 s, propose status changes 1.8 s, marts 39.9 s,
then reports and exports (flow 215.8 s).

**Profile** (py-spy at 50 Hz, `python bench/profile.py --rows 1000000 --register-only`, on 23d200f,
the pipeline of 3171c78 but with the threaded exports reverted since; 2,910 samples,
bench/results/profile_1m_register.*): exports 25.7% of samples, imports 24.5% (Great
Expectations' import in the Data Docs thread alone 21.5%), marts 12.6%, the register parts 9.4%,
the SCD-2 merge 6.7%, reading the register 2.9%, propose status changes under 1%. What
limits hkam against the peers at 1M on a quiet machine (25.6 s against 7.9 s and 7.8 s): the
import floor alone is 5.2 s (the peers import less), Great Expectations' import for the Data
Docs (2.5-2.8 s of CPU, one monolithic package) runs beside the exports, the two 1M-row exports
(CSV and Parquet of largest_commitments and commitment_counted, ~6 s) and the marts (~3.6 s:
largest_commitments, its commitment_counted copy, the 1.7M-row investment_phased) are writes the
peers do not make; raw, staged parts and history are the three writes the issue allows. Cutting
further means fewer outputs per run (exports and Data Docs on demand, commitment_counted as a
view), which changes what a run delivers and was left for a decision.

**Third pass, Dec 5 2026 18:07-19:30 UTC** (a quiet machine, load average under 1.5, nothing
else running; hand runs of `hkam run` on the 1M snapshots against a standing Prefect server,
`/usr/bin/time`, then the benchmark):

- **Exports**: a mart gets a CSV only where Excel, LibreOffice Calc and Google Sheets all open it
  whole: at most 1,048,575 rows (the header makes 1,048,576) and 10 million cells (Google
  Sheets' limit), else Parquet only, in stored order, as the page says. The two commitment marts
  have 29 columns, so from 344,827 rows their 279 MB CSVs (1.1 s each alone, 2.0-2.2 s with
  their sort in a run, and a file no common spreadsheet opens) are no longer written;
  `hkam sql ... --format csv` writes one on demand. 1M
  register cold: reports and exports 7.6 s to 4.4 s (exports 6.8 s to 2.6 s), the run 27.3 s to
  22.9 s wall. Measured on the kept warehouse: largest_commitments' Parquet 0.84 s in stored
  order, 1.15 s sorted by rank, the CSV from it 1.12 s. No change at 10M, where both were
  Parquet only already.
- **Status proposals with a large feed** (hkam cold, a 100,000-release feed, 300,000
  sentences): each sentence was searched with all 41 status patterns (6.9M `finditer` calls,
  6.6 s of the run); now each sentence's matching form is searched for one combined pattern of
  its language, all at once by polars, and only the sentences found are read by the patterns (a
  test checks on every real fixture sentence that polars and Python's `re` agree). The step took
  6.6 s, then 2.0 s with a combined search per sentence in Python, then 0.68 s (benchmark on
  bb7b696) with both languages' patterns in one polars search, and 0.76 s with one pattern per
  language (benchmark on 4926e99, below). The last change came from reading the change again:
  with both languages in one pattern, every English search carried the Chinese alternatives, and
  79,120 real sentences (the fixtures' sentences and full texts, 80 times over) took 4.9 s, more
  than reading each with the patterns alone (1.4 s for 30,000); per language they take 1.4 s,
  while the synthetic feed's short sentences barely notice (0.61 s against 0.53 s).
- **Tried and not kept**: GX imported in a background thread from the start of the run, so the
  Data Docs thread would not wait for it at the end: reports 4.4 s to 2.2 s, but the steps before
  slowed by as much (the import holds the GIL and the machine has 2 cores): 22.4 and 23.6 s
  against 21.6 and 23.9 s without. Larger register parts (250,000 and 500,000 rows):
  validate and transform 5.5 s to 6.6 and 8.5 s. Narrowing a cold run's new releases by every
  registered company's name keys, as the run's changed companies already are: 2.8 s to 28.7 s
  (each of 9,988 companies' name variants built in Python).
- **Where the 1M register cold run goes now** (hand run, 22.9 s wall, 36 s of CPU against dlt
  scd2's ~11 s): 3.3 s of Python, imports and Prefect before the flow; 0.7 s official sources
  and landing; read 2.9 s (the floor's CSV read alone is 1.9-2.0 s); validate and transform 5.5 s
  (8 parts of 125,000 rows on two threads, 7.7 s of CPU: per part 0.18 s fetched from DuckDB,
  0.26 s staged by polars, 0.13 s validated, 0.14 s written as Parquet, the rest the quarantine,
  names and samples); load 2.0 s; status 0.3 s; marts 3.5 s (largest_commitments 1.5 s, its
  commitment_counted copy 0.9 s, investment_phased 0.7 s); reports and exports 4.4 s (the two
  1M-row Parquet exports 2.6 s, GX Data Docs beside them).

**The benchmark, third pass** (`make bench ROWS=1000000` with three repeats on 4926e99, the status
search per language; `ROWS=10000000` with one repeat on 054fd98, before the polars search of the
status step, which a 10M register cold run spends 1.9 s in; a quiet machine; the sections below):

| seconds | 1M | 10M |
| --- | ---: | ---: |
| floor | 2.18 | 15.15 |
| hkam register cold | 23.74 | 168.86 |
| dlt scd2 | 7.61 | 58.61 |
| sql peer | 7.68 | 80.26 |
| import floor | 4.44 | 4.73 |
| hkam cold / naive | 30.87 / 52.51 | 175.46 / 400.19 |
| register cold / dlt scd2 (target ≤ 1) | 3.12 missed | 2.88 missed |
| register cold / sql peer (target ≤ 1.5) | 3.09 missed | 2.10 missed |
| (register cold − import floor) / floor (target ≤ 3 at 10M) | 8.85 | 10.83 missed |
| naive / hkam cold (target ≥ 1.5 at 1M, ≥ 4 at 10M) | 1.70 met, narrowly | 2.28 missed |
| peak RSS MB (≤ 3,000) | 1,776 met | 2,318 met |
| no-change s (≤ import floor + 3) | 3.08 met | 2.88 met |
| worst mart p95 ms (≤ 100) | 12.6 met | 35.1 met |

naive / hkam cold at 1M is met on the medians but not with room: naive took 48.4, 52.5 and 53.0 s
across the repeats here, 41.1 to 49.7 s in the run on bb7b696 before (ratio 1.57) and 41.7 s on
054fd98 (1.32, the status step still in Python); with naive's fastest run of the day, 41.1 s, it
would read 1.33. The status step took 0.76 s of the 1M cold run here. At 10M the floor ran 2.6
times faster than in the benchmark on 3171c78 (15.1 s against 38.9 s, then beside other sessions'
tests) and hkam 1.3 times (168.9 s against 219.9 s), so the floor ratio reads worse (10.8 against
5.5) on faster code. The 10M register cold run's steps: land 3.5 s, read 27.3 s, validate and
transform 48.6 s, load 21.4 s, propose status changes 1.9 s, marts 38.4 s, then reports and
exports (flow 165.5 s; the two 10M-row Parquet exports most of the last ~24 s).

**Profile of the same commit** (py-spy at 50 Hz, `python bench/profile.py --rows 1000000
--register-only` on 4926e99; 1,388 samples, bench/results/profile_1m_register.*): imports 22.0%
of samples (Prefect, polars, DuckDB, and Great Expectations for the Data Docs), marts 12.9%,
the register parts 11.4%, reading the register 10.9%, reports 10.8% (exports 8.6%), the SCD-2
merge 8.9%. **What limits hkam against the peers.** At 10M the register's own three writes are
slower than either peer's whole load: reading 27.3 s, validating and staging 48.6 s and merging
21.4 s come to 97.3 s, against dlt scd2's 58.6 s and the SQL peer's 80.3 s. The marts (38.4 s)
and the two commitment-grain Parquet exports (~20 s) are writes the peers do not make. At 1M the
fixed costs weigh more: 4.2 s of imports (Great Expectations alone ~2.5 s), the reports, and
Prefect's task runs. Meeting the targets would take fewer outputs per run: commitment_counted
as a view (its p95 was 109-115 ms at 10M, over the 100 ms target), exports and Data Docs on
demand, a register validated in SQL rather than in polars parts. Each of those changes what a
run delivers or how the contract's checks run, so none was made here.

**Fourth pass, Dec 6 2026 02:16-03:30 UTC** (a quiet machine, load average under 1.6, nothing
else running; each change measured against the code before it in alternating runs: hand runs of
`hkam run` on the 1M register-only snapshot against a standing Prefect server, and the register's
check-and-stage step alone on a copy of a loaded warehouse):

- **Part bounds from a hash sample** (`register_steps._bounds`): the seeded reservoir sample of
  200,000 keys took 0.42 s at 1M rows (the sampler, not the scan: the join and scan alone take
  0.006 s). The keys whose hash falls in one bucket of rows / 200,000 give bounds as even (a test
  checks ±5% with one key in ten) in 0.05 s, the same keys every run on any number of threads.
- **Each part's rows sorted by polars, only when out of order**: the part query's `ORDER BY f.ord,
  r.line` sorted every column (0.07 s of a 125,000-row part's 0.14 s fetch); polars now checks
  the (read order, line) pairs and sorts when they are out of order (after DuckDB's hash join
  they are: 0.006 s).
- **A first load skips counting removed commitments** (`register_merge.merge`): the landed keys'
  set took 0.23 s at 1M rows to find none. With the two above, check and stage on a 1M register:
  5.9 s wall and 9.6 s of CPU to 5.1 and 8.4 s. The merge moved to `flows/register_merge.py`.
- **GX Data Docs by a DocsWorker** (`flows/reports/gxdocs.py`): GX's import is 3.1 s of Python
  (scipy.stats, altair, sqlalchemy, pandas and Spark data sources come with it), the largest
  hkam has; in the Data Docs thread it held the GIL the end of the run needed. A child process,
  started when a run has something new, imports GX at nice 10 on the cores the run leaves idle
  and renders the outcomes sent to it at the end (the same pages: a test compares them). 1M
  register cold, alternating: 22.1-22.3 s against 24.5-24.9 s, reports and exports 2.3-2.7 s
  against 4.4-4.7 s; at nice 10, 20.9-21.0 s against 21.0-22.3 s (three runs each).
- **Parts whose keys are all distinct skip the search for repeats** (`stage`, after the benchmark
  below): stage() 0.26-0.29 s of CPU a 125,000-row part against 0.30-0.36 s; a test stages the
  same rows down both paths.
- **Tried and not kept**: DuckDB on 4 threads (the largest_commitments write 0.97 s against
  1.22 s, but the CSV read 2.4-2.9 s against 2.0-2.1 s); forced compression for the mart tables
  (0.83-0.97 s against 1.22 s, but larger files); the staged parts as Arrow IPC instead of
  Parquet (2.8 s of CPU to write eight parts against 1.8 s, and DuckDB reads them through pyarrow
  at 1.1 s against 0.5 s); the row hash computed in each part by DuckDB (0.12 s a part, more than
  the 0.07 s that writing the row content costs); the line numbers written while reading rather
  than by an UPDATE (DuckDB's CSV reader has no row-number column; the UPDATE is 0.63 s at 1M).
- **Where a 1M register cold run goes now** (hand runs, 20.9-21.0 s wall, 30 s of CPU): 1.65 s
  from the process start to the flow's first line (imports, Prefect); 1.5 s official sources and
  landing (Prefect's task runs more than their work); read 3.0-3.1 s (DuckDB's CSV read 2.05 s,
  the line-number UPDATE 0.63 s, the multi-line check 0.16 s); validate and transform 5.0-5.7 s
  (8 parts, 1.1 s of CPU each: fetch 0.35, stage 0.26-0.33, Parquet 0.23, validation 0.18; the
  step is CPU-bound on 2 cores); load 1.9-2.2 s (the history's 1M-row insert); status 0.3-0.4 s;
  marts 3.7-4.6 s (largest_commitments 1.6-1.9 s, about half of it writing the table, its
  commitment_counted copy 1.0-1.1 s, investment_phased 0.6 s); publish 0.6 s; reports and exports
  2.2-2.5 s; 0.6 s to exit.

**The benchmark, fourth pass** (`make bench ROWS=1000000` with three repeats and `ROWS=10000000`
with one, both on 7ae0406, before the distinct-keys path in stage; a quiet machine; the sections
below):

| seconds | 1M | 10M |
| --- | ---: | ---: |
| floor | 2.09 | 15.46 |
| hkam register cold | 21.20 (23.74 on 4926e99) | 163.50 (168.86 on 054fd98) |
| dlt scd2 | 7.58 | 58.50 |
| sql peer | 7.86 | 80.81 |
| import floor | 4.49 | 4.84 |
| hkam cold / naive | 28.41 / 41.81 | 172.47 / 597.38 |
| register cold / dlt scd2 (target ≤ 1) | 2.80 missed | 2.80 missed |
| register cold / sql peer (target ≤ 1.5) | 2.70 missed | 2.02 missed |
| (register cold − import floor) / floor (target ≤ 3 at 10M) | 7.98 | 10.26 missed |
| naive / hkam cold (target ≥ 1.5 at 1M, ≥ 4 at 10M) | 1.47 missed, narrowly | 3.46 missed |
| peak RSS MB (≤ 3,000) | 1,766 met | 2,238 met |
| no-change s (≤ import floor + 3) | 3.18 met | 3.08 met |
| worst mart p95 ms (≤ 100) | 12.1 met | 40.8 met |

hkam cold fell from 30.87 to 28.41 s at 1M, but naive ran faster than on 4926e99 (35.5-45.7 s
across the repeats against 48.4-53.0 s), so its ratio reads 1.47 against 1.70 then; at 10M naive
took 597.4 s against 400.2 s on 054fd98 (13.5 GB peak, the machine's memory under pressure), so
its ratio reads 3.46 against 2.28. The 10M register cold run's steps: land 5.2 s, read 30.6 s,
validate and transform 44.1 s (48.6 s on 054fd98), load 19.0 s (21.4 s), propose status changes
1.7 s, marts 37.7 s (38.4 s), then reports and exports (flow 160.6 s).

**Profile of the same commit** (py-spy at 50 Hz, `python bench/profile.py --rows 1000000
--register-only` on 7ae0406; 1,688 samples of busy threads, the DocsWorker child included,
bench/results/profile_1m_register.*): imports 27.0% (GX's now in the child, at low priority),
reading the register 12.9%, marts 11.9%, the register parts 10.0%, reports 7.8% (exports 5.6%),
the SCD-2 merge 6.1%. **What limits hkam against the peers** is what limited it before, a little
smaller: at 10M the register's own three writes (read 30.6 s, validate and stage 44.1 s, merge
19.0 s: 93.7 s) take longer than either peer's whole load (58.5 s and 80.8 s), the validation
and domain transforms being polars work on every row (1.1 s of CPU a 125,000-row part), and the
marts (37.7 s) and the two commitment-grain Parquet exports are writes the peers do not make; at
1M the fixed costs (4.5 s of imports, Prefect's task runs, the reports) are a quarter of the run.
The choices that would close the gap change what a run delivers or how the contract's checks
run (commitment_counted as a view; exports and Data Docs on demand; the checks compiled to SQL
rather than run by polars on each part), so they are left for a decision.

**After the benchmark** (HEAD with the distinct-keys path in stage, one hand run of the 10M
register-only snapshot against a standing Prefect server, a quiet machine): 154.6 s wall (234 s
of CPU, 2.08 GB peak) against the benchmark's 163.5 s: land 2.1 s, read 29.7 s (DuckDB's insert
17.3 s, the line-number UPDATE 6.1 s and the multi-line check 1.3 s when measured alone),
validate and transform 39.9 s (44.1 s), load 19.3 s, marts 37.1 s (largest_commitments 17.3 s,
its commitment_counted copy 7.6 s, investment_phased 7.6 s, largest_investors 3.0 s), reports
and exports 19.8 s (the two Parquet exports 6.9 and 9.6 s). For the decision on
commitment_counted, measured on that warehouse on the quiet machine (its example query, 60 runs
each, fetched as Arrow, twice): the stored table p95 42.7 and 39.9 ms, a view of
largest_commitments' counted rows 45.1 and 47.1 ms; the 109-115 ms that kept it stored came from
a machine two to three times slower. As a view it would save the 7.6 s copy at 10M (about 1 s at
1M) and one write of every row, for a few ms on its queries.

**commitment_counted as a view** (the next commit, the same session): `warehouse/marts/25_...sql`
creates a view of largest_commitments' counted rows; a mart held as the other kind (the table an
older hkam left) is dropped and rebuilt, and its comments go on the view. 1M register cold hand
runs alternating with the commit before: 20.1 and 21.3 s against 21.6 and 22.1 s, build marts
2.8-2.9 s against 3.7-4.5 s; the marts that read it hold the same rows (doubles equal within
1e-14 relative, the order a parallel sum adds them). Each row of a cold load is now written to
raw, the staged parts, the history, largest_commitments and investment_phased (1.7 rows per
commitment), and the two commitment-grain exports. A 10M register cold hand run after it: 153.7 s
(154.6 s before), build marts 30.4 s against 37.1 s (the other steps moved a few seconds either
way); the example query on the view in that warehouse: p95 47.2 and 41.0 ms (60 runs, twice).

**The benchmark, fifth pass** (Dec 6 2026, no change to the register path: the final code of the
fourth pass, f07675e, benchmarked again at both sizes on the same day, `make bench ROWS=10000000
REPEAT=1` on f3a78b1 and `ROWS=1000000` with three repeats on 532a741). The machine was 1.4-1.7x
slower than on the quiet day of the fourth pass (floor 21.5 s against 15.5 s at 10M, 3.49 s
against 2.09 s at 1M), so the seconds are not comparable with the table above; the ratios are.

| seconds | 1M | 10M |
| --- | ---: | ---: |
| floor | 3.49 | 21.52 |
| hkam register cold | 32.12 | 212.83 |
| dlt scd2 | 12.94 | 79.13 |
| sql peer | 12.97 | 110.42 |
| import floor | 5.54 | 4.73 |
| hkam cold / naive | 44.30 / 69.20 | 238.43 / 587.77 |
| register cold / dlt scd2 (target ≤ 1) | 2.48 missed | 2.69 missed |
| register cold / sql peer (target ≤ 1.5) | 2.48 missed | 1.93 missed |
| (register cold − import floor) / floor (target ≤ 3 at 10M) | 7.62 | 9.67 missed |
| naive / hkam cold (target ≥ 1.5 at 1M, ≥ 4 at 10M) | 1.56 met | 2.47 missed |
| peak RSS MB (≤ 3,000) | 1,730 met | 2,308 met |
| no-change s (≤ import floor + 3) | 4.78 met | 3.38 met |
| worst mart p95 ms (≤ 100) | 22.2 met | 72.6 met |

After the session's review (e31cd6a: two mends that change no work a run does) `make bench
ROWS=1000000` ran again, three repeats, on a machine slower still (floor 3.74 s): register cold
34.43 s against dlt scd2 13.01 s and the SQL peer 14.27 s (x2.65 and x2.41, both missed), naive /
hkam cold 81.46 / 47.59 = 1.71 (met), (register cold − import floor 5.49) / floor 7.74, peak RSS
1,713 MB, no-change 3.93 s, worst mart p95 29.1 ms (met); bench/results/1000000.json holds this
run.

The 10M register cold run's steps: land 2.6 s, read 45.3 s, validate and transform 59.8 s, load
26.7 s, propose status changes 2.6 s, marts 42.2 s, reports and exports about 30 s (flow
209.5 s). A hand run of the same snapshot after it (220 s wall): largest_commitments 25.3 s,
investment_phased 10.1 s, largest_investors 4.1 s; the two commitment-grain Parquet exports
10.7 and 12.5 s.

**Where the SQL peer's time goes** (bench/sql_peer/*.sql timed file by file on the same 10M
register, one hand run, 119.7 s): raw 54.9 s (its `row_number() OVER ()` for the line numbers
runs the CSV read in one thread), the checks into quarantine 11.3 s, the typed staged table
29.4 s, the SCD-2 history 20.0 s, its two aggregate marts 3.6 s. Its register path proper (raw
to history, 115.6 s) and hkam's (read, validate and transform, load: 131.8 s in the benchmark)
are now within 15% of each other; what separates the totals is what hkam makes beyond that path:
marts at the commitment grain (largest_commitments and investment_phased, 10M and 17M rows, where
the peer's marts are two small aggregates), the exports, the reports and Data Docs, and the
imports. The dlt target is out of reach for the SQL pipeline as well at 10M (110.4 s against
79.1 s).

**Measured and not changed** (this session; no code change came of them):
- **The line-number UPDATE costs nothing of its own.** The 0.63 s at 1M (6.1 s at 10M) put on it
  above is DuckDB's checkpoint of the rows the insert just wrote, which the UPDATE's commit
  happens to trigger: the UPDATE's plan runs in 0.03 s (EXPLAIN ANALYZE), and with the UPDATE
  left out the checkpoint costs the same (insert_register with a CHECKPOINT, alternating, three
  runs each at 1M: 4.97-5.05 s with the UPDATE, 4.87-5.84 s without; at 10M one run each,
  48.8 s and 55.3 s). Numbering the lines while reading would save nothing.
- **DuckDB's memory limit for the read**: 1,500 MB against 6 GB, 46.3 s and 47.6 s at 10M (peak
  RSS 1,589 MB and 3,054 MB); the limit stays.
- **Trimming while reading** (`nullif(trim(col), '')` on 24 columns): the CSV read into a table
  took 38.6 s at 10M against 28.1 s without it (one run each); at 1M the difference is inside the
  machine's noise (2.65-4.02 s over two runs of each of five forms, the untrimmed
  read among them at 3.24-3.25 s), and a `CASE` that
  trims only values whose first or last character is not printable ASCII (DuckDB's trim removes
  the space and the Unicode space separators, never a tab) was slower (4.45-5.42 s against
  3.76 s) for the same rows. The trim is what the contract reads; it stays.
- **Arrow string views from DuckDB** (`SET produce_arrow_string_view = true`) for a part's fetch:
  0.17 s of CPU for a 125,000-row part either way.
- **The staged parts' Parquet options** (a 125,000-row part of the history's columns, medians of
  five): lz4 0.165 s of CPU and 9 MB, uncompressed 0.138 s and 22 MB, snappy 0.169 s, one row
  group 0.176 s; lz4 stays.
- **The exports' Parquet codec** at 10M (largest_commitments, 9.9M rows): snappy 13.0 s and
  371 MB, none 12.4 s and 967 MB, lz4 13.5 s and 364 MB, zstd 12.7 s and 235 MB; the write is
  bound by encoding, not the codec. Unordered (`preserve_insertion_order = false`) 11.1 s, at the
  cost of the stored order the exports document.
- **Where largest_commitments' time goes** (1M, the warehouse of a cold run): the same rows copied
  from core.investment_commitment into a stored table take as long as the mart (2.35-2.80 s
  against 2.08-2.64 s), into a temporary table 0.72-0.89 s, and the rank alone 0.47-0.51 s:
  the cost is writing a wide table to the file (compression and checkpoint), not the
  no-double-counting SQL.

**What would close the gap, for the decision it needs**: the register path proper is as fast as
the hand-written SQL; the targets against dlt and the SQL peer are missed by what a run delivers
besides. Meeting them would take commitment-grain marts that are not stored (largest_commitments
as a view over the history with its rank kept in a narrow table: its top-N query would then join
10M rows, against the ≤ 100 ms target), the commitment-grain exports and Data Docs made on request
rather than every run, and the contract's checks compiled to SQL so that no row passes through
polars (the SQL peer shows what that saves at most: its checks and staged table take 40.7 s at
10M against hkam's 59.8 s). Each changes what an analyst gets from a night's run, so none was
made without that decision.

**The benchmark, sixth pass** (Dec 6 2026, 07:44-08:11 UTC, the fastest machine yet, load average
under 2; no change to the register path since the fifth pass: the session's commits fixed a test
that failed on a freshly booted machine, made one helper of each repeated piece of code and split
the benchmark's modules). `make bench ROWS=1000000` with three repeats on 814b999 and
`ROWS=10000000` with one on 3b8e564:

| seconds | 1M | 10M |
| --- | ---: | ---: |
| floor | 1.48 | 11.25 |
| hkam register cold | 14.42 | 110.42 |
| dlt scd2 | 5.45 | 42.43 |
| sql peer | 5.61 | 56.08 |
| import floor | 3.25 | 3.48 |
| hkam cold / naive | 19.18 / 33.34 | 114.66 / 377.80 |
| register cold / dlt scd2 (target ≤ 1) | 2.65 missed | 2.60 missed |
| register cold / sql peer (target ≤ 1.5) | 2.57 missed | 1.97 missed |
| (register cold − import floor) / floor (target ≤ 3 at 10M) | 7.57 | 9.50 missed |
| naive / hkam cold (target ≥ 1.5 at 1M, ≥ 4 at 10M) | 1.74 met | 3.29 missed |
| peak RSS MB (≤ 3,000) | 1,812 met | 2,389 met |
| no-change s (≤ import floor + 3) | 2.38 met | 2.28 met |
| worst mart p95 ms (≤ 100) | 9.9 met | 25.7 met |

The ratios are those of the slower days: the gap is the work, not the machine. The register cold
runs' steps (Prefect's task times): at 1M land 0.2 s, read 2.2 s, validate and transform 3.5 s,
load 1.4 s, status 0.2 s, marts 2.0 s, and the reports, exports and the flow's own work 2.6 s
(flow 12.5 s of 14.4 s; the rest is the process starting and ending); at 10M land 4.9 s, read
21.7 s, validate and transform 30.1 s, load 14.8 s, status 1.2 s, marts 21.0 s, reports and
exports about 15 s (flow 108.8 s). **A bound on what the decision above could buy**: with no
stored commitment-grain marts and no reports or exports at all, the register cold run would be
about 10.1 s at 1M (1.8 times the SQL peer, 1.9 times dlt: the 3.25 s import floor alone is
58% of the SQL peer's whole run) and about 74 s at 10M (1.33 times the SQL peer, which would
meet that target, and 1.75 times dlt, which would not).

After the session's review (961a4c9: the three places that still registered a frame by hand use
`warehouse.registered`, and C&SD's fast path hands a body that is not an object to the same
`json_object`; no work added or removed) `make bench ROWS=1000000` ran again, three repeats,
floor 1.48 s: register cold 14.46 s (14.42 s before the review) against dlt scd2 5.69 s and the
SQL peer 5.61 s (x2.54 and x2.58, both missed), naive / hkam cold 29.75 / 19.55 = 1.52 (met,
narrowly: naive ran faster than in the run above), (register cold − import floor) / floor 7.69,
peak RSS 1,733 MB, no-change 2.48 s, worst mart p95 9.4 ms (all met);
bench/results/1000000.json and latest.json held this run until the seventh pass.

**The benchmark, seventh pass** (Dec 6 2026, 20:09-20:53 UTC, no change to the register path: both
sizes on the pipeline code of 961a4c9, `make bench ROWS=10000000 REPEAT=1` on e6fb62d and
`ROWS=1000000` with three repeats on 612bc72, in one evening on an AMD EPYC host 1.6-1.7 times
slower than the morning's (floor 18.29 s against 11.25 s at 10M, 2.48 s against 1.48 s at 1M);
the benchmark's frozen copy of the code is now compiled before the first run, as an installed
package is, instead of the first run compiling flows/ (~0.2 s)). Their figures are the "All
sizes" table above and the 1M and 10M sections below, each with its targets' verdicts: register
cold against dlt scd2 2.43 and 2.68 (missed), against the SQL peer 2.52 and 2.00 (missed),
(register cold − import floor) / floor 6.61 and 8.45 (missed at 10M), naive / hkam cold 2.05 (met
at 1M) and 3.71 (missed at 10M); peak RSS 1,676 and 2,322 MB, no-change 3.38 and 3.23 s, worst
mart p95 20.7 and 42.5 ms (all met): 5 of 7 targets met at 1M, 4 of 8 at 10M.

The same ratios as the morning's within their noise (register cold / dlt scd2 2.54 and 2.60 then, /
sql peer 2.58 and 1.97; naive / hkam cold moves most, 1.52 to 2.05 at 1M and 3.29 to 3.71 at 10M,
because the pandas pipeline slows more than hkam on a slower host). Steps of the register cold runs
(Prefect's task times, medians over the runs): at 1M land 0.25 s, read 3.7 s, validate and
transform 5.4 s, load 2.2 s, status 0.37 s, marts 3.7 s, reports, exports and the flow's own work
about 3.9 s (flow 19.8 s of 22.1 s); at 10M land 5.8 s, read 33.7 s, validate and transform 42.2 s,
load 19.9 s, status 1.9 s, marts 31.6 s, reports and exports about 21 s (flow 156.6 s of 159.6 s).
The register path proper (read, validate and transform, load) took 11.4 s at 1M and 95.7 s at 10M:
1.29 and 1.20 times the SQL peer's whole run, 1.25 and 1.61 times dlt scd2's. py-spy profiles of
the same code, recorded right after (the 10M sections below and
bench/results/profile_1m_register.*, 2,333 samples at 50 Hz): at 1M imports are 30% of the busy
samples (the 5.74 s import floor alone is 65% of the SQL peer's whole run), reading 13%, the
register parts 12%, marts 10%, reports 7% (exports 5%), the merge 7%; at 10M the sections below. So
the conclusion of the sixth pass stands: the register path proper is near the peers' speed, and
what a run makes besides it (the stored commitment-grain marts, their two Parquet exports, the
reports and Data Docs, and at 1M the imports) is the gap; closing it is the decision described
above.
"""
