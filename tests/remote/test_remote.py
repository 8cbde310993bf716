"""Each published version on a real S3 server (SeaweedFS): read back, versions, failures, readers.

The runs are real `hkam run`s (in this process, on the session's Prefect harness) on a copy of
the bundled snapshot; the register edits below are test-made changes to real rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import obstore
import polars as pl
import pytest
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from flows import remote
from flows.cli import main
from flows.publishing import last_run_id
from flows.upload import read_status
from tests.helpers import business_dump, rewrite_register
from tests.ops.test_webhook import Receiver, receiver  # noqa: F401  (the webhook's test server)

from .conftest import SECRET, URL, Place, Seaweed


def utc(frame: pl.DataFrame) -> pl.DataFrame:
    """Zoned times in one zone's name: DuckDB says Etc/UTC, Delta UTC (the same instants)."""
    return frame.with_columns(
        pl.col(n).dt.convert_time_zone("UTC")
        for n, t in frame.schema.items()
        if isinstance(t, pl.Datetime) and t.time_zone
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_published_run_reads_back_equal_to_the_warehouse(place: Place) -> None:
    latest = place.latest()
    assert latest["run_id"] == last_run_id(place.warehouse)
    store = place.target().store
    # The DuckDB object is the published file, byte for byte, and opens in DuckDB.
    body = bytes(obstore.get(store, latest["duckdb"]).bytes())
    assert latest["duckdb"] == f"duckdb/hkam-{latest['run_id']}.duckdb"
    assert sha(body) == sha(place.warehouse.read_bytes())
    copy = place.warehouse.parent.parent / "downloaded.duckdb"
    copy.write_bytes(body)
    assert business_dump(copy) == business_dump(place.warehouse)
    # One Delta table per core and marts name, the view core.investment_commitment included.
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        names = remote.published_names(con)
        assert "core.investment_commitment" in names and "marts.largest_commitments" in names
        assert set(latest["delta"]) == set(names)
        for name in names:
            uri = place.target().delta_uri(name)
            delta = pl.read_delta(uri, storage_options=place.target().storage_options)
            here = con.sql(f"SELECT * FROM {name}").pl()
            assert delta.height == here.height, name
            assert_frame_equal(utc(delta), utc(here), check_row_order=False, check_dtypes=False)
        # DuckDB over Delta through deltalake -> Arrow (the README's reader).
        table = DeltaTable(
            place.target().delta_uri("marts.investment_by_sector_year"),
            storage_options=place.target().storage_options,
        )
        dataset = table.to_pyarrow_dataset()
        reader = duckdb.connect()
        reader.register("investment", dataset)
        query = "SELECT year, cluster, funder, sum(total_hkd) FROM {} GROUP BY ALL ORDER BY ALL"
        local = con.execute(query.format("marts.investment_by_sector_year")).fetchall()
        assert reader.execute(query.format("investment")).fetchall() == local
    assert (read_status(place.warehouse) or {}).get("ok") is True


@dataclass
class Second:
    before: dict[str, Any]
    after: dict[str, Any]
    old_file_sha: str
    reader_sha: str
    old_rows: pl.DataFrame
    reader_rows: pl.DataFrame


@pytest.fixture(scope="module")
def second(place: Place) -> Second:
    """A reader starts on the first version; a second run publishes and uploads; the reader then
    reads the rest of what it started."""
    before = place.latest()
    store = place.target().store
    old_sha = sha(place.warehouse.read_bytes())
    size = int(obstore.head(store, before["duckdb"])["size"])
    first_half = bytes(obstore.get_range(store, before["duckdb"], start=0, end=size // 2))
    name = "marts.largest_commitments"
    old = DeltaTable(
        place.target().delta_uri(name),
        version=before["delta"][name],
        storage_options=place.target().storage_options,
    )
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        old_rows = con.sql(f"SELECT * FROM {name}").pl()
    rewrite_register(place.snapshot, {"horizon-robotics-2023-12": {"status": "construction"}})
    with pytest.MonkeyPatch.context() as mp:
        for key, value in place.aws.items():
            mp.setenv(key, value)
        assert place.run("--publish-url", URL) == 0
    second_half = bytes(obstore.get_range(store, before["duckdb"], start=size // 2, end=size))
    return Second(
        before, place.latest(), old_sha, sha(first_half + second_half), old_rows,
        pl.DataFrame(pl.from_arrow(old.to_pyarrow_table())),
    )  # fmt: skip


def test_a_second_run_adds_a_delta_version_and_moves_latest(place: Place, second: Second) -> None:
    assert second.after["run_id"] == last_run_id(place.warehouse) != second.before["run_id"]
    for name, version in second.before["delta"].items():
        assert second.after["delta"][name] == version + 1, name
    keys = [
        m["path"] for batch in obstore.list(place.target().store, prefix="duckdb") for m in batch
    ]
    assert sorted(keys) == sorted([second.before["duckdb"], second.after["duckdb"]])
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        [(status,)] = con.execute(
            "SELECT status FROM core.investment_commitment "
            "WHERE commitment_id = 'horizon-robotics-2023-12'"
        ).fetchall()
    assert status == "construction"
    uri = place.target().delta_uri("core.investment_commitment")
    now = pl.read_delta(uri, storage_options=place.target().storage_options)
    horizon = now.filter(pl.col("commitment_id") == "horizon-robotics-2023-12")
    assert horizon["status"].to_list() == ["construction"]


def test_a_reader_holding_the_old_version_reads_it_to_the_end_during_an_upload(
    second: Second,
) -> None:
    assert second.reader_sha == second.old_file_sha
    assert_frame_equal(
        utc(second.reader_rows), utc(second.old_rows), check_row_order=False, check_dtypes=False
    )


def test_wrong_credentials_say_so_and_leave_the_local_publish(
    place: Place, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = place.latest()
    local = sha(place.warehouse.read_bytes())
    for name, value in place.aws.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    assert main(["publish", "--warehouse", str(place.warehouse), "--to", URL]) == 1
    err = capsys.readouterr().err
    assert "refused the credentials" in err and "AWS_SECRET_ACCESS_KEY" in err
    assert "not-the-secret" not in err and SECRET not in err
    assert f"The published warehouse {place.warehouse} is as it was." in err
    assert sha(place.warehouse.read_bytes()) == local
    assert place.latest() == before
    assert main(["status", "--warehouse", str(place.warehouse)]) == 0
    out = capsys.readouterr().out
    assert "Upload: published locally; upload failed: " in out
    assert f"{URL} still has run {before['run_id']}" in out


WRITTEN_BEFORE_THE_STOP = 3  # Delta tables the interrupted upload gets to write


@dataclass
class StopMidUpload:
    """Wraps remote._write_delta: kills the server just before the upload's fourth Delta table,
    so the DuckDB object and three tables of the new run are in place and LATEST.json is not.
    The stop happens in the uploading thread at that point, whatever the machine's load."""

    server: Seaweed
    real: Any
    written: list[str] = field(default_factory=list)
    refused: bool = False

    def __call__(self, con: Any, target: remote.Target, name: str, run_id: str) -> int:
        if len(self.written) == WRITTEN_BEFORE_THE_STOP and self.server.proc is not None:
            self.server.stop()
            self.refused = self.server.refuses()
        version = int(self.real(con, target, name, run_id))
        self.written.append(name)
        return version


def delta_versions(place: Place, names: list[str]) -> dict[str, int]:
    """Each table's latest Delta version on the server now."""
    options = place.target().storage_options
    return {
        n: DeltaTable(place.target().delta_uri(n), storage_options=options).version() for n in names
    }


def test_the_server_stopped_mid_upload_keeps_latest_and_the_next_run_completes(
    place: Place,
    seaweed: Seaweed,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    receiver: tuple[Receiver, str],  # noqa: F811
) -> None:
    before = place.latest()
    for name, value in place.aws.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HKAM_PUBLISH_URL", URL)
    monkeypatch.setenv("HKAM_WEBHOOK_URL", receiver[1])
    rewrite_register(place.snapshot, {"horizon-robotics-2023-12": {"status": "operational"}})
    stop = StopMidUpload(seaweed, remote._write_delta)
    monkeypatch.setattr(remote, "_write_delta", stop)
    try:
        assert place.run() == 0  # published locally: the run's own outcome
    finally:
        monkeypatch.setattr(remote, "_write_delta", stop.real)
        if seaweed.proc is None:
            seaweed.start()
    # The server went away mid-upload, after three Delta tables and before the fourth.
    assert stop.refused and len(stop.written) == WRITTEN_BEFORE_THE_STOP
    out = capsys.readouterr().out
    assert "published locally; upload failed: " in out, out
    assert "write the Delta table" in out, out  # the step the upload stopped at
    run_id = last_run_id(place.warehouse)
    assert run_id != before["run_id"]
    dq = (place.reports / "latest" / "dq.md").read_text(encoding="utf-8")
    assert "published locally; upload failed: " in dq
    assert "published locally; upload failed: " in (place.reports / "latest" / "dq.html").read_text(
        encoding="utf-8"
    )
    [event] = [b for b in receiver[0].bodies if b["run"]["run_id"] == run_id]
    assert event["event"] == "hkam.run.upload_failed"
    assert (read_status(place.warehouse) or {}).get("ok") is False
    # LATEST.json still names the previous complete version, whose objects are all there,
    # although the new run's DuckDB object and first tables went up.
    assert place.latest() == before
    names = sorted(before["delta"])
    half = delta_versions(place, names)
    assert {n for n in names if half[n] == before["delta"][n] + 1} == set(stop.written)
    assert all(half[n] == before["delta"][n] for n in names if n not in stop.written)
    store = place.target().store
    assert obstore.head(store, before["duckdb"])["size"] > 0
    assert obstore.head(store, f"duckdb/hkam-{run_id}.duckdb")["size"] > 0
    # The next run (its inputs unchanged, it publishes nothing) uploads what the last could not,
    # adding one version to each table: none again to the tables already written.
    assert place.run() == 0
    out = capsys.readouterr().out
    after = place.latest()
    assert after["run_id"] == run_id == last_run_id(place.warehouse), out
    assert after["delta"] == {n: v + 1 for n, v in before["delta"].items()}
    status = read_status(place.warehouse) or {}
    assert status.get("ok") is True and status.get("run_id") == after["run_id"]
    assert json.loads(json.dumps(status))["url"] == URL


def test_the_aws_settings_stay_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.settings import load

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("HKAM_PUBLISH_URL", URL)
    settings = load()
    assert settings.aws["AWS_SECRET_ACCESS_KEY"] == SECRET and settings.publish_url == URL
    assert SECRET not in repr(settings) and SECRET not in str(settings)


def test_a_shared_folder_works_too_and_old_duckdb_objects_go_after_latest_moves(
    place: Place, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    older = [f"hkam-2020010{i}T000000Z-aaaaaa.duckdb" for i in range(1, 4)]
    (folder / "duckdb").mkdir(parents=True)
    for name in older:
        (folder / "duckdb" / name).write_bytes(b"an older version (test-made bytes)")
    done = remote.upload(place.warehouse, f"file://{folder}", {}, keep=2)
    latest = json.loads((folder / "LATEST.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == done.run_id == last_run_id(place.warehouse)
    # Run ids sort by time: the current object and the newest older one stay.
    assert sorted(p.name for p in (folder / "duckdb").iterdir()) == [
        older[2],
        Path(done.duckdb).name,
    ]
    assert sorted(done.removed) == [f"duckdb/{n}" for n in older[:2]]
    rows = pl.read_delta(str(folder / "delta" / "marts" / "largest_commitments"))
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        [(n,)] = con.execute("SELECT count(*) FROM marts.largest_commitments").fetchall()
    assert rows.height == n > 0
