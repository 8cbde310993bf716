"""The nightly flow end to end on the bundled snapshot, into a temporary DuckDB file."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from flows import inputs
from flows.cli import main
from flows.contracts import load_contracts
from flows.resources import snapshot_dir
from flows.runs import read_run_log
from tests.helpers import rewrite_register

pytestmark = pytest.mark.usefixtures("prefect_harness")

CORE_TABLES = [
    "core.investment_commitment_history",
    "core.company",
    "raw.register_commitment",
    "marts.investment_by_sector_year",
    "marts.jobs_by_sector_year",
]


def run(paths: dict[str, Path], snapshot: Path | None = None) -> int:
    """hkam run in-process (the session's Prefect server serves the flow)."""
    args = ["run", "--warehouse", str(paths["warehouse"]), "--reports-dir", str(paths["reports"])]
    if snapshot is not None:
        args += ["--snapshot-dir", str(snapshot)]
    return main(args)


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read-only query of a warehouse file."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def table_dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Business content of the core tables and marts, ordered (timestamps of runs excluded)."""
    out = {}
    for table in CORE_TABLES:
        rows = query(path, f"SELECT * EXCLUDE (load_id) FROM {table}" if "marts" not in table
                     else f"SELECT * FROM {table}")  # fmt: skip
        out[table] = sorted(rows, key=repr)
    return out


def register_rows() -> int:
    with (snapshot_dir() / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_first_run_loads_every_register_row(
    paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(paths) == 0
    out = capsys.readouterr().out
    assert "published" in out and str(paths["warehouse"].resolve()) in out
    wh = paths["warehouse"]
    n = register_rows()
    assert query(wh, "SELECT count(*) FROM core.investment_commitment") == [(n,)]
    assert query(wh, "SELECT count(*) FROM raw.register_commitment") == [(n,)]
    assert query(wh, "SELECT count(*) FROM meta.quarantine") == [(0,)]
    # J2 Semiconductor is one company whatever the source calls it.
    assert query(
        wh,
        "SELECT company_id FROM core.investment_commitment WHERE commitment_id = 'j2-semiconductor-2023-10'",
    ) == [("j2-semiconductor",)]
    [(status, rows_in, loaded, quarantined, unchanged)] = query(
        wh, "SELECT status, rows_in, rows_loaded, rows_quarantined, rows_unchanged FROM meta.run"
    )
    assert (status, loaded, quarantined, unchanged) == ("published", rows_in, 0, 0)
    assert rows_in > n, "the official sources load beside the register"
    dq = json.loads((paths["reports"] / "latest" / "dq.json").read_text(encoding="utf-8"))
    assert dq["status"] == "published" and dq["rows_in"] == rows_in
    register = next(src for src in dq["sources"] if src["source"] == "register")
    assert (register["rows_in"], register["loaded"]) == (n, n)
    assert dq["checks"]["register"], "every contract check is reported"
    assert (
        (paths["reports"] / "latest" / "dq.md")
        .read_text(encoding="utf-8")
        .startswith("# Data quality")
    )


def test_second_run_finds_nothing_new_and_leaves_the_published_file(
    paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(paths) == 0
    wh = paths["warehouse"]
    before, stat = _sha(wh), wh.stat()
    capsys.readouterr()
    assert run(paths) == 0
    out = capsys.readouterr().out
    assert "found nothing new since run" in out and "is left as that run published it" in out
    # Not copied, not republished, no new version: the very same file.
    after = wh.stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert _sha(wh) == before
    assert not list((wh.parent / "versions").glob("*.duckdb"))
    [(first, total, sha)] = query(wh, "SELECT run_id, rows_in, inputs_sha256 FROM meta.run")
    assert total >= register_rows() and len(sha) == 64
    second, published = read_run_log(wh)  # newest first
    assert published["run_id"] == first
    assert (second["status"], second["same_as"], second["exit_code"]) == ("unchanged", first, 0)
    # It reports what a run of unchanged files reports: every row held, none loaded.
    assert (second["rows_in"], second["rows_loaded"], second["rows_unchanged"]) == (
        total,
        0,
        total,
    )
    register = next(s for s in second["sources"] if s["source"] == "register")
    assert (register["status"], register["files"], register["files_unchanged"]) == (
        "unchanged",
        1,
        1,
    )
    capsys.readouterr()
    assert main(["status", "--warehouse", str(wh)]) == 0  # both runs, from meta.run and the log
    listed = capsys.readouterr().out
    # The table's rows: | run_id | started_at | duration_s | status | ...
    statuses = [
        cells[4].strip() for line in listed.splitlines() if len(cells := line.split("│")) > 4
    ]
    assert statuses == ["unchanged", "published"]  # newest first


@pytest.mark.parametrize("change", ["data-file", "code"])
def test_a_run_with_any_input_changed_goes_ahead(
    paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A new file in the data folder or a new hkam release differs from what the published
    file's last run read, so the run loads and publishes."""
    assert run(paths) == 0
    if change == "data-file":
        data = Path(os.environ["HKAM_DATA_DIR"])
        data.mkdir(parents=True, exist_ok=True)
        (data / "notes.txt").write_text("made for this test\n", encoding="utf-8")
    elif change == "code":
        monkeypatch.setattr(inputs, "code_sha256", lambda: "another release")
    assert run(paths) == 0
    runs = query(paths["warehouse"], "SELECT status, inputs_sha256 FROM meta.run")
    assert len(runs) == 2 and runs[0][1] != runs[1][1]
    assert read_run_log(paths["warehouse"])[0]["status"] == "published"


def test_a_run_with_a_failed_source_records_no_inputs_so_the_next_run_tries_again(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    [payload] = sorted((snapshot_copy / "censtatd").glob("*.json"))[:1]
    payload.write_text("{ not json", encoding="utf-8")
    assert run(paths, snapshot_copy) == 0
    assert query(paths["warehouse"], "SELECT inputs_sha256 FROM meta.run") == [(None,)]
    assert run(paths, snapshot_copy) == 0
    assert read_run_log(paths["warehouse"])[0]["status"] == "published"
    assert query(paths["warehouse"], "SELECT count(*) FROM meta.run") == [(2,)]


def test_a_file_changed_while_the_run_reads_it_records_no_inputs(
    paths: dict[str, Path], snapshot_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint is recorded only if every file's size and mtime are what they were when
    the run started: otherwise the next run could skip content this run never loaded."""
    from flows import nightly

    build = nightly.build_marts  # a step after landing, before the record

    def touch_then_build(*args: object, **kwargs: object) -> list[str]:
        register = snapshot_copy / "register" / "commitments.csv"
        register.write_text(register.read_text(encoding="utf-8"), encoding="utf-8")
        os.utime(register, ns=(1, 1))
        return build(*args, **kwargs)

    monkeypatch.setattr(nightly, "build_marts", touch_then_build)
    assert run(paths, snapshot_copy) == 0
    assert query(paths["warehouse"], "SELECT inputs_sha256 FROM meta.run") == [(None,)]


def test_bad_rows_are_quarantined_and_the_rest_load(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite_register(
        snapshot_copy,
        {
            "j2-semiconductor-2023-10": {"amount": "-6900000000"},
            "black-sesame-2023-11": {"currency": "XYZ"},
            "rfs-2020-07": {"source_url": ""},
            "itiof-2024-10": {"announced_on": "mid-October"},
        },
    )
    assert run(paths, snapshot_copy) == 0
    out = capsys.readouterr().out
    assert "4 quarantined" in out
    rows = query(
        paths["warehouse"],
        "SELECT line, check_name, reason, raw FROM meta.quarantine ORDER BY line",
    )
    reasons = {json.loads(r[3])["commitment_id"]: r[2] for r in rows}
    assert set(reasons) == {
        "j2-semiconductor-2023-10",
        "black-sesame-2023-11",
        "rfs-2020-07",
        "itiof-2024-10",
    }
    assert "non-negative" in reasons["j2-semiconductor-2023-10"]
    assert "XYZ" in reasons["black-sesame-2023-11"]
    assert "source_url" in reasons["rfs-2020-07"]
    assert "mid-October" in reasons["itiof-2024-10"]
    # dq.json's failing rows name the file and line meta.quarantine does, not "__row": 0, and
    # the checks by their rule in words, not the 900-character date pattern.
    lines = {json.loads(r[3])["commitment_id"]: (r[0], r[1]) for r in rows}
    dq = json.loads((paths["reports"] / "latest" / "dq.json").read_text(encoding="utf-8"))
    failing = {
        c["check"]: c["failing_samples"] for c in dq["checks"]["register"] if c["success"] is False
    }
    assert failing["announced_on is a date with its year"] == [
        {
            "announced_on": "mid-October",
            "source_file": "commitments.csv",
            "line": lines["itiof-2024-10"][0],
        }
    ]
    assert lines["itiof-2024-10"][1] == "announced_on is a date with its year"
    assert (
        failing["amount is a non-negative number"][0]["line"]
        == lines["j2-semiconductor-2023-10"][0]
    )
    assert not any("__row" in s for samples in failing.values() for s in samples)
    dq_md = (paths["reports"] / "latest" / "dq.md").read_text(encoding="utf-8")
    assert "| announced_on is a date with its year | warn | FAIL | 1 |" in dq_md
    n = register_rows()
    assert query(paths["warehouse"], "SELECT count(*) FROM core.investment_commitment") == [
        (n - 4,)
    ]


def test_impossible_date_is_quarantined_by_the_transform(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    rewrite_register(snapshot_copy, {"rfs-2020-07": {"announced_on": "2020-02-30"}})
    assert run(paths, snapshot_copy) == 0
    rows = query(paths["warehouse"], "SELECT check_name, reason FROM meta.quarantine")
    assert rows == [
        ("announced_on parses as a date", "announced_on 2020-02-30 is not a calendar date")
    ]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda text: text.replace("source_url,", "", 1), "missing required column(s) source_url"),
        (lambda text: text + '"unterminated,quote\n', "not valid CSV"),
        (lambda text: text.splitlines()[0] + "\n", "failed block check"),
    ],
    ids=["missing-column", "unterminated-quote", "header-only"],
)
def test_unreadable_register_blocks_and_keeps_the_published_file(
    paths: dict[str, Path],
    snapshot_copy: Path,
    capsys: pytest.CaptureFixture[str],
    mutate,
    expected: str,
) -> None:
    assert run(paths) == 0
    published = _sha(paths["warehouse"])
    register = snapshot_copy / "register" / "commitments.csv"
    register.write_text(mutate(register.read_text(encoding="utf-8")), encoding="utf-8")
    capsys.readouterr()
    assert run(paths, snapshot_copy) == 1
    out = capsys.readouterr().out
    assert expected in out
    if expected != "failed block check":
        assert "commitments.csv" in out
    assert _sha(paths["warehouse"]) == published
    assert not list(paths["warehouse"].parent.glob(".*.work.duckdb*"))


def test_revised_register_row_adds_a_version(paths: dict[str, Path], snapshot_copy: Path) -> None:
    assert run(paths, snapshot_copy) == 0
    rewrite_register(snapshot_copy, {"horizon-robotics-2023-12": {"status": "construction"}})
    assert run(paths, snapshot_copy) == 0
    rows = query(
        paths["warehouse"],
        "SELECT version, status, change_reason, valid_to IS NULL FROM core.investment_commitment_history "
        "WHERE commitment_id = 'horizon-robotics-2023-12' ORDER BY version",
    )
    assert rows == [(1, "mou", "new", False), (2, "construction", "status changed", True)]
    loaded = query(
        paths["warehouse"],
        "SELECT rows_in, rows_loaded, rows_unchanged FROM meta.run ORDER BY started_at",
    )
    total = loaded[0][0]
    assert loaded == [(total, total, 0), (total, 1, total - 1)]
    # Tables without an index (contract key: checked) still hold one row per grain after both
    # runs, the second of which re-landed the register and the unchanged official files.
    for spec in load_contracts().values():
        if spec.kind == "table" and spec.key == "checked":
            grain = ", ".join(f'"{c}"' for c in spec.grain)
            dupes = query(
                paths["warehouse"],
                f"SELECT count(*) FROM (SELECT {grain} FROM {spec.qualified} "
                "GROUP BY ALL HAVING count(*) > 1)",
            )
            assert dupes == [(0,)], spec.table


def test_a_commitment_that_leaves_the_register_is_counted_and_leaves_the_page(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run said "0 loaded, 136 unchanged" and left reports/latest showing the removed row.
    args = _run_args(paths, snapshot_copy)
    assert main(args) == 0
    page = paths["reports"] / "latest" / "index.html"
    assert "I&amp;T Industry-Oriented Fund" in page.read_text(encoding="utf-8")
    register = snapshot_copy / "register" / "commitments.csv"
    original = register.read_bytes()
    register.write_bytes(original[: original.rindex(b"\nitiof-2024-10,") + 1])
    capsys.readouterr()
    assert main(args) == 0
    assert "1 left the register (closed)" in capsys.readouterr().out
    assert "I&amp;T Industry-Oriented Fund" not in page.read_text(encoding="utf-8")
    with duckdb.connect(str(paths["warehouse"]), read_only=True) as con:
        assert con.execute(
            "SELECT rows_removed FROM meta.run ORDER BY started_at DESC LIMIT 1"
        ).fetchall() == [(1,)]


def test_an_update_from_the_analysts_folder_is_an_override_not_a_quarantine(
    paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # A row in the analyst's folder with a bundled commitment_id updated it, but the bundled row
    # went to meta.quarantine as a repeated key on every run.
    with (snapshot_dir() / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or [], list(reader)
    row = next(r for r in rows if r["commitment_id"] == "j2-semiconductor-2023-10")
    row["status"] = "construction"  # a test edit, not a real status
    folder = Path(os.environ["HKAM_DATA_DIR"]) / "register"
    folder.mkdir(parents=True)
    with (folder / "updates.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerow(row)
    args = ["run", "--warehouse", str(paths["warehouse"]), "--reports-dir", str(paths["reports"])]
    assert main(args) == 0
    assert "1 overridden by a later file" in capsys.readouterr().out
    with duckdb.connect(str(paths["warehouse"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.quarantine").fetchall() == [(0,)]
        assert con.execute(
            "SELECT status FROM core.investment_commitment "
            "WHERE commitment_id = 'j2-semiconductor-2023-10'"
        ).fetchall() == [("construction",)]
        assert con.execute("SELECT rows_overridden FROM meta.run").fetchall() == [(1,)]


def _run_args(paths: dict[str, Path], snapshot: Path) -> list[str]:
    return ["run", "--snapshot-dir", str(snapshot), "--warehouse", str(paths["warehouse"]),
            "--reports-dir", str(paths["reports"])]  # fmt: skip


def _resave(snapshot: Path, fmt: str, only: set[str] | None = None) -> None:
    """The register re-saved by a spreadsheet with numeral dates in `fmt` (test edits)."""
    from datetime import date

    def resaved(text: str) -> str:
        if len(text) != 10:
            return text  # a month or an empty date stays as written
        d = date.fromisoformat(text)
        return fmt.format(d=d.day, m=d.month, y=d.year)

    edits = {}
    with (snapshot / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if only is None or row["commitment_id"] in only:
                edits[row["commitment_id"]] = {"announced_on": resaved(row["announced_on"])}
    rewrite_register(snapshot, edits)


def _dates(path: Path) -> dict[str, object]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(
            con.execute(
                "SELECT commitment_id, announced_on FROM core.investment_commitment"
            ).fetchall()
        )


def test_a_month_first_resave_changes_no_date(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Re-saved as m/d/yyyy, Black Sesame's 2023-11-06 became 2023-06-11, recorded as an edit.
    args = _run_args(paths, snapshot_copy)
    assert main(args) == 0
    before = _dates(paths["warehouse"])
    _resave(snapshot_copy, "{m}/{d}/{y}")
    capsys.readouterr()
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "dates read month first (m/d/yyyy)" in said and "0 loaded" in said
    assert _dates(paths["warehouse"]) == before


def test_a_file_mixing_day_and_month_first_is_refused(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _resave(snapshot_copy, "{d}/{m}/{y}", {"j2-semiconductor-2023-10"})  # 13/10/2023
    _resave(snapshot_copy, "{m}/{d}/{y}", {"horizon-robotics-2023-12"})  # 12/5/2023: either
    _resave(snapshot_copy, "{m}/{d}/{y}", {"oases-2024-03"})  # 3/20/2024: month first
    args = _run_args(paths, snapshot_copy)
    assert main(args) == 1
    said = capsys.readouterr().out
    assert "dates in both day/month orders (line 2: 13/10/2023 is day first" in said
    assert "line 7: 3/20/2024 is month first" in said


def test_a_lone_ambiguous_swap_of_a_held_date_is_quarantined_not_an_edit(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _run_args(paths, snapshot_copy)
    assert main(args) == 0
    before = _dates(paths["warehouse"])
    # Only Black Sesame's date, month first (11/6/2023): nothing in the file decides the order.
    _resave(snapshot_copy, "{m}/{d}/{y}", {"black-sesame-2023-11"})
    capsys.readouterr()
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "fit either day/month order" in said and "1 quarantined" in said
    assert _dates(paths["warehouse"]) == before
    with duckdb.connect(str(paths["warehouse"]), read_only=True) as con:
        [(reason,)] = con.execute("SELECT reason FROM meta.quarantine").fetchall()
        versions = con.execute(
            "SELECT count(*) FROM core.investment_commitment_history "
            "WHERE commitment_id = 'black-sesame-2023-11'"
        ).fetchall()
    assert reason.startswith("announced_on 11/6/2023 reads as 2023-06-11: the held 2023-11-06")
    assert versions == [(1,)]


def test_a_register_whose_rows_mostly_fail_is_not_loaded(
    paths: dict[str, Path], snapshot_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every row failing a check published an empty register ("27 quarantined", exit 0, HK$0).
    args = _run_args(paths, snapshot_copy)
    assert main(args) == 0
    before = _dates(paths["warehouse"])
    with (snapshot_copy / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        ids = [r["commitment_id"] for r in csv.DictReader(fh)]
    rewrite_register(snapshot_copy, {i: {"confidence": "very high"} for i in ids})  # test edit
    capsys.readouterr()
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "register: failed: 27 of 27 rows (100%) failed their checks, over the 50% limit" in said
    assert "most failed: confidence" in said and "commitments.csv line 2" in said
    assert _dates(paths["warehouse"]) == before  # the register as the last run loaded it
