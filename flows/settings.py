"""The one reader of the environment: paths and options with their defaults."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flows.dask_runner import check_address
from flows.resources import snapshot_dir
from flows.sources import urls

DEFAULT_WAREHOUSE = Path("warehouse/hkam.duckdb")
DEFAULT_REPORTS = Path("reports")
DEFAULT_DATA = Path("data")
# DuckDB takes 80% of the machine's memory by default; a nightly writer on a shared machine
# holds its buffer pool to this ($HKAM_DUCKDB_MEMORY) and spills the rest to <warehouse>.tmp/.
WRITER_MEMORY_LIMIT = "1500MB"
# Register rows per part. Against 250,000, at 1M rows: peak RSS 2,232 MB against 2,713 MB for
# an 8% longer check; at 10M the larger parts peaked at 3,280 MB, over the 3 GB target.
PART_ROWS = 125_000
# A source with more than this share of its rows failing checks is not loaded that run: a file
# every row of which fails (Excel's TRUE/FALSE once) is a changed format, not bad rows.
MAX_FAILED_SHARE = 0.5
# The archive is a public server: public scrapers of it wait 0.5-2 s between requests (issue 24).
GIA_DELAY = 1.0


# issue 23: what the object store client reads (the standard names; AWS_ALLOW_HTTP for http://).
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
)


class SettingError(ValueError):
    """An HKAM_* variable holds a value the run cannot use; the message names it."""


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of the live sources (tests point them at a server on 127.0.0.1)."""

    censtatd: str = urls.CENSTATD_API
    hkma: str = urls.HKMA_ER_EERI_ENDPERIOD
    itf: str = urls.ITF_ANNUAL_LIST
    gia: str = urls.GIA_RSS


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one command."""

    warehouse: Path
    snapshot_dir: Path
    reports_dir: Path
    keep_versions: int = 7
    lock_wait: float = 0.0  # seconds a second writer waits for the first before giving up
    webhook_url: str | None = None
    endpoints: Endpoints = field(default_factory=Endpoints)
    data_dir: Path = Path("data")  # the analyst's own files: reviewed register rows, decisions
    # Register rows validated and transformed at a time: sets the run's memory, not its result.
    part_rows: int = PART_ROWS
    duckdb_memory: str = WRITER_MEMORY_LIMIT  # the run's DuckDB buffer pool; beyond it, disk
    # Prefect's own files (its temporary server's database, its profiles): $PREFECT_HOME when
    # set, else inside the analyst's folder rather than ~/.prefect, outside every chosen folder.
    prefect_home: Path = Path("data") / ".prefect"
    max_failed_share: float = MAX_FAILED_SHARE  # $HKAM_MAX_FAILED_SHARE
    # issue 24: seconds between two requests to the press-release archive's host (at least)
    gia_delay: float = GIA_DELAY  # $HKAM_GIA_DELAY
    # issue 23: where each published version is uploaded (s3://BUCKET/PREFIX or file:///DIR), and
    # the standard AWS_* variables for it; those hold secrets: out of repr, never logged.
    publish_url: str | None = None
    aws: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    # issue 22: the heavy steps on Dask (None: in this process), the folder its workers write
    # large results to (None: beside the warehouse), and the Prefect global concurrency limit
    # taken around the writer when a Prefect server runs the flow (None: the file lock only).
    dask_address: str | None = None  # $HKAM_DASK_ADDRESS or --dask: local:N or tcp://host:port
    shared_dir: Path | None = None  # $HKAM_SHARED_DIR
    writer_limit: str | None = None  # $HKAM_WRITER_LIMIT, such as hkam-writer


def load(
    warehouse: str | Path | None = None,
    snapshot: str | Path | None = None,
    reports: str | Path | None = None,
    data: str | Path | None = None,
    publish_url: str | None = None,
    dask: str | None = None,
) -> Settings:
    """Flags win over HKAM_* environment variables, which win over the defaults."""
    env = os.environ
    return Settings(
        warehouse=Path(warehouse or env.get("HKAM_WAREHOUSE") or DEFAULT_WAREHOUSE),
        snapshot_dir=Path(snapshot or env.get("HKAM_SNAPSHOT_DIR") or snapshot_dir()),
        reports_dir=Path(reports or env.get("HKAM_REPORTS_DIR") or DEFAULT_REPORTS),
        keep_versions=int(env.get("HKAM_KEEP_VERSIONS", "7")),
        lock_wait=float(env.get("HKAM_LOCK_WAIT", "0")),
        webhook_url=env.get("HKAM_WEBHOOK_URL") or None,
        endpoints=Endpoints(
            censtatd=env.get("HKAM_CENSTATD_URL") or Endpoints.censtatd,
            hkma=env.get("HKAM_HKMA_URL") or Endpoints.hkma,
            itf=env.get("HKAM_ITF_URL") or Endpoints.itf,
            gia=env.get("HKAM_GIA_URL") or Endpoints.gia,
        ),
        data_dir=Path(data or env.get("HKAM_DATA_DIR") or DEFAULT_DATA),
        part_rows=_positive(env.get("HKAM_PART_ROWS", str(PART_ROWS)), "HKAM_PART_ROWS"),
        duckdb_memory=_size(env.get("HKAM_DUCKDB_MEMORY") or WRITER_MEMORY_LIMIT),
        max_failed_share=_share(
            env.get("HKAM_MAX_FAILED_SHARE", str(MAX_FAILED_SHARE)), "HKAM_MAX_FAILED_SHARE"
        ),
        prefect_home=Path(
            env.get("PREFECT_HOME")
            or Path(data or env.get("HKAM_DATA_DIR") or DEFAULT_DATA) / ".prefect"
        ),
        gia_delay=_seconds(env.get("HKAM_GIA_DELAY", str(GIA_DELAY)), "HKAM_GIA_DELAY"),  # issue 24
        # issue 23
        publish_url=publish_url or env.get("HKAM_PUBLISH_URL") or None,
        aws={name: env[name] for name in AWS_VARIABLES if env.get(name)},
        # issue 22
        dask_address=_dask(dask or env.get("HKAM_DASK_ADDRESS") or None),
        shared_dir=Path(env["HKAM_SHARED_DIR"]) if env.get("HKAM_SHARED_DIR") else None,
        writer_limit=env.get("HKAM_WRITER_LIMIT") or None,
    )


def _dask(address: str | None) -> str | None:
    """A Dask address hkam can use, or a message naming --dask and HKAM_DASK_ADDRESS."""
    try:
        return check_address(address)
    except ValueError as exc:
        raise SettingError(f"--dask / HKAM_DASK_ADDRESS: {exc}") from exc


def _share(text: str, name: str) -> float:
    """A share between 0 (exclusive) and 1 from the environment, or a message naming it."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise SettingError(f"{name}={text!r}: give a share above 0 and at most 1, such as 0.5")
    return value


def _seconds(text: str, name: str) -> float:
    """A number of seconds, 0 or more, from the environment, or a message naming it."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise SettingError(f"{name}={text!r}: give a number of seconds, 0 or more, such as 1")
    return value


def _positive(text: str, name: str) -> int:
    """A positive whole number from the environment, or a message naming the variable."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingError(f"{name} must be a positive whole number of rows, not {text!r}")
    return value


def _size(text: str) -> str:
    """A DuckDB memory size such as 2GB or 1500MB, or a message naming HKAM_DUCKDB_MEMORY."""
    if not re.fullmatch(r"\s*[0-9]+(\.[0-9]+)?\s*(K|M|G|T)i?B\s*", text, re.IGNORECASE):
        raise SettingError(f"HKAM_DUCKDB_MEMORY must be a size such as 2GB or 1500MB, not {text!r}")
    return text.strip()
