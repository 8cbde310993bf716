"""Each published version to object storage (issue 23): the DuckDB file, Delta tables, LATEST.json.

Layout under the publish URL (`s3://BUCKET/PREFIX` or a `file://` folder):

    duckdb/hkam-<run_id>.duckdb      the published file as written (never overwritten in place)
    delta/<schema>/<table>/          one Delta table per core and marts name, views included
    LATEST.json                      written last: the run, its DuckDB object, each Delta version

A reader who reads LATEST.json first sees one complete version: the objects it names are all in
place before it moves, and the DuckDB objects and Delta files it names stay while the next
version uploads (older DuckDB objects go only after LATEST.json has moved; Delta files only when
older than deltalake's 7-day vacuum retention).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from flows.contracts import load_contracts
from flows.publishing import last_run_id
from flows.warehouse import connect

LATEST = "LATEST.json"
DUCKDB_DIR = "duckdb"
DELTA_DIR = "delta"
SCHEMAS = ("core", "marts")  # the analyst-facing layers
BATCH_ROWS = 200_000  # rows per Arrow batch streamed from DuckDB into a Delta table
PART_BYTES = 16 * 1024 * 1024  # multipart chunk: fewer requests than obstore's 5 MB default
# A store that does not answer gives up in about a minute, not obstore's default 3 minutes.
RETRIES = 3
RETRY_TIMEOUT_S = 60


class UploadError(RuntimeError):
    """An upload that did not complete; the message names the step, never a credential."""


@dataclass(frozen=True)
class Uploaded:
    """What one upload put in place (also the body of the status file)."""

    url: str
    run_id: str
    duckdb: str
    delta: dict[str, int]
    bytes: int
    seconds: float
    file_seconds: float
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """A publish URL opened with its credentials: an obstore store and deltalake's options."""

    url: str
    store: Any  # obstore's ObjectStore (its classes are not importable for annotations)
    delta_options: dict[str, str] = field(repr=False)

    @property
    def storage_options(self) -> dict[str, str]:
        """The AWS_* options alone: what a reader (polars, deltalake) passes."""
        return {k: v for k, v in self.delta_options.items() if k.startswith("AWS_")}

    def delta_uri(self, name: str) -> str:
        """Where the Delta table for `schema.table` lives."""
        schema, table = name.split(".", 1)
        return f"{self.url.rstrip('/')}/{DELTA_DIR}/{schema}/{table}"


def open_target(url: str, aws: Mapping[str, str]) -> Target:
    """The store behind `url` (s3:// or file://) with the AWS_* settings (never logged)."""
    from obstore.store import LocalStore, from_url

    if url.startswith("file://"):
        folder = Path(url.removeprefix("file://"))
        folder.mkdir(parents=True, exist_ok=True)
        return Target(f"file://{folder.resolve()}", LocalStore(folder), {})
    if not url.startswith(("s3://", "s3a://")):
        raise UploadError(f"publish URL {url!r}: give s3://BUCKET/PREFIX or file:///FOLDER")
    config = {
        key: aws[env]
        for key, env in (
            ("access_key_id", "AWS_ACCESS_KEY_ID"),
            ("secret_access_key", "AWS_SECRET_ACCESS_KEY"),
            ("session_token", "AWS_SESSION_TOKEN"),
            ("region", "AWS_REGION"),
            ("default_region", "AWS_DEFAULT_REGION"),
            ("endpoint", "AWS_ENDPOINT_URL"),
        )
        if aws.get(env)
    }
    allow_http = aws.get("AWS_ALLOW_HTTP", "").lower() in ("1", "true", "yes")
    retry = {"max_retries": RETRIES, "retry_timeout": timedelta(seconds=RETRY_TIMEOUT_S)}
    client = {"allow_http": allow_http, "connect_timeout": timedelta(seconds=10)}
    given: dict[str, Any] = {"config": config, "client_options": client, "retry_config": retry}
    store = from_url(url, **given)
    options = {k: v for k, v in aws.items() if v}
    # delta-rs: one writer at a time is what hkam's writer lock guarantees.
    options.update(AWS_S3_ALLOW_UNSAFE_RENAME="true", max_retries=str(RETRIES))
    options["retry_timeout"] = f"{RETRY_TIMEOUT_S}s"
    return Target(url.rstrip("/"), store, options)


def published_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every core and marts table and view the warehouse holds that a contract declares."""
    held = {
        f"{s}.{n}"
        for s, n in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    return sorted(n for n in load_contracts() if n.split(".")[0] in SCHEMAS and n in held)


def read_latest(target: Target) -> dict[str, Any] | None:
    """LATEST.json at the target (None when nothing was published there yet)."""
    import obstore
    from obstore.exceptions import NotFoundError

    try:
        body = obstore.get(target.store, LATEST).bytes()
    except (NotFoundError, FileNotFoundError):
        return None
    return dict(json.loads(bytes(body)))


def upload(
    warehouse: Path,
    url: str,
    aws: Mapping[str, str],
    keep: int = 7,
    say: Callable[[str], None] = lambda _: None,
) -> Uploaded:
    """Upload the published warehouse as one version: the file, the Delta tables, LATEST.json
    last, then DuckDB objects beyond the newest `keep` (never the one LATEST.json names)."""
    run_id = last_run_id(warehouse)
    if run_id is None:
        raise UploadError(f"{warehouse} holds no published run to upload")
    started = time.perf_counter()
    with _step("open the target", aws):
        target = open_target(url, aws)
    key = f"{DUCKDB_DIR}/hkam-{run_id}.duckdb"
    size = warehouse.stat().st_size
    with _step(f"upload {key}", aws):
        _put_file(target, key, warehouse, size)
    file_s = time.perf_counter() - started
    say(f"upload: {key} in place ({size / 1e6:.1f} MB in {file_s:.1f} s)")
    versions: dict[str, int] = {}
    with connect(warehouse, read_only=True) as con:
        for name in published_names(con):
            with _step(f"write the Delta table {name}", aws):
                versions[name] = _write_delta(con, target, name, run_id)
    say(f"upload: {len(versions)} Delta tables written")
    latest = {
        "run_id": run_id,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duckdb": key,
        "delta": versions,
    }
    with _step(f"write {LATEST}", aws):
        import obstore

        obstore.put(target.store, LATEST, json.dumps(latest, indent=1).encode())
    with _step("remove old versions", aws):
        removed = _prune(target, keep, key, list(versions))
    say(f"upload: {LATEST} names run {run_id}" + (f"; {len(removed)} old removed" * bool(removed)))
    return Uploaded(
        target.url, run_id, key, versions, size, time.perf_counter() - started, file_s, removed
    )


def _put_file(target: Target, key: str, path: Path, size: int) -> None:
    """The file under `key` unless an object of its size is there already (a catch-up)."""
    import obstore
    from obstore.exceptions import NotFoundError

    try:
        if int(obstore.head(target.store, key)["size"]) == size:
            return
    except (NotFoundError, FileNotFoundError):
        pass
    with path.open("rb") as fh:
        # A multipart upload becomes visible only when complete: never half a file.
        obstore.put(target.store, key, fh, chunk_size=PART_BYTES, max_concurrency=4)


def _write_delta(con: duckdb.DuckDBPyConnection, target: Target, name: str, run_id: str) -> int:
    """A new version of the table's Delta table with every row (reused when this run wrote
    the latest one already: an upload caught up after a failure adds no version)."""
    from deltalake import CommitProperties, DeltaTable, write_deltalake
    from deltalake.exceptions import TableNotFoundError

    uri = target.delta_uri(name)
    try:
        table: DeltaTable | None = DeltaTable(uri, storage_options=target.delta_options)
    except TableNotFoundError:
        table = None
    if table is not None:
        last = table.history(1)
        if last and last[0].get("hkam_run_id") == run_id:
            return int(table.version())
    reader = con.sql(f"SELECT * FROM {name}").to_arrow_reader(BATCH_ROWS)
    write_deltalake(
        uri,
        reader,
        mode="overwrite",
        schema_mode="overwrite",
        storage_options=target.delta_options,
        commit_properties=CommitProperties(custom_metadata={"hkam_run_id": run_id}),
    )
    return int(DeltaTable(uri, storage_options=target.delta_options).version())


def _prune(target: Target, keep: int, current: str, tables: list[str]) -> list[str]:
    """DuckDB objects beyond the newest `keep` (names sort by run id, i.e. by time); Delta
    files past deltalake's retention (7 days: a reader on an older version keeps its files)."""
    import obstore

    names = sorted(
        (meta["path"] for batch in obstore.list(target.store, prefix=DUCKDB_DIR) for meta in batch),
        reverse=True,
    )
    old = [n for n in names[max(keep, 1) :] if n != current]
    if old:
        obstore.delete(target.store, old)
    from deltalake import DeltaTable

    for name in tables:
        DeltaTable(target.delta_uri(name), storage_options=target.delta_options).vacuum(
            dry_run=False
        )
    return old


@contextmanager
def _step(what: str, aws: Mapping[str, str]) -> Iterator[None]:
    """Any failure inside as an UploadError naming the step, with credentials blanked out."""
    try:
        yield
    except UploadError:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split("Debug source:")[0].split())
        for secret in (aws.get("AWS_SECRET_ACCESS_KEY"), aws.get("AWS_SESSION_TOKEN")):
            if secret:
                text = text.replace(secret, "***")
        if "403" in text or type(exc).__name__ == "PermissionDeniedError":
            raise UploadError(
                f"{what}: the store refused the credentials (HTTP 403): check "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and the bucket's policy"
            ) from None
        raise UploadError(f"{what}: {type(exc).__name__}: {_short(text)}") from None


def _short(text: str, limit: int = 400) -> str:
    """An S3 error's gist: its <Code> and <Message> when it has them, else the text cut short."""
    import re

    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text)
    if code and message:
        head = text.split("<?xml", 1)[0].strip()
        return f"{code.group(1)}: {message.group(1)} ({head[:200]})"
    return text if len(text) <= limit else text[:limit] + "…"
