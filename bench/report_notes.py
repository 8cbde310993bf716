"""BENCHMARKS.md's recorded notes: the 10M rerun before the register ran in parts, and what the
py-spy profiles said (text kept as the record; bench/report.py places it)."""

TEN_M_RERUN = """\
**Before the register ran in parts** (commit 9209339, 10M rows, rerun by hand on 2026-12-01 01:13
with `/usr/bin/time -v .venv/bin/hkam run`, each run with its own temporary Prefect server): hkam
cold finished in 487.6 s wall (flow 403.8 s) at a peak RSS of 23,485 MB, holding the raw text,
typed and staged register in polars at once; the benchmark's own 10M cold run on that code was
killed by the kernel at 23.5 GB. No-change took 27.8 s wall (flow 5.8 s). Since commit ad3fb8d
DuckDB reads the register CSV into raw and polars sees it in parts split by commitment_id
(`flows/register_steps.py`), so memory is set by the part size and DuckDB's buffer pool.

**Since then** (commits 57cb639 to 05f99f8, 2026-12-01 05:41-06:18 UTC, each measured at 10M rows on
a copy of the loaded warehouse or by a hand run): largest_commitments ranks on (commitment_id,
amount_hkd) and joins the wide row back, 40.6 s to 21.2 s; investment_phased no longer sorts its
17.3M rows, 21.2 s to 8.5 s with the same query times; a mart longer than a spreadsheet opens is
exported as Parquet only, which took the exports from 41 s (3.5 GB of CSV) to 17 s; the report's
read-only connections keep the run's DuckDB memory cap; and the register parts went from 250,000 to
125,000 rows, which took the 10M peak from 3,280 MB to 2,697 MB (hand runs, main process).

**Then** (commits 0bc470b to 45ccd84, 2026-12-01 10:59 to 2026-12-02 02:39 UTC, 10M rows,
instrumented hand runs on a quiet machine):
marts.investment_phased_by_year keeps the by-year totals (324 rows, built in 0.34 s), so "how
much lands in each year" reads a few hundred rows instead of scanning the 17.3M-row detail
(p95 2 ms against 160 ms; the detail marts' example queries now ask detail questions, and the
old by-year scans are still timed below as "scans over detail marts"); the register's part
bounds come from a seeded 200,000-key sample (13.8 s to 0.9 s); the grain check numbers rows
only when a value repeats (11.8 s to 1.9 s); the staged parts go to Parquet instead of 80
appends to a temp table (the appends took ~60 s), and the merge reads them through a view
(cold merge 50 s to 30 s without the 21 s copy); the quarantined rows go in with one insert
after the last part; each company name is resolved once per run, not once per part (~8 s); the
raw and history inserts store rows in any order, so the checkpoint after them no longer re-sorts
10M rows (12-19 s). Hand runs with `/usr/bin/time -v hkam run` (temporary Prefect server
included): 331 s wall at 2,772 MB on 8b4cdcb, 276 s at 2,603 MB on 45ccd84.

**Then** (commits 05f43b2 to 748146c, 2026-12-02 05:41-05:52 UTC, 10M rows, hand runs on a quiet
machine, the same snapshot, each with its own temporary Prefect server): two register parts are
checked at a time, each in a thread, so one part's DuckDB fetch and Parquet write overlap the
other's polars work (check and stage 57.5 s to 40.6 s in the flow; 49 s to 36 s in isolation, 1.3 to
1.7 cores busy); the CSV goes straight from read_csv into raw and is numbered afterwards by rowid,
instead of into a temporary table that was then copied (the read 30.4 s to 23.5 s in isolation); a
new file is copied while it is hashed (2.5 GB: 6.7 s to 3.7 s); a first load skips the join that
counts unchanged rows. The whole run went from 201 s wall (flow 186 s) at 2,640 MB on cdad234 to 162
s wall (flow 154 s) at 2,587 MB on 05f43b2, with the same rows in every table (compared by content
hash). Flow steps before and after: land 8.6 / 5.9 s, read 33.0 / 27.8 s, check and stage 57.5 /
40.6 s, merge 22.9 / 20.6 s, marts 41.6 / 38.7 s, reports 14.6 / 14.7 s.

**No-change** (commit 8f62640, 2026-12-02 07:49 UTC; benchmark on 8703d89, 08:01-08:37 UTC): a run
now first takes the fingerprint of what it would read (every file in the snapshot and data folders
by sha256, from the landing area's hash cache, so one stat per file; hkam's code and its engines'
versions; `flows/inputs.py`) and compares it with `meta.run.inputs_sha256` of the published file's
last run. Equal, the run ends `unchanged` without the working copy and the publish that were most of
a no-change run at 10M (the 2.5 GB copy took 1.2-7.7 s, the fsync 0.6 s, and each one left a new 2.5
GB version behind). Hand runs at 10M on the code of 8f62640 (before it was committed; their times
were not recorded) with a running Prefect server: 9.2 s for the run that added the column (a full
no-change run), then 2.83, 2.74 and 2.80 s, each run's own work taking 0.05 s; the rest is starting
Python, Prefect and the flow run. In the benchmark on 8703d89 (100k on its parent 59f0d69; the sizes
finished 2026-12-02 08:01, 08:05 and 08:37 UTC; a busy machine: the 10M floor ranged 14.0-22.1 s),
no-change took 3.08 s at 10M (2.43-3.53 s), 3.28 s at 1M and 2.88 s at 100k, against import floors
of 6.25, 5.29 and 4.79 s; the flow run itself 0.35 s. The cold run pays for it one stat per input
file before it starts and, after its marts, the hashes of the input files land did not copy
(MANIFEST and the like; the landed ones are in the hash cache by then).

**The no-double-counting rule applied once** (commits 692a8c9, 2026-12-02 11:06 UTC, and the next,
b38a56a, 12:45 UTC; 10M rows; hand runs that day, their times not recorded, on a machine two to
three times slower than the quiet one above: the floor took 33.6-50.5 s): marts.largest_commitments
now applies the rule itself and carries every counted column (withdrawn rows with them empty),
stored in no order; marts.commitment_counted is its not withdrawn rows; commitment_pipeline and
largest_investors read it alone instead of joining the history's current rows to commitment_counted.
Its CTEs are NOT MATERIALIZED: DuckDB otherwise wrote the 10M-row CTE it reads twice to disk (99 s
against 20 s). Every mart rebuilt on copies of one loaded warehouse: 68.5 s on the old code; 48.4 s
on 692a8c9, where commitment_counted was a view of largest_commitments (largest_commitments 26.6 to
27.6 s, commitment_counted 22.2 to 0.1 s, commitment_pipeline 2.5 to 0.5 s, largest_investors 4.8 to
3.5 s). Whole cold runs, old and 692a8c9 alternating (`/usr/bin/time -v`, running Prefect server):
270.9 / 244.7 s and 295.0 / 282.3 s; the marts step 65.7 / 37.2 s and 71.0 / 45.5 s, the reports
28.1 / 33.6 s and 32.2 / 42.5 s (the wider, unsorted largest_commitments Parquet takes 13.0 s
against 8.7 s); peak RSS 2,437 / 2,191 MB and 2,247 / 2,292 MB; the history and every mart hold the
same rows (content hashes; sums of doubles differ at most in the 16th significant digit, from the
order a parallel sum adds them). The 10M benchmark recorded with b38a56a ran on 692a8c9 (finished
2026-12-02 12:35 UTC). Its view made commitment_counted's example query the worst p95 (115 ms; 109
ms against the stored table's 87 ms in a same-moment rerun), so the next commit stores
commitment_counted again, copied from largest_commitments (9-11 s a run): 48.4 s plus the copy (9.1
and 11.5 s measured alone), against 68.5 s. The unsorted largest_commitments costs its top-20 query
19 to 55 ms p95 (DuckDB skips row groups for a top-N only when they are sorted).

**All three sizes on one commit** (c9f7113, the pipeline of b38a56a and a1c33d6 with only the
benchmark's report changed; one benchmark run, 2026-12-02 14:20-15:06 UTC, a middling machine: the
10M floor took 21.6-26.9 s): the tables below. Until then each size had come from another commit and
another day, so the 1M → 10M growth compared machines as much as code (×10.20 on the last such
pair). On one commit hkam cold grew ×1.41 from 100k to 1M and ×6.42 from 1M to 10M, its peak RSS
×1.15 and ×1.25. With commitment_counted stored again, the worst mart p95 at 10M is 47 ms (its
example query; 115 ms when it was a view). Cold against floor is 10.5 at 10M here against 7.6 in the
benchmark on 692a8c9 above (12:35 UTC), on nearly the same pipeline (commitment_counted was a view
there): the floor ran 2.1 times faster than there and hkam cold 1.5 times, so the ratio moves with
the machine as well as the code."""


PROFILE_NOTES_10M = """\
Recorded on 612bc72 (the pipeline code of 961a4c9, the commit of the 10M column above;
2026-12-06 20:33 UTC, right after its benchmark). py-spy sees Python stacks, so time inside
DuckDB is charged to the Python line that called it, and time in polars' own worker threads is
not sampled at all (a Python thread waiting for polars counts as idle): the register parts are
under-counted, and their wall time is the flow's "validate and transform register" task. The
profiled flow ran 165.6 s: official sources and candidates 6.7 s, land 2.2 s, read 30.2 s,
validate and transform 43.4 s, merge 22.4 s, status proposals 0.9 s, marts 35.1 s
(largest_commitments 20.1 s, investment_phased 8.0 s, largest_investors 4.0 s), reports and
exports 23.5 s (the Parquet exports of commitment_counted 8.3 s and largest_commitments 9.8 s).
Where the busy samples go (20 a second):

1. **Marts, 21%** (35 s): largest_commitments applies the no-double-counting rule to the 9.9M
   current commitments and stores them, 29 columns wide (the write, not the rank, is its cost);
   investment_phased stores 17.3M commitment-years; commitment_counted is a view.
2. **Reading the CSV, 17%** (30 s): read_csv straight into raw, the floor's work (18.3 s in the
   benchmark) plus trimming every cell, the provenance columns and the line numbering.
3. **The register parts, 15% in their threads plus 4% in the loop** (43 s wall): the polars
   transforms (stage, 8%), the fetch of each part from DuckDB (3%), the suite's metrics
   (validate, 1%) and the Parquet writes, two parts at a time on the two cores.
4. **Reports, 14%** (24 s), of which the exports are 11%: the Parquet files of the two
   commitment-grain marts (9.9M and 9.4M rows, the second the first's counted rows).
5. **The SCD-2 merge, 13%** (22 s): 9.9M new versions from the staged Parquet (the md5 of each
   row's content and the write).

The fixed inputs (the 1M-point C&SD payload, the 100k-item feed) are now under 3% together, and
imports under 4%. Every large step writes the 10M rows at least once: raw, the staged parts,
history, the two commitment-grain marts and the two exports. Each such write costs about a floor,
which is why `hkam_cold_s / floor_s` stays near 9 and why hkam cannot match dlt (one write, no
validation). What would move the cold run is in the issue-21 notes above ("What would close the
gap"): fewer stored or exported commitment-grain outputs per run, and the checks as one SQL scan.
"""


PROFILE_NOTES_10M_REGISTER = """\
Recorded on 612bc72 right after the profile above, on the snapshot whose only large input is the
register (what "hkam register cold" measures against dlt scd2 and the SQL peer). The profiled flow
ran 175.2 s on a machine that had slowed (the same steps took longer than in the run above): land
2.3 s, read 32.7 s, validate and transform 46.1 s, merge 24.7 s, status proposals 2.0 s, marts
41.8 s (largest_commitments 25.6 s, investment_phased 9.4 s, largest_investors 4.1 s), reports
and exports 22.5 s (the two commitment-grain Parquet exports 8.4 and 9.8 s). The split is that of
hkam cold above without its fixed inputs; how it compares with the peers is the seventh pass in
the issue-21 notes.
"""


PROFILE_NOTES = """\
Recorded with commit 1daa925 (2026-12-01 00:25 UTC) at 100k rows, where the fixed inputs (the
1,000,000-point C&SD payload, the 100,000-item feed) dominate. Top-level split of the samples:
imports outside the flow 25.9% (Prefect, GX, polars, DuckDB: the import floor), reports 19.6%,
official sources 17.7%, outside the flow's steps (Prefect engine, heartbeats, logging) 13.8%,
building the marts 9.9%, register 5.8%, press-release candidates 5.1%, migrate 1.9%.

1. **Imports**: the import floor is paid by every run; hkam cold cannot go below it, which is
   why `hkam_cold_s / floor_s <= 2` (a DuckDB-only CTAS) is out of reach at 100k and 1M.
2. **Reports, 19.6%**: the schema-drift table reads the keys of the 145 MB C&SD payload once
   per new file (cached by hash afterwards; now through jiter), and the exports write every mart
   as CSV and Parquet with DuckDB COPY (the 1M-row macro mart is most of it).
3. **Official sources, 17.7%**: C&SD decoding (jiter) and its 1M-row insert; the per-record
   Python loop of the previous profile is gone.
4. **Marts, 9.9%**: rebuilding marts.macro_first_and_latest (a GROUP BY over the 1M macro rows)
   and the commitment marts; paid only by runs that landed new data.
5. Register, candidates and validation are small at 100k. (When this was recorded the
   register was one polars frame whose raw text, typed and staged copies grew with the rows;
   it now runs in parts, so at 1M and 10M peak RSS follows the part size and DuckDB's pool.)

The 1M profile (bench/results/profile_1m.*) was recorded on the code of 3a8da8f (2026-11-25 02:22
UTC) and committed with cd2d9f2 (2026-11-30 23:24 UTC; the time of the recording itself was not
recorded), before the quarantine join, the index-free tables, the materialised marts and the
vectorised C&SD, GIA and candidate paths."""
