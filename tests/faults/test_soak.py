"""A 30-night soak: seeded faults on 5% of source-nights, then the warehouse equals a clean run."""

from __future__ import annotations

import errno
import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import REGISTER, business_dump, csv_bytes, hkam, read_csv_rows

pytestmark = pytest.mark.usefixtures("prefect_harness")

NIGHTS = int(__import__("os").environ.get("HKAM_SOAK_NIGHTS", "30"))
RATE = 0.05
SEED = 20261125
START = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # 02:00 Hong Kong time


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


FAULTS: dict[str, Any] = {
    "register": lambda s: (s / REGISTER).write_bytes(
        (s / REGISTER).read_bytes().replace(b",", b";")
    ),
    "censtatd": lambda s: _truncate(s / "censtatd" / "310-31001.json"),
    "hkma": lambda s: (s / "hkma" / "er-eeri-endperiod.json").write_text(
        json.dumps({"header": {"success": False, "err_code": "1001", "err_msg": "x"}})
    ),
    "itf": lambda s: (s / "itf" / "annuallist_2023_e.csv").write_bytes(
        (s / "itf" / "annuallist_2023_e.csv").read_bytes() + b'3,RFS,,"unterminated\n'
    ),
    "gia": lambda s: _truncate(s / "gia" / "general_en.xml"),
    "disk": None,  # OSError(ENOSPC) while copying the warehouse
}


def _good_inputs(base: Path, night: int, out: Path) -> None:
    """The night's good inputs: the register grows by a row a night (from 10 rows)."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    fields, rows = read_csv_rows(base / REGISTER)
    (out / REGISTER).write_bytes(csv_bytes(fields, rows[: min(len(rows), 10 + night)]))


def test_thirty_nights_with_faults_end_equal_to_a_clean_run(
    snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.nightly
    import flows.warehouse

    rng = random.Random(SEED)
    warehouse, reports = tmp_path / "soak" / "hkam.duckdb", tmp_path / "soak-reports"
    tonight = tmp_path / "tonight"
    real_copy = flows.warehouse.shutil.copy2
    injected: list[tuple[int, str]] = []
    sizes: list[int] = []
    codes: list[int] = []
    for night in range(NIGHTS):
        when = START + timedelta(days=night)

        class Clock(datetime):
            at = when

            @classmethod
            def now(cls, tz: object = None) -> Clock:  # type: ignore[override]
                return cls.fromtimestamp(cls.at.timestamp(), tz=UTC)

        monkeypatch.setattr(flows.nightly, "datetime", Clock)
        _good_inputs(snap, night, tonight)
        faults = [name for name in FAULTS if rng.random() < RATE]
        for name in faults:
            injected.append((night, name))
            if name == "disk":

                def full(*_: Any, **__: Any) -> None:
                    raise OSError(errno.ENOSPC, "No space left on device")

                monkeypatch.setattr(flows.warehouse.shutil, "copy2", full)
            else:
                FAULTS[name](tonight)
        codes.append(hkam(tonight, warehouse, reports))
        monkeypatch.setattr(flows.warehouse.shutil, "copy2", real_copy)
        if warehouse.exists():
            sizes.append(warehouse.stat().st_size)
        blocking = {"register", "disk"} & set(faults)
        assert codes[-1] == (1 if blocking else 0), (night, faults)
    assert len(injected) >= min(5, NIGHTS // 6), injected  # the seed gives a real mix of faults
    assert NIGHTS < 30 or {name for _, name in injected} >= {"register", "disk"}

    reference, ref_reports = tmp_path / "ref" / "hkam.duckdb", tmp_path / "ref-reports"
    monkeypatch.undo()
    final = tmp_path / "final"
    _good_inputs(snap, NIGHTS - 1, final)
    assert hkam(final, reference, ref_reports) == 0
    # Provenance differs by design: a row keeps the sha of the file it was first loaded from.
    got = business_dump(warehouse, skip=("source_file_sha256",))
    want = business_dump(reference, skip=("source_file_sha256",))
    # marts.source_freshness counts landed files: the soak landed one register file a night.
    compared = [
        t for t in want if t.startswith(("core.", "marts.")) and t != "marts.source_freshness"
    ]
    assert len(compared) >= 10
    for table in compared:
        if got[table] != want[table]:
            diff = [(a, b) for a, b in zip(got[table], want[table], strict=False) if a != b][:1]
            cols = (
                [i for i, (x, y) in enumerate(zip(*diff[0], strict=True)) if x != y] if diff else []
            )
            raise AssertionError(
                f"{table}: {len(got[table])} vs {len(want[table])} rows; columns {cols}: {diff}"
            )
    # The published file stays bounded: no growth beyond the data it holds.
    assert max(sizes) <= 2 * reference.stat().st_size + (4 << 20), (sizes, reference.stat().st_size)
    assert len(list((warehouse.parent / "versions").glob("*.duckdb"))) <= 8
    (tmp_path / "soak.json").write_text(
        json.dumps({"injected": injected, "sizes": sizes, "codes": codes})
    )
    print(
        "soak:",
        json.dumps(
            {"injected": injected, "sizes": [sizes[0], sizes[-1]], "ref": reference.stat().st_size}
        ),
    )
