"""JSON faults (C&SD, HKMA) and schema drift in every source: the contract decides, DQ shows it."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.resources import snapshot_dir
from flows.sources import censtatd, gia, hkma
from flows.sources.errors import SourceError
from tests.faults.conftest import (
    REGISTER,
    balanced,
    csv_bytes,
    dq,
    hkam,
    query,
    read_csv_rows,
    source,
)

CSD = json.loads((snapshot_dir() / "censtatd" / "310-30001.json").read_text(encoding="utf-8"))
FX = json.loads(
    (snapshot_dir() / "hkma" / "er-eeri-endperiod_history.json").read_text(encoding="utf-8")
)
GIA = (snapshot_dir() / "gia" / "general_en.xml").read_bytes()
VINTAGE = datetime(2025, 2, 3, tzinfo=UTC)


def edit(obj: dict[str, Any], fn: Any) -> bytes:
    out = copy.deepcopy(obj)
    fn(out)
    return json.dumps(out).encode()


def each(key: str, fn: Any) -> Any:
    return lambda o: [fn(r) for r in (o["dataSet"] if key == "c" else o["result"]["records"])]


# name -> (payload, rows or None when the source must fail, words of the failure)
CSD_CASES: dict[str, tuple[bytes, int | None, tuple[str, ...]]] = {
    "truncated": (json.dumps(CSD).encode()[:400], None, ("not complete JSON", "truncated")),
    "figure-N/A": (edit(CSD, lambda o: o["dataSet"][0].update(figure="N/A")), 3, ()),
    "figure-word": (edit(CSD, lambda o: o["dataSet"][0].update(figure="abc")), None, ("dataSet[0]", "'abc' is not a number")),
    "figure-list": (edit(CSD, lambda o: o["dataSet"][1].update(figure=[2.5])), None, ("dataSet[1]", "list")),
    "record-is-list": (edit(CSD, lambda o: o["dataSet"].__setitem__(0, [1])), None, ("dataSet[0] is not an object",)),
    "dataSet-is-object": (edit(CSD, lambda o: o.update(dataSet={"x": 1})), None, ("no dataSet list",)),
    "error-envelope": (json.dumps({"header": {"status": {"name": "Failed", "code": 1}}, "dataSet": []}).encode(), None, ("status 'Failed'",)),
    "empty-dataSet": (edit(CSD, lambda o: o.update(dataSet=[])), 0, ()),
    "duplicate-period": (edit(CSD, lambda o: o["dataSet"].append(dict(o["dataSet"][0]))), 4, ()),
    "added-field": (edit(CSD, each("c", lambda r: r.update(remark="x"))), 3, ()),
    "removed-field": (edit(CSD, each("c", lambda r: r.pop("figure"))), None, ("dataSet[0] has no field figure",)),
    "renamed-field": (edit(CSD, each("c", lambda r: r.__setitem__("value", r.pop("figure")))), None, ("no field figure", "value")),
}  # fmt: skip

HKMA_CASES: dict[str, tuple[bytes, int | None, tuple[str, ...]]] = {
    "truncated": (json.dumps(FX).encode()[:300], None, ("not complete JSON", "truncated")),
    "rate-N/A": (edit(FX, lambda o: o["result"]["records"][0].update(usd="N/A")), None, ("usd='N/A' is not a number",)),
    "rate-list": (edit(FX, lambda o: o["result"]["records"][0].update(usd=[7.8])), None, ("usd=[7.8] is not a number",)),
    "records-is-object": (edit(FX, lambda o: o["result"].update(records={"x": 1})), None, ("result.records missing",)),
    "error-envelope": (json.dumps({"header": {"success": False, "err_code": "1001", "err_msg": "Invalid"}, "result": {}}).encode(), None, ("header.success is False", "1001")),
    "empty-records": (edit(FX, lambda o: o["result"].update(records=[], datasize=0)), 0, ()),
    "duplicate-month": (edit(FX, lambda o: o["result"]["records"].append(dict(o["result"]["records"][0]))), 30, ()),
    "added-field": (edit(FX, each("h", lambda r: r.update(remark="provisional"))), 25, ()),
    "removed-field": (edit(FX, each("h", lambda r: r.pop("usd"))), 20, ()),
    "renamed-field": (edit(FX, each("h", lambda r: r.__setitem__("month", r.pop("end_of_month")))), None, ("end_of_month None is not YYYY-MM",)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CSD_CASES))
def test_censtatd_payload(name: str) -> None:
    raw, rows, words = CSD_CASES[name]
    url = censtatd.source_url("310-30001")
    if rows is None:
        with pytest.raises(SourceError) as err:
            censtatd.parse(raw, table_id="310-30001", source_url=url, vintage=VINTAGE)
        assert "310-30001" in str(err.value)
        for word in words:
            assert word in str(err.value), err.value
        return
    frame = censtatd.parse(raw, table_id="310-30001", source_url=url, vintage=VINTAGE)
    assert frame.height == rows
    if name == "figure-N/A":
        assert frame.get_column("value").null_count() == 1  # C&SD's own missing marker


@pytest.mark.parametrize("name", list(HKMA_CASES))
def test_hkma_payload(name: str) -> None:
    raw, rows, words = HKMA_CASES[name]
    if rows is None:
        with pytest.raises(SourceError) as err:
            hkma.parse_page(raw, where="hkma/er-eeri-endperiod_history.json")
        assert "er-eeri-endperiod_history.json" in str(err.value) or "end_of_month" in str(
            err.value
        )
        for word in words:
            assert word in str(err.value), err.value
        return
    frame, _ = hkma.parse_page(raw, where="hkma/x.json")
    assert frame.height == rows


GIA_CASES = {
    "added-element": (GIA.replace(b"</title>", b"</title><category>x</category>"), "loads"),
    "removed-pubDate": (GIA.replace(b"<pubDate>", b"<!--").replace(b"</pubDate>", b"-->"), "loads"),
    "renamed-item": (GIA.replace(b"<item>", b"<entry>").replace(b"</item>", b"</entry>"), "gone"),
    "truncated": (GIA[: len(GIA) // 2], "fails"),
}


@pytest.mark.parametrize("name", list(GIA_CASES))
def test_gia_feed_drift(name: str) -> None:
    raw, expect = GIA_CASES[name]
    url = gia.FEED_URLS["en"]
    if expect in ("fails", "gone"):
        # No <item> is a changed format: the source fails naming what the channel holds.
        words = "malformed XML" if expect == "fails" else "no <item> elements.*entry"
        with pytest.raises(SourceError, match=words):
            gia.parse_feed(raw, lang="en", source_url=url)
        return
    frame = gia.parse_feed(raw, lang="en", source_url=url)
    full = gia.parse_feed(GIA, lang="en", source_url=url)
    assert frame.height == full.height
    # Without pubDate the P-number still dates each release.
    assert frame.get_column("published_date_hk").null_count() == 0


pytestmark_flow = pytest.mark.usefixtures("prefect_harness")


def _register_edit(snap: Path, rename: dict[str, str] | None = None, drop: str | None = None,
                   add: str | None = None, na: str | None = None) -> None:  # fmt: skip
    path = snap / REGISTER
    fields, rows = read_csv_rows(path)
    if add:
        fields.append(add)
        for r in rows:
            r[add] = "scratch"
    if drop:
        fields.remove(drop)
    for old, new in (rename or {}).items():
        fields[fields.index(old)] = new
        for r in rows:
            r[new] = r.pop(old)
    if na:
        rows[0][na] = "N/A"
    path.write_bytes(csv_bytes(fields, rows))


@pytestmark_flow
def test_drift_everywhere_warns_and_loads_what_the_contract_allows(
    snap: Path, where: tuple[Path, Path]
) -> None:
    """One night with drift in every source: an extra register column (ignored, DQ note), an
    amount "N/A" (quarantined), C&SD and HKMA with an added field (load), ITF with its amount
    column renamed (that source fails naming the column), GIA with an added element (loads)."""
    warehouse, reports = where
    assert hkam(snap, warehouse, reports) == 0  # the night before, for "since previous run"
    _register_edit(snap, add="analyst_scratch", na="amount")
    for name in ("310-30001.json", "310-31001.json"):
        path = snap / "censtatd" / name
        data = json.loads(path.read_text(encoding="utf-8"))
        for r in data["dataSet"]:
            r["remark"] = ""
        path.write_text(json.dumps(data), encoding="utf-8")
    path = snap / "hkma" / "er-eeri-endperiod.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for r in data["result"]["records"]:
        r["remark"] = "provisional"
    path.write_text(json.dumps(data), encoding="utf-8")
    itf = snap / "itf" / "annuallist_2023_e.csv"
    itf.write_bytes(itf.read_bytes().replace(b"Funds Approved ($M),", b"Approved Amount,", 1))
    feed = snap / "gia" / "general_en.xml"
    feed.write_bytes(feed.read_bytes().replace(b"</title>", b"</title><category>x</category>"))
    assert hkam(snap, warehouse, reports) == 0
    payload = dq(reports)
    changes = {(c["source"], c["change"], c["column"]) for c in payload["schema"]["changes"]}
    assert ("register", "extra (not in contract)", "analyst_scratch") in changes
    assert ("register", "added since previous run", "analyst_scratch") in changes
    assert ("censtatd", "added since previous run", "remark") in changes
    assert ("hkma", "added since previous run", "remark") in changes
    assert ("itf", "added since previous run", "Approved Amount") in changes
    assert ("itf", "gone since previous run", "Funds Approved ($M)") in changes
    itf_counts = source(payload, "itf")
    assert itf_counts["status"] == "failed"
    assert (
        "'Funds Approved ($M)'" in itf_counts["message"]
        and "annuallist_2023_e.csv" in itf_counts["message"]
    )
    for name in ("register", "censtatd", "hkma", "gia"):
        assert source(payload, name)["status"] != "failed", name
        assert balanced(source(payload, name)), name
    assert source(payload, "register")["quarantined"] == 1
    [(reason,)] = query(warehouse, "SELECT reason FROM meta.quarantine")
    assert "N/A" in reason
    # ITF rows of the night before stay; nothing of the renamed file is half-loaded.
    assert query(warehouse, "SELECT count(*) FROM core.funding_approval") == [(2,)]


@pytestmark_flow
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"drop": "status"}, ("missing required column(s) status",)),
        ({"rename": {"amount": "amount_hkd"}}, ("missing required column(s) amount",)),
    ],
    ids=["removed", "renamed"],
)
def test_register_required_column_drift_blocks_naming_it(
    snap: Path, where: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
    kwargs: dict[str, Any], words: tuple[str, ...],
) -> None:  # fmt: skip
    warehouse, reports = where
    _register_edit(snap, **kwargs)
    assert hkam(snap, warehouse, reports) == 1
    out = capsys.readouterr().out
    assert "commitments.csv: line 1" in out
    for word in words:
        assert word in out
    assert dq(reports)["status"] == "blocked"
    changes = {(c["change"], c["column"]) for c in dq(reports)["schema"]["changes"]}
    assert ("missing (required by contract)", words[0].rsplit(" ", 1)[1]) in changes


@pytestmark_flow
def test_broken_json_fails_its_source_only_and_nothing_is_half_loaded(
    snap: Path, where: tuple[Path, Path]
) -> None:
    """C&SD: one of ten files truncated; HKMA: an error envelope. Both fail whole (no file of
    theirs loads), the register, ITF and GIA publish."""
    warehouse, reports = where
    path = snap / "censtatd" / "310-31001.json"
    path.write_bytes(path.read_bytes()[:700])
    (snap / "hkma" / "er-eeri-endperiod.json").write_text(
        json.dumps(
            {"header": {"success": False, "err_code": "1001", "err_msg": "Invalid"}, "result": {}}
        ),
        encoding="utf-8",
    )
    assert hkam(snap, warehouse, reports) == 0
    payload = dq(reports)
    csd, fx = source(payload, "censtatd"), source(payload, "hkma")
    assert csd["status"] == fx["status"] == "failed"
    assert "310-31001.json" in csd["message"] and "truncated" in csd["message"]
    assert "er-eeri-endperiod.json" in fx["message"] and "1001" in fx["message"]
    # The published figures share the table and still load (their own source).
    assert query(
        warehouse, "SELECT count(*) FROM core.macro_indicator WHERE kind = 'official_api'"
    ) == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM core.fx_rate") == [(0,)]
    assert query(
        warehouse, "SELECT count(*) FROM meta.source_file WHERE source IN ('censtatd', 'hkma')"
    ) == [(0,)]
    for name in ("register", "itf", "gia"):
        assert source(payload, name)["status"] != "failed" and source(payload, name)["loaded"] > 0
