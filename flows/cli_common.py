"""What the hkam verbs share: the usage error, their settings, writable folders, row printing."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """Bad flags or configuration: exit 2 with a message that says what to fix."""


def settings_of(args: argparse.Namespace) -> Any:
    """The settings a verb runs with: its flags over HKAM_* variables over the defaults."""
    from flows.settings import load

    return load(
        getattr(args, "warehouse", None),
        getattr(args, "snapshot_dir", None),
        getattr(args, "reports_dir", None),
        getattr(args, "data_dir", None),
        getattr(args, "dask", None),
    )


def check_writable(path: Path, what: str) -> None:
    """The folder for path exists or can be made, and we can write there."""
    folder = path.parent if what == "warehouse" else path
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the {what} folder {folder}: {exc.strerror}; pick another path"
        ) from exc
    if not os.access(folder, os.W_OK):
        raise UsageError(
            f"the {what} folder {folder} is not writable; fix its permissions or pick another path"
        )
    if path.exists() and what == "warehouse" and not os.access(path, os.W_OK):
        raise UsageError(
            f"the warehouse file {path} is not writable; fix its permissions or use --warehouse"
        )


def print_rows(names: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    """Rows as a table, CSV or JSON on stdout (flows/terminal.py)."""
    from flows.terminal import print_rows

    print_rows(names, rows, fmt)
