"""The official sources (C&SD, HKMA, ITF): where their files are, how to parse them, how to load."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from flows.sources import censtatd, gia, hkma, itf, published
from flows.sources.errors import SourceError

Parser = Callable[[Path, bytes, "Manifest"], pl.DataFrame]


@dataclass(frozen=True)
class Manifest:
    """The snapshot MANIFEST: source URL and retrieval date of each file."""

    rows: dict[str, dict[str, str]]

    @classmethod
    def read(cls, snapshot_dir: Path) -> Manifest:
        """Read MANIFEST (CSV: path, source_url, retrieved_on, notes); empty when absent."""
        path = snapshot_dir / "MANIFEST"
        if not path.exists():
            return cls({})
        with path.open(encoding="utf-8", newline="") as fh:
            return cls({row["path"]: row for row in csv.DictReader(fh)})

    def retrieved(self, rel: str) -> datetime | None:
        """Retrieval (or release) date of a file, as UTC midnight."""
        text = (self.rows.get(rel) or {}).get("retrieved_on", "")
        try:
            when = datetime.fromisoformat(text)  # live snapshots record the exact time
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def url(self, rel: str, default: str) -> str:
        """Source URL of a file."""
        return (self.rows.get(rel) or {}).get("source_url") or default


@dataclass(frozen=True)
class OfficialSource:
    """One official source: files in the snapshot, target table, parser, load mode.

    Its cadence and publication lag are in flows/sources/cadence.py, beside the register's.
    """

    name: str
    pattern: str
    table: str
    parse: Parser
    upsert: bool  # True: a newer file replaces rows on the grain; False: rows only accumulate
    # Analyst-owned (the published figures): read from the snapshot even on a live run, checked
    # against `landed_as` and loaded as a whole set by flows/published.py.
    owned: bool = False
    landed_as: str | None = None

    @property
    def checked_table(self) -> str:
        """The contract whose checks the source's rows are validated against."""
        return self.landed_as or self.table


def _censtatd(path: Path, raw: bytes, manifest: Manifest) -> pl.DataFrame:
    info = censtatd.snapshot_info(path)
    rel = f"censtatd/{path.name}"
    # Dated files carry their release in the name; the undated one is the latest release held,
    # dated by the MANIFEST (or, for a live fetch, by the file's landing time).
    vintage = info.vintage or manifest.retrieved(rel)
    if vintage is None:
        vintage = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    url = censtatd.source_url(info.table_id)
    frame = censtatd.parse(raw, table_id=info.table_id, source_url=url, vintage=vintage)
    # Published figures share core.macro_indicator: API rows say so (basis, edition: none).
    return frame.with_columns(
        pl.lit("official_api").alias("kind"),
        pl.lit(None, pl.String).alias("basis"),
        pl.lit(None, pl.String).alias("edition"),
    )


def _published(path: Path, raw: bytes, manifest: Manifest) -> pl.DataFrame:
    return published.parse(raw, str(path))  # loaded as a whole set by flows/published.py


def _hkma(path: Path, raw: bytes, manifest: Manifest) -> pl.DataFrame:
    frame, _ = hkma.parse_page(raw, where=str(path))
    url = manifest.url(f"hkma/{path.name}", hkma.API_URL)
    return frame.with_columns(pl.lit(url).alias("source"))


_ITF_NAME = re.compile(r"annuallist_(\d{4})_e\.csv$")


def _itf(path: Path, raw: bytes, manifest: Manifest) -> pl.DataFrame:
    match = _ITF_NAME.search(path.name)
    if not match:
        raise SourceError(f"{path}: ITF files are named annuallist_<YYYY>_e.csv")
    year = int(match.group(1))
    url = manifest.url(f"itf/{path.name}", itf.URL_TEMPLATE.format(year=year))
    frame = itf.parse(raw, year=year, source_url=url)
    return frame.with_columns(
        pl.coalesce(
            pl.col("reference_no"),
            pl.concat_str(
                [pl.col(c).cast(pl.String).fill_null("") for c in
                 ("year", "programme", "lead_applicant", "project_title")],
                separator="|",
            ).map_elements(lambda s: "h" + hashlib.sha1(s.encode()).hexdigest()[:15], pl.String),
        ).alias("approval_id")
    )  # fmt: skip


_GIA_NAME = re.compile(r"_(en|zh)\.xml$")


def _gia(path: Path, raw: bytes, manifest: Manifest) -> pl.DataFrame:
    match = _GIA_NAME.search(path.name)
    if not match:
        raise SourceError(f"{path}: press-release feeds are named general_en.xml / general_zh.xml")
    lang = match.group(1)
    url = manifest.url(f"gia/{path.name}", gia.FEED_URLS[lang])
    return gia.parse_feed(raw, lang=lang, source_url=url)


SOURCES = (
    OfficialSource("censtatd", "censtatd/*.json", "core.macro_indicator", _censtatd, False),
    OfficialSource("hkma", "hkma/*.json", "core.fx_rate", _hkma, True),
    OfficialSource("itf", "itf/annuallist_*_e.csv", "core.funding_approval", _itf, True),
    OfficialSource("gia", "gia/general_*.xml", "raw.gia_item", _gia, False),
    OfficialSource(
        "published",
        "published/*.csv",
        "core.macro_indicator",
        _published,
        False,
        owned=True,
        landed_as=published.RAW,
    ),
)
