"""The README's readers, run as printed against the published version on SeaweedFS (issue 23).

The Python block of "Readers on other machines" is executed with only BUCKET/PREFIX filled in and
the standard AWS_* variables set, then its results are compared with the warehouse it came from.
The httpfs ATTACH block runs only where DuckDB can load httpfs without a download (not here).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from .conftest import BUCKET, URL, Place

README = Path(__file__).resolve().parents[2] / "README.md"
PREFIX = URL.removeprefix(f"s3://{BUCKET}/")


def section() -> str:
    """The README's readers section."""
    text = README.read_text(encoding="utf-8")
    return text.split("## Readers on other machines\n", 1)[1].split("\n## ", 1)[0]


def block(language: str) -> str:
    """The one fenced block of that language in the section, placeholders filled in."""
    [found] = re.findall(rf"^```{language}\n(.*?)^```", section(), flags=re.S | re.M)
    return found.replace("BUCKET", BUCKET).replace("PREFIX", PREFIX)


def test_the_readmes_python_readers_run_as_printed(
    place: Place, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in place.aws.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # the block downloads hkam.duckdb into the current folder
    latest = place.latest()
    names: dict[str, object] = {}
    try:
        exec(compile(block("python"), "README.md (Readers on other machines)", "exec"), names)
    finally:
        duckdb.execute("DETACH DATABASE IF EXISTS hkam")  # the block attached it on the default
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        top = con.sql("SELECT * FROM marts.largest_commitments ORDER BY rank LIMIT 10").pl()
        by_year = con.execute(
            "SELECT year, sum(total_hkd) / 1e9 AS bn FROM marts.investment_by_sector_year "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        largest = con.execute(
            "SELECT company_name, amount_text FROM marts.largest_commitments ORDER BY rank LIMIT 5"
        ).fetchall()
    # polars at the pinned version: the ten rows the warehouse ranks first, zones as one name.
    got = names["top"]
    assert isinstance(got, pl.DataFrame) and got.height == 10
    zoned = [n for n, t in top.schema.items() if isinstance(t, pl.Datetime) and t.time_zone]
    utc = [pl.col(n).dt.convert_time_zone("UTC") for n in zoned]
    assert_frame_equal(got.with_columns(utc), top.with_columns(utc), check_dtypes=False)
    assert names["by_year"] == by_year and len(by_year) > 1
    assert names["largest"] == largest and len(largest) == 5
    # The downloaded file is the object LATEST.json names, byte for byte the published file.
    assert latest["duckdb"].startswith("duckdb/hkam-")
    assert (tmp_path / "hkam.duckdb").read_bytes() == place.warehouse.read_bytes()


def test_the_readmes_httpfs_attach_is_said_to_be_untested_unless_httpfs_loads(
    place: Place,
) -> None:
    try:
        duckdb.connect().execute("LOAD httpfs")  # a local install only: never a download
    except duckdb.Error:
        assert "untested offline" in section()  # the README says why it is not run
        return
    latest = place.latest()
    aws = place.aws
    sql = block("sql").replace("hkam-<run_id>.duckdb", latest["duckdb"].split("/")[-1])
    for value in (aws["AWS_ACCESS_KEY_ID"], aws["AWS_SECRET_ACCESS_KEY"],
                  aws["AWS_ENDPOINT_URL"].removeprefix("http://")):  # fmt: skip
        sql = sql.replace("'…'", f"'{value}'", 1)
    con = duckdb.connect()
    con.execute("LOAD httpfs")
    con.execute("SET s3_use_ssl = false")  # the test server is plain http on 127.0.0.1
    con.execute(sql)
    [(rows,)] = con.execute("SELECT count(*) FROM hkam.marts.largest_commitments").fetchall()
    with duckdb.connect(str(place.warehouse), read_only=True) as here:
        [(expected,)] = here.execute("SELECT count(*) FROM marts.largest_commitments").fetchall()
    assert rows == expected
