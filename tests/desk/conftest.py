"""A small published warehouse with synthetic candidates, and the desk served on 127.0.0.1.

Every release, company and figure here is SYNTHETIC, made for these tests; none is a real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.contracts import contract
from flows.warehouse import connect, migrate


def _figures(*found: tuple[str, float, str, str]) -> str:
    return json.dumps(
        [{"text": t, "value": v, "currency": c, "qualifier": q} for t, v, c, q in found]
    )


def _jobs(*found: tuple[str, int]) -> str:
    return json.dumps([{"text": t, "value": v, "qualifier": "exact"} for t, v in found])


HOSTILE_TITLE = 'Synthetic <script>alert("desk")</script> release'
# release_id, paired, link_en, link_zh, day, title_en, title_zh, evidence, amounts, jobs,
# company_guess, cluster_guess, confidence
CANDIDATES = [
    (
        "P2026010100001", "P2026010100011",
        "https://www.info.gov.hk/gia/general/202601/01/P2026010100001.htm",
        "https://www.info.gov.hk/gia/general/202601/01/P2026010100011.htm",
        "2026-01-01", "Synthetic Semicon Ltd to build a wafer plant", "合成半導體興建晶圓廠",
        "Synthetic Semicon Ltd will invest over HK$2 billion and create 300 jobs. | "
        "合成半導體將投資超過20億港元。",
        _figures(("over HK$2 billion", 2e9, "HKD", "over")), _jobs(("300 jobs", 300)),
        "Synthetic Semicon Ltd", "semiconductors_microelectronics", 0.9,
    ),
    (
        "P2025120500002", None, "javascript:alert(3)", None, "2025-12-05", HOSTILE_TITLE, None,
        "A release naming <img src=x onerror=alert(2)> states $5 billion for robots.",
        _figures(("$5 billion", 5e9, "HKD", "exact")), "[]",
        None, "ai_robotics_automation", 0.4,
    ),
    (
        "P2025110300003", None,
        "https://www.info.gov.hk/gia/general/202511/03/P2025110300003.htm", None,
        "2025-11-03", "LCQ9: Synthetic question on life-science parks", None,
        "The Government has set aside $3 billion … Synthetic Park Corporation will run a "
        "$10 billion fund.",
        _figures(("$3 billion", 3e9, "HKD", "exact"), ("$10 billion", 1e10, "HKD", "exact")),
        "[]", None, "life_health_tech", 0.6,
    ),
    (
        "P2025100100004", None, None,
        "https://www.info.gov.hk/gia/general/202510/01/P2025100100004.htm", "2025-10-01", None,
        "合成機械人公司投資5億港元", "合成機械人公司將投資5億港元，創造80個職位。",
        _figures(("5億港元", 5e8, "HKD", "exact")), _jobs(("80個職位", 80)),
        "Synthetic Robotics Co", "ai_robotics_automation", 0.7,
    ),
]  # fmt: skip


def _register_row(cid: str, company: str, status: str, url: str) -> str:
    row = dict.fromkeys(c.name for c in contract("raw.register_commitment").source_columns)
    row.update(commitment_id=cid, party="company", company=company, scope="project",
               is_cumulative="false", status=status, source_url=url, confidence="low",
               notes=f"SYNTHETIC test row; status from {url}")  # fmt: skip
    return json.dumps({k: v or "" for k, v in row.items()}, ensure_ascii=False)


STATUS_URL = "https://www.info.gov.hk/gia/general/202602/02/P2026020200005.htm"
# proposal_id, commitment_id, company, from, to, evidence, release_id, url, title, published_at,
# confidence, language, register_row
PROPOSALS = [
    (
        "st-00000000000000a1", "syn-semicon-fab", "Synthetic Semicon Ltd", "announced",
        "construction", "Synthetic Semicon Ltd started construction of its wafer plant today.",
        "P2026020200005", STATUS_URL, "Synthetic Semicon Ltd breaks ground",
        "2026-02-02 10:00:00+08", 0.8, "en",
        _register_row("syn-semicon-fab", "Synthetic Semicon Ltd", "construction", STATUS_URL),
    ),
    (
        "st-00000000000000b2", "syn-robotics-centre", "Synthetic Robotics Co", "announced",
        "operational", "合成機械人公司的研發中心今天開幕。", "P2025090100006",
        "https://www.info.gov.hk/gia/general/202509/01/P2025090100006.htm",
        "合成機械人公司研發中心開幕", "2025-09-01 09:00:00+08", 0.5, "zh",
        _register_row("syn-robotics-centre", "Synthetic Robotics Co", "operational", ""),
    ),
]  # fmt: skip
COMPANIES = [
    ("c-semicon", "Synthetic Semicon Ltd", "合成半導體", ["Synthetic Semicon"]),
    ("c-park", "Synthetic Park Corporation", "合成園區公司", []),
    ("c-robotics", "Synthetic Robotics Co", "合成機械人公司", []),
]
# The register commitments the status proposals change: commitment_id, company, cluster.
COMMITMENTS = [
    ("syn-semicon-fab", "Synthetic Semicon Ltd", "semiconductors_microelectronics"),
    ("syn-robotics-centre", "Synthetic Robotics Co", "ai_robotics_automation"),
]


def build_warehouse(path: Path) -> Path:
    """A warehouse file as a run makes it, holding only the synthetic rows above."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    try:
        migrate(con)  # every table and view a run makes, empty
        con.executemany(
            "INSERT INTO core.announcement_candidate VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'synthetic')",
            [list(c) for c in CANDIDATES],
        )
        con.executemany(
            "INSERT INTO core.status_candidate VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'synthetic')",
            [list(p) for p in PROPOSALS],
        )
        con.executemany(
            "INSERT INTO core.company VALUES (?, ?, ?, ?, NULL, 'synthetic')",
            [list(c) for c in COMPANIES],
        )
        con.executemany(
            "INSERT INTO core.investment_commitment_history (commitment_id, version, "
            "company_name, cluster, status, notes, valid_from) VALUES (?, 1, ?, ?, 'announced', "
            "'SYNTHETIC test row', TIMESTAMPTZ '2025-01-01 00:00:00+00')",
            [list(c) for c in COMMITMENTS],
        )
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def desk_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("desk") / "wh" / "hkam.duckdb")


@dataclass
class Desk:
    """A running `hkam review --web --port 0`."""

    url: str
    data_dir: Path
    warehouse: Path
    proc: subprocess.Popen[str]

    def stop(self) -> None:
        """End the server we started (its pid only)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_desk(warehouse: Path, data_dir: Path) -> Desk:
    """Start the desk as the analyst does, and read the URL it prints."""
    hkam = Path(sys.executable).parent / "hkam"
    proc = subprocess.Popen(
        [str(hkam), "review", "--web", "--port", "0", "--warehouse", str(warehouse),
         "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    first: list[str] = []
    reader = threading.Thread(
        target=lambda: first.append(proc.stdout.readline() if proc.stdout else "")
    )
    reader.start()
    reader.join(timeout=60)
    line = first[0] if first else ""
    if "http://127.0.0.1:" not in line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the desk did not start: {line!r}")
    url = line.split("http://", 1)[1].split("/", 1)[0]
    return Desk(f"http://{url}", data_dir, warehouse, proc)


@pytest.fixture
def desk(desk_warehouse: Path, tmp_path: Path) -> Iterator[Desk]:
    running = start_desk(desk_warehouse, tmp_path / "desk-data")
    try:
        yield running
    finally:
        running.stop()
