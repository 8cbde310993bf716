"""The English and Chinese versions of one release, which carry different P-numbers, as one
candidate: paired when they are of the same Hong Kong day and state the same figures.

The feeds give no link between the two versions; the archive's release pages often do, and a
link given wins. Otherwise the evidence is the day and the figures: every amount of the version
that states fewer is stated by the other, at least two of them (or the one each states, equal),
and the pair is the only one of its day to agree so. Anything less stays two candidates. Pure
polars.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

PAIRED = "paired_release_id"


def figures(amounts_json: str | None) -> frozenset[tuple[str, float]]:
    """The (currency, value) of every amount a candidate states."""
    return frozenset(
        (str(a.get("currency")), float(a["value"]))
        for a in json.loads(amounts_json or "[]")
        if a.get("value") is not None
    )


def agree(a: frozenset[tuple[str, float]], b: frozenset[tuple[str, float]]) -> bool:
    """Two versions state the same figures: the fewer all in the more, two at least (or one,
    equal)."""
    small, large = sorted((a, b), key=len)
    if not small or not small <= large:
        return False
    return len(small) >= 2 or small == large


def _pairs(
    rows: Iterable[dict[str, Any]],
    linked: Mapping[str, str] | None = None,
    issued: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """English release_id -> Chinese release_id: the versions a page links (the archive's
    other-language link), then those that agree one to one (issued at the same time, where
    `issued` knows both times: the two versions of a release are issued together)."""
    english = [r for r in rows if r["link_en"] and not r["link_zh"]]
    chinese = [r for r in rows if r["link_zh"] and not r["link_en"]]
    ids = {r["release_id"] for r in chinese}
    known = {en["release_id"]: (linked or {}).get(en["release_id"]) for en in english}
    by_link = {en: zh for en, zh in known.items() if zh is not None and zh in ids}
    english = [r for r in english if r["release_id"] not in by_link]
    chinese = [r for r in chinese if r["release_id"] not in set(by_link.values())]
    found: dict[str, list[str]] = {}
    taken: dict[str, list[str]] = {}
    for en in english:
        for zh in chinese:
            same_day = en["published_date_hk"] == zh["published_date_hk"]
            times = [(issued or {}).get(r["release_id"]) for r in (en, zh)]
            if None not in times and times[0] != times[1]:
                continue
            if same_day and agree(figures(en["amounts_json"]), figures(zh["amounts_json"])):
                found.setdefault(en["release_id"], []).append(zh["release_id"])
                taken.setdefault(zh["release_id"], []).append(en["release_id"])
    agreeing = {
        en: zhs[0] for en, zhs in found.items() if len(zhs) == 1 and len(taken[zhs[0]]) == 1
    }
    return by_link | agreeing


def pair_languages(
    found: pl.DataFrame,
    agreed: Any,
    linked: Mapping[str, str] | None = None,
    issued: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Candidates with each linked (`linked`: English id -> Chinese id) or agreeing
    English/Chinese pair (`issued`: release id -> time of issue, where the pages give it) as
    one row: the English P-number
    kept, the Chinese one in paired_release_id, both titles and links, the evidence of both,
    the English figures, and the confidence `agreed(max)` gives two versions that agree."""
    out = found.with_columns(pl.lit(None, pl.String).alias(PAIRED))
    pairs = _pairs(found.to_dicts(), linked, issued)
    if not pairs:
        return out
    zh = out.filter(pl.col("release_id").is_in(list(pairs.values()))).select(
        pl.col("release_id").alias(PAIRED),
        pl.col("link_zh").alias("_link_zh"),
        pl.col("title_zh").alias("_title_zh"),
        pl.col("evidence").alias("_evidence_zh"),
        pl.col("company_guess").alias("_company_zh"),
        pl.col("cluster_guess").alias("_cluster_zh"),
        pl.col("confidence").alias("_confidence_zh"),
    )
    mapping = pl.DataFrame({"release_id": list(pairs), PAIRED: list(pairs.values())})
    merged = (
        out.drop(PAIRED)
        .filter(~pl.col("release_id").is_in(list(pairs.values())))
        .join(mapping, on="release_id", how="left")
        .join(zh, on=PAIRED, how="left")
    )
    both = pl.col(PAIRED).is_not_null()
    best = pl.max_horizontal("confidence", "_confidence_zh")
    return merged.with_columns(
        pl.when(both).then("_link_zh").otherwise("link_zh").alias("link_zh"),
        pl.when(both).then("_title_zh").otherwise("title_zh").alias("title_zh"),
        pl.when(both)
        .then(pl.concat_str(["evidence", "_evidence_zh"], separator=" | "))
        .otherwise("evidence")
        .alias("evidence"),
        pl.coalesce("company_guess", "_company_zh").alias("company_guess"),
        pl.coalesce("cluster_guess", "_cluster_zh").alias("cluster_guess"),
        pl.when(both)
        .then(best.map_elements(agreed, return_dtype=pl.Float64))
        .otherwise("confidence")
        .alias("confidence"),
    ).select(out.columns)
