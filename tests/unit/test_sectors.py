"""Tests for the sector taxonomy (flows.transforms.sectors)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.transforms.sectors import UNMAPPED, Taxonomy, map_sectors, unmapped_labels


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def test_load_real_taxonomy(taxonomy: Taxonomy) -> None:
    assert "semiconductors_microelectronics" in taxonomy.clusters
    assert taxonomy.clusters["aerospace"]["hsic"] == "30"
    # Keys are case-folded; every label points at a declared cluster.
    assert all(label == label.casefold() for label in taxonomy.labels)
    assert set(taxonomy.labels.values()) <= set(taxonomy.clusters)
    assert taxonomy.labels["ai / it"] == "ai_robotics_automation"


def test_map_sectors_ignores_case_and_surrounding_whitespace(taxonomy: Taxonomy) -> None:
    rows = pl.DataFrame(
        {
            "sector_label": [
                "robotics & automation",
                "  Robotics & Automation ",
                "MATERIALS",
                "\tAI / IT\n",
                "I&T (multiple)",
            ]
        }
    )
    expected = rows.with_columns(
        pl.Series(
            "cluster",
            [
                "ai_robotics_automation",
                "ai_robotics_automation",
                "advanced_materials_textiles",
                "ai_robotics_automation",
                "multiple",
            ],
        )
    )
    assert_frame_equal(map_sectors(rows, taxonomy), expected)


def test_unknown_blank_and_null_labels_are_unmapped(taxonomy: Taxonomy) -> None:
    rows = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "sector_label": ["widgets", None, "", "Widgets", "materials"],
        }
    )
    got = map_sectors(rows, taxonomy)
    expected = rows.with_columns(
        pl.Series(
            "cluster", [UNMAPPED, UNMAPPED, UNMAPPED, UNMAPPED, "advanced_materials_textiles"]
        )
    )
    assert_frame_equal(got, expected)
    # Listed once each, sorted, without the empty and null labels.
    assert unmapped_labels(got) == ["Widgets", "widgets"]


def test_unmapped_labels_empty_when_all_map(taxonomy: Taxonomy) -> None:
    got = map_sectors(pl.DataFrame({"sector_label": ["aerospace / satellite"]}), taxonomy)
    assert unmapped_labels(got) == []


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sectors.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tmp_taxonomy_loads(tmp_path: Path) -> None:
    # TEST VALUES: a made-up two-cluster taxonomy.
    path = _write(
        tmp_path,
        "clusters:\n  chips: {name: Chips, hsic: '26'}\n  bots: {name: Bots, hsic: null}\n"
        "labels:\n  Chip Design: chips\n  ROBOTS: bots\n",
    )
    tax = Taxonomy.load(path)
    # Source labels, plus each cluster id as its own label (accepted review rows carry ids).
    assert tax.labels == {
        "chip design": "chips",
        "robots": "bots",
        "chips": "chips",
        "bots": "bots",
    }
    got = map_sectors(pl.DataFrame({"sector_label": ["chip DESIGN", "Robots", "x"]}), tax)
    assert got.get_column("cluster").to_list() == ["chips", "bots", UNMAPPED]


def test_label_pointing_at_undeclared_cluster_raises(tmp_path: Path) -> None:
    # TEST VALUES: "drones" is deliberately not declared under clusters.
    path = _write(
        tmp_path,
        "clusters:\n  chips: {name: Chips, hsic: '26'}\n"
        "labels:\n  chip design: chips\n  flying things: drones\n",
    )
    with pytest.raises(ValueError, match="drones") as info:
        Taxonomy.load(path)
    assert str(path) in str(info.value)
