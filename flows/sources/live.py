"""Live mode: fetch the official sources into a folder laid out like the bundled snapshot."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.settings import Endpoints
from flows.sources import censtatd, gia, hkma, http, itf
from flows.sources.errors import FetchError, SourceError

# The C&SD tables the warehouse follows (see README "Sources").
CENSTATD_TABLES = ("310-30001", "310-31001", "215-16001")
FIRST_ITF_YEAR = 2020  # RFS opened in 2020; earlier lists hold no advanced-manufacturing lines


@dataclass
class LiveResult:
    """What a live fetch wrote, and which sources failed (with the reason)."""

    out: Path
    files: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def fetch_snapshot(
    out: Path,
    *,
    endpoints: Endpoints | None = None,
    hkma_from: str | None = None,
    itf_years: list[int] | None = None,
    sleep: Callable[[float], None] | None = None,
    only: list[str] | None = None,
) -> LiveResult:
    """Fetch C&SD, HKMA, ITF and GIA into out/ in the snapshot layout; failures are recorded."""
    ends = endpoints or Endpoints()
    landing = out / ".landing"
    result = LiveResult(out)
    manifest: list[dict[str, str]] = []
    wanted = set(only or ("censtatd", "hkma", "itf", "gia"))

    def save(landed: http.Landed, rel: str) -> None:
        """Copy a landed body to its snapshot path and note it for the MANIFEST."""
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(landed.path, target)
        when = landed.retrieved_at.isoformat()
        manifest.append(
            {"path": rel, "source_url": landed.url, "retrieved_on": when, "notes": "live"}
        )
        result.files.append(target)

    if "censtatd" in wanted:
        try:
            for table in CENSTATD_TABLES:
                _, page = censtatd.fetch(
                    table, landing_dir=landing, base_url=ends.censtatd, sleep=sleep
                )
                save(page, f"censtatd/{table}.json")
        except SourceError as exc:
            result.errors["censtatd"] = str(exc)

    if "hkma" in wanted:
        try:
            _, pages = hkma.fetch_all(
                hkma_from, None, landing_dir=landing, base_url=ends.hkma, sleep=sleep
            )
            for n, page in enumerate(pages, start=1):
                save(page, f"hkma/er-eeri-endperiod_p{n}.json")
        except SourceError as exc:
            result.errors["hkma"] = str(exc)

    if "itf" in wanted:
        years = itf_years or list(range(FIRST_ITF_YEAR, date.today().year + 1))
        try:
            for year in years:
                try:
                    _, page = itf.fetch(
                        year, landing_dir=landing, url=ends.itf.format(year=year), sleep=sleep
                    )
                except FetchError as exc:
                    if exc.last_status == 404:  # that year's list is not published (yet)
                        continue
                    raise
                save(page, f"itf/annuallist_{year}_e.csv")
        except SourceError as exc:
            result.errors["itf"] = str(exc)

    if "gia" in wanted:
        try:
            for lang in ("en", "zh"):
                _, page = gia.fetch(
                    lang, landing_dir=landing, url=ends.gia.format(lang=lang), sleep=sleep
                )
                save(page, f"gia/general_{lang}.xml")
        except SourceError as exc:
            result.errors["gia"] = str(exc)

    _write_manifest(out, manifest)
    shutil.rmtree(landing, ignore_errors=True)
    return result


def _write_manifest(out: Path, rows: list[dict[str, str]]) -> None:
    """MANIFEST of a live snapshot: every file with its URL and retrieval time."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "MANIFEST").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["path", "source_url", "retrieved_on", "notes"])
        writer.writeheader()
        writer.writerows(rows)
