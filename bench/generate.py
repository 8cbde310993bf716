"""Synthetic snapshots in the real source formats, at a chosen size, seeded and cached.

    python bench/generate.py --rows 1000000 [--seed 42] [--out bench/data]

writes `bench/data/<rows>/s<seed>/` in the snapshot layout `hkam run --snapshot-dir` reads:

- `register/commitments.csv`: N register rows (the contract's 24 columns), unique
  commitment_id, ~1% faulty rows that the contract's checks (or the date transform) set aside;
- `censtatd/999-90001.json`: one C&SD get.php payload with 1,000,000 data points;
- `gia/general_en.xml`: an RSS 2.0 press-release feed with 100,000 items;
- the bundled snapshot's real C&SD, HKMA and ITF files and a MANIFEST naming every file;

and beside it `bench/data/<rows>/s<seed>-register/` (`register_snapshot`), whose only large input
is that register: the bundled snapshot's small official files, feeds and published figures as they
are, so hkam's register path is measured like for like against the register-only peers.

Every synthetic value says so ("Synthetic Co 123", `https://example.invalid/...`). Columns are
built with numpy and polars and written in chunks, never row by row in Python.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "flows" / "snapshot"
SECTORS = ROOT / "flows" / "transforms" / "reference" / "sectors.yml"
DATA = Path(__file__).resolve().parent / "data"

VERSION = 3  # bump when the generated content changes: cached snapshots are then rebuilt
CHUNK = 1_000_000
CENSTATD_ID = "999-90001"
CENSTATD_POINTS = 1_000_000
GIA_ITEMS = 100_000
FAULT_SHARE = 0.01

COLUMNS = [
    "commitment_id", "party", "company", "company_zh", "announced_on", "amount_text", "amount",
    "currency", "qualifier", "also_stated_amount", "also_stated_currency", "jobs",
    "jobs_qualifier", "sector_label", "location", "scope", "is_cumulative", "series_id",
    "covered_by", "phasing_years", "status", "source_url", "confidence", "notes",
]  # fmt: skip

CURRENCIES = ["HKD", "USD", "CNY", "EUR", "JPY", "GBP"]
CURRENCY_WEIGHTS = [0.60, 0.25, 0.08, 0.03, 0.02, 0.02]
SYMBOLS = {"HKD": "HK$", "USD": "US$", "CNY": "RMB ", "EUR": "EUR ", "JPY": "JPY ", "GBP": "GBP "}
QUALIFIERS = ["exact", "over", "about", "at_least", "up_to", "nearly", "range"]
QUALIFIER_WEIGHTS = [0.55, 0.15, 0.12, 0.05, 0.05, 0.04, 0.04]
QUALIFIER_WORDS = {
    "exact": "",
    "over": "over ",
    "about": "about ",
    "at_least": "at least ",
    "up_to": "up to ",
    "nearly": "nearly ",
    "range": "",
}
STATUSES = ["announced", "mou", "construction", "operational", "withdrawn"]
STATUS_WEIGHTS = [0.40, 0.25, 0.15, 0.15, 0.05]
LOCATIONS = [
    "Hong Kong Science Park", "Tai Po InnoPark", "Yuen Long InnoPark", "Tseung Kwan O InnoPark",
    "Cyberport", "Hong Kong", "Northern Metropolis", "San Tin Technopole", "",
]  # fmt: skip
CONFIDENCE = ["high", "medium", "low"]
FAULTS = ["negative_amount", "unknown_currency", "missing_source_url", "bad_date", "bad_day"]
SYNTHETIC_REGISTER = {
    "path": "register/commitments.csv",
    "source_url": "https://example.invalid/register",
    "retrieved_on": "2026-11-24",
    "notes": "SYNTHETIC register written by bench/generate.py for the benchmark.",
}


def snapshot_dir(rows: int, seed: int, root: Path = DATA) -> Path:
    """Where the snapshot for (rows, seed) is cached."""
    return root / str(rows) / f"s{seed}"


def sector_labels() -> list[str]:
    """Source labels of the sector taxonomy (every one maps to a cluster)."""
    data = yaml.safe_load(SECTORS.read_text(encoding="utf-8"))
    return list(data["labels"])


def _pick(rng: np.random.Generator, values: Sequence[str], n: int, p: Sequence[float]) -> pl.Series:
    idx = rng.choice(len(values), size=n, p=np.asarray(p) / np.sum(p))
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def register_chunk(
    start: int, n: int, rows: int, seed: int, labels: list[str], n_companies: int
) -> pl.DataFrame:
    """Rows start..start+n of the synthetic register (deterministic per chunk)."""
    rng = np.random.default_rng([seed, start])
    ids = np.arange(start, start + n)
    width = max(8, len(str(rows)))
    is_gov = rng.random(n) < 0.10
    is_agg = rng.random(n) < 0.03
    company_k = rng.zipf(1.3, n) % n_companies
    gov_k = rng.integers(0, 50, n)
    suffix = rng.choice(
        ["", " Limited", " Ltd.", " (Hong Kong) Co., Ltd."], n, p=[0.7, 0.1, 0.1, 0.1]
    )
    day0 = (date(2018, 1, 1) - date(1970, 1, 1)).days
    days = day0 + rng.integers(0, 3100, n)
    date_kind = rng.choice(3, n, p=[0.82, 0.15, 0.03])  # day, month only, unknown
    currency_idx = rng.choice(len(CURRENCIES), n, p=CURRENCY_WEIGHTS)
    millions = np.minimum(1 + rng.lognormal(4.0, 1.6, n).astype(np.int64), 200_000)
    qualifier_idx = rng.choice(len(QUALIFIERS), n, p=QUALIFIER_WEIGHTS)
    has_also = (currency_idx == 0) & (rng.random(n) < 0.12)
    has_jobs = rng.random(n) < 0.6
    jobs = 1 + rng.lognormal(4.0, 1.2, n).astype(np.int64)
    cumulative = is_agg & (rng.random(n) < 0.3)
    covered = ~is_agg & ~is_gov & (rng.random(n) < 0.05)
    phasing = np.where(rng.random(n) < 0.2, rng.integers(1, 11, n), 0)
    faulty = rng.random(n) < FAULT_SHARE
    fault = np.where(faulty, rng.integers(0, len(FAULTS), n), -1)

    frame = pl.DataFrame(
        {
            "_i": ids,
            "_gov": is_gov,
            "_agg": is_agg,
            "_k": company_k,
            "_gk": gov_k,
            "_suffix": suffix,
            "_day": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "_dk": date_kind,
            "_cur": pl.Series(CURRENCIES).gather(currency_idx),
            "_m": millions,
            "_q": pl.Series(QUALIFIERS).gather(qualifier_idx),
            "_also": has_also,
            "_hasjobs": has_jobs,
            "_jobs": jobs,
            "_cum": cumulative,
            "_cov": covered,
            "_ph": phasing,
            "_fault": fault,
            "sector_label": _pick(
                rng, [*labels, "synthetic unmapped sector"], n, [1.0] * len(labels) + [0.2]
            ),
            "location": _pick(rng, LOCATIONS, n, [1.0] * len(LOCATIONS)),
            "status": _pick(rng, STATUSES, n, STATUS_WEIGHTS),
            "confidence": _pick(rng, CONFIDENCE, n, [0.5, 0.35, 0.15]),
            "jobs_qualifier": _pick(rng, QUALIFIERS[:6], n, QUALIFIER_WEIGHTS[:6]),
        }
    )
    # Projects covered by an aggregate point at an aggregate row of the same chunk.
    agg_ids = ids[is_agg]
    cover_target = agg_ids[rng.integers(0, max(len(agg_ids), 1), n) % max(len(agg_ids), 1)]
    frame = frame.with_columns(_covid=pl.Series(cover_target if len(agg_ids) else ids))

    def cid(col: str) -> pl.Expr:
        return pl.format("syn-{}", pl.col(col).cast(pl.String).str.zfill(width))

    fault_is = {name: pl.col("_fault") == i for i, name in enumerate(FAULTS)}
    sym = pl.col("_cur").replace_strict(SYMBOLS)
    qual_word = pl.col("_q").replace_strict(QUALIFIER_WORDS)
    is_range = pl.col("_q") == "range"
    amount_text = (
        pl.when(is_range)
        .then(pl.format("{}{}-{} million", sym, pl.col("_m"), pl.col("_m") * 2))
        .otherwise(pl.format("{}{}{} million", qual_word, sym, pl.col("_m")))
    )
    amount = (
        pl.when(fault_is["negative_amount"])
        .then(pl.format("-{}000000", pl.col("_m")))
        .when(is_range)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.format("{}000000", pl.col("_m")))
    )
    day_text = pl.col("_day").dt.strftime("%Y-%m-%d")
    announced = (
        pl.when(fault_is["bad_date"])
        .then(pl.lit("2023-13-45"))  # fails the contract's date pattern
        .when(fault_is["bad_day"])
        .then(pl.lit("2023-02-30"))  # matches the pattern, no such day: the transform rejects it
        .when(pl.col("_dk") == 0)
        .then(day_text)
        .when(pl.col("_dk") == 1)
        .then(day_text.str.slice(0, 7))
        .otherwise(pl.lit(None, pl.String))
    )
    company = (
        pl.when(pl.col("_agg"))
        .then(pl.format("Synthetic group of {} companies", pl.col("_gk") + 3))
        .when(pl.col("_gov"))
        .then(pl.format("Synthetic Government Scheme {}", pl.col("_gk")))
        .otherwise(pl.format("Synthetic Co {}{}", pl.col("_k"), pl.col("_suffix")))
    )
    company_zh = (
        pl.when(~pl.col("_gov") & ~pl.col("_agg") & (pl.col("_k") % 3 == 0))
        .then(pl.format("合成公司{}號", pl.col("_k")))
        .otherwise(pl.lit(None, pl.String))
    )
    notes = (
        pl.when(pl.col("_i") % 10 == 0)
        .then(pl.format('Synthetic row {}, "quoted", with commas, 合成數據.', pl.col("_i")))
        .otherwise(pl.format("Synthetic row {} from bench/generate.py", pl.col("_i")))
    )
    return frame.select(
        cid("_i").alias("commitment_id"),
        pl.when(pl.col("_gov") | pl.col("_agg"))
        .then(pl.lit("government"))
        .otherwise(pl.lit("company"))
        .alias("party"),
        company.alias("company"),
        company_zh.alias("company_zh"),
        announced.alias("announced_on"),
        amount_text.alias("amount_text"),
        amount.alias("amount"),
        pl.when(fault_is["unknown_currency"])
        .then(pl.lit("XYZ"))
        .otherwise(pl.col("_cur"))
        .alias("currency"),
        pl.col("_q").alias("qualifier"),
        pl.when(pl.col("_also"))
        .then(pl.format("{}000000", (pl.col("_m") / 7.8).round(0).cast(pl.Int64).clip(1)))
        .otherwise(pl.lit(None, pl.String))
        .alias("also_stated_amount"),
        pl.when(pl.col("_also"))
        .then(pl.lit("USD"))
        .otherwise(pl.lit(None, pl.String))
        .alias("also_stated_currency"),
        pl.when(pl.col("_hasjobs"))
        .then(pl.col("_jobs").cast(pl.String))
        .otherwise(pl.lit(None, pl.String))
        .alias("jobs"),
        pl.when(pl.col("_hasjobs"))
        .then(pl.col("jobs_qualifier"))
        .otherwise(pl.lit(None, pl.String))
        .alias("jobs_qualifier"),
        "sector_label",
        "location",
        pl.when(pl.col("_agg"))
        .then(pl.lit("aggregate"))
        .otherwise(pl.lit("project"))
        .alias("scope"),
        pl.when(pl.col("_cum"))
        .then(pl.lit("true"))
        .otherwise(pl.lit("false"))
        .alias("is_cumulative"),
        pl.when(pl.col("_cum"))
        .then(pl.format("syn-series-{}", pl.col("_gk")))
        .otherwise(pl.lit(None, pl.String))
        .alias("series_id"),
        pl.when(pl.col("_cov"))
        .then(cid("_covid"))
        .otherwise(pl.lit(None, pl.String))
        .alias("covered_by"),
        pl.when(pl.col("_ph") > 0)
        .then(pl.col("_ph").cast(pl.String))
        .otherwise(pl.lit(None, pl.String))
        .alias("phasing_years"),
        "status",
        pl.when(fault_is["missing_source_url"])
        .then(pl.lit(None, pl.String))
        .otherwise(pl.format("https://example.invalid/register/{}", pl.col("_i")))
        .alias("source_url"),
        "confidence",
        notes.alias("notes"),
    )


def write_register(path: Path, rows: int, seed: int) -> None:
    """register/commitments.csv, written in chunks of CHUNK rows."""
    labels = sector_labels()
    n_companies = min(100_000, max(100, rows // 100))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write((",".join(COLUMNS) + "\n").encode())
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            register_chunk(start, n, rows, seed, labels, n_companies).write_csv(
                fh, include_header=False
            )


def write_censtatd(path: Path, seed: int, points: int = CENSTATD_POINTS) -> None:
    """One C&SD get.php payload (header.status + dataSet) with `points` monthly data points."""
    rng = np.random.default_rng([seed, 7])
    months = [f"{y}{m:02d}" for y in range(1990, 2026) for m in range(1, 13)]
    series = [("PE", "No."), ("PE", "Year-on-year % change"), ("VAC", "No.")]
    series += [("VAC", "Year-on-year % change")]
    per_industry = len(months) * len(series)
    industries = -(-points // per_industry)
    i = np.arange(points)
    ind = i // per_industry
    rest = i % per_industry
    s_idx, m_idx = rest // len(months), rest % len(months)
    is_count = s_idx % 2 == 0
    figure = np.where(
        is_count, rng.integers(100, 200_000, points), rng.normal(0, 5, points).round(1)
    )
    marker = rng.choice(["", "p", "r"], points, p=[0.96, 0.02, 0.02])
    frame = pl.DataFrame(
        {
            "IND": pl.Series([f"syn_{k}" for k in range(industries)]).gather(ind),
            "INDDesc": pl.Series([f"Synthetic industry {k}" for k in range(industries)]).gather(
                ind
            ),
            "freq": pl.Series(["M"]).gather(np.zeros(points, dtype=np.int64)),
            "period": pl.Series(months).gather(m_idx),
            "sv": pl.Series([s for s, _ in series]).gather(s_idx),
            "svDesc": pl.Series([d for _, d in series]).gather(s_idx),
            "figure": figure.astype(np.float64),
            "sd_value": marker,
        }
    )
    header = {
        "status": {"name": "Success", "code": 0},
        "title": "Synthetic table for the hkam benchmark (not C&SD data)",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"header": ' + json.dumps(header) + ', "dataSet": ')
        fh.write(frame.write_json())
        fh.write("}\n")


def write_gia(path: Path, seed: int, items: int = GIA_ITEMS) -> None:
    """RSS 2.0 press-release feed: title, link (real P-number pattern), description, pubDate."""
    rng = np.random.default_rng([seed, 11])
    day0 = (date(2018, 1, 1) - date(1970, 1, 1)).days
    when = pl.Series(day0 + np.sort(rng.integers(0, 3100, items)), dtype=pl.Int32).cast(pl.Date)
    minutes = rng.integers(8 * 60, 23 * 60, items)
    invest = rng.random(items) < 0.2
    frame = pl.DataFrame(
        {
            "i": np.arange(items),
            "day": when,
            "ts": when.cast(pl.Datetime("us"))
            + pl.Series(minutes * 60_000_000).cast(pl.Duration("us")),
            "k": rng.integers(0, 5000, items),
            "m": 1 + rng.lognormal(4.0, 1.5, items).astype(np.int64),
            "jobs": 10 + rng.integers(0, 2000, items),
            "invest": invest,
        }
    )
    invest_title = pl.format(
        "Synthetic press release {}: Synthetic Co {} to invest HK${} million in Hong Kong",
        "i",
        "k",
        "m",
    )
    other_title = pl.format("Synthetic press release {}: LegCo question {} (synthetic)", "i", "k")
    invest_desc = pl.format(
        "Synthetic Co {} will set up a smart production line and create over {} jobs; "
        "synthetic text for the hkam benchmark.",
        "k",
        "jobs",
    )
    other_desc = pl.format("Synthetic answer to LegCo question {}; no figures.", "k")
    link = pl.format(
        "https://www.info.gov.hk/gia/general/{}/{}/P{}{}.htm",
        pl.col("day").dt.strftime("%Y%m"),
        pl.col("day").dt.strftime("%d"),
        pl.col("day").dt.strftime("%Y%m%d"),
        (pl.col("i") % 100_000).cast(pl.String).str.zfill(5),
    )
    xml_items = frame.select(
        pl.format(
            "<item><title>{}</title><link>{}</link><description>{}</description>"
            "<pubDate>{}</pubDate></item>",
            pl.when("invest").then(invest_title).otherwise(other_title),
            link,
            pl.when("invest").then(invest_desc).otherwise(other_desc),
            pl.col("ts").dt.strftime("%a, %d %b %Y %H:%M:%S +0800"),
        ).alias("x")
    ).get_column("x")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n')
        fh.write("<title>Synthetic press releases (hkam benchmark)</title>\n")
        fh.write("<link>https://example.invalid/gia/</link>\n")
        fh.write("<description>Synthetic feed in the shape of general_en.xml</description>\n")
        fh.write("\n".join(xml_items.to_list()))
        fh.write("\n</channel></rss>\n")


def copy_reference(out: Path) -> None:
    """The bundled real C&SD, HKMA and ITF files (small; they feed the marts) and MANIFEST."""
    for sub in ("censtatd", "hkma", "itf"):
        target = out / sub
        target.mkdir(parents=True, exist_ok=True)
        for f in sorted((SNAPSHOT / sub).iterdir()):
            if f.is_file():
                shutil.copy2(f, target / f.name)
    with (SNAPSHOT / "MANIFEST").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["path"].startswith("register/")]
    rows += [
        SYNTHETIC_REGISTER,
        {
            "path": f"censtatd/{CENSTATD_ID}.json",
            "source_url": "https://example.invalid/censtatd",
            "retrieved_on": "2026-11-24",
            "notes": "SYNTHETIC C&SD-shaped payload (1,000,000 data points) for the benchmark.",
        },
        {
            "path": "gia/general_en.xml",
            "source_url": "https://example.invalid/gia",
            "retrieved_on": "2026-11-24",
            "notes": "SYNTHETIC press-release feed (100,000 items) for the benchmark.",
        },
    ]
    write_manifest(out, rows)


def write_manifest(out: Path, rows: list[dict[str, str]]) -> None:
    """The snapshot's MANIFEST (path, source_url, retrieved_on, notes)."""
    with (out / "MANIFEST").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["path", "source_url", "retrieved_on", "notes"])
        writer.writeheader()
        writer.writerows(rows)


def register_snapshot(rows: int, seed: int = 42, root: Path = DATA, force: bool = False) -> Path:
    """The snapshot whose only large input is the N-row register (cached beside generate's).

    The register is generate's own file (hard-linked, or copied across file systems); every
    other folder is the bundled snapshot's, unchanged, and so is its MANIFEST but for the register.
    """
    full = generate(rows, seed, root, force)
    out = full.with_name(full.name + "-register")
    stamp = out / "GENERATED.json"
    want = {"rows": rows, "seed": seed, "version": VERSION, "register_only": True}
    register = full / "register" / "commitments.csv"
    mine = out / "register" / "commitments.csv"
    fresh = stamp.exists() and json.loads(stamp.read_text()) == want
    if not force and fresh and mine.exists() and mine.samefile(register):
        return out
    tmp = out.with_name(out.name + ".tmp")
    for stale in (out, tmp):
        if stale.exists():
            shutil.rmtree(stale)
    for sub in sorted(p for p in SNAPSHOT.iterdir() if p.is_dir() and p.name != "register"):
        shutil.copytree(sub, tmp / sub.name)
    (tmp / "register").mkdir(parents=True)
    try:
        (tmp / "register" / "commitments.csv").hardlink_to(register)
    except OSError:
        shutil.copy2(register, tmp / "register" / "commitments.csv")
    with (SNAPSHOT / "MANIFEST").open(encoding="utf-8", newline="") as fh:
        listed = [r for r in csv.DictReader(fh) if not r["path"].startswith("register/")]
    write_manifest(tmp, [*listed, SYNTHETIC_REGISTER])
    (tmp / "GENERATED.json").write_text(json.dumps(want))
    tmp.rename(out)
    return out


def generate(rows: int, seed: int = 42, root: Path = DATA, force: bool = False) -> Path:
    """The cached snapshot for (rows, seed), generated when missing or stale."""
    out = snapshot_dir(rows, seed, root)
    stamp = out / "GENERATED.json"
    want = {"rows": rows, "seed": seed, "version": VERSION}
    if not force and stamp.exists() and json.loads(stamp.read_text()) == want:
        return out
    if out.exists():
        shutil.rmtree(out)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    t0 = time.perf_counter()
    copy_reference(tmp)
    write_register(tmp / "register" / "commitments.csv", rows, seed)
    write_censtatd(tmp / "censtatd" / f"{CENSTATD_ID}.json", seed)
    write_gia(tmp / "gia" / "general_en.xml", seed)
    (tmp / "GENERATED.json").write_text(json.dumps(want))
    tmp.rename(out)
    print(f"generated {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument("--force", action="store_true", help="regenerate even when cached")
    args = parser.parse_args(argv)
    print(generate(args.rows, args.seed, args.out, args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
