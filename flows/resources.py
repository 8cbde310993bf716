"""Where the files that ship with the code live (repo checkout or installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _pick(installed: str, checkout: str) -> Path:
    """The wheel carries top-level folders inside the package; a checkout has them beside it."""
    inside = _PKG / installed
    return inside if inside.is_dir() else _PKG.parent / checkout


def schemas_dir() -> Path:
    """Folder of the table contracts (schemas/**.yml)."""
    return _pick("_schemas", "schemas")


def sql_dir() -> Path:
    """Folder of the warehouse SQL files (warehouse/*.sql)."""
    return _pick("_warehouse_sql", "warehouse")


def snapshot_dir() -> Path:
    """The bundled snapshot (the default, offline source data)."""
    return _PKG / "snapshot"


def taxonomy_dir() -> Path:
    """Reviewed reference files: sector taxonomy and company aliases."""
    return _PKG / "transforms" / "reference"
