"""Company matching: one company row per real company, whatever the spelling."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from flows.resources import taxonomy_dir

_PARENS = re.compile(r"[(（][^)）]*[)）]")
_PUNCT = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")
# Legal and place suffixes that do not tell companies apart ("Pudu Robotics HK" = "Pudu Robotics").
_SUFFIX = re.compile(
    r"(\s+(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|hk|hong kong))+$"
)


def fold(name: str) -> str:
    """Matching key: NFKC, case-folded, without parentheses, punctuation or legal suffixes."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _PARENS.sub(" ", text)
    text = _PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _SUFFIX.sub("", text).strip()


def slug(name: str) -> str:
    """company_id: the folded canonical name with hyphens."""
    return fold(name).replace(" ", "-") or "unknown"


@dataclass
class CompanyBook:
    """Reviewed aliases: folded name -> canonical English name, plus names and regions."""

    canonical: dict[str, str] = field(default_factory=dict)
    name_zh: dict[str, str] = field(default_factory=dict)
    hq_region: dict[str, str] = field(default_factory=dict)
    # Names already resolved, with their company_id: a 10M-row register checked in 80 parts
    # resolved the same ~100k names in every part (8 s of its run).
    _seen: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> CompanyBook:
        """Read the reviewed alias file."""
        path = path or taxonomy_dir() / "company_aliases.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        book = cls()
        for name, info in (data.get("companies") or {}).items():
            info = info or {}
            for alias in [name, *(info.get("aliases") or [])]:
                book.canonical[fold(alias)] = name
            if info.get("name_zh"):
                book.canonical[fold(info["name_zh"])] = name
                book.name_zh[name] = info["name_zh"]
            if info.get("hq_region"):
                book.hq_region[name] = info["hq_region"]
        return book

    def resolve(self, name: str) -> str:
        """Canonical English name for a source name (itself when unknown, minus suffixes)."""
        return self.identify(name)[0]

    def identify(self, name: str) -> tuple[str, str]:
        """(canonical English name, company_id) for a source name, remembered."""
        known = self._seen.get(name)
        if known is None:
            canonical = self.canonical.get(fold(name), _PARENS.sub("", name).strip())
            known = self._seen[name] = (canonical, slug(canonical))
        return known


def match_companies(rows: pl.DataFrame, book: CompanyBook) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add company_id to company rows; return (rows, core.company frame)."""
    return company_ids(rows, book), company_table(company_names(rows), book)


_IS_COMPANY = pl.col("party") == "company"
# core.company as the transforms build it.
COMPANY_SCHEMA = pl.Schema(
    {
        "company_id": pl.String(),
        "name_en": pl.String(),
        "name_zh": pl.String(),
        "aliases": pl.List(pl.String()),
        "hq_region": pl.String(),
    }
)


def company_names(rows: pl.DataFrame) -> pl.DataFrame:
    """Distinct (company_name, company_zh) of company rows, in row order."""
    return rows.filter(_IS_COMPANY).select("company_name", "company_zh").unique(maintain_order=True)


def company_ids(rows: pl.DataFrame, book: CompanyBook) -> pl.DataFrame:
    """Rows with company_id (the slug of the canonical name) on company rows."""
    names = rows.filter(_IS_COMPANY).get_column("company_name").unique().to_list()
    ids = {n: book.identify(n)[1] for n in names}  # distinct names only
    return rows.with_columns(
        pl.when(_IS_COMPANY)
        .then(pl.col("company_name").replace_strict(ids, default=None, return_dtype=pl.String))
        .otherwise(None)
        .alias("company_id")
    )


def company_table(names: pl.DataFrame, book: CompanyBook) -> pl.DataFrame:
    """core.company rows from distinct (company_name, company_zh) in row order: the first
    Chinese name seen wins where the reviewed book has none."""
    companies: dict[str, dict[str, object]] = {}
    for name, zh in names.iter_rows():
        canonical, company_id = book.identify(name)
        entry = companies.setdefault(
            company_id,
            {
                "company_id": company_id,
                "name_en": canonical,
                "name_zh": book.name_zh.get(canonical) or zh,
                "aliases": set(),
                "hq_region": book.hq_region.get(canonical),
            },
        )
        if name != entry["name_en"]:
            entry["aliases"].add(name)  # type: ignore[attr-defined]
        if not entry["name_zh"] and zh:
            entry["name_zh"] = zh
    return pl.DataFrame(
        [{**e, "aliases": sorted(e["aliases"])} for e in companies.values()],  # type: ignore[call-overload]
        schema=COMPANY_SCHEMA,
    ).sort("company_id")
