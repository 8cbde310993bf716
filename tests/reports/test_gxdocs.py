"""GX Data Docs rendered by the run's DocsWorker (a child process) match those rendered here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from flows.reports.gxdocs import DocsWorker, docs_worker, write_data_docs
from flows.validation import Outcome, validate
from tests.unit.test_validation_engines import KINDS


def _outcome() -> Outcome:
    # TEST VALUES: rows failing a check each way (the checks of the columns they have apply).
    frame = pl.DataFrame({"k": ["a", None, "c"], "cur": ["HKD", "USD", "XYZ"]})
    outcome = validate(frame, KINDS)
    assert outcome.reasons, "the rows fail warn checks: the reasons must stay out of the pipe"
    return outcome


def test_the_worker_renders_what_this_process_renders(tmp_path: Path) -> None:
    here = write_data_docs({"register": _outcome()}, tmp_path / "here")
    worker = DocsWorker()
    try:
        there = worker.render({"register": _outcome()}, tmp_path / "there")
    finally:
        worker.close()
    assert here is not None and there == tmp_path / "there" / "index.html"
    assert sorted(p.name for p in there.parent.iterdir()) == ["index.html", "register.html"]
    for name in ("index.html", "register.html"):
        assert _page(there.parent / name) == _page(here.parent / name)
    assert "XYZ" in _page(there.parent / "register.html")  # the value outside the accepted set


def _page(path: Path) -> str:
    """A page without what GX makes anew each time it renders: the time, and the ids (UUIDs) that
    tie each "Show more info" link to its block."""
    text = re.sub(r"\d{8}T\d{6}\.\d+Z", "<rendered at>", path.read_text("utf-8"))
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<uuid>", text)


def test_a_run_without_reports_stops_its_worker(tmp_path: Path) -> None:
    worker = DocsWorker()
    worker.close()
    worker.close()  # twice is harmless (execute closes after a failed run's own close)
    assert worker._proc.returncode is not None
    assert not list(tmp_path.iterdir())


def test_a_failing_render_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "gx"
    blocker.write_text("a file where the folder goes", encoding="utf-8")
    worker = DocsWorker()
    with pytest.raises(RuntimeError, match=r"Data Docs process failed .*(FileExistsError|exists)"):
        worker.render({"register": _outcome()}, blocker)
    worker.close()


def test_a_fresh_process_starts_a_worker_and_one_with_gx_renders_itself() -> None:
    code = (
        "from flows.reports.gxdocs import docs_worker\n"
        "w = docs_worker()\nprint(type(w).__name__)\nw.close()\n"
    )
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert fresh.stdout.strip() == "DocsWorker", fresh.stderr
    assert "great_expectations" in sys.modules  # tests/conftest.py imported it here
    assert docs_worker() is None


def test_a_run_that_cannot_start_the_worker_renders_in_its_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "great_expectations")  # as in a fresh process

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", refused)
    assert docs_worker() is None
