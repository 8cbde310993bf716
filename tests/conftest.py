"""Shared fixtures: one Prefect test server per session, temporary warehouses and snapshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.resources import snapshot_dir

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


# No test may reach the real sources: a live fetch a test forgot to point at its local server
# fails at once against a closed loopback port instead of leaving the machine.
for _name, _path in {
    "HKAM_CENSTATD_URL": "/censtatd",
    "HKAM_HKMA_URL": "/hkma",
    "HKAM_ITF_URL": "/itf/annuallist_{year}_e.csv",
    "HKAM_GIA_URL": "/gia/general_{lang}.xml",
}.items():
    os.environ.setdefault(_name, "http://127.0.0.1:9" + _path)


@pytest.fixture(scope="session", autouse=True)
def _gx_in_process() -> None:
    """The suite's runs render Data Docs in a thread, GX imported once per test process, as in a
    long-lived server (flows/reports/gxdocs.docs_worker): a child importing GX for each of the
    suite's runs made `make test` 2 min longer. test_gxdocs and the CLI terminal test run the
    DocsWorker itself."""
    import great_expectations  # noqa: F401


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own analyst folder, so a developer's data/ never leaks into a run."""
    monkeypatch.setenv("HKAM_DATA_DIR", str(tmp_path / "analyst-data"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow run in the session (starting one costs ~6 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def snapshot_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled snapshot."""
    target = tmp_path / "snapshot"
    shutil.copytree(snapshot_dir(), target)
    return target


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    """Warehouse and reports locations inside the test's tmp dir."""
    return {"warehouse": tmp_path / "wh" / "hkam.duckdb", "reports": tmp_path / "reports"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property tests first, before any flow starts Prefect's background threads: those draw
    jitter from the global `random`, and Hypothesis warns when that state changes during a draw
    ("do not use the random module inside strategies") although no strategy here uses it."""
    items.sort(
        key=lambda item: not getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
    )
