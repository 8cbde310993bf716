"""Small polars helpers shared by sources and transforms."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import compress
from typing import Any

import polars as pl


def redo_where(
    frame: pl.DataFrame, column: str, rows: pl.Expr, function: Callable[..., Any], *args: str
) -> pl.DataFrame:
    """``frame`` with ``column`` recomputed as ``function(*args)`` in Python where ``rows``.

    The column paths settle most rows in polars; the few they cannot settle exactly go back
    through the per-row Python function, so both paths give the same values.
    """
    redo = frame.select(rows.fill_null(False)).to_series()
    if not redo.any():
        return frame
    values = frame.get_column(column).to_list()
    inputs = [frame.get_column(arg).to_list() for arg in args]
    for i in compress(range(frame.height), redo.to_list()):
        values[i] = function(*(arg[i] for arg in inputs))
    return frame.with_columns(pl.Series(column, values, dtype=frame.schema[column]))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a large frame is built, back as it was after.

    Building a million small dicts or tuples sets off a full collection again and again, each one
    walking every object made so far; none of them is a cycle to collect."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
