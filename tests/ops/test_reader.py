"""An analyst's read-only connection in another process survives a whole run untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import rewrite_register, run_in_process

READER = textwrap.dedent(
    """
    import sys, duckdb
    path = sys.argv[1]
    query = (
        "SELECT (SELECT count(*) FROM meta.run), status FROM core.investment_commitment "
        "WHERE commitment_id = 'horizon-robotics-2023-12'"
    )
    con = duckdb.connect(path, read_only=True)
    for line in sys.stdin:
        if line.strip() == "reconnect":
            con.close()
            con = duckdb.connect(path, read_only=True)
        print(repr(con.execute(query).fetchone()), flush=True)
    """
)


def test_reader_keeps_the_old_data_until_it_reconnects(
    prefect_harness: None, snapshot_copy: Path, tmp_path: Path
) -> None:
    wh, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    assert run_in_process(snapshot_copy, wh, reports) == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(wh)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None

    def ask(command: str = "query") -> str:
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write(command + "\n")
        reader.stdin.flush()
        return reader.stdout.readline().strip()

    try:
        assert ask() == "(1, 'mou')"
        rewrite_register(snapshot_copy, {"horizon-robotics-2023-12": {"status": "construction"}})
        assert run_in_process(snapshot_copy, wh, reports) == 0
        assert ask() == "(1, 'mou')", "the open connection keeps its snapshot"
        assert ask("reconnect") == "(2, 'construction')"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
