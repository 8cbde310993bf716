"""Sector taxonomy: source labels to Hong Kong's advanced-manufacturing clusters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from flows.resources import taxonomy_dir

UNMAPPED = "unmapped"


def _key(label: str) -> str:
    """Labels match whatever their case or spacing."""
    return " ".join(label.split()).casefold()


@dataclass(frozen=True)
class Taxonomy:
    """Clusters (id -> name, HSIC) and label -> cluster id."""

    clusters: dict[str, dict[str, str | None]]
    labels: dict[str, str]

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """Read the taxonomy file; every label must point at a declared cluster."""
        path = path or taxonomy_dir() / "sectors.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        clusters, labels = data["clusters"], data["labels"]
        unknown = sorted({c for c in labels.values() if c not in clusters})
        if unknown:
            raise ValueError(f"{path}: labels point at undeclared clusters {unknown}")
        keyed = {_key(k): v for k, v in labels.items()}
        keyed.update({_key(c): c for c in clusters})  # a cluster id is its own label
        return cls(clusters=clusters, labels=keyed)


def map_sectors(rows: pl.DataFrame, taxonomy: Taxonomy) -> pl.DataFrame:
    """Add `cluster` from sector_label; labels not in the taxonomy become 'unmapped'."""
    labels = rows.get_column("sector_label").drop_nulls().unique().to_list()
    keys = {label: _key(label) for label in labels}  # distinct labels only: a handful
    return rows.with_columns(
        pl.col("sector_label")
        .replace_strict(keys, default=None, return_dtype=pl.String)
        .replace_strict(taxonomy.labels, default=UNMAPPED, return_dtype=pl.String)
        .fill_null(UNMAPPED)
        .alias("cluster")
    )


def unmapped_labels(rows: pl.DataFrame) -> list[str]:
    """Distinct source labels the taxonomy does not know (a DQ warning)."""
    found = rows.filter(pl.col("cluster") == UNMAPPED).get_column("sector_label")
    return sorted({s for s in found.to_list() if s})
