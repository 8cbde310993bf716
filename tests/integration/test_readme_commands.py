"""The README's commands run as printed, against a warehouse built from the bundled snapshot.

Every command of the README's `sh` blocks is run by bash, text unchanged, in a folder laid out as
the repository is after `make run` (warehouse/hkam.duckdb, reports/, data/), where `.venv/bin/hkam`
is this interpreter's hkam. A command that is not run is listed in SKIPPED with the reason, so a
new one is never skipped silently.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# A command's first words -> why this test does not run it (network, a server, a long process).
SKIPPED = {
    "make run": "hkam run on the bundled snapshot: the fixture builds the warehouse exactly so "
    "(test_make_run_is_hkam_run checks the Makefile); as printed it would also start a Prefect "
    "server of its own",
    "make test": "the whole suite, this test included",
    "make bench": "a benchmark of many minutes, not part of make test",
    "hkam serve": "serves the schedule until stopped (a long-running process and a server)",
    "hkam snapshot": "fetches the live sources (network)",
    "prefect server start": "a server, running until stopped",
    "prefect work-pool create": "needs a Prefect server",
    "prefect deploy": "needs a Prefect server",
    "prefect worker start": "a worker, running until stopped (and a server)",
    "export PREFECT_SERVER_DATABASE_CONNECTION_URL": "points a Prefect server at a PostgreSQL "
    "host of the team's (tests/scale/ starts a real one)",
    "prefect gcl create": "needs a Prefect server",
    "dask scheduler": "a Dask scheduler, running until stopped",
    "dask worker": "a Dask worker, running until stopped (and a scheduler)",
    "hkam review --web": "serves the review desk until stopped (tests/desk/ starts it on a free "
    "port and drives it in Chromium)",
}
# What an interactive program reads from its standard input here (the README opens a shell).
STDIN = {"duckdb": "select count(*) as commitments from core.investment_commitment;\n"}


@dataclass(frozen=True)
class Command:
    """One command of a README `sh` block, as printed, with its line in the README."""

    text: str
    line: int

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text, comments=True)

    @property
    def program(self) -> str:
        return Path(self.argv[0]).name

    def words(self) -> str:
        return " ".join([self.program, *self.argv[1:]])

    def skipped_because(self) -> str | None:
        if "--live" in self.argv:
            return "--live fetches the live sources (network)"
        return next((why for key, why in SKIPPED.items() if self.words().startswith(key)), None)


def readme_commands(text: str) -> list[Command]:
    """Every command of the `sh` blocks, continuation lines and multi-line quotes joined."""
    commands = []
    for block in re.finditer(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        first = text[: block.start(1)].count("\n") + 1
        buf, start = "", 0
        for offset, line in enumerate(block.group(1).splitlines()):
            if not buf and (not line.strip() or line.lstrip().startswith("#")):
                continue
            buf, start = (f"{buf}\n{line}", start) if buf else (line, first + offset)
            if buf.endswith("\\"):
                continue
            try:
                shlex.split(buf, comments=True)
            except ValueError:  # a quote still open: the command goes on on the next line
                continue
            commands.append(Command(buf, start))
            buf = ""
        assert not buf, f"README line {start}: unterminated command {buf!r}"
    return commands


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    """A folder as `make run` leaves the repository: warehouse, reports, data, .venv/bin/hkam."""
    base = tmp_path_factory.mktemp("readme")
    args = ["--warehouse", str(base / "warehouse" / "hkam.duckdb")]
    args += ["--reports-dir", str(base / "reports"), "--data-dir", str(base / "data")]
    assert main(["run", *args]) == 0
    bin_dir = base / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "hkam"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m flows.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return base


def test_the_readme_has_commands_to_run_and_lists_every_skip() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert sum(c.program == "hkam" for c in commands) >= 8
    for c in commands:
        runnable = c.program in ("hkam", *STDIN)
        assert runnable or c.skipped_because(), (
            f"README line {c.line}: {c.text!r} is neither run here nor listed in SKIPPED"
        )


def test_every_readme_command_runs_as_printed(folder: Path) -> None:
    env = os.environ | {
        "PATH": f"{folder / '.venv' / 'bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HKAM_WAREHOUSE": str(folder / "warehouse" / "hkam.duckdb"),
        "HKAM_REPORTS_DIR": str(folder / "reports"),
        "HKAM_DATA_DIR": str(folder / "data"),
    }
    failures, ran = [], 0
    for c in readme_commands(README.read_text(encoding="utf-8")):
        if c.skipped_because():
            continue
        out = subprocess.run(
            ["bash", "-c", c.text], cwd=folder, env=env, input=STDIN.get(c.program, ""),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        ran += 1
        redirect = c.argv[c.argv.index(">") + 1] if ">" in c.argv else None
        shown = (folder / redirect).read_text(encoding="utf-8") if redirect else out.stdout
        if out.returncode != 0 or not shown.strip() or "Traceback" in out.stderr:
            failures.append(f"line {c.line}: {c.text}\n  exit {out.returncode}\n{out.stderr}")
    assert not failures, "\n".join(failures)
    assert ran >= 8


def test_make_run_is_hkam_run() -> None:
    # The skip of `make run` holds only while it runs what the fixture runs.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert [line.strip() for line in recipe.strip().splitlines()[1:]] == ["$(BIN)/hkam run"]


def test_the_readme_states_the_bundled_datas_caveats_as_the_data_is(folder: Path) -> None:
    # The analysts' start repeats the snapshot MANIFEST's caveats; they must stay what the data is.
    readme = README.read_text(encoding="utf-8")
    with duckdb.connect(str(folder / "warehouse" / "hkam.duckdb"), read_only=True) as con:
        [(first, last)] = con.execute("select min(month), max(month) from core.fx_rate").fetchall()
        [(approvals,)] = con.execute("select count(*) from core.funding_approval").fetchall()
        unconverted = con.execute(
            "select amount from marts.largest_commitments "
            "where currency = 'USD' and amount_hkd is null"
        ).fetchall()
    assert f"HKMA month-end rates for {first:%Y-%m} to {last:%Y-%m} only" in readme
    assert approvals == 2 and "two-row sample" in readme
    assert len(unconverted) == 3
    for (amount,) in unconverted:
        assert f"US${amount / 1e6:g} million" in readme


def test_the_analysts_queries_read_well_at_80_columns(folder: Path) -> None:
    # The start promises queries that read well in a terminal: a grid that fits, or one record
    # per block; numbers as numbers, never 6.9e9 or 44.0.
    from tests.integration.test_cli import _on_terminal

    readme = README.read_text(encoding="utf-8")
    start = readme.split("## Start here (analysts)", 1)[1].split("\n## ", 1)[0]
    queries = [c for c in readme_commands(start) if c.argv[1:2] == ["sql"]]
    assert len(queries) == 3
    warehouse = str(folder / "warehouse" / "hkam.duckdb")
    for c in queries:
        shown = _on_terminal([*c.argv[1:], "--warehouse", warehouse])
        lines = shown.splitlines()
        grid = "-[ RECORD 1 ]" not in shown
        assert not grid or max(map(len, lines)) <= 80, f"{c.text}: a grid wider than the terminal"
        assert re.search(r"\d row\(s\)$", shown.strip()), shown
        assert not re.search(r"\b\d+\.0\b|\de[+-]\d", shown), f"{c.text}: numbers as floats"
