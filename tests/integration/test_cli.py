"""hkam verbs: start-up cost, sql formats, read-only access, status, usage errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.cli import main
from flows.resources import snapshot_dir

HKAM = [sys.executable, "-m", "flows.cli"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    """A warehouse built once from the bundled snapshot for the read-only verbs."""
    base = tmp_path_factory.mktemp("cli")
    path = base / "hkam.duckdb"
    assert main(["run", "--warehouse", str(path), "--reports-dir", str(base / "reports")]) == 0
    return path


def hkam(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HKAM, *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_starts_fast_without_prefect_or_gx() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); from flows.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('\\nELAPSED', time.perf_counter() - t)\n"
        "print('HEAVY', [m for m in ('prefect', 'great_expectations', 'polars', 'pandas') if m in sys.modules])"
    )
    best = min(
        float(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            .stdout.split("ELAPSED")[1]
            .split()[0]
        )
        for _ in range(3)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out
    assert best < 0.5, f"hkam --help took {best:.2f} s"
    for verb in ("run", "sql", "status", "extract"):
        assert verb in out


def test_sql_table_csv_json(warehouse: Path) -> None:
    q = "select commitment_id, amount from core.investment_commitment order by commitment_id limit 5"
    table = hkam("sql", q, "--warehouse", str(warehouse))
    assert table.returncode == 0 and "5 row(s)" in table.stdout
    as_csv = hkam("sql", q, "--warehouse", str(warehouse), "--format", "csv")
    lines = as_csv.stdout.strip().splitlines()
    assert lines[0] == "commitment_id,amount" and len(lines) == 6
    as_json = json.loads(hkam("sql", q, "--warehouse", str(warehouse), "--format", "json").stdout)
    assert (
        isinstance(as_json, list)
        and len(as_json) == 5
        and set(as_json[0]) == {"commitment_id", "amount"}
    )


def test_sql_describe_shows_comments(warehouse: Path) -> None:
    out = hkam(
        "sql",
        "describe marts.investment_by_sector_year",
        "--warehouse",
        str(warehouse),
        "--format",
        "json",
    )
    cols = {r["column_name"]: r["comment"] for r in json.loads(out.stdout)}
    assert "from_aggregates_hkd" in cols and "aggregate" in cols["from_aggregates_hkd"]


def test_sql_is_read_only(warehouse: Path) -> None:
    out = hkam("sql", "drop table core.company", "--warehouse", str(warehouse))
    assert out.returncode == 2 and "read-only" in out.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from core.company").fetchone()[0] > 0


def test_env_var_names_the_warehouse(warehouse: Path) -> None:
    env = {**os.environ, "HKAM_WAREHOUSE": str(warehouse)}
    out = hkam("sql", "select count(*) as n from meta.run", "--format", "csv", env=env)
    assert out.returncode == 0 and out.stdout.splitlines()[0] == "n"


def test_status_lists_runs(warehouse: Path) -> None:
    out = hkam("status", "--warehouse", str(warehouse))
    assert out.returncode == 0 and "published" in out.stdout and "rows_in" in out.stdout


def test_missing_snapshot_dir_is_a_usage_error(tmp_path: Path) -> None:
    out = hkam(
        "run", "--snapshot-dir", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")
    )
    assert out.returncode == 2 and "does not exist" in out.stderr and "--snapshot-dir" in out.stderr


def test_unwritable_warehouse_is_a_usage_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = "/proc/hkam/w.duckdb"  # root may write anywhere else; /proc refuses everyone
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "w.duckdb")
    out = hkam("run", "--warehouse", target, "--reports-dir", str(tmp_path / "r"))
    assert out.returncode == 2 and "warehouse" in out.stderr


def test_published_file_opens_in_the_analysts_duckdb_cli(warehouse: Path) -> None:
    cli = Path(sysconfig.get_paths()["purelib"]) / "duckdb_cli" / "duckdb"
    if not cli.exists():
        pytest.skip("duckdb-cli is a dev dependency; reinstall with make install")
    out = subprocess.run(
        [str(cli), "-readonly", str(warehouse), "-csv", "-c", "select count(*) from core.investment_commitment"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.splitlines()[1]) > 0


def test_sql_without_warehouse_says_what_to_do(tmp_path: Path) -> None:
    out = hkam("sql", "select 1", "--warehouse", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "hkam run" in out.stderr


def test_extract_acceptance_example() -> None:
    text = "J2 Semiconductor will invest HK$6.9 billion (US$883.5 million) and create more than 700 jobs"
    out = hkam("extract", text, "--json")
    assert out.returncode == 0
    got = json.loads(out.stdout)
    [amount] = got["amounts"]
    assert (amount["currency"], amount["value"], amount["qualifier"]) == (
        "HKD",
        6_900_000_000,
        "exact",
    )
    assert amount["also_stated"] == [{"currency": "USD", "value": 883_500_000}]
    assert text[amount["start"] : amount["end"]] == amount["text"]
    [jobs] = got["jobs"]
    assert (jobs["value"], jobs["qualifier"]) == (700, "over")


def test_stated_us_dollars_are_kept(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT amount_hkd, amount_usd, fx_method, round(implied_hkd_per_usd, 3) "
            "FROM core.investment_commitment WHERE commitment_id = 'j2-semiconductor-2023-10'"
        ).fetchall()
    assert row == [(6.9e9, 883.5e6, "stated", 7.81)]


def _on_terminal(args: list[str], columns: int = 80, **env_over: str) -> str:
    """Run hkam on a pseudo-terminal `columns` wide and return what it showed (both streams)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | env_over
    env = {k: v for k, v in env.items() if v}
    err = follower if env_over else subprocess.PIPE
    proc = subprocess.Popen([*HKAM, *args], stdout=follower, stderr=err, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_readme_first_query_reads_well_at_80_columns(warehouse: Path) -> None:
    # It printed 159 lines of empty grid: 40 columns squeezed into 80.
    shown = _on_terminal(
        ["sql", "select * from core.investment_commitment limit 5", "--warehouse", str(warehouse)]
    )
    lines = shown.splitlines()
    assert "-[ RECORD 5 ]" in shown and lines[-1] == "5 row(s)"
    assert "commitment_id" in shown and "j2-semiconductor-2023-10" in shown
    assert "6900000000" in shown and "6900000000.0" not in shown
    assert not any(line.strip(" │┃|") == "" for line in lines)  # no empty grid rows


def test_sql_prints_values_literally(warehouse: Path) -> None:
    out = hkam("sql", "select * from meta.quarantine", "--warehouse", str(warehouse))
    assert out.returncode == 0 and "Traceback" not in out.stderr
    out = hkam("sql", "select 'HK$6.9bn [sic] [red]alert' as t", "--warehouse", str(warehouse))
    assert out.returncode == 0 and "HK$6.9bn [sic] [red]alert" in out.stdout


def test_a_closed_pipe_ends_quietly(warehouse: Path) -> None:
    proc = subprocess.Popen(
        [*HKAM, "sql", "select * from range(100000)", "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and "BrokenPipe" not in err


def test_status_of_a_mistyped_warehouse_is_a_usage_error(tmp_path: Path) -> None:
    out = hkam("status", "--warehouse", str(tmp_path / "typo.duckdb"))
    assert out.returncode == 2 and "no warehouse at" in out.stderr and "--warehouse" in out.stderr


def test_restore_makes_the_restored_version_current_everywhere(
    tmp_path: Path, snapshot_copy: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # After a restore, `hkam status` showed the newer run as current and reports/latest the newer
    # data. Two runs on different registers, then a restore of the first.
    wh, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    common = ["--warehouse", str(wh), "--reports-dir", str(reports)]
    run = ["run", "--snapshot-dir", str(snapshot_copy), *common]
    restore = ["restore", "--snapshot-dir", str(snapshot_copy), *common]
    assert main(run) == 0
    with duckdb.connect(str(wh), read_only=True) as con:
        [(first,)] = con.execute("select run_id from meta.run").fetchall()
    register = snapshot_copy / "register" / "commitments.csv"
    original = register.read_bytes()
    # The last commitment moves on (a test edit, not a real status): a new version, a new page.
    cut = original.rindex(b"\nitiof-2024-10,")
    register.write_bytes(original[:cut] + original[cut:].replace(b",announced,", b",mou,", 1))
    assert main(run) == 0
    with duckdb.connect(str(wh), read_only=True) as con:
        [(second,)] = con.execute(
            "select run_id from meta.run order by started_at desc limit 1"
        ).fetchall()
    assert second != first and second in (reports / "latest" / "index.html").read_text()
    capsys.readouterr()

    assert main(restore) == 0
    said = capsys.readouterr().out
    assert "now shows its report and data-quality report" in said
    assert "The next `hkam run` loads the inputs as they are now" in said
    page = (reports / "latest" / "index.html").read_text()
    assert first in page and second not in page
    assert json.loads((reports / "latest" / "dq.json").read_text())["run_id"] == first

    assert main(["status", "--warehouse", str(wh)]) == 0
    status = capsys.readouterr().out
    current = next(line for line in status.splitlines() if "current" in line)
    assert first in current
    assert "restored" in status.splitlines()[3] and f"restored run {first}" in status

    # The inputs changed back: the next run would find nothing new, and the restore says so.
    register.write_bytes(original)
    assert main(restore) == 0
    assert main([*restore, first]) == 0  # the undo, then the first again
    assert "finds its inputs unchanged" in capsys.readouterr().out


def test_run_on_a_terminal_shows_progress_not_prefect_noise(tmp_path: Path) -> None:
    # Prefect's INFO lines filled the terminal, "published … in 1.4 s" when the command took 17 s,
    # and ~/.prefect was written outside every folder the user chose.
    home, data = tmp_path / "home", tmp_path / "data"
    shown = _on_terminal(
        ["run", "--warehouse", str(tmp_path / "w.duckdb"), "--reports-dir", str(tmp_path / "r")],
        columns=160, HOME=str(home), HKAM_DATA_DIR=str(data), PREFECT_HOME="", PREFECT_API_URL="",
    )  # fmt: skip
    assert "s] register: 27 rows from 1 file(s); validating" in shown
    assert "| INFO" not in shown and "Task run" not in shown
    assert "The command took" in shown and "published" in shown
    assert (data / ".prefect").is_dir() and not (home / ".prefect").exists()
    # A fresh process: its GX Data Docs come from the DocsWorker that imported GX beside the run.
    [docs] = (tmp_path / "r" / "runs").glob("*/gx")
    assert {"index.html", "register.html", "hkma.html"} <= {p.name for p in docs.iterdir()}


def test_report_into_a_new_folder_links_only_what_is_there(warehouse: Path, tmp_path: Path) -> None:
    # `hkam report --reports-dir NEW` linked a dq.html that was not there.
    new = tmp_path / "new-reports"
    out = hkam("report", "--warehouse", str(warehouse), "--reports-dir", str(new))
    assert out.returncode == 0 and "no data-quality report" in out.stdout
    page = (new / "latest" / "index.html").read_text(encoding="utf-8")
    assert 'href="dq.html"' not in page
    beside = warehouse.parent / "reports"  # the fixture's run wrote its reports here
    out = hkam("report", "--warehouse", str(warehouse), "--reports-dir", str(beside))
    assert out.returncode == 0 and (beside / "latest" / "dq.html").exists()
    assert 'href="dq.html"' in (beside / "latest" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            lambda header, rows: header.replace(",status,", ",Status,") + rows,
            'missing required column(s) status; the header has "Status" (did you mean status?)',
        ),
        (lambda header, _rows: header, "no rows under the header line"),
    ],
    ids=["missing-column", "empty-register"],
)
def test_a_blocked_run_says_why_without_a_traceback(tmp_path: Path, edit: Any, said: str) -> None:
    # A blocked run printed Prefect's traceback of the step that stopped it (a task "crash").
    snap = tmp_path / "snapshot"
    shutil.copytree(snapshot_dir(), snap)
    register = snap / "register" / "commitments.csv"
    header, rows = register.read_text(encoding="utf-8").split("\n", 1)
    register.write_text(edit(header + "\n", rows), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["HKAM_DATA_DIR"] = str(tmp_path / "data")
    out = hkam(
        "run", "--snapshot-dir", str(snap), "--warehouse", str(tmp_path / "w.duckdb"),
        "--reports-dir", str(tmp_path / "r"), env=env,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "BLOCKED" in out.stdout and said in out.stdout
    assert "Traceback" not in out.stderr and "ERROR" not in out.stderr, out.stderr
    dq = json.loads((tmp_path / "r" / "latest" / "dq.json").read_text(encoding="utf-8"))
    assert dq["status"] == "blocked" and said in dq["blocked_reasons"][0]
