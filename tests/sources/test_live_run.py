"""`hkam run --live` against a real HTTP server on 127.0.0.1: sources load, a failing one is isolated."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.cli import main

from .conftest import Server

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _point_at(server: Server, monkeypatch: pytest.MonkeyPatch, hkma_path: str) -> None:
    monkeypatch.setenv("HKAM_CENSTATD_URL", server.url("/censtatd/api/get.php"))
    monkeypatch.setenv("HKAM_HKMA_URL", server.url(hkma_path))
    monkeypatch.setenv("HKAM_ITF_URL", server.url("/itf/annuallist_{year}_e.csv"))
    monkeypatch.setenv("HKAM_GIA_URL", server.url("/gia/general_{lang}.xml"))


def _count(path: Path, sql: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return int(con.execute(sql).fetchall()[0][0])


def test_live_run_loads_every_source(
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _point_at(server, monkeypatch, "/hkma/paged")
    wh = tmp_path / "hkam.duckdb"
    assert (
        main(["run", "--live", "--warehouse", str(wh), "--reports-dir", str(tmp_path / "r")]) == 0
    )
    assert "failed" not in capsys.readouterr().out
    # TEST VALUES served by the fixture: seven 2030 months, paged.
    assert (
        _count(wh, "SELECT count(DISTINCT month) FROM core.fx_rate WHERE month >= '2030-01-01'")
        == 7
    )
    assert (
        _count(
            wh,
            "SELECT count(*) FROM core.macro_indicator WHERE indicator LIKE '%manufactur%' "
            "AND kind = 'official_api'",
        )
        > 0
    )
    assert _count(wh, "SELECT count(*) FROM core.funding_approval WHERE year = 2023") == 2
    assert _count(wh, "SELECT count(*) FROM core.investment_commitment") > 0
    # The next live run asks HKMA only for months after the latest loaded.
    server.queries.clear()
    assert (
        main(["run", "--live", "--warehouse", str(wh), "--reports-dir", str(tmp_path / "r")]) == 0
    )
    assert server.queries and all(q.get("from") == ["2030-08"] for q in server.queries)


def test_a_failing_source_does_not_stop_the_others(
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _point_at(server, monkeypatch, "/hkma/error")
    wh = tmp_path / "hkam.duckdb"
    assert (
        main(["run", "--live", "--warehouse", str(wh), "--reports-dir", str(tmp_path / "r")]) == 0
    )
    out = capsys.readouterr().out
    assert "1 failed source" in out and "  - hkma: failed: " in out and "err_code='0010'" in out
    assert _count(wh, "SELECT count(*) FROM core.fx_rate") == 0, "nothing half-loaded"
    assert _count(wh, "SELECT count(*) FROM core.macro_indicator WHERE kind = 'official_api'") > 0
    assert _count(wh, "SELECT count(*) FROM core.investment_commitment") > 0


def test_snapshot_verb_writes_the_snapshot_layout(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_at(server, monkeypatch, "/hkma/paged")
    out = tmp_path / "snap"
    assert main(["snapshot", "--out", str(out)]) == 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "MANIFEST" in names and "censtatd/310-30001.json" in names
    assert "itf/annuallist_2023_e.csv" in names
    assert any(n.startswith("hkma/er-eeri-endperiod_p") for n in names)
    assert "gia/general_en.xml" in names and "gia/general_zh.xml" in names
    manifest = (out / "MANIFEST").read_text(encoding="utf-8")
    assert server.url("/censtatd/api/get.php") in manifest
